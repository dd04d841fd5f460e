"""Guessing one-time codes: wrong codes are counted per vote and per client address, in the
database; past the limit even a right code is not tried, and the message says how long to wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peiban.councils.models import Assembly, CodeAttempt
from peiban.councils.selectors import assembly_turnout
from peiban.councils.services import (
    CODE_ADDRESS_WINDOW,
    CODE_FAILURES_PER_ADDRESS,
    CODE_FAILURES_PER_VOTE,
    ForgedCode,
    TooManyAttempts,
    ballot_cast_online,
)
from tests.councils.conftest import Compound, open_vote

pytestmark = pytest.mark.django_db

FORGED = "ZZZZZ-ZZZZZ"
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def guess(assembly: Assembly, times: int, address: str | None = HOME) -> None:
    for _n in range(times):
        with pytest.raises(ForgedCode):
            ballot_cast_online(assembly=assembly, code=FORGED, opinion="yes", address=address)


def test_an_address_is_stopped_after_ten_wrong_codes_even_with_a_right_one(
    world: Any, compound: Compound
) -> None:
    assembly, codes = open_vote(world)
    guess(assembly, CODE_FAILURES_PER_ADDRESS)
    with pytest.raises(TooManyAttempts, match=r"from your connection\. Wait 15 minutes"):
        ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes", address=HOME)
    assert assembly_turnout(assembly)["voted_heads"] == 0
    # Refusals while locked are not counted again: the lock does not grow by trying.
    assert CodeAttempt.objects.filter(assembly=assembly).count() == CODE_FAILURES_PER_ADDRESS


def test_nine_wrong_codes_do_not_stop_an_owner(world: Any, compound: Compound) -> None:
    assembly, codes = open_vote(world)
    guess(assembly, CODE_FAILURES_PER_ADDRESS - 1)
    ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes", address=HOME)
    assert assembly_turnout(assembly)["voted_heads"] == 1


def test_another_address_and_another_vote_are_not_stopped(world: Any, compound: Compound) -> None:
    assembly, codes = open_vote(world)
    guess(assembly, CODE_FAILURES_PER_ADDRESS)
    ballot_cast_online(assembly=assembly, code=codes["302"], opinion="no", address=ELSEWHERE)
    other, other_codes = open_vote(world)
    ballot_cast_online(assembly=other, code=other_codes["302"], opinion="no", address=HOME)


def test_the_lock_lifts_when_the_oldest_failures_leave_the_window(
    world: Any, compound: Compound
) -> None:
    assembly, codes = open_vote(world)
    guess(assembly, CODE_FAILURES_PER_ADDRESS)
    earlier = timezone.now() - CODE_ADDRESS_WINDOW + timedelta(minutes=3, seconds=30)
    first = CodeAttempt.objects.filter(assembly=assembly).order_by("id").first()
    assert first is not None
    CodeAttempt.objects.filter(pk=first.pk).update(created_at=earlier)
    with pytest.raises(TooManyAttempts, match="Wait 4 minutes"):
        ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes", address=HOME)
    CodeAttempt.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - CODE_ADDRESS_WINDOW - timedelta(seconds=1)
    )
    ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes", address=HOME)


def test_guessing_from_many_addresses_pauses_online_voting_on_the_vote(
    world: Any, compound: Compound
) -> None:
    assembly, codes = open_vote(world)
    now = timezone.now()
    CodeAttempt.objects.bulk_create(
        CodeAttempt(assembly=assembly, address=f"10.0.{n // 250}.{n % 250}")
        for n in range(CODE_FAILURES_PER_VOTE)
    )
    CodeAttempt.objects.filter(assembly=assembly).update(created_at=now - timedelta(minutes=1))
    with pytest.raises(TooManyAttempts, match="voting online is paused for 59 minutes"):
        ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes", address=ELSEWHERE)
    # Staff can still enter signed paper ballots meanwhile; other votes are not paused.
    other, other_codes = open_vote(world)
    ballot_cast_online(assembly=other, code=other_codes["101"], opinion="yes", address=ELSEWHERE)


def test_without_an_address_the_vote_wide_limit_still_counts(
    world: Any, compound: Compound
) -> None:
    assembly, _codes = open_vote(world)
    guess(assembly, 3, address=None)
    assert CodeAttempt.objects.filter(assembly=assembly, address__isnull=True).count() == 3


def test_the_api_answers_429_with_a_clear_message(
    world: Any, compound: Compound, login: Any
) -> None:
    assembly, codes = open_vote(world)
    client: Client = login(world.resident)
    url = f"/api/v1/assemblies/{assembly.pk}/ballots"
    for _n in range(CODE_FAILURES_PER_ADDRESS):
        wrong = client.post(
            url, {"code": FORGED, "opinion": "yes"}, content_type="application/json"
        )
        assert wrong.status_code == 403
    locked = client.post(
        url, {"code": codes["101"], "opinion": "yes"}, content_type="application/json"
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert "Wait 15 minutes" in locked.json()["message"]
    assert CodeAttempt.objects.filter(address="127.0.0.1").count() == CODE_FAILURES_PER_ADDRESS


def test_the_check_costs_two_queries(
    world: Any, compound: Compound, django_assert_max_num_queries: Any
) -> None:
    from peiban.councils.services import code_attempts_check

    assembly, _codes = open_vote(world)
    guess(assembly, 5)
    with django_assert_max_num_queries(2):
        code_attempts_check(assembly=assembly, address=HOME)
