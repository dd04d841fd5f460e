"""Method progress: milestones from data, thresholds per organisation, phases in order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from peiban.activities.models import Activity, Attendance
from peiban.indicators.models import MethodThresholds
from peiban.indicators.progress import PHASES, QUERY_BOUND, method_progress, thresholds_for
from peiban.indicators.services import ProjectError, thresholds_update
from peiban.places.models import Building, Dwelling, Partner, PublicSpace, Resident
from tests.conftest import World
from tests.factories import CommunityFactory
from tests.indicators.data import populate


def progress_of(world: World, **thresholds: int) -> Any:
    row = thresholds_for(world.organisation)
    for name, value in thresholds.items():
        setattr(row, name, value)
    return method_progress([world.community.pk], thresholds=row)[world.community.pk]


def milestones(progress: Any) -> dict[str, Any]:
    return {m.key: m for m in progress.milestones}


def test_a_new_community_stands_at_entry(world: World) -> None:
    progress = progress_of(world)
    assert progress.phase == "entry"
    assert not milestones(progress)["entry_partner"].met


def test_entry_is_complete_with_a_partner_and_a_registry(world: World) -> None:
    Partner.objects.create(community=world.community, kind="street_office", name="和平街道办事处")
    building = Building.objects.create(community=world.community, label="1")
    Dwelling.objects.create(community=world.community, building=building, room="101")
    progress = progress_of(world)
    found = milestones(progress)
    assert found["entry_partner"].met
    assert "和平街道办事处" in found["entry_partner"].evidence
    assert progress.complete("entry")
    assert progress.phase == "understanding"


def test_every_milestone_is_measured_and_unmet_ones_hold_their_phase(world: World) -> None:
    progress = progress_of(world)
    found = milestones(progress)
    assert all(m.measurable for m in progress.milestones)
    assert not found["group_channel"].met  # no leaders' group recorded
    assert not progress.complete("gathering")
    assert not progress.complete("self_governance")  # no decision carried out yet


def test_thresholds_are_per_organisation(world: World) -> None:
    populate(world.community, seed=11, residents=30, activities=10)
    figure = milestones(progress_of(world))["needs_recorded"].figure
    assert figure is not None
    assert milestones(progress_of(world, needs_recorded=int(figure)))["needs_recorded"].met
    assert not milestones(progress_of(world, needs_recorded=int(figure) + 1))["needs_recorded"].met
    thresholds_update(
        organisation=world.organisation, values={"needs_recorded": 99}, actor=world.admin
    )
    assert thresholds_for(world.organisation).needs_recorded == 99
    assert thresholds_for(world.other_organisation).needs_recorded == 10  # the default
    with pytest.raises(ProjectError):
        thresholds_update(
            organisation=world.organisation,
            values={"coach_ratio_percent": 101},
            actor=world.admin,
        )


def test_themed_activities_must_draw_more_residents_each_time(world: World) -> None:
    residents = [
        Resident.objects.create(community=world.community, name=f"居民{i}") for i in range(10)
    ]
    start = timezone.now() - timedelta(days=200)
    for n, attended in enumerate((2, 5, 9)):
        at = start + timedelta(days=30 * n)
        activity = Activity.objects.create(
            community=world.community,
            title=f"主题活动{n}",
            kind="themed",
            organiser_kind="staff",
            starts_at=at,
            ends_at=at + timedelta(hours=2),
        )
        for resident in residents[:attended]:
            Attendance.objects.create(activity=activity, resident=resident, checked_in_at=at)
    assert milestones(progress_of(world))["themed_rising"].met
    assert not milestones(progress_of(world, themed_activities=4))["themed_rising"].met


def test_phases_complete_in_order(world: World) -> None:
    """A later phase's milestones met do not count while an earlier phase is incomplete."""
    PublicSpace.objects.create(community=world.community, name="小广场", usable_for_activities=True)
    progress = progress_of(world, leaders_known=0)
    assert milestones(progress)["public_space"].met
    assert progress.phase == "entry"
    assert [p for p, _label, done, _m in progress.phases() if done] == []
    assert PHASES[0] == "entry"


def test_progress_of_many_communities_costs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(8):
        community = CommunityFactory(organisation=world.organisation, slug=f"p{i}", name=f"小区{i}")
        populate(community, seed=200 + i, residents=5, activities=2)
    ids = list(world.organisation.communities.values_list("pk", flat=True))
    with django_assert_max_num_queries(QUERY_BOUND):
        result = method_progress(ids, thresholds=MethodThresholds(organisation=world.organisation))
    assert set(result) == set(ids)


def test_the_progress_page_shows_the_phase_and_evidence(world: World, login: Any) -> None:
    url = reverse("indicators:progress", kwargs={"community": world.community.slug})
    page = login(world.viewer).get(url).content.decode()
    assert 'data-current-phase="entry"' in page
    assert 'data-milestone="survey_coverage"' in page


def test_admins_change_the_thresholds_on_a_page(world: World, login: Any) -> None:
    url = reverse("indicators:thresholds", kwargs={"org": world.organisation.slug})
    data = {
        "survey_coverage_percent": 40,
        "needs_recorded": 12,
        "leaders_known": 8,
        "themed_activities": 3,
        "regular_participants": 15,
        "coach_ratio_percent": 60,
        "resident_organised_activities": 2,
        "council_decisions_verified": 2,
    }
    response = login(world.admin).post(url, data)
    assert response.status_code == 302
    assert thresholds_for(world.organisation).coach_ratio_percent == 60
