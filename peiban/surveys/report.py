"""The survey report (docx): method, coverage, results per question and the recommendations,
each followed by the results of the questions that support it. Aggregates only: no response and
no name appears, so it may go to partners and government.

Choice questions and coverage by building are drawn as PNG bar charts (peiban/core/charts.py,
Pillow with the CJK font) above the table of their numbers, since Word cannot show SVG everywhere.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.shared import Cm

from peiban.core.charts import BarChart, bar_chart_png
from peiban.surveys.answers import iter_questions, label_in
from peiban.surveys.models import Form, Recommendation, Wave
from peiban.surveys.selectors import Period, coverage_by_building, latest_version, survey_summary

CHART_WIDTH = Cm(15)

__all__ = ["survey_report_docx"]


def _chart(document: Any, chart: BarChart, key: str, drawn: dict[str, bytes]) -> None:
    """Add the chart as a picture; `drawn` keeps PNGs by key (a question's name) so a chart
    that appears twice (under a recommendation and in the results) is drawn once."""
    png = drawn.get(key)
    if png is None:
        png = drawn[key] = bar_chart_png(chart)
    document.add_picture(io.BytesIO(png), width=CHART_WIDTH)


def _question_table(
    document: Any,
    node: dict[str, Any],
    summary: dict[str, Any],
    definition: dict[str, Any],
    language: str,
    drawn: dict[str, bytes],
) -> None:
    result = summary["questions"].get(node["name"])
    if result is None:
        return
    if "counts" in result:
        choices = definition["choices"].get(node.get("list_name", ""), [])
        _chart(
            document,
            BarChart(
                title=label_in(node.get("label"), language, node["name"]),
                labels=[label_in(c.get("label"), language, c["name"]) for c in choices],
                values=[result["counts"].get(c["name"], 0) for c in choices],
            ),
            f"q:{node['name']}",
            drawn,
        )
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        header = table.rows[0].cells
        header[0].text, header[1].text, header[2].text = _("Answer"), _("Count"), _("Share")
        for choice in choices:
            cells = table.add_row().cells
            cells[0].text = label_in(choice.get("label"), language, choice["name"])
            cells[1].text = str(result["counts"].get(choice["name"], 0))
            cells[2].text = f"{100 * result['shares'].get(choice['name'], 0):.0f}%"
    elif "mean" in result:
        document.add_paragraph(
            _("%(n)s answers; mean %(mean)s, lowest %(min)s, highest %(max)s.")
            % {
                "n": result["n"],
                "mean": "–" if result["mean"] is None else f"{result['mean']:.1f}",
                "min": "–" if result["min"] is None else f"{result['min']:g}",
                "max": "–" if result["max"] is None else f"{result['max']:g}",
            }
        )


def survey_report_docx(
    form: Form,
    *,
    waves: Iterable[Wave] | None = None,
    language: str = "",
    period: Period | None = None,
) -> bytes:
    wave_list = list(waves) if waves is not None else list(form.waves.all())
    definition = latest_version(form).definition
    language = language or definition.get("default_language", "")
    summary = survey_summary(form, waves=wave_list, period=period, definition=definition)
    nodes = {n["name"]: n for n in iter_questions(definition["questions"])}
    document = Document()
    drawn: dict[str, bytes] = {}
    document.add_heading(form.title, level=0)
    document.add_paragraph(
        _("%(community)s · report of %(date)s")
        % {"community": form.community.name, "date": timezone.localdate().isoformat()}
    )

    document.add_heading(_("Method"), level=1)
    document.add_paragraph(
        _(
            "Households were visited door to door with the questionnaire “%(title)s” "
            "(%(questions)s questions); waves: %(waves)s. %(responses)s responses are counted."
        )
        % {
            "title": form.title,
            "questions": len([n for n in nodes.values() if n["type"] not in ("note", "calculate")]),
            "waves": ", ".join(w.name for w in wave_list),
            "responses": summary["responses"],
        }
    )
    if period:
        document.add_paragraph(
            _("Only responses submitted from %(start)s to %(end)s are counted.")
            % {
                "start": period.start.isoformat() if period.start else "…",
                "end": period.end.isoformat() if period.end else "…",
            }
        )

    if wave_list:
        document.add_heading(_("Coverage"), level=1)
        rows = coverage_by_building(wave_list[-1], period=period)
        if rows:
            _chart(
                document,
                BarChart(
                    title=_("Households that answered, by building"),
                    labels=[row["building"] for row in rows],
                    values=[row["answered"] for row in rows],
                ),
                "coverage",
                drawn,
            )
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        header = table.rows[0].cells
        for cell, text in zip(
            header,
            (_("Building"), _("Dwellings"), _("Answered"), _("Not home or refused")),
            strict=True,
        ):
            cell.text = text
        for row in rows:
            cells = table.add_row().cells
            cells[0].text = row["building"]
            cells[1].text = str(row["dwellings"])
            cells[2].text = str(row["answered"])
            cells[3].text = str(
                row["outcomes"].get("not_home", 0) + row["outcomes"].get("refused", 0)
            )

    document.add_heading(_("Recommendations"), level=1)
    recommendations = list(Recommendation.objects.filter(form=form))
    if not recommendations:
        document.add_paragraph(_("No recommendations have been written yet."))
    for number, recommendation in enumerate(recommendations, start=1):
        document.add_heading(f"{number}. {recommendation.title}", level=2)
        if recommendation.body:
            document.add_paragraph(recommendation.body)
        for name in recommendation.questions:
            node = nodes.get(name)
            if node is None:
                continue
            document.add_paragraph(label_in(node.get("label"), language, name), style="Heading 3")
            _question_table(document, node, summary, definition, language, drawn)

    document.add_heading(_("Results"), level=1)
    for node in nodes.values():
        if node["type"] not in ("select_one", "select_multiple", "integer", "decimal"):
            continue
        document.add_heading(label_in(node.get("label"), language, node["name"]), level=2)
        _question_table(document, node, summary, definition, language, drawn)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
