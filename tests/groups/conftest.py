from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import translation

from peiban.groups.models import GroupKind, MemberRole, SelfOrganisation
from peiban.groups.services import group_create, member_add
from peiban.places.models import Resident
from tests.conftest import Registry, World


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in their English source form."""
    with translation.override("en"):
        yield


@dataclass
class Group:
    group: SelfOrganisation
    leader: Resident  # linked to world.leader's account
    member: Resident  # linked to world.resident's account


@pytest.fixture
def make_residents(world: World, registry: Registry):
    def make(count: int, prefix: str = "居民") -> list[Resident]:
        return [
            Resident.objects.create(
                community=world.community, household=registry.household, name=f"{prefix}{n}"
            )
            for n in range(count)
        ]

    return make


@pytest.fixture
def group(world: World, registry: Registry) -> Group:
    """A dance team led by the resident-leader persona, with the resident persona as a member."""
    made = group_create(
        community=world.community,
        name="广场舞队",
        kind=GroupKind.INTEREST,
        founded_on=date(2025, 1, 10),
        actor=world.staff,
    )
    leader = Resident.objects.create(
        community=world.community, household=registry.household, name="彭女士", user=world.leader
    )
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    member_add(
        group=made,
        resident=leader,
        role=MemberRole.LEADER,
        joined_on=date(2025, 1, 10),
        actor=world.staff,
    )
    member_add(
        group=made, resident=registry.resident, joined_on=date(2025, 2, 1), actor=world.staff
    )
    return Group(group=made, leader=leader, member=registry.resident)
