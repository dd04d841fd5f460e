"""The civility letter as PDF and Word file, and the built-in letter templates.

No database: letters are unsaved Letter instances. The PDF tests need a Noto CJK font (Debian
fonts-noto-cjk) and read the PDF back with poppler-utils (pdftotext, pdftoppm); without them they
skip with a message, unless PEIBAN_BROWSER_TESTS=required (as in CI), where they fail instead.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peiban.core import typesetting
from peiban.core.typesetting import (
    NO_LINE_END,
    NO_LINE_START,
    CJKFontMissing,
    break_lines,
    cjk_face_number,
    find_cjk_font,
)
from peiban.needs import letters
from peiban.needs.letter_templates import (
    BUILTIN_TEMPLATES,
    PLACEHOLDERS,
    format_letter_date,
    render_template_text,
)
from peiban.needs.letters import (
    lay_out,
    letter_docx,
    letter_pdf,
)
from peiban.needs.models import Letter

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DAY = datetime.date(2026, 12, 3)
COMPOUND = "和平里小区"
SIGNATURE = "和平里小区3栋居民议事小组"
SENTENCE = "远亲不如近邻，我们同住和平里小区3栋，每天抬头不见低头见"


def _missing(message: str) -> None:
    if os.environ.get("PEIBAN_BROWSER_TESTS") == "required":
        pytest.fail(message)
    pytest.skip(message)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        _missing(f"{name} was not found; install Debian's poppler-utils to read the letter PDFs.")
    return str(path)


@pytest.fixture
def cjk_font() -> Path:
    try:
        return find_cjk_font("serif")
    except CJKFontMissing as error:
        _missing(str(error))
        raise


def _template_letter(key: str = "pets", *, body_extra: str = "") -> Letter:
    template = next(t for t in BUILTIN_TEMPLATES if t.key == key)
    body = render_template_text(
        template.body, compound=COMPOUND, building="3栋", date=DAY, signature=SIGNATURE
    )
    return Letter(title=template.title, body=body + body_extra, signature=SIGNATURE)


def _pdf_text(pdf: bytes, tmp_path: Path, *pages: int) -> str:
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    command = [_tool("pdftotext"), "-raw", "-enc", "UTF-8"]
    if pages:
        command += ["-f", str(pages[0]), "-l", str(pages[-1])]
    done = subprocess.run([*command, str(source), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# --- templates -------------------------------------------------------------------------------


def test_render_template_text_fills_the_four_placeholders_and_nothing_else() -> None:
    body = "{compound}{building}的邻居：{unknown} {0} {compound.__class__} {{date}} {date}，{signature}"
    text = render_template_text(
        body, compound="和平里小区", building="3栋", date=DAY, signature="{date}居民"
    )
    assert text == (
        "和平里小区3栋的邻居：{unknown} {0} {compound.__class__} {2026年12月3日} "
        "2026年12月3日，{date}居民"
    )


def test_render_template_text_takes_a_date_as_text_too() -> None:
    assert render_template_text(
        "{date}", compound="", building="", date="十二月", signature=""
    ) == ("十二月")
    assert format_letter_date(datetime.date(2027, 1, 9)) == "2027年1月9日"


def test_builtin_templates_are_three_kindly_letters_using_every_placeholder() -> None:
    assert [t.title for t in BUILTIN_TEMPLATES] == [
        "文明养宠（家禽）劝导函",
        "楼道堆物劝导函",
        "噪音扰民劝导函",
    ]
    assert len({t.key for t in BUILTIN_TEMPLATES}) == 3
    for template in BUILTIN_TEMPLATES:
        for name in PLACEHOLDERS:
            assert "{" + name + "}" in template.body, (template.key, name)
        assert template.body.startswith("亲爱的邻居：\n您好！")
        assert "此致\n敬礼！\n\n{signature}\n{date}" in template.body
        filled = render_template_text(
            template.body, compound=COMPOUND, building="", date=DAY, signature=SIGNATURE
        )
        assert "{" not in filled
        assert "}" not in filled
    assert "公鸡" in BUILTIN_TEMPLATES[0].body


# --- line breaking ---------------------------------------------------------------------------


def _one(text: str) -> float:
    return float(len(text))


def test_break_lines_keeps_closing_marks_off_the_start_of_a_line() -> None:
    assert break_lines("一二三四五，六七八", _one, 5) == ["一二三四", "五，六七八"]
    assert break_lines("一二三四（五）六", _one, 5) == ["一二三四", "（五）六"]
    assert break_lines("一二三四五六七八", _one, 5, first_indent=2) == ["一二三", "四五六七八"]


def test_break_lines_keeps_numbers_and_words_whole_when_they_fit() -> None:
    assert break_lines("早上8:00开始", _one, 5) == ["早上", "8:00开", "始"]
    assert break_lines("请看 www.example.org", _one, 8) == ["请看", "www.exam", "ple.org"]


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("邻居您好楼道安静宠物aZ09，。、；：？！）」』（「『“”……——"),
        max_size=120,
    ),
    st.integers(min_value=4, max_value=30),
)
def test_break_lines_never_loses_text_nor_overflows(text: str, width: int) -> None:
    lines = break_lines(text, _one, width)
    assert "".join(lines) == text
    clusters = typesetting.tokens(text)
    if all(len(cluster) <= width for cluster in clusters):
        assert all(len(line) <= width for line in lines)
        for line in lines[1:]:
            assert line[0] not in NO_LINE_START
        for line in lines[:-1]:
            assert not line or line[-1] not in NO_LINE_END


# --- layout ----------------------------------------------------------------------------------


def test_layout_sets_the_salutation_and_closing_flush_left_and_signs_once() -> None:
    layout = lay_out(_template_letter(), date=DAY)
    texts = [p.text for p in layout.paragraphs]
    assert texts[0] == "亲爱的邻居："
    assert not layout.paragraphs[0].indent
    assert layout.paragraphs[1].indent
    assert texts[-4:] == ["此致", "敬礼！", SIGNATURE, "2026年12月3日"]
    assert [p.indent for p in layout.paragraphs[-4:]] == [True, False, False, False]
    assert [p.align for p in layout.paragraphs[-2:]] == ["right", "right"]
    assert texts.count(SIGNATURE) == 1


def test_layout_puts_a_salutation_on_a_line_of_its_own() -> None:
    letter = Letter(title="劝导函", body="亲爱的邻居们：您好！请关好楼门。", signature="楼长")
    paragraphs = lay_out(letter, date=DAY).paragraphs
    assert [(p.text, p.indent) for p in paragraphs[:2]] == [
        ("亲爱的邻居们：", False),
        ("您好！请关好楼门。", True),
    ]


def test_layout_adds_the_signature_and_date_a_body_lacks() -> None:
    letter = Letter(title="劝导函", body="  第一段。\r\n\r\n\t第二段。\n", signature="热心邻居")
    texts = [p.text for p in lay_out(letter, date=DAY).paragraphs]
    assert texts == ["第一段。", "第二段。", "热心邻居", "2026年12月3日"]


def _pages(groups: list[tuple[int, int]], room: int) -> list[list[int]]:
    """Paginate groups of (group id, line count) on pages of 10 lines, the first with `room`."""
    lines = [
        letters._Line(f"{group}.{n}", 0.0, 0.0, "L", group, 0.0)
        for group, count in groups
        for n in range(count)
    ]
    placed = letters._paginate(lines, float(10 - room), 0.0, 10.0, 1.0)
    pages: list[list[int]] = []
    for page, _y, line in placed:
        while len(pages) < page:
            pages.append([])
        pages[page - 1].append(line.group)
    return pages


def test_pagination_leaves_no_widow_nor_orphan_and_keeps_the_closing_whole() -> None:
    assert _pages([(0, 10)], room=3) == [[0] * 3, [0] * 7]
    assert _pages([(0, 10)], room=1) == [[], [0] * 10]  # one line alone at the foot: moved
    assert _pages([(0, 10)], room=9) == [[0] * 8, [0] * 2]  # one line alone at the head: two
    assert _pages([(0, 3)], room=2) == [[], [0] * 3]
    assert _pages([(0, 2), (letters.KEEP_TOGETHER, 4)], room=5) == [[0, 0], [-1] * 4]
    assert _pages([(0, 25)], room=10) == [[0] * 10, [0] * 10, [0] * 5]


# --- fonts -----------------------------------------------------------------------------------


def test_find_cjk_font_finds_the_simplified_chinese_face(cjk_font: Path) -> None:
    assert cjk_font.is_file()
    from fontTools.ttLib import TTFont

    face = TTFont(str(cjk_font), fontNumber=cjk_face_number(cjk_font), lazy=True)
    assert face["name"].getDebugName(1).endswith(" SC")
    assert ord("邻") in face.getBestCmap()


def test_find_cjk_font_looks_in_the_configured_folder_first(
    cjk_font: Path, tmp_path: Path, settings
) -> None:
    (tmp_path / "NotoSerifCJK-Regular.ttc").symlink_to(cjk_font)
    settings.CJK_FONT_DIR = str(tmp_path)
    assert find_cjk_font("serif") == tmp_path / "NotoSerifCJK-Regular.ttc"


def test_find_cjk_font_says_how_to_install_one(monkeypatch, tmp_path: Path, settings) -> None:
    settings.CJK_FONT_DIR = str(tmp_path)
    monkeypatch.setattr(typesetting, "_system_font_dirs", list)
    monkeypatch.setattr(typesetting.shutil, "which", lambda name: None)
    with pytest.raises(CJKFontMissing, match="fonts-noto-cjk") as raised:
        find_cjk_font("sans", bold=True)
    assert "PEIBAN_CJK_FONT_DIR" in str(raised.value)
    with pytest.raises(ValueError, match="serif"):
        find_cjk_font("mono")  # type: ignore[arg-type]


# --- PDF -------------------------------------------------------------------------------------


def test_letter_pdf_is_an_a4_letter_with_the_chinese_text(cjk_font: Path, tmp_path: Path) -> None:
    pdf = letter_pdf(_template_letter(), compound_name=COMPOUND, date=DAY)
    assert pdf.startswith(b"%PDF")
    assert _page_count(pdf) == 1
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf
    text = _pdf_text(pdf, tmp_path)
    assert "文明养宠（家禽）劝导函" in text
    assert SENTENCE in _flat(text)
    assert "陪伴 · 和平里小区" in text
    assert _flat(text).endswith(_flat(f"{SIGNATURE}2026年12月3日陪伴·和平里小区"))
    # 避头尾: no line of the body starts with closing punctuation.
    for line in text.splitlines():
        assert not line.strip() or line.strip()[0] not in NO_LINE_START, line

    ARTIFACTS.mkdir(exist_ok=True)
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            *(_tool("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"),
            *(str(source), str(ARTIFACTS / "letter")),
        ],
        check=True,
    )
    assert (ARTIFACTS / "letter.png").stat().st_size > 10_000


def test_a_long_letter_runs_onto_three_pages(cjk_font: Path, tmp_path: Path) -> None:
    paragraphs = "\n".join(
        f"第{n}段：邻里之间互相体谅，楼道保持整洁通畅，夜间注意控制音量，宠物出门牵好绳，"
        "让我们的小区更加温馨和睦，大家住得安心、舒心、开心。"
        for n in range(1, 25)
    )
    letter = Letter(title="楼道堆物劝导函", body=paragraphs, signature=SIGNATURE)
    pdf = letter_pdf(letter, compound_name=COMPOUND, date=DAY)
    assert _page_count(pdf) == 3
    assert "第 3 页，共 3 页" in _pdf_text(pdf, tmp_path, 3)
    last = _flat(_pdf_text(pdf, tmp_path, 3))
    assert "第24段" in last
    assert SIGNATURE in last
    assert "第1段" in _flat(_pdf_text(pdf, tmp_path, 1))


def test_letter_pdf_prints_markup_literally(cjk_font: Path, tmp_path: Path) -> None:
    body = '亲爱的邻居：\n<script>alert("x")</script> & <b>粗体</b> **星号** {compound}\x00\x0b'
    letter = Letter(title="<i>劝导函</i>", body=body, signature="<邻居>")
    text = _pdf_text(letter_pdf(letter, compound_name="<小区>", date=DAY), tmp_path)
    assert '<script>alert("x")</script> & <b>粗体</b> **星号** {compound}' in text
    assert "<i>劝导函</i>" in text
    assert "<邻居>" in text
    assert "陪伴 · <小区>" in text


def test_letter_pdf_without_a_bold_face_strokes_the_title(
    cjk_font: Path, monkeypatch, tmp_path: Path
) -> None:
    real = letters.find_cjk_font

    def regular_only(style="serif", bold=False):
        if bold:
            raise CJKFontMissing("no bold face here")
        return real(style)

    monkeypatch.setattr(letters, "find_cjk_font", regular_only)
    pdf = letter_pdf(_template_letter("noise"), compound_name=COMPOUND, date=DAY)
    assert len(re.findall(rb"/Subtype\s*/CIDFontType0\b", pdf)) == 1
    page = next(
        stream for stream in _streams(pdf) if b" Tj " in stream and b"/F1 20.00 Tf" in stream
    )
    # The title is outlined and filled; the graphics state is restored before the body.
    assert page.count(b" Tr ") == 1
    assert re.search(rb"\bq\n.*? 2 Tr .*?ET\nQ\n", page, re.S)
    assert "噪音扰民劝导函" in _pdf_text(pdf, tmp_path)


def test_fc_match_finds_the_font_fontconfig_knows(cjk_font: Path) -> None:
    if shutil.which("fc-match") is None:
        pytest.skip("fc-match (fontconfig) is not installed")
    found = typesetting._fc_match("serif", False)
    assert found is not None
    assert cjk_face_number(found) == cjk_face_number(cjk_font)


# --- Word ------------------------------------------------------------------------------------


def _docx(letter: Letter):
    from docx import Document

    return Document(io.BytesIO(letter_docx(letter, compound_name=COMPOUND, date=DAY)))


def test_letter_docx_is_an_a4_letter_with_east_asian_fonts() -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = _docx(_template_letter())
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == round(section.top_margin.mm) == 25
    paragraphs = document.paragraphs
    title, salutation, greeting = paragraphs[0], paragraphs[1], paragraphs[2]
    assert title.text == "文明养宠（家禽）劝导函"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.bold
    assert title.runs[0].font.size == Pt(22)
    assert salutation.text == "亲爱的邻居："
    assert SENTENCE in greeting.text
    assert greeting.runs[0].font.size == Pt(14)
    assert greeting.paragraph_format.line_spacing == 1.5
    indent = greeting._p.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"
    assert salutation._p.pPr.find(qn("w:ind")) is None
    for paragraph in paragraphs:
        for run in paragraph.runs:
            assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert [p.text for p in paragraphs[-2:]] == [SIGNATURE, "2026年12月3日"]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in paragraphs[-2:])
    assert [p.text for p in paragraphs].count(SIGNATURE) == 1
    assert section.footer.paragraphs[0].text == "陪伴 · 和平里小区"
    assert document.core_properties.title == "文明养宠（家禽）劝导函"


def test_letter_docx_prints_markup_literally() -> None:
    body = '亲爱的邻居：\n<script>alert("x")</script> & {compound}\x00\x07'
    document = _docx(Letter(title="<b>劝导函</b>", body=body, signature="居民"))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "<b>劝导函</b>"
    assert '<script>alert("x")</script> & {compound}' in texts
