"""Setting up an organisation: its admins' access, its members and its communities' partners.

Every write leaves an audit entry. Refusals raise OrganisationError, whose message is for people.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from peiban.core.access import AnyUser
from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, Membership, Organisation, Role
from peiban.places.models import Community, Partner, PartnerKind


class OrganisationError(ValueError):
    """A change to the organisation's set-up that is refused; `field` names the form field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- Access and reads ----------------------------------------------------------------------------


def get_organisation_for_admin(user: AnyUser, slug: str) -> Organisation:
    """The organisation `slug` if the user is one of its admins; anyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404
    organisation = Organisation.objects.filter(
        slug=slug,
        memberships__user_id=user.pk,
        memberships__role=Role.ORG_ADMIN,
    ).first()
    if organisation is None:
        raise Http404
    return organisation


def organisation_communities(organisation: Organisation) -> QuerySet[Community]:
    """The organisation's communities with their partners: two queries, however many there are."""
    return Community.objects.filter(organisation=organisation).prefetch_related("partners")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    """Memberships with their user and communities: two queries, however many there are."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .prefetch_related(Prefetch("communities", queryset=Community.objects.only("name", "slug")))
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def get_community_in(organisation: Organisation, slug: str) -> Community:
    community = Community.objects.filter(organisation=organisation, slug=slug).first()
    if community is None:
        raise Http404
    return community


def get_membership_in(organisation: Organisation, pk: int) -> Membership:
    membership = (
        Membership.objects.filter(organisation=organisation, pk=pk).select_related("user").first()
    )
    if membership is None:
        raise Http404
    return membership


# --- Writes ---------------------------------------------------------------------------------------


def _checked_communities(
    organisation: Organisation, role: str, communities: Iterable[Community]
) -> list[Community]:
    """The communities to assign: none for org admins (they see all), at least one otherwise."""
    if role not in Role.values:
        raise OrganisationError(_("Choose a role from the list."), field="role")
    chosen = list(communities)
    if any(community.organisation_id != organisation.pk for community in chosen):
        raise OrganisationError(
            _("That community belongs to another organisation."), field="communities"
        )
    if role == Role.ORG_ADMIN:
        return []
    if not chosen:
        raise OrganisationError(
            _("Choose at least one community: only organisation admins see every community."),
            field="communities",
        )
    return chosen


def _other_admins_exist(membership: Membership) -> bool:
    """Whether the organisation keeps an admin without this membership (locks the organisation)."""
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ORG_ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def _slugs(communities: Iterable[Community]) -> list[str]:
    return sorted(community.slug for community in communities)


@transaction.atomic
def partner_create(
    *, community: Community, kind: str, name: str, contact: str, note: str, actor: User | None
) -> Partner:
    if kind not in PartnerKind.values:
        raise OrganisationError(_("Choose a kind of partner from the list."), field="kind")
    name = name.strip()
    if not name:
        raise OrganisationError(_("A partner needs a name."), field="name")
    partner = Partner.objects.create(
        community=community, kind=kind, name=name, contact=contact.strip(), note=note.strip()
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=partner,
        organisation=community.organisation,
        detail={"community": community.slug, "kind": kind},
    )
    return partner


def _find_user(username: str) -> User | None:
    """The account with this username; sign-in is case-sensitive, people's memories are not."""
    exact = User.objects.filter(username=username).first()
    if exact is not None:
        return exact
    return User.objects.filter(username__iexact=username).order_by("pk").first()


@transaction.atomic
def member_add(
    *,
    organisation: Organisation,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    communities: Iterable[Community],
    actor: User | None,
) -> tuple[Membership, bool]:
    """Add a member; a new account (without a password) is created if the username is unknown.

    Returns the membership and whether the account is new. An existing account keeps its name
    and e-mail: they belong to the person, not to this organisation.
    """
    username = username.strip()
    if not username:
        raise OrganisationError(_("A member needs a username."), field="username")
    chosen = _checked_communities(organisation, role, communities)
    user = _find_user(username)
    created = user is None
    if user is None:
        user = User.objects.create_user(
            username=username,
            email=email.strip(),
            password=None,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        raise OrganisationError(
            _("%(username)s is already a member of this organisation.")
            % {"username": user.username},
            field="username",
        )
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    membership.communities.set(chosen)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=membership,
        organisation=organisation,
        detail={
            "user": user.username,
            "new_account": created,
            "role": role,
            "communities": _slugs(chosen),
        },
    )
    return membership, created


@transaction.atomic
def member_change(
    *, membership: Membership, role: str, communities: Iterable[Community], actor: User | None
) -> Membership:
    """Change a member's role and communities; the organisation always keeps an admin."""
    organisation = membership.organisation
    chosen = _checked_communities(organisation, role, communities)
    before_role = membership.role
    before = _slugs(membership.communities.all())
    demoted = before_role == Role.ORG_ADMIN and role != Role.ORG_ADMIN
    if demoted and not _other_admins_exist(membership):
        raise OrganisationError(
            _("The organisation needs at least one admin. Make someone else an admin first."),
            field="role",
        )
    if before_role == role and before == _slugs(chosen):
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    membership.communities.set(chosen)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=membership,
        organisation=organisation,
        detail={
            "user": membership.user.username,
            "role": [before_role, role],
            "communities": [before, _slugs(chosen)],
        },
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User | None) -> None:
    """Remove a member from the organisation (the account stays); never the last admin."""
    if membership.role == Role.ORG_ADMIN and not _other_admins_exist(membership):
        raise OrganisationError(
            _("The organisation needs at least one admin. Make someone else an admin first.")
        )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        subject=membership,
        organisation=membership.organisation,
        detail={
            "user": membership.user.username,
            "role": membership.role,
            "communities": _slugs(membership.communities.all()),
        },
    )
    membership.delete()
