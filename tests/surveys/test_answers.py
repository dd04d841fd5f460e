"""Checking responses with the evaluator: relevance, required, constraints, types, repeats."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.places.models import Dwelling
from peiban.surveys.answers import check_answers, offered_choices
from peiban.surveys.models import Answer, Form, Response, ResponseStatus, Visit
from peiban.surveys.questionnaires import needs_xlsform
from peiban.surveys.services import SurveyError, response_save, visit_record
from peiban.surveys.xlsform import read_xlsform
from tests.conftest import World
from tests.surveys.conftest import good_answers
from tests.surveys.test_forms import repeat_form

NEEDS = read_xlsform(needs_xlsform()).definition
MEMBERS = read_xlsform(repeat_form()).definition


def problems(answers: dict[str, Any], definition: dict[str, Any] = NEEDS) -> dict[str, str]:
    return {p.question: p.message for p in check_answers(definition, answers).problems}


def test_good_answers_pass_and_calculations_are_computed() -> None:
    checked = check_answers(NEEDS, good_answers())
    assert checked.ok
    assert checked.answers["needs_n"] == "2"
    assert checked.answers["elderly_count"] == "1"


def test_a_question_not_relevant_is_not_asked_and_its_answer_dropped() -> None:
    checked = check_answers(NEEDS, good_answers(has_elderly="no", elderly_count="2"))
    assert checked.ok
    assert "elderly_count" not in checked.answers
    assert "elderly_count" not in checked.shown


def test_required_answers_are_asked_for_only_when_relevant() -> None:
    assert problems(good_answers(elderly_count=None)) == {"elderly_count": "An answer is required."}
    assert problems(good_answers(has_elderly="no", elderly_count=None)) == {}


def test_constraints_use_the_message_in_the_language() -> None:
    assert problems(good_answers(belonging="11")) == {"belonging": "请打 1 到 10 分。"}
    english = check_answers(NEEDS, good_answers(belonging="0"), language="English (en)")
    assert english.problems[0].message == "Between 1 and 10."
    assert problems(good_answers(elderly_count="4")) == {"elderly_count": "不能多于家庭人数。"}
    four = "elderly_care health repairs activities"
    assert problems(good_answers(needs=four)) == {"needs": "最多选三项。"}


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({"household_size": "three"}, "is not a whole number"),
        ({"household_size": "2.5"}, "is not a whole number"),
        ({"sat_security": "6"}, "is not one of the choices"),
        ({"tenure": "owner tenant"}, "Choose only one answer."),
        ({"needs": "elderly_care flying"}, "“flying” is not one of the choices"),
    ],
)
def test_answers_of_the_wrong_type_are_refused(answers: dict[str, Any], words: str) -> None:
    found = problems(good_answers(**answers))
    assert words in found[next(iter(answers))]


def test_other_text_is_asked_only_when_other_is_chosen() -> None:
    checked = check_answers(NEEDS, good_answers(needs="other", needs_other="修电梯"))
    assert checked.answers["needs_other"] == "修电梯"
    checked = check_answers(NEEDS, good_answers(needs="health", needs_other="修电梯"))
    assert "needs_other" not in checked.answers


def test_repeats_are_checked_instance_by_instance() -> None:
    answers = {
        "size": "2",
        "members": [{"member_name": "王", "member_age": "70"}, {"member_age": "130"}],
        "visited_on": "2026年3月5日",
        "rent": "1200.50",
    }
    checked = check_answers(MEMBERS, answers)
    assert {(p.question, p.repeat, p.index) for p in checked.problems} == {
        ("member_name", "members", 2),
        ("member_age", "members", 2),
    }
    assert checked.answers["visited_on"] == "2026-03-05"
    assert checked.answers["rent"] == "1200.5"


@pytest.mark.parametrize("text", ["2026-03-05", "2026/3/5", "2026年3月5日"])
def test_dates_are_read_in_three_formats(text: str) -> None:
    assert check_answers(MEMBERS, {"size": "1", "visited_on": text}).answers["visited_on"] == (
        "2026-03-05"
    )


def test_a_choice_filter_limits_the_choices() -> None:
    street = next(q for q in MEMBERS["questions"] if q["name"] == "street")
    assert [c["name"] for c in offered_choices(MEMBERS, street, {"district": "west"})] == ["s2"]
    found = problems({"size": "1", "district": "west", "street": "s1"}, MEMBERS)
    assert "cannot be chosen with the earlier answers" in found["street"]


def test_a_household_answers_once_per_wave_and_drafts_resume(
    world: World, needs_form: Form, dwellings: list[Dwelling]
) -> None:
    wave = needs_form.waves.get()
    dwelling = dwellings[0]
    draft = response_save(
        form=needs_form,
        wave=wave,
        answers={"household_size": "2", "belonging": "99"},
        dwelling=dwelling,
        draft=True,
        actor=world.staff,
    )
    assert draft.status == ResponseStatus.DRAFT
    assert draft.answers["household_size"] == "2"
    assert "belonging" not in draft.answers  # the bad answer is not kept
    assert not Answer.objects.exists()
    with pytest.raises(SurveyError, match="need attention"):
        response_save(
            form=needs_form, wave=wave, answers={"household_size": "2"}, dwelling=dwelling
        )
    done = response_save(
        form=needs_form, wave=wave, answers=good_answers(), dwelling=dwelling, actor=world.staff
    )
    assert done.pk == draft.pk
    assert done.status == ResponseStatus.SUBMITTED
    assert Answer.objects.filter(response=done, question="needs").count() == 2
    assert Visit.objects.get(dwelling=dwelling).outcome == "done"
    with pytest.raises(SurveyError, match="already answered"):
        response_save(form=needs_form, wave=wave, answers=good_answers(), dwelling=dwelling)
    assert Response.objects.count() == 1


def test_a_sensitive_form_needs_consent(world: World, needs_form: Form) -> None:
    needs_form.sensitive = True
    needs_form.save()
    wave = needs_form.waves.get()
    with pytest.raises(SurveyError, match="consent"):
        response_save(form=needs_form, wave=wave, answers=good_answers())
    response = response_save(form=needs_form, wave=wave, answers=good_answers(), consent=True)
    assert response.consent is True


def test_visits_record_outcomes(world: World, needs_form: Form, dwellings: list[Dwelling]) -> None:
    wave = needs_form.waves.get()
    visit_record(wave=wave, dwelling=dwellings[1], outcome="not_home", actor=world.staff)
    visit = visit_record(wave=wave, dwelling=dwellings[1], outcome="refused", actor=world.staff)
    assert (visit.outcome, visit.attempts) == ("refused", 2)
    with pytest.raises(SurveyError):
        visit_record(wave=wave, dwelling=dwellings[1], outcome="maybe")
