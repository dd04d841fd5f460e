"""The demo compound's network densifies over the year."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.core.demo import DemoWorld
from peiban.network.demo import demo_load
from peiban.network.models import Snapshot, SurveyWave, Tie
from peiban.places.demo import demo_load as places_demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_network_densifies_and_loads_once(world: Any) -> None:
    demo = DemoWorld(organisation=world.organisation, community=world.community)
    places_demo_load(world=demo, progress=lambda message: None)
    demo_load(world=demo, progress=lambda message: None)
    snapshots = list(Snapshot.objects.filter(community=world.community).order_by("month"))
    assert len(snapshots) == 12
    edges = [s.edges for s in snapshots]
    assert edges == sorted(edges)
    assert edges[-1] > 3 * max(edges[0], 1)
    assert snapshots[-1].isolated < snapshots[0].isolated
    assert snapshots[-1].bridging > snapshots[0].bridging
    assert Tie.objects.filter(kind="conflict", sensitive=True).count() == 2
    assert SurveyWave.objects.filter(community=world.community).count() == 2
    count = Tie.objects.count()
    demo_load(world=demo, progress=lambda message: None)
    assert Tie.objects.count() == count
