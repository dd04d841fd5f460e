"""Capacity scores over periods as a server-side SVG line chart (the pattern of needs/charts.py).

One line per dimension on a 1–5 scale, one point per period, a legend underneath naming every
line with its colour and latest score. No scripts, no inline styles; text escaped by format_html.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from peiban.core.charts import CATEGORICAL, FONT, LINE, PAPER, WIDTH, Svg, fit, number
from peiban.groups.models import Assessment

LOW, HIGH = 1, 5


def score_lines(
    series: Sequence[Assessment],
    dimensions: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    title: str | None = None,
) -> SafeString:
    """Scores of each dimension per period, oldest period on the left."""
    labels = labels or {}
    title = title or _("Capacity scores per period (1 to 5)")
    left, right, top, bottom = 40, WIDTH - 16, 16, 176
    legend_top = bottom + 48
    height = legend_top + len(dimensions) * (FONT + 8) + 8
    svg = Svg()

    def y_of(score: float) -> float:
        return bottom - (score - LOW) / (HIGH - LOW) * (bottom - top)

    for score in range(LOW, HIGH + 1):
        svg.add(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            left,
            number(y_of(score)),
            right,
            number(y_of(score)),
            LINE,
        )
        svg.add(
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="central">{}</text>',
            left - 6,
            number(y_of(score)),
            score,
        )
    count = len(series)
    step = (right - left) / max(count - 1, 1)
    xs = [left + i * step if count > 1 else (left + right) / 2 for i in range(count)]
    for index, dimension in enumerate(dimensions):
        colour = CATEGORICAL[index % len(CATEGORICAL)]
        points = [
            (x, a.scores[dimension])
            for x, a in zip(xs, series, strict=True)
            if isinstance(a.scores.get(dimension), int)
        ]
        if len(points) > 1:
            svg.add(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="3" '
                'stroke-linejoin="round"/>',
                " ".join(f"{number(x)},{number(y_of(v))}" for x, v in points),
                colour,
            )
        for x, value in points:
            svg.add(
                '<circle cx="{}" cy="{}" r="5" fill="{}" stroke="{}" stroke-width="2">'
                "<title>{}: {}</title></circle>",
                number(x),
                number(y_of(value)),
                colour,
                PAPER,
                labels.get(dimension, dimension),
                value,
            )
        latest = points[-1][1] if points else "–"
        y = legend_top + index * (FONT + 8)
        svg.add('<rect x="{}" y="{}" width="14" height="14" fill="{}"/>', left, y - 12, colour)
        svg.add(
            '<text x="{}" y="{}">{}</text>',
            left + 22,
            y,
            fit(f"{labels.get(dimension, dimension)}: {latest}", FONT, right - left - 22),
        )
    if series:
        half = (right - left) / 2 - 4
        svg.add(
            '<text x="{}" y="{}" text-anchor="start">{}</text>',
            left,
            bottom + 28,
            fit(series[0].period, FONT, half),
        )
        if count > 1:
            svg.add(
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                right,
                bottom + 28,
                fit(series[-1].period, FONT, half),
            )
    description = "; ".join(
        f"{a.period}: "
        + ", ".join(f"{labels.get(d, d)} {a.scores.get(d, '–')}" for d in dimensions)
        for a in series
    )
    return svg.render(height=height, label=title, description=description, interactive=False)
