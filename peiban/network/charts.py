"""Server-side SVG for the network pages, in the manner of peiban.core.charts.

A line of a measure over months (ties per resident, density), and a static picture of the network
for reports: a force layout (networkx spring layout with a fixed seed, so the same snapshot gives
the same picture) of the best-connected residents, coloured by building or group with the
Okabe–Ito palette. Everything is escaped through format_html; no scripts, no inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from peiban.core.charts import CATEGORICAL, FONT, INK, LINE, PAPER, SOFT, WIDTH, fit, number
from peiban.network.graph import SEED

PICTURE_NODES = 400
PICTURE_SIZE = 640
OTHER = "#999999"


def _svg(
    width: float, height: float, label: str, description: str, body: list[SafeString]
) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}" font-size="{}" fill="{}"><title>{}</title><desc>{}</desc>'
        '<rect x="0" y="0" width="{}" height="{}" fill="{}"/>{}</svg>',
        number(width),
        number(height),
        label,
        FONT,
        INK,
        label,
        description,
        number(width),
        number(height),
        PAPER,
        format_html_join("", "{}", ((part,) for part in body)),
    )


@dataclass(frozen=True)
class Value:
    label: str
    value: float
    shown: str


def trend(points: Sequence[Value], *, title: str) -> SafeString:
    """A measure per month from zero to its largest value, each point named in its tooltip."""
    left, right, top, bottom = 56, WIDTH - 16, 16, 196
    height = bottom + 56
    peak = max((p.value for p in points), default=0.0) or 1.0
    body: list[SafeString] = []

    def y_of(value: float) -> float:
        return bottom - value / peak * (bottom - top)

    for value, shown in ((0.0, "0"), (peak, _short(peak))):
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="central">{}</text>',
                left,
                number(y_of(value)),
                right,
                number(y_of(value)),
                LINE,
                left - 6,
                number(y_of(value)),
                shown,
            )
        )
    step = (right - left) / max(len(points) - 1, 1)
    xs = [left + i * step if len(points) > 1 else (left + right) / 2 for i in range(len(points))]
    if points:
        body.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="3" '
                'stroke-linejoin="round"/>',
                " ".join(
                    f"{number(x)},{number(y_of(p.value))}" for x, p in zip(xs, points, strict=True)
                ),
                CATEGORICAL[0],
            )
        )
    for x, p in zip(xs, points, strict=True):
        body.append(
            format_html(
                '<circle cx="{}" cy="{}" r="6" fill="{}" stroke="{}" stroke-width="2">'
                "<title>{}: {}</title></circle>",
                number(x),
                number(y_of(p.value)),
                CATEGORICAL[0],
                PAPER,
                p.label,
                p.shown,
            )
        )
    if points:
        half = (right - left) / 2 - 4
        body.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="start">{}</text>',
                left,
                bottom + 30,
                fit(points[0].label, FONT, half),
            )
        )
        if len(points) > 1:
            body.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="end">{}</text>',
                    right,
                    bottom + 30,
                    fit(points[-1].label, FONT, half),
                )
            )
    description = "; ".join(f"{p.label}: {p.shown}" for p in points)
    return _svg(WIDTH, height, title, description, body)


def _short(value: float) -> str:
    return f"{value:.3g}"


def colour_of(key: object, palette: dict[object, str]) -> str:
    if key in (None, "", -1):
        return OTHER
    if key not in palette:
        palette[key] = CATEGORICAL[len(palette) % (len(CATEGORICAL) - 1)]
    return palette[key]


def picture(
    nodes: Sequence[dict[str, object]],
    links: Sequence[dict[str, object]],
    *,
    colour_by: str,
    title: str,
    legend_title: str,
) -> SafeString:
    """A static picture of the network (the PICTURE_NODES best-connected residents)."""
    chosen = sorted(nodes, key=lambda n: (-int(str(n["degree"])), int(str(n["id"]))))
    chosen = chosen[:PICTURE_NODES]
    keep = {n["id"] for n in chosen}
    g = nx.Graph()
    g.add_nodes_from(sorted(keep, key=str))
    g.add_edges_from(
        (link["source"], link["target"])
        for link in links
        if link["source"] in keep and link["target"] in keep and not link.get("conflict")
    )
    positions = nx.spring_layout(g, seed=SEED) if len(g) else {}
    size = PICTURE_SIZE
    margin = 24

    def xy(node: object) -> tuple[float, float]:
        x, y = positions[node]
        return margin + (float(x) + 1) / 2 * (size - 2 * margin), margin + (float(y) + 1) / 2 * (
            size - 2 * margin
        )

    body: list[SafeString] = []
    for u, v in g.edges():
        (x1, y1), (x2, y2) = xy(u), xy(v)
        body.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1" '
                'stroke-opacity="0.5"/>',
                number(x1),
                number(y1),
                number(x2),
                number(y2),
                SOFT,
            )
        )
    palette: dict[object, str] = {}
    for key in sorted({node[colour_by] for node in chosen}, key=str):
        colour_of(key, palette)
    for node in chosen:
        x, y = xy(node["id"])
        radius = 3 + min(int(str(node["degree"])), 12) / 2
        body.append(
            format_html(
                '<circle cx="{}" cy="{}" r="{}" fill="{}" stroke="{}" stroke-width="1">'
                "<title>{}</title></circle>",
                number(x),
                number(y),
                number(radius),
                colour_of(node[colour_by], palette),
                PAPER,
                node["name"],
            )
        )
    legend_y = size + 8
    body.append(format_html('<text x="{}" y="{}">{}</text>', margin, legend_y + 18, legend_title))
    for i, (key, colour) in enumerate(list(palette.items())[:12]):
        col, row = i % 4, i // 4
        x = margin + col * 150
        y = legend_y + 40 + row * 28
        label = str(key) if colour_by == "building" else f"{int(str(key)) + 1}"
        body.append(
            format_html(
                '<circle cx="{}" cy="{}" r="8" fill="{}"/><text x="{}" y="{}" '
                'dominant-baseline="central">{}</text>',
                x + 8,
                y,
                colour,
                x + 22,
                y,
                fit(label, FONT, 120),
            )
        )
    rows = (min(len(palette), 12) + 3) // 4
    height = legend_y + 40 + rows * 28 + 8
    description = f"{len(chosen)} / {len(nodes)}"
    return _svg(size, height, title, description, body)
