"""Staff link a resident's record to the resident's own account, so that the resident sees their
own activities, hours and points; each link is checked and audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from peiban.core.models import AuditEntry
from peiban.places.models import Resident
from peiban.places.services import RegistryError, linkable_accounts, resident_link_account
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def test_only_unlinked_residents_and_leaders_of_the_community_are_offered(
    world: World, registry: Registry
) -> None:
    assert set(linkable_accounts(registry.resident)) == {world.resident, world.leader}
    other = Resident.objects.create(community=world.community, name="李四", user=world.leader)
    assert linkable_accounts(registry.resident) == [world.resident]
    assert other.user == world.leader


def test_linking_is_audited_and_unlinking_clears_it(world: World, registry: Registry) -> None:
    linked = resident_link_account(
        resident=registry.resident, user=world.resident, actor=world.staff
    )
    assert linked.user == world.resident
    unlinked = resident_link_account(resident=registry.resident, user=None, actor=world.staff)
    assert unlinked.user is None
    details = list(
        AuditEntry.objects.filter(
            subject_type="places.resident", subject_id=str(registry.resident.pk), action="change"
        )
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details == [
        {"account": world.resident.username, "before": None},
        {"account": None, "before": world.resident.username},
    ]


def test_staff_and_viewers_accounts_cannot_be_linked(world: World, registry: Registry) -> None:
    for user in (world.staff, world.viewer, world.outsider):
        with pytest.raises(RegistryError, match="is not a resident or resident leader"):
            resident_link_account(resident=registry.resident, user=user, actor=world.staff)


def test_one_account_is_linked_to_one_resident_of_a_community(
    world: World, registry: Registry
) -> None:
    Resident.objects.create(community=world.community, name="李四", user=world.resident)
    with pytest.raises(RegistryError, match="is already linked to 李四"):
        resident_link_account(resident=registry.resident, user=world.resident, actor=world.staff)


def test_staff_link_an_account_from_the_resident_page(
    world: World, registry: Registry, login: Any
) -> None:
    client = login(world.staff)
    page = reverse("places:resident", kwargs={"community": "heping", "pk": registry.resident.pk})
    assert "data-link" in client.get(page).content.decode()
    address = reverse(
        "places:resident-account", kwargs={"community": "heping", "pk": registry.resident.pk}
    )
    client.post(address, {"account": str(world.resident.pk)})
    registry.resident.refresh_from_db()
    assert registry.resident.user == world.resident
    assert "data-unlink" in client.get(page).content.decode()


def test_an_account_not_offered_is_refused_on_the_page(
    world: World, registry: Registry, login: Any
) -> None:
    address = reverse(
        "places:resident-account", kwargs={"community": "heping", "pk": registry.resident.pk}
    )
    login(world.staff).post(address, {"account": str(world.admin.pk)})
    registry.resident.refresh_from_db()
    assert registry.resident.user is None


def test_leaders_see_no_account_section(world: World, registry: Registry, login: Any) -> None:
    page = reverse("places:resident", kwargs={"community": "heping", "pk": registry.resident.pk})
    assert "data-account" not in login(world.leader).get(page).content.decode()
