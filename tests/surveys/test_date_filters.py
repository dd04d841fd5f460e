"""Results filtered by the day a response was submitted (in the installation's time zone),
together with the wave filter, in every block of the results: summary, cross-tabulation,
coverage, words, the page and the report."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document

from peiban.places.models import Dwelling
from peiban.surveys.models import Form, Response, Visit
from peiban.surveys.selectors import (
    Period,
    coverage_by_building,
    cross_tab,
    survey_summary,
    word_frequencies,
)
from peiban.surveys.services import response_save, visit_record, wave_open
from tests.conftest import World
from tests.surveys.conftest import good_answers
from tests.surveys.test_pages import url

SHANGHAI = ZoneInfo("Asia/Shanghai")

# (dwelling index, wave number, local submission time, tenure, comment)
PLAN = [
    (0, 1, datetime(2026, 3, 4, 9, 0), "owner", "停车位太少"),
    (1, 1, datetime(2026, 3, 5, 0, 5), "tenant", "停车位太少"),
    (2, 1, datetime(2026, 3, 5, 23, 55), "owner", "停车位太少"),  # still the 5th in Shanghai
    (8, 1, datetime(2026, 3, 6, 0, 10), "tenant", "停车位太少"),  # the 5th in UTC, the 6th here
    (9, 1, datetime(2026, 3, 9, 18, 0), "owner", "停车位不够"),
    (3, 2, datetime(2026, 3, 5, 12, 0), "tenant", "绿化"),
    (10, 2, datetime(2026, 4, 1, 12, 0), "owner", "绿化"),
]


@pytest.fixture
def planned(world: World, needs_form: Form, dwellings: list[Dwelling]) -> Form:
    second = wave_open(form=needs_form, name="复访")
    waves = {1: needs_form.waves.get(number=1), 2: second}
    for index, wave, at, tenure, comment in PLAN:
        response = response_save(
            form=needs_form,
            wave=waves[wave],
            answers=good_answers(tenure=tenure, comments=comment),
            dwelling=dwellings[index],
        )
        Response.objects.filter(pk=response.pk).update(submitted_at=at.replace(tzinfo=SHANGHAI))
        Visit.objects.filter(wave=waves[wave], dwelling=dwellings[index]).update(
            visited_at=at.replace(tzinfo=SHANGHAI)
        )
    refused = visit_record(wave=waves[1], dwelling=dwellings[4], outcome="refused")
    Visit.objects.filter(pk=refused.pk).update(
        visited_at=datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
    )
    return needs_form


def expected(wave: int | None, start: date | None, end: date | None) -> list[tuple[Any, ...]]:
    return [
        p
        for p in PLAN
        if (wave is None or p[1] == wave)
        and (start is None or p[2].date() >= start)
        and (end is None or p[2].date() <= end)
    ]


@pytest.mark.parametrize(
    ("wave", "start", "end", "responses", "owners", "tenants"),
    [
        (None, None, None, 7, 4, 3),
        (None, date(2026, 3, 5), date(2026, 3, 5), 3, 1, 2),
        (1, date(2026, 3, 5), date(2026, 3, 5), 2, 1, 1),
        (1, date(2026, 3, 5), None, 4, 2, 2),
        (1, None, date(2026, 3, 5), 3, 2, 1),
        (2, date(2026, 3, 6), None, 1, 1, 0),
        (None, date(2026, 3, 10), date(2026, 3, 31), 0, 0, 0),
    ],
)
def test_the_summary_counts_only_responses_submitted_in_the_period_and_waves(
    planned: Form,
    wave: int | None,
    start: date | None,
    end: date | None,
    responses: int,
    owners: int,
    tenants: int,
) -> None:
    waves = list(planned.waves.filter(number=wave)) if wave else None
    summary = survey_summary(planned, waves=waves, period=Period(start, end))
    assert summary["responses"] == responses == len(expected(wave, start, end))
    assert summary["questions"]["tenure"]["counts"]["owner"] == owners
    assert summary["questions"]["tenure"]["counts"]["tenant"] == tenants
    assert summary["questions"]["tenure"]["answered"] == responses
    assert summary["questions"]["household_size"]["n"] == responses
    assert summary["questions"]["needs"]["counts"]["elderly_care"] == responses
    assert summary["period"] == {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    arguments = [planned.slug, "--json"]
    arguments += ["--wave", str(wave)] if wave else []
    arguments += ["--from", start.isoformat()] if start else []
    arguments += ["--to", end.isoformat()] if end else []
    out = io.StringIO()
    call_command("survey_summary", *arguments, stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(summary, default=str))


def test_survey_summary_refuses_a_day_that_is_not_a_date(planned: Form) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("survey_summary", planned.slug, "--from", "2026-02-30", stderr=io.StringIO())
    assert "2026-02-30" in str(refused.value)


def test_cross_tab_coverage_and_words_follow_the_period(
    planned: Form, dwellings: list[Dwelling]
) -> None:
    first = planned.waves.get(number=1)
    fifth = Period(date(2026, 3, 5), date(2026, 3, 5))
    assert cross_tab(planned, question="tenure", by="building", waves=[first], period=fifth) == {
        "1": {"owner": 1, "tenant": 1}
    }
    assert cross_tab(planned, question="tenure", by="building", waves=[first]) == {
        "1": {"owner": 2, "tenant": 1},
        "2": {"owner": 1, "tenant": 1},
    }
    coverage = {row["building"]: row for row in coverage_by_building(first, period=fifth)}
    assert coverage["1"]["answered"] == 2
    assert coverage["1"]["outcomes"] == {"done": 2, "refused": 1}
    assert coverage["2"]["answered"] == 0
    later = {
        row["building"]: row
        for row in coverage_by_building(first, period=Period(date(2026, 3, 6), None))
    }
    assert later["2"]["answered"] == 2
    assert later["1"]["outcomes"] == {}
    assert dict(word_frequencies(planned, question="comments", waves=[first]))["停车位"] == 5
    words = word_frequencies(
        planned, question="comments", waves=[first], period=Period(date(2026, 3, 5), None)
    )
    assert dict(words)["停车位"] == 4
    assert (
        word_frequencies(planned, question="comments", period=Period(None, date(2026, 3, 4))) == []
    )


def test_a_period_is_read_from_iso_dates_and_refuses_others() -> None:
    assert Period.parse("2026-03-05", "") == Period(date(2026, 3, 5), None)
    assert not Period.parse(" ", "")
    with pytest.raises(ValueError, match="not a date"):
        Period.parse("5/3/2026", "")
    with pytest.raises(ValueError, match="after the last day"):
        Period.parse("2026-03-06", "2026-03-05")
    low, high = Period(date(2026, 3, 5), date(2026, 3, 5)).bounds()
    assert low == datetime(2026, 3, 5, tzinfo=SHANGHAI)
    assert high == datetime(2026, 3, 6, tzinfo=SHANGHAI)


def test_the_results_page_filters_every_block_within_a_query_bound(
    world: World, planned: Form, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.viewer)
    with django_assert_max_num_queries(32):
        page = client.get(
            url("surveys:results", planned),
            {
                "wave": "1",
                "from": "2026-03-05",
                "to": "2026-03-05",
                "q": "tenure",
                "by": "building",
            },
        )
    text = page.content.decode()
    assert 'data-responses="1">2<' in text
    assert 'data-responses="2"' not in text
    assert 'value="2026-03-05"' in text
    assert "report.docx?wave=1&amp;from=2026-03-05&amp;to=2026-03-05" in text
    cross = text.split("data-cross>")[1]
    assert "<td>1</td><td>1</td>" in cross  # building 1: one owner, one tenant
    bad = client.get(url("surveys:results", planned), {"from": "yesterday"}).content.decode()
    assert "data-period-error" in bad
    assert 'data-responses="1">5<' in bad  # the bad filter is not applied


def test_the_report_counts_the_period_it_was_asked_for(
    world: World, planned: Form, login: Any
) -> None:
    client: Client = login(world.viewer)
    data = client.get(url("surveys:report", planned), {"wave": "1", "from": "2026-03-06"}).content
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "共统计 2 份答卷" in text  # the page language (zh-Hans) by default
    assert "2026-03-06" in text
