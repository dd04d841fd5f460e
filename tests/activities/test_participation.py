"""The participation ladder: stages and dates equal an independent computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.activities.models import Activity, Attendance
from peiban.activities.participation import ladder, ladder_counts, newcomers_and_returning, stage_of
from peiban.needs.services import categories_ensure, need_raise
from peiban.places.models import Resident
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, 9, tzinfo=UTC)


def activity(world: World, day: int, **kwargs) -> Activity:  # type: ignore[no-untyped-def]
    return Activity.objects.create(
        community=world.community,
        title=f"活动{day}",
        kind="interest_group",
        organiser_kind="staff",
        starts_at=START + timedelta(days=day),
        ends_at=START + timedelta(days=day, hours=2),
        **kwargs,
    )


def attend(world: World, resident: Resident, day: int, volunteer: bool = False) -> None:
    found = Activity.objects.filter(
        community=world.community, starts_at=START + timedelta(days=day)
    ).first()
    Attendance.objects.create(
        activity=found or activity(world, day),
        resident=resident,
        checked_in_at=START + timedelta(days=day),
        volunteer=volunteer,
    )


def expected_regular(days: list[int]) -> datetime | None:
    days = sorted(days)
    for i, day in enumerate(days):
        window = [d for d in days[: i + 1] if day - 90 < d <= day]
        if len(window) >= 3:
            return START + timedelta(days=day)
    return None


def test_it_climbs_the_ladder_with_dates(world: World, registry: Registry) -> None:
    zhang = registry.resident
    quiet = Resident.objects.create(community=world.community, name="安静")
    for day in (0, 100, 150, 170):
        attend(world, zhang, day)
    attend(world, zhang, 200, volunteer=True)
    category = categories_ensure(world.organisation)[0]
    need_raise(
        community=world.community,
        title="路灯",
        category=category,
        channel="visit",
        raised_by=zhang,
        raised_at=START + timedelta(days=210),
    )
    row = ladder(world.community).get(pk=zhang.pk)
    assert row.participant_at == START
    assert row.regular_at == START + timedelta(days=170)  # 100, 150, 170 fall within 90 days
    assert row.volunteer_at == START + timedelta(days=200)
    assert row.leader_at == START + timedelta(days=210)
    assert stage_of(zhang) == ("leader", START + timedelta(days=210))
    assert stage_of(quiet) == ("known", None)
    counts = ladder_counts(world.community)
    assert counts.highest["leader"] == 1
    assert counts.highest["known"] == 1
    assert counts.reached["participant"] == 1


def test_organising_an_activity_makes_a_leader(world: World, registry: Registry) -> None:
    Activity.objects.create(
        community=world.community,
        title="书法班",
        kind="interest_group",
        organiser_kind="resident",
        organiser_resident=registry.resident,
        starts_at=START,
        ends_at=START + timedelta(hours=2),
    )
    assert stage_of(registry.resident)[0] == "leader"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sets(st.integers(min_value=0, max_value=400), max_size=8))
def test_the_regular_date_matches_a_plain_computation(
    world: World, registry: Registry, days: set[int]
) -> None:
    resident = Resident.objects.create(community=world.community, name="测试")
    for day in days:
        attend(world, resident, day)
    row = ladder(world.community).get(pk=resident.pk)
    assert row.regular_at == expected_regular(list(days))
    assert row.participant_at == (START + timedelta(days=min(days)) if days else None)


def test_it_tells_newcomers_from_returning_residents(world: World, registry: Registry) -> None:
    other = Resident.objects.create(community=world.community, name="新人")
    attend(world, registry.resident, 0)
    attend(world, registry.resident, 30)
    attend(world, other, 30)
    second = Activity.objects.get(starts_at=START + timedelta(days=30))
    assert newcomers_and_returning(second) == {"total": 2, "newcomers": 1, "returning": 1}
