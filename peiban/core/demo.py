"""The demo organisation: a fictional NGO, one fictional compound and one user per role.

Each app adds its own demo data through a loader listed in DEMO_LOADERS; loading is idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import Model, ProtectedError, QuerySet
from django.utils.module_loading import import_string

from peiban.core.models import AuditEntry, Membership, Organisation, Role
from peiban.places.models import Community

ORGANISATION_SLUG = "demo"
COMMUNITY_SLUG = "wutongli"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    first_name: str
    last_name: str


DEMO_USERS = (
    DemoUser("demo-admin", "peiban-demo-admin", Role.ORG_ADMIN, "敏", "王"),
    DemoUser("demo-staff", "peiban-demo-staff", Role.STAFF, "静", "李"),
    DemoUser("demo-leader", "peiban-demo-leader", Role.RESIDENT_LEADER, "女士", "彭"),
    DemoUser("demo-resident", "peiban-demo-resident", Role.RESIDENT, "大爷", "赵"),
    DemoUser("demo-viewer", "peiban-demo-viewer", Role.GOVERNMENT_VIEWER, "科长", "陈"),
)

# Later areas append loaders here: "peiban.<app>.demo.demo_load".
DEMO_LOADERS: list[str] = [
    "peiban.places.demo.demo_load",
    "peiban.needs.demo.demo_load",
    "peiban.activities.demo.demo_load",
    "peiban.groups.demo.demo_load",
    "peiban.chats.demo.demo_load",
    "peiban.network.demo.demo_load",
    "peiban.councils.demo.demo_load",
    "peiban.surveys.demo.demo_load",
    "peiban.indicators.demo.demo_load",  # last: the demo project covers the others' records
]


@dataclass
class DemoWorld:
    organisation: Organisation
    community: Community
    users: dict[Role, AbstractUser] = field(default_factory=dict)


def _delete_with_protected(queryset: QuerySet[Any], depth: int = 0) -> None:
    """Delete the rows and, first, whatever protects them from deletion (ledgers and registers
    protect residents and communities on purpose; the demo alone may remove them wholesale)."""
    for _attempt in range(50):
        try:
            with transaction.atomic():
                queryset.delete()
            return
        except ProtectedError as error:
            if depth > 10:
                raise
            protecting: dict[type[Model], list[Any]] = defaultdict(list)
            for found in error.protected_objects:
                protecting[type(found)].append(found.pk)
            for model, keys in protecting.items():
                _delete_with_protected(model._base_manager.filter(pk__in=keys), depth + 1)
    raise RuntimeError("The demo could not be deleted.")


def demo_reset() -> None:
    """Delete the demo organisation, everything scoped to it and the demo users."""
    User = get_user_model()
    with transaction.atomic():
        organisation = Organisation.objects.filter(slug=ORGANISATION_SLUG).first()
        if organisation is not None:
            _delete_with_protected(Community.objects.filter(organisation=organisation))
            # The audit log is append-only for people; the demo's own entries go with the demo.
            AuditEntry.objects.filter(organisation=organisation).delete()
            organisation.delete()
        User.objects.filter(username__in=[u.username for u in DEMO_USERS]).delete()


@transaction.atomic
def demo_load(*, progress: Callable[[str], None] = lambda _message: None) -> DemoWorld:
    organisation, _created = Organisation.objects.get_or_create(
        slug=ORGANISATION_SLUG, defaults={"name": "同行社区发展中心（示范）"}
    )
    community, _created = Community.objects.get_or_create(
        slug=COMMUNITY_SLUG,
        defaults={"organisation": organisation, "name": "梧桐里小区", "city": "示范市"},
    )
    world = DemoWorld(organisation=organisation, community=community)
    User = get_user_model()
    for demo_user in DEMO_USERS:
        user, _created = User.objects.get_or_create(username=demo_user.username)
        user.first_name = demo_user.first_name
        user.last_name = demo_user.last_name
        user.email = f"{demo_user.username}@example.org"
        user.set_password(demo_user.password)
        user.save()
        membership, _created = Membership.objects.update_or_create(
            user=user, organisation=organisation, defaults={"role": demo_user.role}
        )
        if demo_user.role != Role.ORG_ADMIN:
            membership.communities.add(community)
        world.users[demo_user.role] = user
    progress(f"Demo organisation {organisation.name}, community {community.name}, 5 users.")
    for path in DEMO_LOADERS:
        import_string(path)(world=world, progress=progress)
    return world
