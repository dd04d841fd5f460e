"""A leader visits a household on a phone and fills a small bilingual questionnaire; questions
appear as earlier answers make them relevant (a round trip to the server's evaluator each time)."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.surveys.models import Response, ResponseStatus
from peiban.surveys.questionnaires import _row, xlsform_bytes
from peiban.surveys.services import form_import
from peiban.surveys.xlsform import read_xlsform
from tests.browser.test_registry import sign_in
from tests.conftest import Registry, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SURVEY = [
    _row(
        "integer",
        "size",
        "How many people live here?",
        "家里住几口人？",
        required="yes",
        constraint=". >= 1 and . <= 20",
        message=("Between 1 and 20.", "请填 1 到 20 之间的数。"),
    ),
    _row(
        "select_one yes_no",
        "elderly",
        "Anyone aged 60 or over?",
        "有 60 岁以上老人吗？",
        required="yes",
    ),
    _row(
        "integer", "elderly_n", "How many?", "几位？", required="yes", relevant="${elderly} = 'yes'"
    ),
    _row("select_multiple needs", "needs", "What would help?", "最需要哪些服务？"),
]
CHOICES = [
    ["yes_no", "yes", "Yes", "是"],
    ["yes_no", "no", "No", "否"],
    ["needs", "elderly_care", "Elderly care", "养老服务"],
    ["needs", "activities", "Activities", "社区活动"],
]


def test_a_leader_fills_the_survey_for_a_household_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    registry: Registry,
    password: str,
) -> None:
    parsed = read_xlsform(xlsform_bytes(SURVEY, CHOICES, title="小调查", form_id="small"))
    form = form_import(community=world.community, parsed=parsed).form
    sign_in(phone, live_server, "leader", password)
    base = f"{live_server.url}/c/{world.community.slug}/surveys/{form.pk}"
    phone.goto(f"{base}/visits/?building=3")
    phone.click(f"[data-fill='{registry.dwelling.pk}']")
    phone.wait_for_selector("[data-field=size]")
    assert "家里住几口人？" in phone.content()
    assert phone.locator("[data-field=elderly_n]").count() == 0

    def round_trip(action: Any) -> None:
        """Do something that changes an answer and wait for the server's re-rendered questions."""
        with phone.expect_response(lambda r: "/fill/" in r.url and r.request.method == "POST"):
            action()
        phone.wait_for_timeout(150)  # htmx swaps and settles

    def type_answer(selector: str, value: str) -> None:
        phone.fill(selector, value)
        round_trip(lambda: phone.locator(selector).dispatch_event("change"))

    type_answer("#f-size", "25")
    assert "请填 1 到 20 之间的数。" in phone.inner_text("[data-error=size]")
    type_answer("#f-size", "3")
    assert phone.locator("[data-error=size]").count() == 0

    round_trip(lambda: phone.check("[data-choice='elderly:yes']"))
    phone.wait_for_selector("[data-field=elderly_n]")  # shown by the server's evaluator
    type_answer("#f-elderly_n", "1")
    round_trip(lambda: phone.check("[data-choice='needs:elderly_care']"))
    phone.screenshot(path=screenshot_path("survey-phone"), full_page=True)
    phone.click("[data-submit]")
    phone.wait_for_selector(f"[data-room='{registry.dwelling.pk}'][data-outcome=done]")
    response = Response.objects.get(form=form)
    assert response.status == ResponseStatus.SUBMITTED
    assert response.answers == {
        "size": "3",
        "elderly": "yes",
        "elderly_n": "1",
        "needs": "elderly_care",
    }
    assert response.dwelling == registry.dwelling
