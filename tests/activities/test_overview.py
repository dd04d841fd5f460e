"""The participation overview: the ladder chart, series growth, leader candidates, one resident's
history; figures equal an independent count and viewers never see names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.activities.models import Activity, Attendance, Series
from peiban.activities.overview import (
    conversions,
    leader_candidates,
    resident_history,
    series_growth,
)
from peiban.ledger.services import hours_enter, hours_verify
from peiban.needs.models import HelpOffer
from peiban.needs.services import categories_ensure, need_raise
from peiban.places.models import Resident
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def make(world: World, series: Series | None, days_ago: int, title: str) -> Activity:
    starts = timezone.now() - timedelta(days=days_ago)
    return Activity.objects.create(
        community=world.community,
        title=title,
        kind="themed",
        organiser_kind="staff",
        series=series,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )


def attend(activity: Activity, resident: Resident, *, volunteer: bool = False) -> None:
    Attendance.objects.create(
        activity=activity,
        resident=resident,
        checked_in_at=activity.starts_at,
        volunteer=volunteer,
    )


def people(world: World, n: int, prefix: str = "居民") -> list[Resident]:
    return [
        Resident.objects.create(community=world.community, name=f"{prefix}{i}") for i in range(n)
    ]


def test_the_three_themed_activities_grow_with_newcomers_and_returning(world: World) -> None:
    series = Series.objects.create(community=world.community, name="三次主题活动")
    first, second, third = (
        make(world, series, 200, "中秋"),
        make(world, series, 120, "重阳"),
        make(world, series, 30, "春节"),
    )
    crowd = people(world, 12)
    for resident in crowd[:3]:
        attend(first, resident)
    for resident in crowd[:6]:  # three return, three are new
        attend(second, resident)
    for resident in crowd[2:12]:  # four return, six are new
        attend(third, resident)
    [growth] = series_growth(world.community)
    assert [(s.attended, s.newcomers, s.returning) for s in growth.steps] == [
        (3, 3, 0),
        (6, 3, 3),
        (10, 6, 4),
    ]
    assert growth.growing


def test_a_series_that_shrinks_is_not_called_growing(world: World) -> None:
    series = Series.objects.create(community=world.community, name="读书会")
    crowd = people(world, 5)
    big, small = make(world, series, 60, "第一次"), make(world, series, 30, "第二次")
    for resident in crowd:
        attend(big, resident)
    attend(small, crowd[0])
    [growth] = series_growth(world.community)
    assert not growth.growing


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=st.lists(st.sets(st.integers(0, 7), max_size=8), min_size=1, max_size=4))
def test_series_figures_equal_an_independent_count(world: World, plan: list[set[int]]) -> None:
    Activity.objects.filter(community=world.community).delete()
    Series.objects.filter(community=world.community).delete()
    crowd = list(Resident.objects.filter(community=world.community, name__startswith="甲"))
    crowd += people(world, 8 - len(crowd), prefix="甲")
    series = Series.objects.create(community=world.community, name="系列")
    activities = [make(world, series, 100 - 10 * i, f"第{i}次") for i in range(len(plan))]
    for activity, who in zip(activities, plan, strict=True):
        for index in who:
            attend(activity, crowd[index])
    seen: set[int] = set()
    expected = []
    for who in plan:
        expected.append((len(who), len(who - seen), len(who & seen)))
        seen |= who
    [growth] = series_growth(world.community)
    assert [(s.attended, s.newcomers, s.returning) for s in growth.steps] == expected


def test_conversions_count_who_went_on_to_the_next_stage(world: World) -> None:
    crowd = people(world, 4)
    activities = [make(world, None, 80 - i * 10, f"活动{i}") for i in range(3)]
    for activity in activities:
        attend(activity, crowd[0])  # regular
    attend(activities[0], crowd[1], volunteer=True)  # participant and volunteer, not regular
    by_target = {c.to_stage: c for c in conversions(world.community)}
    known = Resident.objects.filter(community=world.community, anonymised_at__isnull=True).count()
    assert (by_target["participant"].reached, by_target["participant"].went_on) == (known, 2)
    assert (by_target["regular"].reached, by_target["regular"].went_on) == (2, 1)
    assert by_target["regular"].share == Fraction(1, 2)
    # The volunteer is not regular: regular → volunteer counts only those who were both.
    assert (by_target["volunteer"].reached, by_target["volunteer"].went_on) == (1, 0)


def test_a_leader_who_never_volunteered_does_not_inflate_the_conversion(world: World) -> None:
    volunteer, organiser = people(world, 2)
    attend(make(world, None, 30, "活动"), volunteer, volunteer=True)
    attend(make(world, None, 20, "活动二"), organiser)
    Activity.objects.create(
        community=world.community,
        title="她组织的",
        kind="interest_group",
        organiser_kind="resident",
        organiser_resident=organiser,
        starts_at=timezone.now() - timedelta(days=5),
        ends_at=timezone.now() - timedelta(days=5, hours=-2),
    )
    by_target = {c.to_stage: c for c in conversions(world.community)}
    assert (by_target["leader"].reached, by_target["leader"].went_on) == (1, 0)
    assert by_target["leader"].share == 0


def test_candidates_are_regulars_and_volunteers_ranked_by_their_evidence(
    world: World, registry: Registry
) -> None:
    keen, steady, leader = people(world, 3, prefix="候选")
    activities = [make(world, None, 90 - i * 10, f"兴趣小组{i}") for i in range(4)]
    for activity in activities:
        attend(activity, steady)
    for activity in activities[:3]:
        attend(activity, keen, volunteer=True)
        attend(activity, leader)
    entry = hours_enter(
        community=world.community,
        resident=keen,
        activity=None,
        hours="4.5",
        service="看护花园",
        actor=world.staff,
    )
    hours_verify(entry=entry, actor=world.admin)
    category = categories_ensure(world.organisation)[0]
    need = need_raise(
        community=world.community,
        title="楼道灯坏了",
        category=category,
        description="",
        raised_by=registry.resident,
        channel="visit",
        recorded_by=world.staff,
    )
    HelpOffer.objects.create(need=need, resident=keen, message="我会修")
    Activity.objects.create(  # the third already organises: a leader, not a candidate
        community=world.community,
        title="她组织的活动",
        kind="interest_group",
        organiser_kind="resident",
        organiser_resident=leader,
        starts_at=timezone.now() - timedelta(days=5),
        ends_at=timezone.now() - timedelta(days=5, hours=-2),
    )
    found = leader_candidates(world.community)
    assert [c.resident for c in found] == [keen, steady]
    top = found[0]
    assert (top.stage, top.attended, top.volunteered, top.hours, top.help_offers) == (
        "volunteer",
        3,
        3,
        Decimal("4.50"),
        1,
    )
    assert (found[1].stage, found[1].attended) == ("regular", 4)


def test_a_residents_history_lists_stages_and_activities(world: World) -> None:
    [resident] = people(world, 1)
    activities = [make(world, None, 50 - i * 10, f"活动{i}") for i in range(3)]
    for activity in activities:
        attend(activity, resident)
    history = resident_history(resident)
    assert history.stage == "regular"
    assert history.stage_at == activities[2].starts_at
    assert history.attended == 3
    assert [a.activity for a in history.attendance] == list(reversed(activities))


def test_viewers_see_the_ladder_but_no_candidates_or_names(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    [resident] = people(world, 1, prefix="王秀英")
    for i in range(3):
        attend(make(world, None, 40 - i * 10, f"活动{i}"), resident, volunteer=True)
    address = reverse("activities:participation", kwargs={"community": world.community.slug})
    viewer = login(world.viewer)
    with django_assert_max_num_queries(12):
        viewer_page = viewer.get(address).content.decode()
    assert "data-ladder" in viewer_page
    assert "data-candidates" not in viewer_page
    assert "王秀英" not in viewer_page
    staff_page = login(world.staff).get(address).content.decode()
    assert "data-candidates" in staff_page
    assert "王秀英0" in staff_page


def test_the_history_page_shows_the_stage(world: World, login: Any) -> None:
    [resident] = people(world, 1)
    attend(make(world, None, 10, "活动"), resident)
    address = reverse(
        "activities:resident-participation",
        kwargs={"community": world.community.slug, "pk": resident.pk},
    )
    page = login(world.staff).get(address).content.decode()
    assert 'data-stage="participant"' in page
