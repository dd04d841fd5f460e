"""A small compound for the network tests: two buildings, ten residents, activities and ties."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from peiban.activities.models import Activity, Attendance
from peiban.network.services import tie_record
from peiban.places.models import Building, Dwelling, Household, Resident

MONTH = date(2026, 3, 1)
NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞"]


@dataclass
class Compound:
    residents: list[Resident]
    buildings: list[Building]
    activities: list[Activity]


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def activity(world: Any, day: date, people: list[Resident], title: str = "读书会") -> Activity:
    made = Activity.objects.create(
        community=world.community,
        title=title,
        kind="interest_group",
        organiser_kind="staff",
        starts_at=at(day),
        ends_at=at(day) + timedelta(hours=2),
    )
    Attendance.objects.bulk_create(
        Attendance(activity=made, resident=r, checked_in_at=at(day)) for r in people
    )
    return made


@pytest.fixture
def compound(world: Any) -> Compound:
    return make_compound(world)


def make_compound(world: Any) -> Compound:
    buildings = [Building.objects.create(community=world.community, label=x) for x in ("1", "2")]
    residents = []
    for i, name in enumerate(NAMES):
        dwelling = Dwelling.objects.create(
            community=world.community, building=buildings[i % 2], unit="1", room=f"{101 + i}"
        )
        household = Household.objects.create(
            community=world.community,
            dwelling=dwelling,
            elderly=i >= 8,
            lives_alone=i >= 8,
        )
        residents.append(
            Resident.objects.create(community=world.community, household=household, name=name)
        )
    r = residents
    # A small reading group (0, 1, 2) twice, a big festival with 0..7 (counts little per pair).
    activities = [
        activity(world, date(2026, 2, 3), [r[0], r[1], r[2]]),
        activity(world, date(2026, 3, 3), [r[0], r[1], r[2]]),
        activity(world, date(2026, 3, 10), [r[3], r[4]], title="修车"),
        activity(world, date(2026, 3, 14), r[:8], title="社区节"),
    ]
    tie_record(
        community=world.community,
        resident=r[2],
        other=r[3],
        kind="neighbour",
        source="observation",
        observed_on=date(2026, 1, 5),
        strength=4,
        actor=world.staff,
    )
    tie_record(
        community=world.community,
        resident=r[5],
        other=r[6],
        kind="friend",
        source="self_report",
        observed_on=date(2026, 3, 20),
        actor=world.staff,
    )
    tie_record(
        community=world.community,
        resident=r[6],
        other=r[7],
        kind="conflict",
        source="observation",
        observed_on=date(2026, 3, 1),
        actor=world.staff,
    )
    return Compound(residents, buildings, activities)
