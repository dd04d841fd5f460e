"""The participation ladder: stages and dates equal an independent computation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.activities.models import Activity, Attendance
from peiban.activities.participation import ladder, ladder_counts, newcomers_and_returning, stage_of
from peiban.needs.services import categories_ensure, need_raise
from peiban.places.models import Resident
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


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


def test_leading_a_self_organisation_makes_an_organiser_from_the_day_they_took_the_role(
    world: World, registry: Registry
) -> None:
    from datetime import date

    from peiban.groups.services import group_create, member_add

    dancers = group_create(
        community=world.community,
        name="广场舞队",
        kind="interest",
        founded_on=date(2025, 3, 1),
        actor=world.staff,
    )
    member = Resident.objects.create(community=world.community, name="队员")
    member_add(group=dancers, resident=member, joined_on=date(2025, 3, 1), actor=world.staff)
    member_add(
        group=dancers,
        resident=registry.resident,
        role="deputy",
        joined_on=date(2025, 4, 2),
        actor=world.staff,
    )
    assert stage_of(registry.resident) == ("organiser", date(2025, 4, 2))
    assert stage_of(member)[0] == "known"  # a member who leads nothing is no organiser
    assert ladder_counts(world.community).reached["organiser"] == 1


def test_an_activity_of_a_self_organisation_names_its_group(world: World) -> None:
    from datetime import date

    from peiban.activities.services import ActivityError, activity_create
    from peiban.groups.services import group_create

    choir = group_create(
        community=world.community,
        name="合唱团",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=world.staff,
    )
    far = group_create(
        community=world.other_community,
        name="别处的合唱团",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=world.admin,
    )
    when = {"starts_at": START, "ends_at": START + timedelta(hours=2)}
    made = activity_create(
        community=world.community,
        title="合唱排练",
        kind="interest_group",
        organiser_kind="self_organisation",
        organiser_group=choir,
        actor=world.staff,
        **when,
    )
    assert made.organiser_group == choir
    for kind, group, message in (
        ("self_organisation", None, "Choose the self-organisation"),
        ("self_organisation", far, "must be of this community"),
        ("staff", choir, "Only an activity of a self-organisation names the group"),
    ):
        with pytest.raises(ActivityError, match=message):
            activity_create(
                community=world.community,
                title="排练",
                kind="interest_group",
                organiser_kind=kind,
                organiser_group=group,
                actor=world.staff,
                **when,
            )
