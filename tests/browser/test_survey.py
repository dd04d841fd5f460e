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


def test_a_resident_answers_the_demo_questionnaire_through_the_link_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    registry: Registry,
    password: str,
) -> None:
    """Staff open the link; a resident without an account types the household code from the
    slip left at the door, fills Peiban's bilingual needs questionnaire in Chinese and submits
    it once."""
    from peiban.surveys.links import household_code
    from peiban.surveys.models import AnswerLink
    from peiban.surveys.questionnaires import needs_xlsform

    form = form_import(community=world.community, parsed=read_xlsform(needs_xlsform())).form
    staff_context = phone.context.browser.new_context(viewport={"width": 390, "height": 844})
    staff = staff_context.new_page()
    sign_in(staff, live_server, "staff", password)
    staff.goto(f"{live_server.url}/c/{world.community.slug}/surveys/{form.pk}/link/")
    staff.click("[data-link-open]")
    staff.wait_for_selector("[data-qr] svg")
    staff.screenshot(path=screenshot_path("survey-link-qr"), full_page=True)
    link = AnswerLink.objects.get(wave__form=form)
    assert staff.inner_text("[data-link-url]").endswith(f"/s/{link.token}/")
    staff_context.close()

    page_url = f"{live_server.url}/s/{link.token}/"
    phone.goto(page_url)
    phone.wait_for_selector("[data-answer=identify]")
    phone.screenshot(path=screenshot_path("survey-identify"), full_page=True)
    phone.fill("#code", household_code(link, registry.dwelling.pk).lower())
    phone.click("[data-identify]")
    phone.wait_for_selector("[data-field=household_size]")
    assert "3栋2单元301室" in phone.inner_text("[data-household]")
    assert "家里住几口人？" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing spills over

    def round_trip(action: Any) -> None:
        with phone.expect_response(lambda r: "/s/" in r.url and r.request.method == "POST"):
            action()
        phone.wait_for_timeout(150)

    def type_answer(selector: str, value: str) -> None:
        phone.fill(selector, value)
        round_trip(lambda: phone.locator(selector).dispatch_event("change"))

    type_answer("#f-household_size", "3")
    round_trip(lambda: phone.check("[data-choice='has_elderly:yes']"))
    phone.wait_for_selector("[data-field=elderly_count]")
    type_answer("#f-elderly_count", "4")
    assert "不能多于家庭人数。" in phone.inner_text("[data-error=elderly_count]")
    type_answer("#f-elderly_count", "1")
    round_trip(lambda: phone.check("[data-choice='has_children:no']"))
    round_trip(lambda: phone.check("[data-choice='tenure:owner']"))
    for key, value in (
        ("security", "4"),
        ("property", "2"),
        ("environment", "3"),
        ("parking", "1"),
        ("neighbours", "5"),
    ):
        round_trip(lambda k=key, v=value: phone.check(f"[data-choice='sat_{k}:{v}']"))
    round_trip(lambda: phone.check("[data-choice='needs:elderly_care']"))
    round_trip(lambda: phone.check("[data-choice='needs:health']"))
    round_trip(lambda: phone.check("[data-choice='volunteer:yes']"))
    phone.wait_for_selector("[data-field=skills]")
    round_trip(lambda: phone.check("[data-choice='skills:teaching']"))
    type_answer("#f-belonging", "8")
    type_answer("#f-comments", "楼道灯坏了")
    phone.screenshot(path=screenshot_path("survey-self-answer"), full_page=True)
    phone.click("[data-submit]")
    phone.wait_for_selector("[data-answer=thanks]")
    response = Response.objects.get(form=form)
    assert response.status == ResponseStatus.SUBMITTED
    assert response.source == "link"
    assert response.dwelling == registry.dwelling
    assert response.answers["needs"] == "elderly_care health"
    assert response.answers["elderly_count"] == "1"
    assert response.answers["comments"] == "楼道灯坏了"
    # The same slip scanned again, on another phone: the household has answered.
    other = phone.context.browser.new_context(viewport={"width": 390, "height": 844})
    again = other.new_page()
    again.goto(f"{page_url}?home={household_code(link, registry.dwelling.pk)}")
    again.wait_for_selector("[data-answer=answered]")
    other.close()
    assert Response.objects.filter(form=form).count() == 1
