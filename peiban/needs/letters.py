"""The civility letter (文明劝导函) as an A4 PDF and as a Word file.

The PDF is set with fpdf2 in Noto Serif CJK SC, which fpdf2 embeds (subset) straight from the
CFF-based OpenType collections of Debian's fonts-noto-cjk; the face for Simplified Chinese is picked
from the collection by name. Lines are broken here rather than by fpdf2, so that Chinese text can
break between any two characters while closing punctuation never starts a line and opening
punctuation never ends one (避头尾): the character before such a mark moves down with it, and the
line left short is justified by spreading its characters (两端对齐).

The Word file names 宋体 as the East Asian font, which every Chinese Windows has and which
LibreOffice maps to an installed serif CJK font; Word applies its own line-breaking rules.

A letter's text is plain text: nothing in it is interpreted, so markup prints as typed.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from django.utils import timezone

from peiban.core.typesetting import (
    CJKFontMissing,
    break_lines,
    cjk_face_number,
    find_cjk_font,
    quiet_font_subsetting,
    width_cache,
)
from peiban.needs.letter_templates import format_letter_date
from peiban.needs.models import Letter

if TYPE_CHECKING:
    from docx.oxml.text.font import CT_RPr

MM_PER_PT = 25.4 / 72
MARGIN_MM = 25.0
TITLE_PT = 20.0
BODY_PT = 14.0
FOOTER_PT = 9.0
LINE_HEIGHT = 1.8  # of the body size, in the PDF
PRODUCT_NAME = "陪伴"
KEEP_TOGETHER = -1  # the group of the closing lines, set on one page

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_INDENT = " \t\u3000"
_DATE_LINE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-./]\d{1,2}[-./]\d{1,2}"
    r"|[〇零一二三四五六七八九○]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日"
)
_SALUTATION = re.compile(r"(?:亲爱的|尊敬的)[^：:，。！\n]{1,20}[：:]")
_CLOSING = re.compile(r"敬礼[！!。]?")


# --- text ------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Plain text with Unix newlines, tabs as spaces and no control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _CONTROL.sub("", text)


@dataclass(frozen=True)
class LetterParagraph:
    text: str
    indent: bool = True  # first line indented by two characters
    align: Literal["justify", "right"] = "justify"
    closing: bool = False  # 此致/敬礼 and the signature block: kept on one page
    space_before: float = 0.0  # in lines


@dataclass(frozen=True)
class LetterLayout:
    """A letter's text divided into what each output sets differently."""

    title: str
    paragraphs: tuple[LetterParagraph, ...]


def letter_date(letter: Letter) -> datetime.date:
    """The date a letter bears: when it was posted, else when it was drafted, else today."""
    moment = letter.posted_at or letter.created_at
    if moment is None:
        return timezone.localdate()
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def lay_out(letter: Letter, *, date: datetime.date | None = None) -> LetterLayout:
    """Split a letter's body into paragraphs: one per line, blank lines ignored.

    The first line is the salutation, set flush left when it ends in a colon (亲爱的邻居：), and
    split from what follows it on the same line when it begins with 亲爱的 or 尊敬的;
    "敬礼！" is flush left; trailing lines that are the signature or a date form the signature
    block, which is completed from the letter's signature and date when the body lacks them.
    """
    signature = _clean(letter.signature).strip()
    lines = [line.strip(_INDENT) for line in _clean(letter.body).split("\n")]
    lines = [line for line in lines if line]
    if lines:
        # "亲爱的邻居：您好！……" typed on one line: the salutation goes on a line of its own.
        salutation = _SALUTATION.match(lines[0])
        if salutation and salutation.end() < len(lines[0]):
            lines[0:1] = [salutation.group(0), lines[0][salutation.end() :].lstrip(_INDENT)]
    body_date = ""
    signed = False
    while lines:
        last = lines[-1]
        if not body_date and _DATE_LINE.fullmatch(last) and not signed:
            body_date = last
        elif signature and last == signature and not signed:
            signed = True
        else:
            break
        lines.pop()
    paragraphs: list[LetterParagraph] = []
    for number, line in enumerate(lines):
        is_salutation = number == 0 and line.endswith(("：", ":")) and len(line) <= 40
        is_closing = _CLOSING.fullmatch(line) is not None
        closing = is_closing or (
            line == "此致" and number + 1 < len(lines) and _CLOSING.fullmatch(lines[number + 1])
        )
        paragraphs.append(
            LetterParagraph(line, indent=not (is_salutation or is_closing), closing=bool(closing))
        )
    block = [signature] if signature else []
    block.append(body_date or format_letter_date(date or letter_date(letter)))
    for number, line in enumerate(block):
        paragraphs.append(
            LetterParagraph(
                line,
                indent=False,
                align="right",
                closing=True,
                space_before=1.0 if number == 0 else 0.0,
            )
        )
    return LetterLayout(_clean(letter.title).strip(), tuple(paragraphs))


# --- PDF -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    x: float
    spacing_pt: float  # extra space after each character, to justify
    align: Literal["L", "R"]
    group: int  # lines of one group are kept on one page
    space_before: float  # mm


def letter_pdf(letter: Letter, *, compound_name: str, date: datetime.date | None = None) -> bytes:
    """The letter as an A4 PDF: title, body, signature block, and a footer naming the compound."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    quiet_font_subsetting()
    layout = lay_out(letter, date=date)
    regular = find_cjk_font("serif")
    try:
        bold: Path | None = find_cjk_font("serif", bold=True)
    except CJKFontMissing:
        bold = None  # set the title in the regular face, stroked to look bold

    footer = f"{PRODUCT_NAME} · {_clean(compound_name).strip()}".strip(" ·")
    pages = {"total": 1}

    class LetterPDF(FPDF):
        def footer(self) -> None:
            self.set_draw_color(160, 160, 160)
            self.set_line_width(0.2)
            rule_y = self.h - MARGIN_MM + 9
            self.line(self.l_margin, rule_y, self.w - self.r_margin, rule_y)
            self.set_font("letter", "", FOOTER_PT)
            self.set_text_color(110, 110, 110)
            self.set_char_spacing(0)
            self.set_xy(self.l_margin, rule_y + 1.5)
            self.cell(self.epw, 5, footer, align="C")
            if pages["total"] > 1:
                self.set_xy(self.l_margin, rule_y + 1.5)
                self.cell(self.epw, 5, f"第 {self.page_no()} 页，共 {pages['total']} 页", align="R")
            self.set_text_color(0, 0, 0)

    pdf = LetterPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.set_lang("zh-CN")
    pdf.set_title(layout.title)
    pdf.set_author(_clean(letter.signature).strip())
    pdf.set_creator(f"{PRODUCT_NAME} Peiban")
    pdf.add_font("letter", "", str(regular), collection_font_number=cjk_face_number(regular))
    if bold is not None:
        pdf.add_font("letter", "B", str(bold), collection_font_number=cjk_face_number(bold))

    width = pdf.w - 2 * MARGIN_MM
    bottom = pdf.h - MARGIN_MM

    # Title lines, then body lines, each with the space before it; measured before any drawing
    # so that the page count is known to the footer.
    pdf.set_font("letter", "B" if bold else "", TITLE_PT)
    title_widths = width_cache(pdf.get_string_width)
    title_lines = break_lines(layout.title, title_widths, width) if layout.title else []
    title_height = TITLE_PT * MM_PER_PT * 1.5

    pdf.set_font("letter", "", BODY_PT)
    body_width_of = width_cache(pdf.get_string_width)
    em = BODY_PT * MM_PER_PT
    line_height = em * LINE_HEIGHT
    lines: list[_Line] = []
    for group, paragraph in enumerate(layout.paragraphs):
        indent = 2 * em if paragraph.indent else 0.0
        broken = break_lines(paragraph.text, body_width_of, width, first_indent=indent)
        for number, text in enumerate(broken):
            x = MARGIN_MM + (indent if number == 0 else 0.0)
            spacing = 0.0
            last = number == len(broken) - 1
            if paragraph.align == "justify" and not last and len(text) > 1:
                gap = (MARGIN_MM + width) - x - body_width_of(text)
                if 0 < gap <= 3 * em:
                    spacing = gap / (len(text) - 1) / MM_PER_PT
            lines.append(
                _Line(
                    text,
                    x,
                    spacing,
                    "R" if paragraph.align == "right" else "L",
                    KEEP_TOGETHER if paragraph.closing else group,
                    paragraph.space_before * line_height if number == 0 else 0.0,
                )
            )

    first_page_top = MARGIN_MM + len(title_lines) * title_height + 0.6 * line_height
    placed = _paginate(lines, first_page_top, MARGIN_MM, bottom, line_height)
    pages["total"] = placed[-1][0] if placed else 1

    pdf.add_page()
    if title_lines:
        pdf.set_font("letter", "B" if bold else "", TITLE_PT)
        # Without a bold face, the regular one is outlined as well as filled to look bold; the
        # local context restores the rendering mode after the title.
        mode = TextMode.FILL if bold else TextMode.FILL_STROKE
        with pdf.local_context(text_mode=mode, line_width=0.6):
            for number, text in enumerate(title_lines):
                pdf.set_xy(MARGIN_MM, MARGIN_MM + number * title_height)
                pdf.cell(width, title_height, text, align="C")
    pdf.set_font("letter", "", BODY_PT)
    for page, y, line in placed:
        while pdf.page_no() < page:
            pdf.add_page()
            pdf.set_font("letter", "", BODY_PT)
        pdf.set_char_spacing(line.spacing_pt)
        pdf.set_xy(line.x, y)
        pdf.cell(MARGIN_MM + width - line.x, line_height, line.text, align=line.align)
    pdf.set_char_spacing(0)
    return bytes(pdf.output())


def _paginate(
    lines: Sequence[_Line], first_top: float, top: float, bottom: float, line_height: float
) -> list[tuple[int, float, _Line]]:
    """The page and top of each line. A paragraph may run onto the next page, leaving at least
    two of its lines on each; the closing (此致, 敬礼, signature and date) is never divided."""
    placed: list[tuple[int, float, _Line]] = []
    page, y = 1, first_top
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and lines[end].group == lines[index].group:
            end += 1
        run = lines[index:end]
        at_top = y <= top + 1e-6
        fits, used = 0, y
        for line in run:
            used += (0.0 if at_top and fits == 0 else line.space_before) + line_height
            if used > bottom + 1e-6:
                break
            fits += 1
        if fits < len(run) and not at_top:
            if run[0].group == KEEP_TOGETHER:
                fits = 0
            else:
                fits = min(fits, len(run) - 2)  # no single line left over: no widow
                fits = 0 if fits < 2 else fits  # no single line left behind: no orphan
        if at_top:
            fits = max(fits, 1)
        for number, line in enumerate(run[:fits]):
            y += 0.0 if (at_top and number == 0) else line.space_before
            placed.append((page, y, line))
            y += line_height
        index += fits
        if index < end:
            page, y = page + 1, top
    return placed


# --- Word ------------------------------------------------------------------------------------


def letter_docx(
    letter: Letter,
    *,
    compound_name: str,
    date: datetime.date | None = None,
    east_asian_font: str = "宋体",
) -> bytes:
    """The letter as a Word file: A4, 25 mm margins, 二号 title, 四号 body at 1.5 line spacing."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    layout = lay_out(letter, date=date)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    section.footer_distance = Mm(12)

    def set_fonts(r_pr: CT_RPr, *, latin: str = "Times New Roman") -> None:
        fonts = r_pr.get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), latin)
        fonts.set(qn("w:eastAsia"), east_asian_font)
        language = r_pr.find(qn("w:lang"))
        if language is None:
            language = r_pr.makeelement(qn("w:lang"), {})
            r_pr.append(language)
        language.set(qn("w:val"), "en-US")
        language.set(qn("w:eastAsia"), "zh-CN")

    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element.get_or_add_rPr())

    def add_run(paragraph: Paragraph, text: str, *, size: float, bold: bool = False) -> Run:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        if bold:
            run.font.bold = True
        set_fonts(run._element.get_or_add_rPr())
        return run

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    title.paragraph_format.line_spacing = 1.5
    add_run(title, layout.title, size=22, bold=True)  # 二号

    for paragraph in layout.paragraphs:
        p = document.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing = 1.5
        fmt.space_after = Pt(0)
        fmt.space_before = Pt(BODY_PT * 1.5) if paragraph.space_before else Pt(0)
        if paragraph.align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if paragraph.indent:
            p_pr = p._p.get_or_add_pPr()
            ind = p_pr.get_or_add_ind()
            ind.set(qn("w:firstLineChars"), "200")
            ind.set(qn("w:firstLine"), str(int(2 * BODY_PT * 20)))  # twips, for other readers
        if paragraph.closing:
            fmt.keep_with_next = paragraph is not layout.paragraphs[-1]
        add_run(p, paragraph.text, size=BODY_PT)  # 四号

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer_text = f"{PRODUCT_NAME} · {_clean(compound_name).strip()}".strip(" ·")
    footer_run = add_run(footer, footer_text, size=FOOTER_PT)
    footer_run.font.color.rgb = RGBColor(0x6E, 0x6E, 0x6E)

    properties = document.core_properties
    properties.title = layout.title
    properties.author = _clean(letter.signature).strip()
    properties.last_modified_by = PRODUCT_NAME
    properties.comments = ""
    properties.created = properties.modified = timezone.now()
    properties.revision = 1
    properties.keywords = "文明劝导函"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
