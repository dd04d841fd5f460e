"""Surveys through the API: forms, questions, results equal to `survey-summary --json`,
responses masked for leaders and logged, submitting from a visit, recommendations; scope."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from peiban.core.models import AuditAction, AuditEntry
from peiban.core.tokens import token_create
from peiban.places.models import Dwelling
from peiban.surveys.models import Form, Response, ResponseStatus
from peiban.surveys.services import recommendation_add, wave_open
from tests.conftest import World
from tests.surveys.conftest import good_answers
from tests.surveys.test_summary import load


def api(world: World, persona: str) -> tuple[Client, dict[str, str]]:
    _token, raw = token_create(user=world.persona(persona), name="test")
    return Client(), {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}


def base(form: Form) -> str:
    return f"/api/v1/communities/{form.community.slug}/surveys/{form.pk}"


def test_forms_are_listed_with_their_counts_and_sensitive_ones_for_staff_only(
    world: World, needs_form: Form, dwellings: list[Dwelling], django_assert_max_num_queries: Any
) -> None:
    load(needs_form, dwellings)
    hidden = Form.objects.create(
        organisation=world.organisation,
        community=world.community,
        title="党员信息",
        slug="party",
        id_string="party",
        sensitive=True,
    )
    client, headers = api(world, "viewer")
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/communities/heping/surveys", headers=headers).json()
    assert listed == [
        {
            "id": needs_form.pk,
            "slug": needs_form.slug,
            "title": "居民情况和需求调查",
            "sensitive": False,
            "responses": 16,
            "waves": [1],
        }
    ]
    client, headers = api(world, "staff")
    ids = [
        f["id"] for f in client.get("/api/v1/communities/heping/surveys", headers=headers).json()
    ]
    assert sorted(ids) == sorted([needs_form.pk, hidden.pk])
    viewer, viewer_headers = api(world, "viewer")
    assert viewer.get(base(hidden), headers=viewer_headers).status_code == 404


def test_a_form_detail_gives_its_questions_and_choices_in_the_callers_language(
    world: World, needs_form: Form
) -> None:
    client, headers = api(world, "viewer")
    detail = client.get(base(needs_form), headers={**headers, "Accept-Language": "en"}).json()
    questions = {q["name"]: q for q in detail["questions"]}
    assert detail["version"] == 1
    assert questions["tenure"]["type"] == "select_one"
    assert questions["household_size"]["required"] is True
    assert questions["tenure"]["required"] is False
    assert [c["name"] for c in questions["needs"]["choices"]][:2] == ["elderly_care", "childcare"]
    assert questions["elderly_count"]["relevant"] == "${has_elderly} = 'yes'"
    chinese = client.get(base(needs_form), headers={**headers, "Accept-Language": "zh-hans"})
    labels = {q["name"]: q["label"] for q in chinese.json()["questions"]}
    assert labels["household_size"] != questions["household_size"]["label"]


def test_the_summary_equals_survey_summary_json_and_counts_done_here(
    world: World, needs_form: Form, dwellings: list[Dwelling], django_assert_max_num_queries: Any
) -> None:
    load(needs_form, dwellings)
    out = StringIO()
    call_command("survey_summary", needs_form.slug, "--json", stdout=out)
    command = json.loads(out.getvalue())
    client, headers = api(world, "viewer")
    with django_assert_max_num_queries(12):
        summary = client.get(f"{base(needs_form)}/summary", headers=headers).json()
    assert summary["responses"] == command["responses"] == 16
    assert summary["questions"] == command["questions"]
    answers = [r.answers for r in Response.objects.filter(form=needs_form)]
    tally = Counter(c for a in answers for c in a.get("needs", "").split())
    counts = summary["questions"]["needs"]["counts"]
    assert {k: v for k, v in counts.items() if v} == dict(tally)


def test_the_summary_filters_by_wave_and_dates(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings)
    wave_open(form=needs_form)
    client, headers = api(world, "viewer")
    second = client.get(f"{base(needs_form)}/summary?wave=2", headers=headers).json()
    assert second["responses"] == 0
    assert second["waves"] == [2]
    both = client.get(f"{base(needs_form)}/summary?wave=1&wave=2", headers=headers).json()
    assert both["responses"] == 16
    future = client.get(f"{base(needs_form)}/summary?from=2999-01-01", headers=headers).json()
    assert future["responses"] == 0
    assert future["period"] == {"from": "2999-01-01", "to": None}
    reversed_ = client.get(
        f"{base(needs_form)}/summary?from=2026-03-06&to=2026-03-05", headers=headers
    )
    assert reversed_.status_code == 422
    assert reversed_.json()["code"] == "invalid_period"
    assert client.get(f"{base(needs_form)}/summary?wave=9", headers=headers).status_code == 422
    assert client.get(f"{base(needs_form)}/summary?from=soon", headers=headers).status_code == 422


def test_leaders_get_responses_with_free_text_masked_and_the_listing_is_logged(
    world: World, needs_form: Form, dwellings: list[Dwelling], django_assert_max_num_queries: Any
) -> None:
    load(needs_form, dwellings)
    client, headers = api(world, "leader")
    with django_assert_max_num_queries(10):
        page = client.get(f"{base(needs_form)}/responses?limit=5", headers=headers).json()
    assert page["count"] == 16
    assert page["masked"] is True
    assert len(page["items"]) == 5
    first = page["items"][0]
    stored = Response.objects.get(pk=first["id"])
    assert first["answers"]["tenure"] == stored.answers["tenure"]
    if stored.answers.get("comments"):
        assert first["answers"]["comments"] == "***"
    assert first["dwelling"] == stored.dwelling.label  # type: ignore[union-attr]
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("pk")
    assert entry.actor == world.leader
    assert entry.detail == {"format": "api", "responses": 5, "offset": 0, "masked": True}
    rest = client.get(f"{base(needs_form)}/responses?limit=500&offset=5", headers=headers).json()
    assert len(rest["items"]) == 11
    client, headers = api(world, "staff")
    clear = client.get(f"{base(needs_form)}/responses", headers=headers).json()
    assert clear["masked"] is False
    texts = [i["answers"].get("comments") for i in clear["items"]]
    assert "***" not in texts
    assert texts == [
        r.answers.get("comments") for r in Response.objects.filter(form=needs_form).order_by("pk")
    ]


def test_staff_submit_a_visits_answers_and_a_second_for_the_household_is_refused(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    client, headers = api(world, "leader")
    body = {"answers": good_answers(), "dwelling": dwellings[0].pk}
    saved = client.post(
        f"{base(needs_form)}/responses", body, content_type="application/json", headers=headers
    )
    assert saved.status_code == 200
    response = Response.objects.get()
    assert saved.json() == {
        "id": response.pk,
        "status": "submitted",
        "wave": 1,
        "dwelling": dwellings[0].pk,
    }
    assert response.created_by == world.leader
    again = client.post(
        f"{base(needs_form)}/responses", body, content_type="application/json", headers=headers
    )
    assert again.status_code == 422
    assert "already answered" in again.json()["message"]
    bad = client.post(
        f"{base(needs_form)}/responses",
        {"answers": good_answers(household_size="三口"), "dwelling": dwellings[1].pk},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 422
    draft = client.post(
        f"{base(needs_form)}/responses",
        {"answers": {"household_size": "2"}, "dwelling": dwellings[1].pk, "draft": True},
        content_type="application/json",
        headers=headers,
    )
    assert draft.json()["status"] == ResponseStatus.DRAFT


def test_a_dwelling_of_another_community_answers_404(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    far = Dwelling.objects.create(
        community=world.other_community,
        building=dwellings[0].building.__class__.objects.create(
            community=world.other_community, label="9"
        ),
        room="901",
    )
    client, headers = api(world, "admin")
    reply = client.post(
        f"{base(needs_form)}/responses",
        {"answers": good_answers(), "dwelling": far.pk},
        content_type="application/json",
        headers=headers,
    )
    assert reply.status_code == 404
    assert not Response.objects.exists()


@pytest.mark.parametrize("persona", ["other_staff", "outsider", "resident"])
def test_a_form_outside_the_callers_scope_answers_404(
    world: World, needs_form: Form, persona: str
) -> None:
    client, headers = api(world, persona)
    for suffix in ("", "/summary", "/responses", "/recommendations"):
        assert client.get(f"{base(needs_form)}{suffix}", headers=headers).status_code == 404


def test_recommendations_are_listed_by_priority(world: World, needs_form: Form) -> None:
    recommendation_add(form=needs_form, title="整治停车", priority=2, questions=["sat_parking"])
    recommendation_add(form=needs_form, title="老年食堂", priority=1, questions=["needs"])
    client, headers = api(world, "viewer")
    listed = client.get(f"{base(needs_form)}/recommendations", headers=headers).json()
    assert [(r["priority"], r["title"], r["questions"]) for r in listed] == [
        (1, "老年食堂", ["needs"]),
        (2, "整治停车", ["sat_parking"]),
    ]
