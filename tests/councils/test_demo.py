"""The demo: a year of council meetings, an owners' vote with its count, a consent case."""

from __future__ import annotations

import pytest

from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.core.models import Role
from peiban.councils.demo import demo_load
from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    Body,
    ConsentCase,
    Meeting,
    Motion,
    Resolution,
    ResolutionStatus,
)
from peiban.councils.selectors import assembly_tally
from peiban.places.demo import demo_load as places_demo_load
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_loader_is_listed_after_the_compound() -> None:
    path = "peiban.councils.demo.demo_load"
    assert path in DEMO_LOADERS
    assert DEMO_LOADERS.index(path) > DEMO_LOADERS.index("peiban.places.demo.demo_load")


def test_the_demo_has_a_year_of_meetings_and_a_counted_owners_vote(world: World) -> None:
    demo_world = DemoWorld(
        organisation=world.organisation,
        community=world.community,
        users={Role.STAFF: world.staff, Role.ORG_ADMIN: world.admin},
    )
    places_demo_load(world=demo_world, progress=lambda _message: None)
    messages: list[str] = []
    demo_load(world=demo_world, progress=messages.append)
    assert "12 meetings" in messages[-1]
    assert Meeting.objects.filter(community=world.community).count() == 12
    assert Motion.objects.filter(community=world.community, status="voted").count() >= 12
    statuses = set(Resolution.objects.values_list("status", flat=True))
    assert ResolutionStatus.VERIFIED in statuses
    assembly = Assembly.objects.get(community=world.community)
    assert assembly.status == AssemblyStatus.CLOSED
    # The kept result is the count of the ballots.
    assert assembly.result == assembly_tally(assembly).as_dict()
    assert assembly.result["voted_heads"] > 0
    assert ConsentCase.objects.filter(community=world.community).count() == 1
    demo_load(world=demo_world, progress=messages.append)  # idempotent
    assert Body.objects.filter(community=world.community).count() == 1
    assert "already" in messages[-1]
