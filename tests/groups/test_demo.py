"""The demo: six self-organisations at different stages with their histories, ten micro-projects."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.core.models import Role
from peiban.groups.demo import demo_load
from peiban.groups.models import MicroProject, SelfOrganisation, StageChange
from peiban.groups.selectors import group_figures, members_of
from peiban.groups.stages import stage_reached
from peiban.places.demo import demo_load as places_demo_load
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_loader_is_listed_after_the_compound_and_the_activities() -> None:
    path = "peiban.groups.demo.demo_load"
    assert path in DEMO_LOADERS
    assert DEMO_LOADERS.index(path) > DEMO_LOADERS.index("peiban.places.demo.demo_load")


def test_the_demo_has_groups_at_every_stage_and_projects_in_every_state(world: World) -> None:
    demo_world = DemoWorld(
        organisation=world.organisation,
        community=world.community,
        users={
            Role.STAFF: world.staff,
            Role.ORG_ADMIN: world.admin,
            Role.RESIDENT_LEADER: world.leader,
        },
    )
    places_demo_load(world=demo_world, progress=lambda _message: None)
    messages: list[str] = []
    demo_load(world=demo_world, progress=messages.append)
    assert "6 self-organisations" in messages[-1]
    groups = list(SelfOrganisation.objects.filter(community=world.community))
    assert len(groups) == 6
    assert set(Counter(g.stage for g in groups)) == {
        "emerging",
        "growing",
        "established",
        "autonomous",
    }
    for group in groups:
        # The recorded stage is what the criteria say today, reached one step at a time.
        assert group.stage == stage_reached(group_figures(group, group.founded_on.today()))
        moves = list(StageChange.objects.filter(group=group).order_by("moved_on", "id"))
        assert next(m.to_stage for m in moves) == "emerging"
        assert all(m.moved_on <= n.moved_on for m, n in itertools.pairwise(moves))
    led = SelfOrganisation.objects.get(name="夕阳红广场舞队")
    assert any(
        m.resident.user_id == world.leader.pk and m.role == "leader" for m in members_of(led)
    )
    assert set(MicroProject.objects.values_list("status", flat=True)) == {
        "proposed",
        "approved",
        "rejected",
        "completed",
    }
    assert MicroProject.objects.count() == 10
    demo_load(world=demo_world, progress=messages.append)  # idempotent
    assert SelfOrganisation.objects.filter(community=world.community).count() == 6
