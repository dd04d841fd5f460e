"""The demo compound: generated through the real roster import, reproducible and idempotent."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count

from peiban.core.crypto import is_mainland_mobile
from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.core.models import AuditEntry
from peiban.places.demo import building_shape, compound_rows, demo_load
from peiban.places.models import Dwelling, Household, Ownership, Resident, ResidentKind
from tests.conftest import World

BUILDINGS = 2


@pytest.fixture
def loaded(world: World) -> World:
    messages: list[str] = []
    demo_load(
        world=DemoWorld(organisation=world.organisation, community=world.community),
        progress=messages.append,
        buildings=BUILDINGS,
    )
    assert messages
    return world


def test_the_loader_is_listed() -> None:
    assert "peiban.places.demo.demo_load" in DEMO_LOADERS


def test_rows_are_reproducible() -> None:
    assert compound_rows(buildings=BUILDINGS, seed=7) == compound_rows(buildings=BUILDINGS, seed=7)
    assert compound_rows(buildings=BUILDINGS, seed=7) != compound_rows(buildings=BUILDINGS, seed=8)


def test_rows_are_plausible() -> None:
    rows = compound_rows(buildings=BUILDINGS)
    people = [r for r in rows if r.name]
    assert all(r.area is not None and 50 <= r.area <= 160 for r in rows)
    assert all(r.area is not None and r.area.as_tuple().exponent == -2 for r in rows)
    assert Counter(r.area_source for r in rows).most_common(1)[0][0] == "registry"
    assert {r.area_source for r in rows} == {"registry", "survey", "contract"}
    for row in rows:
        shape = building_shape(int(row.building))
        assert row.floor is not None
        assert 1 <= row.floor <= shape.floors
        assert 1 <= int(row.unit) <= shape.units
        assert row.room == f"{row.floor}{int(row.room[-2:]):02d}"
    assert all(is_mainland_mobile(r.phone) for r in people if r.phone)
    assert any(r.name[1:] in ("女士", "先生", "大爷", "奶奶", "阿姨") for r in people)
    tags = {tag for r in people for tag in r.tags}
    assert {"老人", "独居", "儿童"} <= tags


def test_demo_compound(loaded: World) -> None:
    community = loaded.community
    dwellings = Dwelling.objects.filter(community=community)
    expected = {(r.building, r.unit, r.room) for r in compound_rows(buildings=BUILDINGS)}
    assert dwellings.count() == len(expected)
    keys = list(dwellings.values_list("building__label", "unit", "room"))
    assert len(set(keys)) == len(keys)  # no dwelling twice
    assert set(keys) == expected

    owned = dwellings.annotate(n=Count("ownerships")).filter(n__gt=0)
    co_owned = owned.filter(n__gte=2).count()
    assert 0.08 < co_owned / owned.count() < 0.25

    spans = Counter(
        number
        for number, _dwelling in Ownership.objects.filter(dwelling__community=community)
        .exclude(resident__owner_number="")
        .values_list("resident__owner_number", "dwelling")
        .distinct()
    )
    assert max(spans.values()) >= 2  # one buyer, several dwellings

    held = dwellings.filter(developer_held=True)
    assert held.exists()
    assert not Ownership.objects.filter(dwelling__in=held).exists()
    assert set(held.values_list("building__label", flat=True)) == {str(BUILDINGS)}

    tenants = Resident.objects.filter(community=community, kind=ResidentKind.TENANT)
    assert tenants.exists()
    rented = Household.objects.filter(members__kind=ResidentKind.TENANT).distinct().count()
    households = Household.objects.filter(community=community).count()
    assert 0.08 < rented / households < 0.25
    assert Resident.objects.filter(community=community, kind=ResidentKind.FAMILY).exists()
    assert Resident.objects.filter(community=community, lives_here=False).exists()
    assert Household.objects.filter(community=community, elderly=True).exists()
    assert Household.objects.filter(community=community, children=True).exists()
    assert Household.objects.filter(community=community, lives_alone=True).exists()

    residents = Resident.objects.filter(community=community)
    with_skills = (
        residents.exclude(skills=[]).count()
        + residents.filter(skills=[]).exclude(interests=[]).count()
    )
    assert 0.15 < with_skills / residents.count() < 0.35
    assert residents.exclude(time_offered="").exists()


def test_loading_again_adds_nothing(loaded: World) -> None:
    community = loaded.community

    def counts() -> tuple[int, ...]:
        return (
            Dwelling.objects.filter(community=community).count(),
            Household.objects.filter(community=community).count(),
            Resident.objects.filter(community=community).count(),
            Ownership.objects.filter(dwelling__community=community).count(),
            AuditEntry.objects.count(),
        )

    before = counts()
    messages: list[str] = []
    demo_load(
        world=DemoWorld(organisation=loaded.organisation, community=community),
        progress=messages.append,
        buildings=BUILDINGS,
    )
    assert counts() == before
    assert "already" in messages[0]
