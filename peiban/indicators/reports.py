"""The period report of a community for funders and partners: Word, PDF and Excel.

One ReportData holds everything the three files show: the indicators of domain rules §7 by
section, the community's phase with its milestones, two charts, and highlights (public thanks
the residents agreed to have published, 点赞 with consent). The government-facing version
(``government=True``, the only one government viewers get) shows aggregates only: no highlights
and nothing that names a person.

Charts are drawn by peiban.core.charts into PNG images and placed in the Word and PDF files;
the Excel file carries the figures themselves.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.activities.models import Photo
from peiban.activities.participation import STAGE_LABELS
from peiban.core.charts import BarChart, bar_chart_png
from peiban.core.exports import Sheet, workbook_bytes
from peiban.core.typesetting import add_cjk_font, break_lines, width_cache
from peiban.indicators.figures import Indicators, Row, indicators_for
from peiban.indicators.progress import Progress, method_progress, thresholds_for
from peiban.indicators.providers import LADDER_STAGES
from peiban.needs.dashboard import local_midnight
from peiban.needs.letters import PRODUCT_NAME
from peiban.needs.models import Recognition
from peiban.places.models import Community

Format = Literal["docx", "pdf", "xlsx"]
FORMATS: tuple[Format, ...] = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HIGHLIGHTS_LIMIT = 20
MARGIN_MM = 20.0
MM_PER_PT = 25.4 / 72


@dataclass
class ReportData:
    community: Community
    start: date
    end: date
    government: bool
    indicators: Indicators
    progress: Progress
    highlights: list[str] = field(default_factory=list)
    photos: list[tuple[str, bytes]] = field(default_factory=list)  # (caption, image bytes)
    generated: date = field(default_factory=timezone.localdate)

    @property
    def title(self) -> str:
        return _("%(community)s: community building report") % {"community": self.community.name}

    @property
    def subtitle(self) -> str:
        period = _("%(start)s to %(end)s") % {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.government:
            return f"{period} · {_('Aggregates for government partners')}"
        return period

    def sections(self) -> list[tuple[str, list[Row]]]:
        return [(str(section.label), rows) for section, rows in self.indicators.sections()]

    def charts(self) -> list[BarChart]:
        ladder = BarChart(
            _("Residents by their highest stage on the participation ladder"),
            [str(STAGE_LABELS[s]) for s in LADDER_STAGES],
            [int(self.indicators.value(f"ladder_{s}") or 0) for s in LADDER_STAGES],
        )
        measure = self.indicators.measure("feedback_ratings")
        ratings = list(getattr(measure, "counts", (0, 0, 0, 0, 0)))
        feedback = BarChart(
            _("Activity ratings given, from 1 to 5"),
            [f"{n}★" for n in range(1, 6)],
            ratings,
        )
        return [ladder, feedback]


def row_text(row: Row) -> str:
    """The figure of one indicator as the report prints it."""
    if not row.measured:
        return _("not measured yet")
    if row.ratings is not None:
        return " · ".join(f"{n}★ {count}" for n, count in enumerate(row.ratings, start=1))
    if row.value is None:
        return "–"
    unit = row.indicator.unit
    if unit == "days":
        return _("%(n)s days") % {"n": row.display}
    if unit == "hours":
        return _("%(n)s hours") % {"n": row.display}
    return row.display


def report_data(community: Community, *, start: date, end: date, government: bool) -> ReportData:
    """Everything the report shows, for the local days start to end (both included)."""
    since, until = local_midnight(start), local_midnight(end + timedelta(days=1))
    indicators = indicators_for([community.pk], since=since, until=until)
    progress = method_progress(
        [community.pk], thresholds=thresholds_for(community.organisation_id), now=until
    )[community.pk]
    highlights: list[str] = []
    if not government:
        for recognition in (
            Recognition.objects.filter(
                community=community, public=True, created_at__gte=since, created_at__lt=until
            )
            .select_related("resident")
            .order_by("created_at", "pk")[:HIGHLIGHTS_LIMIT]
        ):
            # `public` is the resident's consent to be named for it (domain rules §5).
            highlights.append(f"{recognition.resident.name}：{recognition.message}")
    photos = [] if government else report_photos(community, since, until)
    return ReportData(community, start, end, government, indicators, progress, highlights, photos)


PHOTOS_LIMIT = 4


def report_photos(
    community: Community, since: datetime, until: datetime
) -> list[tuple[str, bytes]]:
    """The first photos of the period's activities (kept only when the people shown agreed),
    as (caption, PNG or JPEG bytes); unreadable files are left out."""
    from PIL import Image

    photos: list[tuple[str, bytes]] = []
    for photo in (
        Photo.objects.filter(
            activity__community=community,
            activity__starts_at__gte=since,
            activity__starts_at__lt=until,
            activity__cancelled_at__isnull=True,
        )
        .select_related("activity")
        .order_by("activity__starts_at", "pk")[: PHOTOS_LIMIT * 2]
    ):
        try:
            with photo.file.open("rb") as handle:
                image = Image.open(handle)
                image.load()
        except (OSError, ValueError):
            continue
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=85)
        day = timezone.localtime(photo.activity.starts_at).date().isoformat()
        caption = f"{photo.activity.title}（{day}）{photo.caption}"
        photos.append((caption.strip(), out.getvalue()))
        if len(photos) == PHOTOS_LIMIT:
            break
    return photos


# --- Excel -----------------------------------------------------------------------------------


def report_xlsx(data: ReportData) -> bytes:
    """One sheet of indicators (section, indicator, key, figure, unit), one of milestones and,
    in the full version, one of highlights. Every cell goes through the formula neutraliser."""
    indicators = [
        (section, row.label, row.key, _xlsx_value(row), row.indicator.unit)
        for section, rows in data.sections()
        for row in rows
    ]
    milestones = [
        (
            label,
            m.label,
            _("not measurable yet") if not m.measurable else (_("met") if m.met else _("not met")),
            m.figure,
            m.threshold,
            m.evidence,
        )
        for _phase, label, _done, items in data.progress.phases()
        for m in items
    ]
    sheets: list[Sheet] = [
        (
            _("Indicators"),
            [_("Section"), _("Indicator"), _("Key"), _("Figure"), _("Unit")],
            [(data.title, data.subtitle, "", "", ""), *indicators],
        ),
        (
            _("Method progress"),
            [_("Phase"), _("Milestone"), _("State"), _("Figure"), _("Threshold"), _("Evidence")],
            [(_("Current phase"), data.progress.phase_label, "", None, None, ""), *milestones],
        ),
    ]
    if not data.government:
        sheets.append((_("Highlights"), [_("Highlight")], [(h,) for h in data.highlights]))
    return workbook_bytes(sheets)


def _xlsx_value(row: Row) -> object:
    if not row.measured:
        return _("not measured yet")
    if row.ratings is not None:
        return row_text(row)
    value = row.value
    if value is None:
        return None
    return int(value) if row.indicator.unit == "count" else value


# --- Word ------------------------------------------------------------------------------------


def report_docx(data: ReportData, *, east_asian_font: str = "宋体") -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))

    def fonts(element: object, *, east: str = east_asian_font) -> None:
        r_pr = element.get_or_add_rPr()  # type: ignore[attr-defined]
        rfonts = r_pr.get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            rfonts.set(qn(attribute), "Times New Roman")
        rfonts.set(qn("w:eastAsia"), east)

    for style_name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = document.styles[style_name]
        fonts(style.element, east="黑体" if style_name != "Normal" else east_asian_font)
    document.styles["Normal"].font.size = Pt(12)  # 小四

    title = document.add_heading(data.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(data.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(_("Where the community stands in the method"), level=1)
    document.add_paragraph(_("Current phase: %(phase)s") % {"phase": data.progress.phase_label})
    for _phase, label, _done, items in data.progress.phases():
        for m in items:
            state = (
                _("not measurable yet")
                if not m.measurable
                else (_("met") if m.met else _("not met"))
            )
            document.add_paragraph(
                f"{label} · {m.label}：{state}。{m.evidence}", style="List Bullet"
            )

    for heading, rows in data.sections():
        document.add_heading(heading, level=1)
        table = document.add_table(rows=0, cols=2)
        table.style = "Light Grid Accent 1"
        for row in rows:
            cells = table.add_row().cells
            cells[0].text = row.label
            cells[1].text = row_text(row)
            cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    document.add_heading(_("Charts"), level=1)
    for chart in data.charts():
        document.add_picture(io.BytesIO(bar_chart_png(chart)), width=Mm(160))

    if data.photos:
        document.add_heading(_("Photos"), level=1)
        for caption, image in data.photos:
            document.add_picture(io.BytesIO(image), width=Mm(120))
            document.add_paragraph(caption).alignment = WD_ALIGN_PARAGRAPH.CENTER

    if not data.government:
        document.add_heading(_("Highlights"), level=1)
        if data.highlights:
            for highlight in data.highlights:
                document.add_paragraph(highlight, style="List Bullet")
        else:
            document.add_paragraph(_("No public thanks in this period."))

    footer = section.footer.paragraphs[0]
    footer.text = f"{PRODUCT_NAME} · {data.community.name} · {data.generated.isoformat()}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    properties = document.core_properties
    properties.title = data.title
    properties.author = data.community.organisation.name
    properties.created = properties.modified = timezone.now()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------


def report_pdf(data: ReportData) -> bytes:
    """A4, set in one face, Noto Sans CJK (思源黑体): the title and headings are the face
    stroked, figures and text the face itself. Every CJK face a PDF embeds costs its own reading
    and subsetting (about as much as the rest of the report), so the report embeds one, added
    by peiban.core.typesetting's add_cjk_font, which reads it once per process."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    footer = f"{PRODUCT_NAME} · {data.community.name} · {data.generated.isoformat()}"

    class ReportPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("sans", "", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, footer, align="L")
            self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = ReportPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_lang("zh-CN")
    pdf.set_title(data.title)
    pdf.set_creator(f"{PRODUCT_NAME} Peiban")
    add_cjk_font(pdf, "sans", "sans")
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw

    measures: dict[float, Callable[[str], float]] = {}  # each size's widths, measured once

    def paragraph(text: str, *, size: float = 10.5) -> None:
        pdf.set_font("sans", "", size)
        measure = measures.setdefault(size, width_cache(pdf.get_string_width))
        height = size * MM_PER_PT * 1.7
        for line in break_lines(text, measure, width):
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("sans", "", 14)
        pdf.set_draw_color(0, 0, 0)
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.25):
            pdf.cell(width, 9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(37, 99, 235)
        pdf.set_line_width(0.4)
        pdf.line(MARGIN_MM, pdf.get_y(), MARGIN_MM + width, pdf.get_y())
        pdf.ln(2)

    pdf.set_font("sans", "", 20)
    with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.4):
        pdf.multi_cell(width, 11, data.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sans", "", 10.5)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(width, 7, data.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    heading(_("Where the community stands in the method"))
    paragraph(_("Current phase: %(phase)s") % {"phase": data.progress.phase_label})
    for _phase, label, _done, items in data.progress.phases():
        for m in items:
            state = (
                _("not measurable yet")
                if not m.measurable
                else ("✓ " + _("met") if m.met else _("not met"))
            )
            paragraph(f"{label} · {m.label}：{state}。{m.evidence}", size=9.5)

    label_width = width * 0.68
    for title, rows in data.sections():
        heading(title)
        pdf.set_font("sans", "", 10.5)
        for number, row in enumerate(rows):
            if number % 2 == 0:
                pdf.set_fill_color(243, 246, 252)
            else:
                pdf.set_fill_color(255, 255, 255)
            pdf.set_text_color(0, 0, 0) if row.measured else pdf.set_text_color(130, 130, 130)
            pdf.cell(label_width, 7.5, row.label, fill=True)
            pdf.cell(width - label_width, 7.5, row_text(row), align="R", fill=True)
            pdf.ln(7.5)
        pdf.set_text_color(0, 0, 0)

    heading(_("Charts"))
    for chart in data.charts():
        if pdf.get_y() > pdf.h - 100:
            pdf.add_page()
        pdf.image(io.BytesIO(bar_chart_png(chart)), x=MARGIN_MM, w=width * 0.9)
        pdf.ln(4)

    if data.photos:
        heading(_("Photos"))
        for caption, image in data.photos:
            if pdf.get_y() > pdf.h - 110:
                pdf.add_page()
            pdf.image(io.BytesIO(image), x=MARGIN_MM + width * 0.15, w=width * 0.7)
            paragraph(caption, size=9)

    if not data.government:
        heading(_("Highlights"))
        for highlight in data.highlights or [_("No public thanks in this period.")]:
            paragraph(highlight)
    return bytes(pdf.output())


def report_bytes(data: ReportData, fmt: Format) -> bytes:
    if fmt == "docx":
        return report_docx(data)
    if fmt == "pdf":
        return report_pdf(data)
    return report_xlsx(data)


def report_filename(data: ReportData, fmt: Format) -> str:
    kind = "gov" if data.government else "report"
    return f"{data.community.slug}-{kind}-{data.start.isoformat()}-{data.end.isoformat()}.{fmt}"
