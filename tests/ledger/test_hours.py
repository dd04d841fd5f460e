from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from peiban.core.models import AuditEntry
from peiban.ledger.models import AppendOnlyError, EntryKind, HourEntry, HourStatus
from peiban.ledger.selectors import hours_balance
from peiban.ledger.services import (
    AlreadyCredited,
    LedgerError,
    hours_credit_from_attendance,
    hours_enter,
    hours_reverse,
    hours_verify,
    quarter_hours,
)

START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(480))


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (60, "1.00"),
        (67, "1.00"),
        (67.5, "1.25"),  # exactly half a quarter: rounds up
        (68, "1.25"),
        (7, "0.00"),
        (8, "0.25"),
        (100, "1.75"),
        (135, "2.25"),
    ],
)
def test_it_rounds_hours_to_the_quarter_hour(minutes: float, hours: str) -> None:
    assert quarter_hours(START, START + timedelta(minutes=minutes)) == Decimal(hours)


@given(st.integers(min_value=0, max_value=24 * 3600 * 1_000_000))
def test_it_rounds_any_duration_half_up_exactly(microseconds: int) -> None:
    result = quarter_hours(START, START + timedelta(microseconds=microseconds))
    exact = Decimal(microseconds) / Decimal(3600 * 1_000_000)
    assert result * 4 == int(result * 4)  # a whole number of quarters
    assert abs(result - exact) <= Decimal("0.125")
    if abs(result - exact) == Decimal("0.125"):
        assert result > exact  # half up
    assert result.as_tuple().exponent == -2


def test_it_credits_a_volunteer_from_check_in_to_check_out(
    world, registry, make_activity, make_attendance
) -> None:
    attendance = make_attendance(make_activity(), minutes=100)
    entry = hours_credit_from_attendance(attendance=attendance, actor=world.staff)
    assert entry.hours == Decimal("1.75")
    assert entry.kind == EntryKind.CREDIT
    assert entry.status == HourStatus.PENDING
    assert entry.place == "3号楼"
    assert hours_balance(registry.resident) == 0  # pending does not count
    assert AuditEntry.objects.filter(subject_type="ledger.hourentry").count() == 1


def test_it_refuses_participants_and_missing_check_outs(
    world, make_activity, make_attendance
) -> None:
    participant = make_attendance(make_activity(), volunteer=False)
    with pytest.raises(LedgerError, match="not as a volunteer"):
        hours_credit_from_attendance(attendance=participant, actor=world.staff)
    open_ended = make_attendance(make_activity(), minutes=None)
    with pytest.raises(LedgerError, match="no check-out"):
        hours_credit_from_attendance(attendance=open_ended, actor=world.staff)


def test_it_never_credits_the_same_activity_twice(
    world, registry, make_activity, make_attendance
) -> None:
    activity = make_activity()
    attendance = make_attendance(activity)
    hours_credit_from_attendance(attendance=attendance, actor=world.staff)
    with pytest.raises(AlreadyCredited, match="already been credited"):
        hours_credit_from_attendance(attendance=attendance, actor=world.staff)
    with pytest.raises(AlreadyCredited):
        hours_enter(
            community=world.community,
            resident=registry.resident,
            activity=activity,
            hours="1",
            service="again",
            actor=world.staff,
        )
    # The database says so too.
    with pytest.raises(IntegrityError), transaction.atomic():
        HourEntry.objects.create(
            community=world.community,
            resident=registry.resident,
            activity=activity,
            service="direct",
            hours=Decimal(1),
            kind=EntryKind.CREDIT,
        )


def test_it_enters_hours_within_bounds(world, registry) -> None:
    for bad in ("0", "-1", "24.25", "1.234", "abc"):
        with pytest.raises(LedgerError):
            hours_enter(
                community=world.community,
                resident=registry.resident,
                activity=None,
                hours=bad,
                service="陪老人就医",
                actor=world.staff,
            )
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="24",
        service="陪老人就医",
        actor=world.leader,
    )
    assert entry.hours == Decimal("24.00")
    with pytest.raises(LedgerError):
        hours_enter(
            community=world.community,
            resident=registry.resident,
            activity=None,
            hours="1",
            service="x",
            actor=world.viewer,
        )


def test_it_verifies_once_by_staff_only(world, registry) -> None:
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="2.5",
        service="巡楼",
        actor=world.leader,
    )
    with pytest.raises(LedgerError):
        hours_verify(entry=entry, actor=world.leader)
    with pytest.raises(LedgerError):
        hours_verify(entry=entry, actor=world.other_staff)  # another community
    verified = hours_verify(entry=entry, actor=world.staff)
    assert verified.status == HourStatus.VERIFIED
    assert verified.verified_by == world.staff
    assert verified.verified_at is not None
    assert hours_balance(registry.resident) == Decimal("2.50")
    with pytest.raises(LedgerError, match="already verified"):
        hours_verify(entry=entry, actor=world.staff)


def test_it_refuses_changes_and_deletes(world, registry) -> None:
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="1",
        service="巡楼",
        actor=world.staff,
    )
    entry.hours = Decimal(5)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_it_reverses_with_a_reason(world, registry, make_activity, make_attendance) -> None:
    activity = make_activity()
    entry = hours_credit_from_attendance(
        attendance=make_attendance(activity, minutes=180), actor=world.staff
    )
    hours_verify(entry=entry, actor=world.staff)
    assert hours_balance(registry.resident) == Decimal("3.00")
    with pytest.raises(LedgerError, match="reason"):
        hours_reverse(entry=entry, reason=" ", actor=world.staff)
    reversal = hours_reverse(entry=entry, reason="签到记错了人", actor=world.staff)
    assert reversal.hours == Decimal("-3.00")
    assert reversal.reverses == entry
    assert reversal.status == HourStatus.VERIFIED
    assert hours_balance(registry.resident) == 0
    with pytest.raises(LedgerError, match="already been reversed"):
        hours_reverse(entry=entry, reason="again", actor=world.staff)
    with pytest.raises(LedgerError):
        hours_reverse(entry=reversal, reason="undo", actor=world.staff)
    # The credit for the activity stays; it still may not be credited again.
    with pytest.raises(AlreadyCredited):
        hours_enter(
            community=world.community,
            resident=registry.resident,
            activity=activity,
            hours="3",
            service="x",
            actor=world.staff,
        )


def test_it_refuses_to_verify_a_reversed_entry(world, registry) -> None:
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="1",
        service="巡楼",
        actor=world.staff,
    )
    reversal = hours_reverse(entry=entry, reason="重复录入", actor=world.staff)
    assert reversal.status == HourStatus.PENDING
    with pytest.raises(LedgerError, match="reversed"):
        hours_verify(entry=entry, actor=world.staff)
    assert hours_balance(registry.resident) == 0
