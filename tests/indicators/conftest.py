from __future__ import annotations

import pytest

from peiban.activities.demo import demo_load as activities_demo_load
from peiban.core.demo import DemoWorld
from peiban.core.models import Role
from peiban.indicators.demo import demo_load
from peiban.needs.demo import demo_load as needs_demo_load
from peiban.places.demo import demo_load as places_demo_load
from tests.conftest import World


@pytest.fixture
def demo(world: World) -> DemoWorld:
    """The demo compound (2 buildings) with its needs, a year of activities and the project."""
    demo_world = DemoWorld(
        organisation=world.organisation,
        community=world.community,
        users={
            Role.STAFF: world.staff,
            Role.ORG_ADMIN: world.admin,
            Role.RESIDENT_LEADER: world.leader,
            Role.RESIDENT: world.resident,
            Role.GOVERNMENT_VIEWER: world.viewer,
        },
    )
    quiet = lambda _message: None  # noqa: E731
    places_demo_load(world=demo_world, progress=quiet)
    activities_demo_load(world=demo_world, progress=quiet)
    needs_demo_load(world=demo_world, progress=quiet)
    demo_load(world=demo_world, progress=quiet)
    return demo_world
