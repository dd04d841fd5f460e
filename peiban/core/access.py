"""Who may see what. One helper per resource; anything outside a user's scope is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from peiban.core.models import Membership, Role
from peiban.places.models import Community

AnyUser = AbstractBaseUser | AnonymousUser

# Roles that see personal records of their communities; the others see less (see docs/access.md).
RECORD_ROLES = frozenset({Role.ORG_ADMIN, Role.STAFF})


def signed_in(request: HttpRequest) -> User:
    """The request's user, for views behind login_required; anyone else gets a 404."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise Http404
    return user


def signed_in_user(user: AnyUser) -> User:
    """`user` as a User, or a 404 for anyone not signed in."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise Http404
    return user


def memberships_for_user(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk).select_related("organisation")


def communities_for_user(user: AnyUser) -> QuerySet[Community]:
    """Communities the user may open: all of the organisation for admins, else assigned ones."""
    if not user.is_authenticated:
        return Community.objects.none()
    # EXISTS rather than joins: joining both membership paths multiplies an organisation's
    # members by a community's members before DISTINCT (a million rows for a thousand members).
    admin_of = Membership.objects.filter(
        user_id=user.pk, organisation=OuterRef("organisation"), role=Role.ORG_ADMIN
    )
    assigned_to = Membership.communities.through._default_manager.filter(
        membership__user_id=user.pk, community=OuterRef("pk")
    )
    return Community.objects.filter(Exists(admin_of) | Exists(assigned_to)).select_related(
        "organisation"
    )


def get_community_for_user(user: AnyUser, slug_or_id: str) -> Community:
    communities = communities_for_user(user)
    lookup = Q(slug=slug_or_id)
    if slug_or_id.isdigit():
        lookup |= Q(pk=int(slug_or_id))
    community = communities.filter(lookup).first()
    if community is None:
        raise Http404
    return community


class Need(StrEnum):
    """What a page or endpoint needs to do in a community."""

    AGGREGATES = "aggregates"  # counts and charts, no personal data
    RECORDS = "records"  # personal records, masked
    EDIT = "edit"  # change the registry, import, export
    UNMASK = "unmask"  # see phone and ID numbers in clear (logged)
    PARTICIPATE = "participate"  # raise needs, follow one's own and public ones, offer help


GRANTS: dict[str, frozenset[Need]] = {
    Role.ORG_ADMIN: frozenset(Need),
    Role.STAFF: frozenset(Need),
    Role.RESIDENT_LEADER: frozenset({Need.AGGREGATES, Need.RECORDS, Need.PARTICIPATE}),
    Role.GOVERNMENT_VIEWER: frozenset({Need.AGGREGATES}),
    Role.RESIDENT: frozenset({Need.PARTICIPATE}),
}


@dataclass(frozen=True)
class CommunityAccess:
    """A user's standing in one community: the role, and what it lets them do."""

    community: Community
    role: Role

    def can(self, need: Need) -> bool:
        return need in GRANTS[self.role]


def get_community_access(user: AnyUser, ref: str, *, need: Need) -> CommunityAccess:
    """The community `ref` (slug or id) if the user may do `need` there; otherwise 404."""
    community = get_community_for_user(user, ref)
    if not isinstance(user, User):
        raise Http404
    membership = (
        Membership.objects.filter(user_id=user.pk, organisation_id=community.organisation_id)
        .only("role")
        .first()
    )
    if membership is None:
        raise Http404
    access = CommunityAccess(community=community, role=Role(membership.role))
    if not access.can(need):
        raise Http404
    return access
