"""Who sees which needs. Staff see every need of their communities; residents and leaders see the
public ones and those they raised, lead, follow or are affected by; government viewers see none
(only the dashboard's aggregates). Outside that, a need answers 404."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404

from peiban.core.access import AnyUser, CommunityAccess, get_community_access, signed_in_user
from peiban.core.access import Need as Can
from peiban.needs.models import Need, Visibility
from peiban.places.models import Resident


def needs_for_user(access: CommunityAccess, user: User) -> QuerySet[Need]:
    needs = Need.objects.filter(community=access.community)
    if access.can(Can.EDIT):
        return needs
    if not access.can(Can.PARTICIPATE):
        return needs.none()
    mine = (
        Q(visibility=Visibility.PUBLIC)
        | Q(raised_by__user=user)
        | Q(recorded_by=user)
        | Q(lead__user=user)
        | Q(lead_staff=user)
        | Q(companions=user)
        | Q(affected__user=user)
    )
    return needs.filter(pk__in=needs.filter(mine).values("pk"))


def get_need_for_user(
    user: AnyUser, community_ref: str, pk: int, *, write: bool = False
) -> tuple[CommunityAccess, Need]:
    """The need if the user may see it; with `write`, only if they may also work on it.

    Staff may work on every need of their communities; a resident or leader only on the needs
    they lead or accompany.
    """
    access = get_community_access(user, community_ref, need=Can.PARTICIPATE)
    me = signed_in_user(user)
    need = (
        needs_for_user(access, me)
        .select_related(
            "category",
            "building",
            "dwelling__building",
            "public_space",
            "raised_by__user",
            "lead__user",
            "lead_staff",
            "community__organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if need is None:
        raise Http404
    if write and not can_work_on(access, need, me):
        raise Http404
    return access, need


def can_work_on(access: CommunityAccess, need: Need, user: User) -> bool:
    if access.can(Can.EDIT):
        return True
    if need.lead is not None and need.lead.user_id == user.pk:
        return True
    return need.companions.filter(pk=user.pk).exists()


def may_verify(need: Need, user: User) -> bool:
    """Residents verify a resolution: the one who raised or leads it, or one it affects."""
    resident = Resident.objects.filter(user=user, community_id=need.community_id).first()
    if resident is None:
        return False
    if resident.pk in {need.raised_by_id, need.lead_id}:
        return True
    return need.affected.filter(pk=resident.pk).exists()
