"""Personas shared by every area's tests.

An organisation with two communities; staff of the first, staff of the second, an org admin,
a resident leader, a resident, a government viewer, and an outsider from another organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client

from peiban.core.models import Organisation, Role
from peiban.places.models import Community
from tests.factories import PASSWORD, CommunityFactory, OrganisationFactory, UserFactory, member


@dataclass
class World:
    organisation: Organisation
    community: Community
    other_community: Community
    other_organisation: Organisation
    foreign_community: Community
    admin: AbstractUser
    staff: AbstractUser
    other_staff: AbstractUser
    leader: AbstractUser
    resident: AbstractUser
    viewer: AbstractUser
    outsider: AbstractUser

    def persona(self, name: str) -> AbstractUser:
        return getattr(self, name)  # type: ignore[no-any-return]


PERSONAS = ("admin", "staff", "other_staff", "leader", "resident", "viewer", "outsider")


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run background tasks at once, hash passwords quickly (the real hasher is slow by design),
    and keep uploads in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "uploads"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_BUILDINGS = 2  # a small demo compound keeps the demo tests quick


@pytest.fixture
def world(db: None) -> World:
    organisation = OrganisationFactory(slug="tongxing", name="同行社区发展中心")
    community = CommunityFactory(organisation=organisation, slug="heping", name="和平里小区")
    other_community = CommunityFactory(organisation=organisation, slug="anle", name="安乐苑")
    other_organisation = OrganisationFactory(slug="elsewhere", name="别处社工站")
    foreign_community = CommunityFactory(
        organisation=other_organisation, slug="far", name="远方小区"
    )
    users = {name: UserFactory(username=name) for name in PERSONAS}
    member(users["admin"], organisation, Role.ORG_ADMIN)
    member(users["staff"], organisation, Role.STAFF, community)
    member(users["other_staff"], organisation, Role.STAFF, other_community)
    member(users["leader"], organisation, Role.RESIDENT_LEADER, community)
    member(users["resident"], organisation, Role.RESIDENT, community)
    member(users["viewer"], organisation, Role.GOVERNMENT_VIEWER, community)
    member(users["outsider"], other_organisation, Role.ORG_ADMIN)
    return World(
        organisation=organisation,
        community=community,
        other_community=other_community,
        other_organisation=other_organisation,
        foreign_community=foreign_community,
        **users,
    )


@pytest.fixture
def login(client: Client):
    def as_user(user: AbstractUser) -> Client:
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def password() -> str:
    return PASSWORD


@dataclass
class Registry:
    building: Any
    dwelling: Any
    household: Any
    resident: Any
    foreign_resident: Any


@pytest.fixture
def registry(world: World) -> Registry:
    """A building, a dwelling, a household and a resident in the first community (and one far)."""
    from peiban.places.models import Building, Dwelling, Household, Ownership, Resident
    from peiban.places.services import resident_set_contact

    building = Building.objects.create(community=world.community, label="3")
    dwelling = Dwelling.objects.create(
        community=world.community,
        building=building,
        unit="2",
        room="301",
        floor=3,
        area_registry="89.50",
    )
    household = Household.objects.create(community=world.community, dwelling=dwelling, elderly=True)
    resident = Resident(community=world.community, household=household, name="张伟", kind="owner")
    resident_set_contact(resident, phone="13800138000", id_number="")
    resident.save()
    Ownership.objects.create(dwelling=dwelling, resident=resident)
    far_building = Building.objects.create(community=world.foreign_community, label="1")
    far_dwelling = Dwelling.objects.create(
        community=world.foreign_community, building=far_building, room="101"
    )
    far_household = Household.objects.create(
        community=world.foreign_community, dwelling=far_dwelling
    )
    foreign = Resident.objects.create(
        community=world.foreign_community, household=far_household, name="远方人"
    )
    return Registry(building, dwelling, household, resident, foreign)
