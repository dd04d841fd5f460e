"""Residents answer a form themselves through its link and QR code: the household identified by
its code or the resident's account, one response per household, a link that can be closed, no
sensitive form, and a public page that limits how fast it can be tried."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from peiban.places.models import Dwelling, Resident
from peiban.surveys.links import LIMITS, dwelling_id_for_code, household_code
from peiban.surveys.models import (
    AnswerLink,
    Form,
    LinkAttempt,
    LinkAttemptKind,
    Response,
    ResponseSource,
    ResponseStatus,
    Visit,
    VisitOutcome,
)
from peiban.surveys.services import SurveyError, link_close, link_open, response_save
from tests.conftest import World
from tests.surveys.conftest import good_answers
from tests.surveys.test_pages import post_answers, url

pytestmark = pytest.mark.usefixtures("english_pages")


def answer_url(link: AnswerLink) -> str:
    return reverse("surveys:answer", kwargs={"token": link.token})


def identify(client: Client, link: AnswerLink, code: str) -> Any:
    return client.post(answer_url(link), {"action": "identify", "code": code})


def submit(client: Client, link: AnswerLink, **overrides: Any) -> Any:
    return client.post(
        answer_url(link), {**post_answers(good_answers(**overrides)), "action": "submit"}
    )


def test_a_household_code_names_its_dwelling_for_its_link_only(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form, actor=world.staff)
    code = household_code(link, dwellings[3].pk)
    assert dwelling_id_for_code(link, code) == dwellings[3].pk
    assert dwelling_id_for_code(link, code.lower().replace("-", " ")) == dwellings[3].pk
    head, mac = code.split("-")
    assert dwelling_id_for_code(link, f"{head}-{mac[::-1]}") in (None, dwellings[3].pk)
    forged = f"{household_code(link, dwellings[4].pk).split('-')[0]}-{mac}"
    assert dwelling_id_for_code(link, forged) is None
    assert dwelling_id_for_code(link, "") is None
    assert dwelling_id_for_code(link, "0O-IIIIII") is None
    link_close(link=link)
    again = link_open(form=needs_form)
    assert again.token != link.token
    assert dwelling_id_for_code(again, code) is None


def test_a_resident_answers_once_for_their_household_with_the_code_on_the_slip(
    world: World, needs_form: Form, dwellings: list[Dwelling], django_assert_max_num_queries: Any
) -> None:
    link = link_open(form=needs_form, actor=world.staff)
    home = dwellings[5]
    phone = Client()
    first = phone.get(answer_url(link))
    assert first.status_code == 200
    assert 'data-answer="identify"' in first.content.decode()
    assert identify(phone, link, household_code(link, home.pk)).status_code == 302
    with django_assert_max_num_queries(12):
        page = phone.get(answer_url(link)).content.decode()
    assert home.label in page
    assert 'data-field="household_size"' in page
    done = submit(phone, link)
    assert done.status_code == 302
    assert 'data-answer="thanks"' in phone.get(answer_url(link)).content.decode()
    response = Response.objects.get(form=needs_form)
    assert response.dwelling == home
    assert response.household == home.households.get()
    assert response.source == ResponseSource.LINK
    assert response.status == ResponseStatus.SUBMITTED
    assert response.created_by is None
    assert Visit.objects.get(dwelling=home).outcome == VisitOutcome.DONE
    # Another phone with the same slip is told the household has answered.
    other = Client()
    identify(other, link, household_code(link, home.pk))
    again = other.get(answer_url(link)).content.decode()
    assert 'data-answer="answered"' in again
    assert "has already answered" in again
    assert Response.objects.count() == 1


def test_a_second_submission_for_the_same_household_gets_a_clear_message(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    code = household_code(link, dwellings[0].pk)
    husband, wife = Client(), Client()
    identify(husband, link, code)
    identify(wife, link, code)
    assert submit(husband, link).status_code == 302
    late = submit(wife, link, household_size="5")
    assert late.status_code == 409
    assert "has already answered this survey" in late.content.decode()
    assert Response.objects.get().answers["household_size"] == "3"


def test_the_database_keeps_one_response_per_household_and_wave(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    response_save(form=needs_form, wave=link.wave, answers=good_answers(), dwelling=dwellings[1])
    with pytest.raises(SurveyError, match="already answered"):
        response_save(
            form=needs_form,
            wave=link.wave,
            answers=good_answers(),
            dwelling=dwellings[1],
            source=ResponseSource.LINK,
        )


def test_a_signed_in_resident_answers_for_their_own_household_without_a_code(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    home = dwellings[7]
    Resident.objects.create(
        community=world.community,
        household=home.households.get(),
        name="彭女士",
        user=world.resident,
    )
    link = link_open(form=needs_form)
    client = Client()
    client.force_login(world.resident)
    page = client.get(answer_url(link)).content.decode()
    assert 'data-field="household_size"' in page
    assert home.label in page
    assert submit(client, link).status_code == 302
    assert Response.objects.get().dwelling == home


def test_a_wrong_code_is_refused_and_the_page_shows_the_form_only_after_a_good_one(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    client = Client()
    refused = identify(client, link, "ZZ-ZZZZZZ")
    assert refused.status_code == 400
    assert "This household code is not valid" in refused.content.decode()
    assert 'data-field="household_size"' not in refused.content.decode()
    refused_submit = submit(client, link)
    assert 'data-answer="identify"' in refused_submit.content.decode()
    assert not Response.objects.exists()


def test_wrong_codes_are_limited_per_address(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    client = Client()
    allowed, _window = LIMITS[LinkAttemptKind.BAD_CODE]
    for number in range(allowed):
        identify(client, link, f"ZZ-ZZZZZ{number}")
    assert LinkAttempt.objects.filter(kind=LinkAttemptKind.BAD_CODE).count() == allowed
    blocked = identify(client, link, household_code(link, dwellings[0].pk))
    assert "Too many wrong codes" in blocked.content.decode()
    assert 'data-field="household_size"' not in blocked.content.decode()
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert identify(elsewhere, link, household_code(link, dwellings[0].pk)).status_code == 302


def test_the_slip_qr_code_carries_the_household_code(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    client = Client()
    scanned = client.get(answer_url(link), {"home": household_code(link, dwellings[2].pk)})
    assert scanned.status_code == 302
    assert "home=" not in scanned["Location"]
    assert dwellings[2].label in client.get(answer_url(link)).content.decode()


def test_a_link_open_to_anyone_takes_answers_not_tied_to_a_dwelling_once_per_browser(
    world: World, needs_form: Form, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = link_open(form=needs_form, households_only=False)
    first = Client()
    assert 'data-field="household_size"' in first.get(answer_url(link)).content.decode()
    assert submit(first, link).status_code == 302
    assert 'data-answer="thanks"' in first.get(answer_url(link)).content.decode()
    assert Response.objects.get().dwelling is None
    monkeypatch.setitem(LIMITS, LinkAttemptKind.SUBMIT, (2, LIMITS[LinkAttemptKind.SUBMIT][1]))
    assert submit(Client(), link).status_code == 302
    blocked = submit(Client(), link)
    assert blocked.status_code == 400
    assert "Too many responses were sent from here" in blocked.content.decode()
    assert Response.objects.count() == 2


def test_the_web_form_round_trip_sends_back_only_the_questions(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    client = Client()
    identify(client, link, household_code(link, dwellings[0].pk))
    part = client.post(
        answer_url(link),
        {"household_size": "2", "has_elderly": "yes"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "<html" not in part
    assert 'data-field="elderly_count"' in part


def test_a_closed_link_and_its_codes_stop_working(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    link = link_open(form=needs_form)
    client = Client()
    identify(client, link, household_code(link, dwellings[0].pk))
    link_close(link=link, actor=world.staff)
    closed = client.get(answer_url(link))
    assert closed.status_code == 410
    assert "This survey is closed" in closed.content.decode()
    assert submit(client, link).status_code == 410
    assert not Response.objects.exists()
    assert Client().get(reverse("surveys:answer", kwargs={"token": "nothing"})).status_code == 404


def test_a_sensitive_form_is_never_opened_through_a_link(
    world: World, needs_form: Form, dwellings: list[Dwelling], login: Any
) -> None:
    link = link_open(form=needs_form)
    needs_form.sensitive = True
    needs_form.save()
    assert Client().get(answer_url(link)).status_code == 404
    link_close(link=link)
    with pytest.raises(SurveyError, match="sensitive"):
        link_open(form=needs_form)
    client = login(world.staff)
    client.post(url("surveys:link-open", needs_form))
    assert not AnswerLink.objects.filter(closed_at__isnull=True).exists()
    assert "data-link-refused" in client.get(url("surveys:link", needs_form)).content.decode()


def test_staff_open_the_link_show_its_qr_code_print_slips_and_close_it(
    world: World, needs_form: Form, dwellings: list[Dwelling], login: Any
) -> None:
    client = login(world.staff)
    page = client.get(url("surveys:link", needs_form)).content.decode()
    assert 'data-link="closed"' in page
    assert client.post(url("surveys:link-open", needs_form)).status_code == 302
    link = AnswerLink.objects.get()
    assert link.households_only
    assert link.opened_by == world.staff
    assert client.post(url("surveys:link-open", needs_form)).status_code == 302
    assert AnswerLink.objects.count() == 1  # opening again keeps the open link
    page = client.get(url("surveys:link", needs_form)).content.decode()
    assert 'data-link="open"' in page
    assert "<svg" in page
    assert 'class="peiban-qr"' in page
    assert f"/s/{link.token}/" in page
    slips = client.get(url("surveys:codes", needs_form), {"building": "1"}).content.decode()
    for dwelling in dwellings[:8]:
        assert household_code(link, dwelling.pk) in slips
    assert household_code(link, dwellings[8].pk) not in slips  # building 2
    assert slips.count("<svg") == 8
    assert client.post(url("surveys:link-close", needs_form)).status_code == 302
    link.refresh_from_db()
    assert link.closed_at is not None
    assert client.get(url("surveys:codes", needs_form)).status_code == 404
    assert client.post(url("surveys:link-close", needs_form)).status_code == 302  # already closed
    assert AnswerLink.objects.count() == 1


def test_leaders_see_the_link_but_only_staff_open_or_close_it(
    world: World, needs_form: Form, login: Any
) -> None:
    link_open(form=needs_form)
    leader = login(world.leader)
    page = leader.get(url("surveys:link", needs_form)).content.decode()
    assert "data-qr" in page
    assert "data-link-close" not in page
    assert leader.post(url("surveys:link-close", needs_form)).status_code == 404
