"""Printable notices of one-time voting codes: one A4 page per dwelling, as PDF and as Word.

Each page names the dwelling, the matter put to the owners and the question, says how to vote
online (the address of the ballot page, also as a QR code, which does not hold the code), prints
the code large, the closing time, and that Peiban is not a certified electronic voting system.

These files are the only place where plain codes are ever written: they are made by
`services.code_notices_issue` in the same step as the codes, which are then forgotten (only
their keyed hashes are kept). Setting the text: `peiban.core.typesetting` (Noto CJK fonts and
Chinese line breaking), fpdf2 for the PDF and python-docx for Word, as the civility letters do.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.typesetting import (
    CJKFontMissing,
    break_lines,
    cjk_face_number,
    find_cjk_font,
    quiet_font_subsetting,
    width_cache,
)
from peiban.councils.models import Assembly
from peiban.councils.tally import MATTERS

if TYPE_CHECKING:
    from docx.oxml.text.font import CT_RPr

    from peiban.councils.services import IssuedCode

PRODUCT_NAME = "陪伴"
MARGIN_MM = 18.0
MM_PER_PT = 25.4 / 72
TITLE_PT = 18.0
BODY_PT = 11.5
CODE_PT = 30.0
SMALL_PT = 9.0
LINE = 1.55  # line height, of the font size
QUESTION_SIZES = (11.5, 10.0, 9.0, 8.0)  # a long question is set smaller to keep one page
QR_MM = 30.0


@dataclass(frozen=True)
class NoticeText:
    """The words of a notice, the same on every page but for the dwelling and its code."""

    title: str
    community: str
    matter: str
    question: str
    how: tuple[str, ...]
    deadline: str
    keep_private: str
    not_certified: str
    vote_url: str


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M}"


def notice_text(assembly: Assembly, *, vote_url: str) -> NoticeText:
    from peiban.councils.api import NOT_CERTIFIED

    how = [
        _(
            "Open the ballot page on a phone or computer (scan the QR code or type the address), "
            "enter the code below and choose for, against or abstain."
        ),
        _(
            "An owner votes once, with all of their homes: if you own several, one of your codes "
            "is enough, and the first ballot counts."
        ),
        _("You may instead hand in a signed paper ballot to the staff before voting closes."),
    ]
    if assembly.secret:
        how.append(_("This vote is secret: the list of who voted is kept apart from the ballots."))
    return NoticeText(
        title=_("Owners' vote: your one-time voting code"),
        community=assembly.community.name,
        matter=_("%(title)s (Civil Code Article 278, matter %(n)s: %(matter)s)")
        % {"title": assembly.title, "n": assembly.matter, "matter": MATTERS[assembly.matter]},
        question=assembly.question.strip(),
        how=tuple(how),
        deadline=_("Voting closes at %(time)s. A ballot after that time is not counted.")
        % {"time": _when(assembly.closes_at)},
        keep_private=_(
            "Keep this code private: whoever has it can vote for this home. A new code makes "
            "this one stop working."
        ),
        not_certified=str(NOT_CERTIFIED),
        vote_url=vote_url,
    )


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------


def code_notices_pdf(assembly: Assembly, issued: Sequence[IssuedCode], *, vote_url: str) -> bytes:
    """One A4 page per dwelling, in the order given."""
    from fpdf import FPDF

    quiet_font_subsetting()
    text = notice_text(assembly, vote_url=vote_url)
    regular = find_cjk_font("sans")
    try:
        bold: Path = find_cjk_font("sans", bold=True)
    except CJKFontMissing:
        bold = regular

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.set_lang("zh-CN")
    pdf.set_title(text.title)
    pdf.set_creator(f"{PRODUCT_NAME} Peiban")
    pdf.add_font("notice", "", str(regular), collection_font_number=cjk_face_number(regular))
    pdf.add_font("notice", "B", str(bold), collection_font_number=cjk_face_number(bold))
    width = pdf.w - 2 * MARGIN_MM
    bottom = pdf.h - MARGIN_MM
    qr = io.BytesIO(_qr_png(vote_url))

    measures: dict[tuple[str, float], Callable[[str], float]] = {}

    def lines(words: str, style: str, size: float, room: float = width) -> list[str]:
        if (style, size) not in measures:

            def measure(piece: str, style: str = style, size: float = size) -> float:
                # Set the face each time: characters are measured lazily, when first met.
                pdf.set_font("notice", style, size)
                return float(pdf.get_string_width(piece))

            measures[(style, size)] = width_cache(measure)
        return break_lines(words, measures[(style, size)], room)

    def height(count: int, size: float) -> float:
        return count * size * MM_PER_PT * LINE

    # What is the same on every page is broken into lines once.
    beside_qr = width - QR_MM - 5
    title = lines(text.title, "B", TITLE_PT)
    matter = lines(text.matter, "B", BODY_PT)
    how = [lines(f"{n}. {step}", "", BODY_PT, beside_qr) for n, step in enumerate(text.how, 1)]
    url = lines(text.vote_url, "B", BODY_PT, beside_qr)
    deadline = lines(text.deadline, "B", BODY_PT)
    private = lines(text.keep_private, "", SMALL_PT)
    certified = lines(text.not_certified, "", SMALL_PT)
    fixed = (
        height(len(title), TITLE_PT)
        + height(2, BODY_PT)  # community, dwelling
        + height(len(matter), BODY_PT)
        + max(QR_MM, height(sum(map(len, how)) + len(url), BODY_PT))
        + CODE_PT * MM_PER_PT * 2.2
        + height(len(deadline), BODY_PT)
        + height(len(private) + len(certified), SMALL_PT)
        + 24  # the spaces between blocks
    )
    room = bottom - MARGIN_MM - fixed
    question_size = QUESTION_SIZES[-1]
    question = lines(text.question, "", question_size)
    for size in QUESTION_SIZES:
        candidate = lines(text.question, "", size)
        if height(len(candidate), size) <= room:
            question, question_size = candidate, size
            break
    else:
        fitting = max(1, int(room // (question_size * MM_PER_PT * LINE)))
        if len(question) > fitting:
            question = [*question[: fitting - 1], _("(The full question is on the ballot page.)")]

    def write(block: list[str], style: str, size: float, y: float, x: float = MARGIN_MM) -> float:
        pdf.set_font("notice", style, size)
        step = size * MM_PER_PT * LINE
        for line in block:
            pdf.set_xy(x, y)
            pdf.cell(width - (x - MARGIN_MM), step, line)
            y += step
        return y

    for item in issued:
        pdf.add_page()
        y = write(title, "B", TITLE_PT, MARGIN_MM)
        y = write([text.community], "", BODY_PT, y + 1)
        y = write([item.dwelling.label], "B", BODY_PT + 2, y)
        y = write(matter, "B", BODY_PT, y + 3)
        y = write(question, "", question_size, y)
        top = y + 4
        pdf.image(qr, x=pdf.w - MARGIN_MM - QR_MM, y=top, w=QR_MM, h=QR_MM)
        y = top
        for step in how:
            y = write(step, "", BODY_PT, y, MARGIN_MM)
        y = write(url, "B", BODY_PT, y, MARGIN_MM)
        y = max(y, top + QR_MM) + 4
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.6)
        box = CODE_PT * MM_PER_PT * 2.0
        pdf.rect(MARGIN_MM, y, width, box)
        pdf.set_font("notice", "B", CODE_PT)
        pdf.set_xy(MARGIN_MM, y)
        pdf.cell(width, box, item.code, align="C")
        y += box + 4
        y = write(deadline, "B", BODY_PT, y)
        y = write(private, "", SMALL_PT, y + 3)
        write(certified, "", SMALL_PT, y)
        pdf.set_font("notice", "", SMALL_PT)
        pdf.set_text_color(110, 110, 110)
        pdf.set_xy(MARGIN_MM, bottom + 4)
        pdf.cell(width, 5, f"{PRODUCT_NAME} · {text.community}", align="C")
        pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())


# --- Word ------------------------------------------------------------------------------------


def code_notices_docx(
    assembly: Assembly,
    issued: Sequence[IssuedCode],
    *,
    vote_url: str,
    east_asian_font: str = "黑体",
) -> bytes:
    """One page per dwelling (a page break between them), A4 with 18 mm margins."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt
    from docx.text.paragraph import Paragraph

    text = notice_text(assembly, vote_url=vote_url)
    qr = _qr_png(vote_url)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))

    def set_fonts(r_pr: CT_RPr) -> None:
        fonts = r_pr.get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), "Arial")
        fonts.set(qn("w:eastAsia"), east_asian_font)

    set_fonts(document.styles["Normal"].element.get_or_add_rPr())

    def add(
        words: str, *, size: float = BODY_PT, bold: bool = False, center: bool = False
    ) -> Paragraph:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(4)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(words)
        run.font.size = Pt(size)
        run.font.bold = bold
        set_fonts(run._element.get_or_add_rPr())
        return paragraph

    for number, item in enumerate(issued):
        add(text.title, size=TITLE_PT, bold=True)
        add(text.community)
        add(item.dwelling.label, size=BODY_PT + 2, bold=True)
        add(text.matter, bold=True)
        add(text.question)
        for step_number, step in enumerate(text.how, 1):
            add(f"{step_number}. {step}")
        add(text.vote_url, bold=True)
        document.add_picture(io.BytesIO(qr), width=Mm(QR_MM))
        add(item.code, size=CODE_PT, bold=True, center=True)
        add(text.deadline, bold=True)
        add(text.keep_private, size=SMALL_PT)
        last = add(text.not_certified, size=SMALL_PT)
        if number < len(issued) - 1:
            last.add_run().add_break(WD_BREAK.PAGE)

    properties = document.core_properties
    properties.title = text.title
    properties.author = PRODUCT_NAME
    properties.comments = ""
    properties.created = properties.modified = timezone.now()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
