"""Analysis in the database, checked against counts computed here from the stored answers."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from statistics import mean

from django.core.management import call_command

from peiban.places.models import Dwelling
from peiban.surveys.importing import read_responses, responses_import
from peiban.surveys.models import Form, Response
from peiban.surveys.selectors import (
    coverage_by_building,
    cross_tab,
    latest_version,
    survey_summary,
    word_frequencies,
)
from peiban.surveys.services import response_save, visit_record, wave_open
from tests.surveys import files
from tests.surveys.test_import_responses import sample


def load(form: Form, dwellings: list[Dwelling], count: int = 16, seed: int = 3) -> None:
    reading = read_responses(
        files.kobo(sample(count, dwellings=dwellings, seed=seed)),
        filename="k.csv",
        definition=latest_version(form).definition,
    )
    responses_import(form=form, reading=reading)


def test_survey_summary_json_matches_independent_counts(
    needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings)
    out = StringIO()
    call_command("survey_summary", needs_form.slug, "--json", stdout=out)
    result = json.loads(out.getvalue())
    answers = [r.answers for r in Response.objects.filter(form=needs_form)]
    assert result["form"] == needs_form.pk
    assert result["responses"] == len(answers) == 16
    for question in ("tenure", "sat_parking", "needs", "skills", "has_elderly"):
        tally = Counter(c for a in answers for c in a.get(question, "").split())
        counts = result["questions"][question]["counts"]
        assert {k: v for k, v in counts.items() if v} == dict(tally), question
    assert result["questions"]["needs"]["type"] == "select_multiple"
    assert set(result["questions"]["needs"]["counts"]) == {
        "elderly_care",
        "childcare",
        "activities",
        "health",
        "repairs",
        "other",
    }
    sizes = [int(a["household_size"]) for a in answers]
    summary = result["questions"]["household_size"]
    assert summary == {
        "type": "integer",
        "n": len(sizes),
        "mean": round(mean(sizes), 4),
        "min": min(sizes),
        "max": max(sizes),
    }
    elderly = [int(a["elderly_count"]) for a in answers if "elderly_count" in a]
    assert result["questions"]["elderly_count"]["n"] == len(elderly)


def test_cross_tab_by_building_and_by_another_question(
    needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings)
    responses = list(Response.objects.filter(form=needs_form).select_related("dwelling__building"))
    by_building = cross_tab(needs_form, question="tenure", by="building")
    expected: dict[str, Counter[str]] = {}
    for r in responses:
        assert r.dwelling is not None
        expected.setdefault(r.dwelling.building.label, Counter())[r.answers["tenure"]] += 1
    assert by_building == {k: dict(v) for k, v in expected.items()}
    by_question = cross_tab(needs_form, question="needs", by="has_children")
    expected = {}
    for r in responses:
        for need in r.answers.get("needs", "").split():
            expected.setdefault(r.answers["has_children"], Counter())[need] += 1
    assert by_question == {k: dict(v) for k, v in expected.items()}


def test_waves_are_counted_apart(needs_form: Form, dwellings: list[Dwelling]) -> None:
    load(needs_form, dwellings[:8], count=8)
    first = needs_form.waves.get()
    second = wave_open(form=needs_form, name="2027")
    load(needs_form, dwellings[:5], count=5, seed=9)  # the latest wave by default
    assert survey_summary(needs_form, waves=[first])["responses"] == 8
    assert survey_summary(needs_form, waves=[second])["responses"] == 5
    assert survey_summary(needs_form)["responses"] == 13
    out = StringIO()
    call_command("survey_summary", str(needs_form.pk), "--wave", "2", "--json", stdout=out)
    assert json.loads(out.getvalue())["responses"] == 5


def test_drafts_are_not_counted(needs_form: Form, dwellings: list[Dwelling]) -> None:
    wave = needs_form.waves.get()
    response_save(
        form=needs_form, wave=wave, answers={"tenure": "owner"}, dwelling=dwellings[0], draft=True
    )
    summary = survey_summary(needs_form)
    assert summary["responses"] == 0
    assert summary["questions"]["tenure"]["counts"] == {"owner": 0, "tenant": 0}


def test_coverage_by_building_counts_visits_and_answers(
    needs_form: Form, dwellings: list[Dwelling]
) -> None:
    load(needs_form, dwellings[:3], count=3)
    wave = needs_form.waves.get()
    visit_record(wave=wave, dwelling=dwellings[5], outcome="not_home")
    visit_record(wave=wave, dwelling=dwellings[9], outcome="refused")
    coverage = {row["building"]: row for row in coverage_by_building(wave)}
    assert coverage["1"]["dwellings"] == 8
    assert coverage["1"]["answered"] == 3
    assert coverage["1"]["outcomes"] == {"not_home": 1}
    assert coverage["2"]["outcomes"] == {"refused": 1}
    assert coverage["2"]["answered"] == 0


def test_word_frequencies_count_households_and_hide_rare_words(
    needs_form: Form, dwellings: list[Dwelling]
) -> None:
    comments = ["电梯经常坏", "电梯维修太慢", "电梯 电梯 电梯", "希望多办活动", "张三家漏水"]
    wave = needs_form.waves.get()
    from tests.surveys.conftest import good_answers

    for dwelling, comment in zip(dwellings, comments, strict=False):
        response_save(
            form=needs_form, wave=wave, answers=good_answers(comments=comment), dwelling=dwelling
        )
    words = dict(word_frequencies(needs_form, question="comments"))
    assert words == {"电梯": 3}  # once per household; 张三 and other rare words never show
