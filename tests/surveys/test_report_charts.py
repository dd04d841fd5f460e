"""The docx report draws choice questions and coverage by building as PNG charts, read back
from the file."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from PIL import Image

from peiban.places.models import Dwelling
from peiban.surveys.answers import iter_questions
from peiban.surveys.models import Form
from peiban.surveys.report import survey_report_docx
from peiban.surveys.selectors import latest_version
from peiban.surveys.services import recommendation_add
from tests.conftest import World
from tests.surveys.test_summary import load

PNG = b"\x89PNG\r\n\x1a\n"


def pictures(data: bytes) -> list[bytes]:
    """The images in the document body, in order."""
    document = Document(io.BytesIO(data))
    parts = document.part.related_parts
    blobs = []
    for blip in document.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
    ):
        rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
        blobs.append(parts[rid].blob)
    return blobs


def choice_questions(form: Form) -> list[str]:
    return [
        n["name"]
        for n in iter_questions(latest_version(form).definition["questions"])
        if n["type"] in ("select_one", "select_multiple")
    ]


def test_the_report_has_a_chart_per_choice_question_and_one_for_coverage(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings)
    images = pictures(survey_report_docx(needs_form))
    assert len(images) == len(choice_questions(needs_form)) + 1
    assert all(image.startswith(PNG) for image in images)
    coverage = Image.open(io.BytesIO(images[0]))
    assert coverage.size == (1200, 600)
    # Two buildings of eight answering dwellings: two equal bars in the chart's blue.
    colours = {colour: n for n, colour in coverage.getcolors(maxcolors=2**20) or []}
    assert colours.get((0, 114, 178), 0) > 10_000


def test_a_chart_under_a_recommendation_is_drawn_again_from_the_same_image(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings)
    recommendation_add(form=needs_form, title="成立停车自治小组", questions=["sat_parking"])
    images = pictures(survey_report_docx(needs_form))
    assert len(images) == len(choice_questions(needs_form)) + 2
    assert images.count(images[1]) == 2  # the parking chart, under the recommendation and after


def test_an_empty_form_still_gets_its_charts(world: World, needs_form: Form) -> None:
    images = pictures(survey_report_docx(needs_form))
    assert len(images) == len(choice_questions(needs_form))  # no building: no coverage chart
    assert all(Image.open(io.BytesIO(image)).format == "PNG" for image in images)


def test_the_report_page_is_downloaded_within_a_query_bound(
    world: World,
    needs_form: Form,
    dwellings: list[Dwelling],
    login: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from tests.surveys.test_pages import url

    load(needs_form, dwellings)
    client = login(world.viewer)
    with django_assert_max_num_queries(20):
        reply = client.get(url("surveys:report", needs_form))
    assert reply.status_code == 200
    assert len(pictures(reply.content)) == len(choice_questions(needs_form)) + 1
