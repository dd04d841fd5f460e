from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from peiban.activities.models import Activity, Attendance


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The ledger's refusals are translated; the tests read them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_activity(world: Any):
    counter = {"n": 0}

    def make(kind: str = "service", community: Any = None) -> Activity:
        counter["n"] += 1
        start = timezone.make_aware(datetime(2026, 3, 1, 9, 0)) + timedelta(days=counter["n"])
        return Activity.objects.create(
            community=community or world.community,
            title=f"楼道清扫 {counter['n']}",
            kind=kind,
            organiser_kind="staff",
            place_text="3号楼",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
        )

    return make


@pytest.fixture
def make_attendance(registry: Any):
    def make(
        activity: Activity,
        minutes: int | None = 120,
        volunteer: bool = True,
        resident: Any = None,
    ) -> Attendance:
        start = activity.starts_at
        return Attendance.objects.create(
            activity=activity,
            resident=resident or registry.resident,
            checked_in_at=start,
            checked_out_at=start + timedelta(minutes=minutes) if minutes is not None else None,
            volunteer=volunteer,
        )

    return make


@pytest.fixture
def credited(world: Any, registry: Any, make_activity, make_attendance):
    """Verified hours of the registry resident, and a rule of 1 point per hour."""
    from peiban.ledger.services import (
        hours_credit_from_attendance,
        hours_verify,
        points_credit_for_hours,
        points_rule_publish,
    )

    def credit(minutes: int = 120, kind: str = "service") -> Any:
        if not hasattr(credit, "rule"):
            credit.rule = points_rule_publish(  # type: ignore[attr-defined]
                community=world.community,
                hours_to_points=Decimal(1),
                weights={},
                cap=None,
                text="1小时=1积分",
                approved_by="居民议事会 2026-03-02 决议",
                actor=world.staff,
            )
        attendance = make_attendance(make_activity(kind), minutes=minutes)
        entry = hours_credit_from_attendance(attendance=attendance, actor=world.staff)
        entry = hours_verify(entry=entry, actor=world.staff)
        return points_credit_for_hours(entry=entry, actor=world.staff)

    return credit
