"""The survey pages: upload, list, results, household visits, the web form, import and export."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peiban.core.models import AuditEntry
from peiban.places.models import Dwelling
from peiban.surveys.importing import read_responses, responses_import
from peiban.surveys.models import Form, Response, ResponseStatus, Visit
from peiban.surveys.questionnaires import NEEDS_CHOICES, needs_xlsform, xlsform_bytes
from peiban.surveys.selectors import latest_version
from tests.conftest import World
from tests.surveys import files
from tests.surveys.conftest import good_answers
from tests.surveys.test_import_responses import sample


def url(name: str, form: Form, **extra: Any) -> str:
    return reverse(name, kwargs={"community": form.community.slug, "pk": form.pk, **extra})


def test_staff_upload_a_form_and_see_it_listed(world: World, login: Any) -> None:
    client = login(world.staff)
    upload = SimpleUploadedFile("needs.xlsx", needs_xlsform())
    reply = client.post(reverse("surveys:upload", args=["heping"]), {"file": upload})
    form = Form.objects.get()
    assert reply.status_code == 302
    assert reply["Location"] == url("surveys:results", form)
    page = client.get(reverse("surveys:list", args=["heping"]))
    assert "居民情况和需求调查" in page.content.decode()


def test_a_bad_form_upload_shows_the_row_and_feature(world: World, login: Any) -> None:
    survey = [["geopoint", "where", "Where", "哪里"]]
    data = xlsform_bytes(survey, NEEDS_CHOICES, title="t", form_id="t")
    reply = login(world.staff).post(
        reverse("surveys:upload", args=["heping"]),
        {"file": SimpleUploadedFile("bad.xlsx", data)},
    )
    assert reply.status_code == 400
    assert "row 2, column type: the question type &#x27;geopoint&#x27;" in reply.content.decode()
    assert not Form.objects.exists()


def load(form: Form, dwellings: list[Dwelling]) -> None:
    reading = read_responses(
        files.kobo(sample(len(dwellings), dwellings=dwellings)),
        filename="k.csv",
        definition=latest_version(form).definition,
    )
    responses_import(form=form, reading=reading)


def test_results_show_charts_to_viewers_within_a_query_bound(
    world: World,
    login: Any,
    needs_form: Form,
    dwellings: list[Dwelling],
    django_assert_max_num_queries: Any,
) -> None:
    load(needs_form, dwellings)
    client = login(world.viewer)
    with django_assert_max_num_queries(30):
        page = client.get(url("surveys:results", needs_form), {"q": "tenure", "by": "building"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text
    assert 'data-question="sat_parking"' in text
    assert 'data-responses="1">16<' in text
    assert "data-cross" in text
    assert "data-visits" not in text
    assert "data-export" not in text
    with django_assert_max_num_queries(10):
        assert client.get(reverse("surveys:list", args=["heping"])).status_code == 200


def test_viewers_and_leaders_never_see_a_sensitive_form(
    world: World, login: Any, needs_form: Form
) -> None:
    needs_form.sensitive = True
    needs_form.save()
    for persona in (world.viewer, world.leader):
        client = login(persona)
        assert client.get(url("surveys:results", needs_form)).status_code == 404
        assert (
            needs_form.title
            not in client.get(reverse("surveys:list", args=["heping"])).content.decode()
        )
    assert login(world.staff).get(url("surveys:results", needs_form)).status_code == 200


def test_the_visit_grid_shows_outcomes_by_unit(
    world: World,
    login: Any,
    needs_form: Form,
    dwellings: list[Dwelling],
    django_assert_max_num_queries: Any,
) -> None:
    client = login(world.leader)
    reply = client.post(
        url("surveys:visit", needs_form, dwelling=dwellings[1].pk), {"outcome": "not_home"}
    )
    assert reply.status_code == 302
    assert Visit.objects.get(dwelling=dwellings[1]).outcome == "not_home"
    with django_assert_max_num_queries(12):
        page = client.get(url("surveys:visits", needs_form), {"building": "1"})
    text = page.content.decode()
    assert f'data-room="{dwellings[1].pk}" data-outcome="not_home"' in text
    assert f'data-room="{dwellings[0].pk}" data-outcome="to_visit"' in text
    assert 'data-unit="2"' in text


def test_the_web_form_shows_a_question_when_it_becomes_relevant(
    world: World, login: Any, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    client = login(world.staff)
    fill = url("surveys:fill", needs_form, dwelling=dwellings[0].pk)
    page = client.get(fill).content.decode()
    assert 'data-field="household_size"' in page
    assert 'data-field="elderly_count"' not in page
    part = client.post(
        fill, {"household_size": "2", "has_elderly": "yes"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in part  # only the questions are sent back
    assert 'data-field="elderly_count"' in part
    part = client.post(
        fill,
        {"household_size": "2", "has_elderly": "yes", "elderly_count": "5"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'data-error="elderly_count"' in part
    assert "不能多于家庭人数。" in part


def post_answers(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.split() if k in ("needs", "skills") else v) for k, v in answers.items()}


def test_a_draft_is_resumed_and_then_submitted(
    world: World, login: Any, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    client = login(world.leader)
    fill = url("surveys:fill", needs_form, dwelling=dwellings[2].pk)
    client.post(fill, {"household_size": "4", "action": "draft"})
    draft = Response.objects.get()
    assert draft.status == ResponseStatus.DRAFT
    assert 'value="4"' in client.get(fill).content.decode()
    refused = client.post(fill, {"household_size": "4", "action": "submit"})
    assert 'data-problems="' in refused.content.decode()
    done = client.post(fill, {**post_answers(good_answers()), "action": "submit"})
    assert done.status_code == 302
    response = Response.objects.get()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.answers["needs"] == "elderly_care health"
    assert response.created_by == world.leader
    assert client.get(fill).status_code == 302  # answered: not filled twice


def test_import_page_reports_rows_and_export_masks_and_logs(
    world: World, login: Any, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    client = login(world.staff)
    data = files.kobo(sample(4, dwellings=dwellings))
    reply = client.post(
        url("surveys:import", needs_form), {"file": SimpleUploadedFile("k.csv", data)}
    )
    assert "data-imported>4<" in reply.content.decode()
    bad = files.plain([{**sample(1)[0], "household_size": "many"}])
    reply = client.post(
        url("surveys:import", needs_form), {"file": SimpleUploadedFile("p.csv", bad)}
    )
    assert reply.status_code == 400
    assert 'data-rejected="2"' in reply.content.decode()
    export = client.get(url("surveys:export", needs_form, fmt="csv"))
    text = export.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith('"household_size"')
    assert "楼道灯坏了" not in text
    assert "希望多办活动" not in text
    assert AuditEntry.objects.filter(action="export", subject_type="surveys.form").count() == 1
    xlsx = client.get(url("surveys:export", needs_form, fmt="xlsx"))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
