"""Recommendations linked to results, and the docx survey report (aggregates only)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from docx import Document

from peiban.places.models import Dwelling
from peiban.surveys.models import Form, Recommendation, Response
from peiban.surveys.report import survey_report_docx
from peiban.surveys.services import SurveyError, recommendation_add
from tests.conftest import World
from tests.surveys.test_summary import load


def text_of(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_a_recommendation_links_existing_questions_only(world: World, needs_form: Form) -> None:
    recommendation = recommendation_add(
        form=needs_form,
        title="增加停车位",
        questions=["sat_parking", "sat_parking"],
        priority=1,
        actor=world.staff,
    )
    assert recommendation.questions == ["sat_parking"]
    with pytest.raises(SurveyError, match="no question nowhere"):
        recommendation_add(form=needs_form, title="x", questions=["nowhere"])
    with pytest.raises(SurveyError, match="title"):
        recommendation_add(form=needs_form, title="  ")


def test_the_report_holds_method_coverage_recommendations_and_counts(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings)
    recommendation_add(
        form=needs_form,
        title="成立停车自治小组",
        body="停车满意度最低。",
        questions=["sat_parking"],
    )
    text = text_of(survey_report_docx(needs_form))
    assert "居民情况和需求调查" in text
    assert "16 responses are counted" in text
    assert "成立停车自治小组" in text
    assert "停车满意度最低。" in text
    parking = sum(1 for r in Response.objects.all() if r.answers["sat_parking"] == "1")
    assert "非常不满意" in text
    assert str(parking) in text
    for response in Response.objects.all():  # no answer text of any household
        comment = response.answers.get("comments")
        if comment:
            assert comment not in text


def test_staff_add_recommendations_and_viewers_download_the_report(
    world: World, login: Any, needs_form: Form
) -> None:
    url = reverse("surveys:recommend", args=["heping", needs_form.pk])
    login(world.staff).post(url, {"title": "开设老年食堂", "questions": ["needs"], "priority": "2"})
    assert Recommendation.objects.get().questions == ["needs"]
    page = login(world.viewer).get(reverse("surveys:results", args=["heping", needs_form.pk]))
    assert "开设老年食堂" in page.content.decode()
    assert "data-recommend-form" not in page.content.decode()
    report = login(world.viewer).get(reverse("surveys:report", args=["heping", needs_form.pk]))
    assert report.status_code == 200
    assert "开设老年食堂" in text_of(report.content)
