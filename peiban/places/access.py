"""One access helper per registry resource; outside the user's scope everything is a 404."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404

from peiban.core.access import AnyUser, CommunityAccess, Need, get_community_access
from peiban.places.models import Building, Dwelling, Resident


def get_building_for_user(
    user: AnyUser, community_ref: str, pk: int, *, need: Need = Need.RECORDS
) -> tuple[CommunityAccess, Building]:
    access = get_community_access(user, community_ref, need=need)
    building = get_object_or_404(Building, pk=pk, community=access.community)
    return access, building


def get_dwelling_for_user(
    user: AnyUser, community_ref: str, pk: int, *, need: Need = Need.RECORDS
) -> tuple[CommunityAccess, Dwelling]:
    access = get_community_access(user, community_ref, need=need)
    dwelling = get_object_or_404(
        Dwelling.objects.select_related("building"), pk=pk, community=access.community
    )
    return access, dwelling


def get_resident_for_user(
    user: AnyUser, community_ref: str, pk: int, *, need: Need = Need.RECORDS
) -> tuple[CommunityAccess, Resident]:
    access = get_community_access(user, community_ref, need=need)
    resident = get_object_or_404(
        Resident.objects.select_related(
            "household__dwelling__building", "community__organisation"
        ).annotate(owned_count=Count("ownerships")),
        pk=pk,
        community=access.community,
    )
    return access, resident
