"""The demo year of activities: three themed activities that grow, weekly groups with regulars,
volunteer hours verified, points credited and spent, balances that agree with their ledgers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from peiban.activities.demo import demo_load
from peiban.activities.models import Activity, ActivityKind, Attendance, Series, Signup
from peiban.activities.overview import series_growth
from peiban.activities.participation import ladder_counts
from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.core.models import Role
from peiban.ledger.models import HourEntry, HourStatus, PointsEntry, Redemption
from peiban.ledger.selectors import hours_balance, points_balance
from peiban.places.demo import demo_load as places_demo_load
from peiban.places.models import Resident
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(world: World) -> DemoWorld:
    demo_world = DemoWorld(
        organisation=world.organisation,
        community=world.community,
        users={
            Role.STAFF: world.staff,
            Role.ORG_ADMIN: world.admin,
            Role.RESIDENT_LEADER: world.leader,
            Role.RESIDENT: world.resident,
        },
    )
    places_demo_load(world=demo_world, progress=lambda _message: None)  # DEMO_BUILDINGS = 2
    messages: list[str] = []
    demo_load(world=demo_world, progress=messages.append)
    assert messages
    return demo_world


def test_it_is_listed_after_the_registry_and_needs() -> None:
    assert DEMO_LOADERS.index("peiban.activities.demo.demo_load") > DEMO_LOADERS.index(
        "peiban.needs.demo.demo_load"
    )


def test_the_three_themed_activities_each_draw_more_residents(loaded: DemoWorld) -> None:
    themed = Series.objects.get(community=loaded.community, name="三次主题活动")
    [growth] = [g for g in series_growth(loaded.community) if g.series == themed]
    past = [step for step in growth.steps if step.attended]
    assert len(past) == 3
    assert growth.steps[0].attended < growth.steps[1].attended < growth.steps[2].attended
    assert past[1].returning > 0
    assert past[2].newcomers > 0
    assert all(step.activity.summary for step in past)


def test_weekly_groups_meet_all_year_and_make_regulars(loaded: DemoWorld) -> None:
    sessions = Activity.objects.filter(
        community=loaded.community, kind=ActivityKind.INTEREST_GROUP
    ).count()
    assert sessions == 150
    counts = ladder_counts(loaded.community)
    assert counts.reached["regular"] >= 10
    assert counts.reached["volunteer"] >= 4
    assert counts.reached["leader"] >= 1


def test_the_demo_accounts_are_residents_with_a_history(loaded: DemoWorld, world: World) -> None:
    uncle = Resident.objects.get(community=loaded.community, user=world.resident)
    leader = Resident.objects.get(community=loaded.community, user=world.leader)
    assert Attendance.objects.filter(resident=uncle, volunteer=True).exists()
    assert Activity.objects.filter(organiser_resident=leader).count() >= 20
    assert points_balance(uncle) > 0
    assert Signup.objects.filter(
        resident=uncle, activity__starts_at__gt=loaded.community.created_at
    ).exists()


def test_hours_and_points_agree_with_the_ledgers(loaded: DemoWorld) -> None:
    community = loaded.community
    volunteers = Attendance.objects.filter(activity__community=community, volunteer=True)
    entries = HourEntry.objects.filter(community=community)
    assert entries.count() == volunteers.count()
    assert not entries.exclude(status=HourStatus.VERIFIED).exists()
    assert Redemption.objects.filter(resident__community=community).count() == 5
    for resident in Resident.objects.filter(pk__in=entries.values("resident")):
        expected_hours = entries.filter(resident=resident).aggregate(total=Sum("hours"))["total"]
        assert hours_balance(resident) == Decimal(expected_hours).quantize(Decimal("0.01"))
        expected_points = PointsEntry.objects.filter(resident=resident).aggregate(
            total=Sum("amount")
        )["total"]
        assert points_balance(resident) == Decimal(expected_points).quantize(Decimal("0.01"))
        assert points_balance(resident) >= 0


def test_loading_twice_adds_nothing(loaded: DemoWorld) -> None:
    before = Activity.objects.count()
    demo_load(world=loaded, progress=lambda _message: None)
    assert Activity.objects.count() == before
