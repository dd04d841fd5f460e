"""Charts drawn on the server as inline SVG, without dependencies or scripts.

Every chart is sized by its viewBox (320 units wide, shown at the width of its container), so it
scales on phones. Text is 18 units or more: at least 16 CSS pixels even in a card on a 360-pixel
phone, where the chart is about 286 pixels wide. Colours
are set with SVG presentation attributes (the content security policy forbids inline styles):
the Okabe–Ito palette for categories and a viridis ramp for counts, both safe for colour-blind
readers, with the number written on or beside every mark. Every chart has a <title> and an
aria-label; marks that lead somewhere are links with their own aria-label.

All text is escaped: the SVG is built with format_html only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 320
PAD = 8
FONT = 18
INK = "#111111"
SOFT = "#555555"
LINE = "#767676"
PAPER = "#ffffff"
# Okabe & Ito (2008), black last; distinguishable with every common colour-vision deficiency.
CATEGORICAL = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
# Viridis, light to dark: sequential, perceptually even and colour-blind safe.
SEQUENTIAL = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")


@dataclass(frozen=True)
class Series:
    """One stacked layer: a label and a value per month; optional drill-down links per month."""

    label: str
    values: Sequence[int]
    hrefs: Sequence[str | None] = ()
    colour: str | None = None


@dataclass(frozen=True)
class Cell:
    """One building of the heat grid."""

    label: str
    count: int
    href: str | None = None


@dataclass(frozen=True)
class Point:
    """One month of a line of shares; `value` None leaves a gap (nothing to divide)."""

    label: str
    value: Fraction | Decimal | float | None
    detail: str = ""


@dataclass
class Svg:
    parts: list[SafeString] = field(default_factory=list)

    def add(self, template: str, *args: object) -> None:
        self.parts.append(format_html(template, *args))

    def extend(self, parts: Sequence[SafeString]) -> None:
        self.parts.extend(parts)

    def render(
        self, *, height: float, label: str, description: str, interactive: bool
    ) -> SafeString:
        body = _join(self.parts)
        return format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
            'role="{}" aria-label="{}" font-size="{}" fill="{}">'
            "<title>{}</title><desc>{}</desc>"
            '<rect x="0" y="0" width="{}" height="{}" fill="{}"/>{}</svg>',
            WIDTH,
            number(height),
            "group" if interactive else "img",
            label,
            FONT,
            INK,
            label,
            description,
            WIDTH,
            number(height),
            PAPER,
            body,
        )


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def number(value: float | Decimal | Fraction) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float) -> float:
    """Estimated width of `text`: CJK and full-width characters 1em, others about 0.6em."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in text)


def fit(text: str, size: float, width: float) -> str:
    """`text`, cut short with an ellipsis if it would be wider than `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink_on(colour: str) -> str:
    """Black or white, whichever contrasts more with `colour` (WCAG relative luminance)."""
    lum = _luminance(colour)
    return INK if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else PAPER


def _linked(mark: SafeString, href: str | None, label: str) -> SafeString:
    if not href:
        return mark
    return format_html('<a href="{}" aria-label="{}">{}</a>', href, label, mark)


# --- Stacked bars ---------------------------------------------------------------------------------


def stacked_bars(
    months: Sequence[str], series: Sequence[Series], *, title: str | None = None
) -> SafeString:
    """Horizontal stacked bars, one row per month, with the total at the end of each bar.

    Rows grow downwards, so the chart stays narrow enough to read on a phone however many months
    there are. A legend names the series under the bars.
    """
    title = title or _("Needs raised per month, by category")
    totals = [sum(s.values[i] for s in series) for i in range(len(months))]
    peak = max(totals, default=0) or 1
    label_w = min(max((text_width(m, FONT) for m in months), default=0), 130) + PAD
    count_w = text_width(str(max(totals, default=0)), FONT) + PAD * 2
    bar_x = PAD + label_w
    bar_w = WIDTH - bar_x - count_w - PAD
    row_h, bar_h = 40, 26
    svg = Svg()
    for i, month in enumerate(months):
        top = PAD + i * row_h
        middle = top + row_h / 2
        svg.add(
            '<text x="{}" y="{}" dominant-baseline="central">{}</text>',
            PAD,
            number(middle),
            fit(month, FONT, label_w - PAD),
        )
        x = Decimal(bar_x)
        for k, layer in enumerate(series):
            value = layer.values[i]
            if value <= 0:
                continue
            width = Decimal(bar_w) * value / peak
            colour = layer.colour or CATEGORICAL[k % len(CATEGORICAL)]
            named = _("%(label)s, %(month)s: %(n)s") % {
                "label": layer.label,
                "month": month,
                "n": value,
            }
            mark = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" '
                'stroke-width="1"><title>{}</title></rect>',
                number(x),
                number(middle - bar_h / 2),
                number(width),
                bar_h,
                colour,
                PAPER,
                named,
            )
            href = layer.hrefs[i] if i < len(layer.hrefs) else None
            svg.parts.append(_linked(mark, href, named))
            x += width
        svg.add(
            '<text x="{}" y="{}" dominant-baseline="central" font-weight="700">{}</text>',
            number(x + 6),
            number(middle),
            totals[i],
        )
    legend_top = PAD + len(months) * row_h + 12
    for k, layer in enumerate(series):
        top = legend_top + k * 30
        colour = layer.colour or CATEGORICAL[k % len(CATEGORICAL)]
        svg.add(
            '<rect x="{}" y="{}" width="20" height="20" fill="{}" stroke="{}"/>'
            '<text x="{}" y="{}" dominant-baseline="central">{}</text>',
            PAD,
            top,
            colour,
            INK,
            PAD + 28,
            top + 10,
            fit(f"{layer.label} ({sum(layer.values)})", FONT, WIDTH - PAD * 2 - 28),
        )
    height = legend_top + len(series) * 30 + PAD
    description = "; ".join(
        _("%(month)s: %(n)s") % {"month": month, "n": total}
        for month, total in zip(months, totals, strict=True)
    )
    interactive = any(h for s in series for h in s.hrefs)
    return svg.render(height=height, label=title, description=description, interactive=interactive)


# --- Heat grid -----------------------------------------------------------------------------------


def bins(peak: int, steps: int = len(SEQUENTIAL)) -> list[tuple[int, int]]:
    """Up to `steps` ranges of counts (lowest, highest) covering 1..peak, in order."""
    if peak <= 0:
        return []
    if peak <= steps:
        return [(n, n) for n in range(1, peak + 1)]
    ranges, low = [], 1
    for k in range(1, steps + 1):
        high = -(-peak * k // steps)  # ceil(peak × k / steps)
        ranges.append((low, high))
        low = high + 1
    return ranges


def shade(count: int, ranges: Sequence[tuple[int, int]]) -> str:
    """The colour for `count`: white for none, then the sequential ramp, spread over the ranges."""
    if count <= 0 or not ranges:
        return PAPER
    for k, (_low, high) in enumerate(ranges):
        if count <= high:
            step = k if len(ranges) == 1 else round(k * (len(SEQUENTIAL) - 1) / (len(ranges) - 1))
            return SEQUENTIAL[step]
    return SEQUENTIAL[-1]


def heat_grid(
    cells: Sequence[Cell], *, title: str | None = None, columns: int | None = None
) -> SafeString:
    """Buildings as tiles coloured by their count, the count written large on each; a legend.

    Without `columns`, as many columns (up to four) as leave room for the longest label.
    """
    title = title or _("Needs per building")
    ranges = bins(max((c.count for c in cells), default=0))
    gap = 6
    widest = max((text_width(c.label, FONT) for c in cells), default=0) + 12
    if columns is None:
        columns = next((k for k in (4, 3, 2) if (WIDTH - 2 * PAD - (k - 1) * gap) / k >= widest), 1)
    cell_w = (WIDTH - 2 * PAD - (columns - 1) * gap) / columns
    cell_h = 76
    svg = Svg()
    for i, cell in enumerate(cells):
        x = PAD + (i % columns) * (cell_w + gap)
        y = PAD + (i // columns) * (cell_h + gap)
        fill = shade(cell.count, ranges)
        ink = ink_on(fill)
        named = _("%(label)s: %(n)s") % {"label": cell.label, "n": cell.count}
        mark = format_html(
            '<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{}" '
            'stroke="{}" stroke-width="{}"/>'
            '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>'
            '<text x="{}" y="{}" text-anchor="middle" font-size="24" font-weight="700" '
            'fill="{}">{}</text></g>',
            named,
            number(x),
            number(y),
            number(cell_w),
            cell_h,
            fill,
            INK if cell.count else LINE,
            2 if cell.count else 1,
            number(x + cell_w / 2),
            number(y + 28),
            ink,
            fit(cell.label, FONT, cell_w - 10),
            number(x + cell_w / 2),
            number(y + 62),
            ink,
            cell.count,
        )
        svg.parts.append(_linked(mark, cell.href, named))
    rows = -(-len(cells) // columns)
    # The legend: a swatch per range with the range written on it, flowing onto more lines.
    lx, ly = float(PAD), float(PAD + rows * (cell_h + gap) + 10)
    swatches = [("0", PAPER), *((_range(lo, hi), shade(hi, ranges)) for lo, hi in ranges)]
    for text, colour in swatches:
        width = max(text_width(text, FONT) + 16, 40)
        if lx + width > WIDTH - PAD:
            lx, ly = float(PAD), ly + 40
        svg.add(
            '<rect x="{}" y="{}" width="{}" height="34" fill="{}" stroke="{}"/>'
            '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
            number(lx),
            number(ly),
            number(width),
            colour,
            LINE,
            number(lx + width / 2),
            number(ly + 24),
            ink_on(colour),
            text,
        )
        lx += width + 4
    height = ly + 34 + PAD
    description = "; ".join(_("%(label)s: %(n)s") % {"label": c.label, "n": c.count} for c in cells)
    interactive = any(c.href for c in cells)
    return svg.render(height=height, label=title, description=description, interactive=interactive)


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


# --- Line ----------------------------------------------------------------------------------------


def line(
    points: Sequence[Point], *, title: str | None = None, reference: Fraction | None = None
) -> SafeString:
    """A line of shares (0–100%) per month, with a dashed reference line (one half by default).

    Months without a value leave a gap. The first and last months are named under the axis.
    """
    title = title or _("Share of steps taken by residents, per month")
    reference = Fraction(1, 2) if reference is None else reference
    left, right, top, bottom = 60, WIDTH - 16, 16, 196
    height = bottom + 56
    svg = Svg()

    def y_of(share: Fraction | Decimal | float) -> float:
        return bottom - float(share) * (bottom - top)

    for share in (Fraction(0), Fraction(1)):
        svg.add(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            left,
            number(y_of(share)),
            right,
            number(y_of(share)),
            LINE,
        )
    for share in (Fraction(0), reference, Fraction(1)):
        svg.add(
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="central">{}%</text>',
            left - 6,
            number(y_of(share)),
            _percent(share),
        )
    svg.add(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
        'stroke-dasharray="6 4"/>',
        left,
        number(y_of(reference)),
        right,
        number(y_of(reference)),
        SOFT,
    )
    step = (right - left) / max(len(points) - 1, 1)
    xs = [left + i * step if len(points) > 1 else (left + right) / 2 for i in range(len(points))]
    run: list[str] = []
    runs: list[list[str]] = []
    for x, point in zip(xs, points, strict=True):
        if point.value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{number(x)},{number(y_of(point.value))}")
    if run:
        runs.append(run)
    for coords in runs:
        svg.add(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="3" '
            'stroke-linejoin="round"/>',
            " ".join(coords),
            CATEGORICAL[0],
        )
    for x, point in zip(xs, points, strict=True):
        if point.value is None:
            continue
        named = _describe(point)
        svg.add(
            '<circle cx="{}" cy="{}" r="6" fill="{}" stroke="{}" stroke-width="2">'
            "<title>{}</title></circle>",
            number(x),
            number(y_of(point.value)),
            CATEGORICAL[0],
            PAPER,
            named,
        )
    if points:
        half = (right - left) / 2 - 4
        svg.add(
            '<text x="{}" y="{}" text-anchor="start">{}</text>',
            left,
            bottom + 30,
            fit(points[0].label, FONT, half),
        )
        if len(points) > 1:
            svg.add(
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                right,
                bottom + 30,
                fit(points[-1].label, FONT, half),
            )
    description = "; ".join(_describe(p) for p in points)
    return svg.render(height=height, label=title, description=description, interactive=False)


def _percent(share: Fraction | Decimal | float) -> str:
    if isinstance(share, Fraction):
        value = Decimal(share.numerator * 100) / Decimal(share.denominator)
    else:
        value = Decimal(str(share)) * 100
    return str(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _describe(point: Point) -> str:
    if point.value is None:
        return _("%(label)s: none") % {"label": point.label}
    text = _("%(label)s: %(percent)s%%") % {"label": point.label, "percent": _percent(point.value)}
    return f"{text} ({point.detail})" if point.detail else text


# --- PNG charts for Word and PDF files ---------------------------------------------------------

PNG_BAR = (0, 114, 178)  # Okabe–Ito blue, as CATEGORICAL[0]
PNG_INK = (17, 17, 17)
PNG_GRID = (118, 118, 118)


@dataclass(frozen=True)
class BarChart:
    """A titled bar chart of counts, one bar per label, for files that cannot hold SVG."""

    title: str
    labels: Sequence[str]
    values: Sequence[int]


def bar_chart_png(chart: BarChart, *, width: int = 1200, height: int = 600) -> bytes:
    """The chart as a PNG drawn with Pillow in Noto Sans CJK: the value above each bar, its
    label below (shortened to fit its slot), the title on top."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from peiban.core.typesetting import cjk_face_number, find_cjk_font

    path = find_cjk_font("sans")
    face = cjk_face_number(path)
    title_font = ImageFont.truetype(str(path), 34, index=face)
    font = ImageFont.truetype(str(path), 26, index=face)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 20), chart.title, font=title_font, fill=PNG_INK)
    left, right, top, bottom = 60, width - 40, 110, height - 70
    draw.line((left, bottom, right, bottom), fill=PNG_GRID, width=2)
    peak = max(chart.values, default=0) or 1
    slot = (right - left) / max(len(chart.values), 1)
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        x0 = left + i * slot + slot * 0.18
        x1 = left + (i + 1) * slot - slot * 0.18
        y = bottom - (bottom - top - 40) * value / peak
        if value:
            draw.rectangle((x0, y, x1, bottom), fill=PNG_BAR)
        text = str(value)
        tw = draw.textlength(text, font=font)
        draw.text(((x0 + x1) / 2 - tw / 2, y - 36), text, font=font, fill=PNG_INK)
        shown = label
        while shown and draw.textlength(shown, font=font) > slot - 8:
            shown = shown[:-2] + "…" if len(shown) > 1 else ""
        lw = draw.textlength(shown, font=font)
        draw.text(((x0 + x1) / 2 - lw / 2, bottom + 14), shown, font=font, fill=PNG_INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
