"""Reads of the registry shared by pages, the API and commands."""

from __future__ import annotations

from django.db.models import Q

from peiban.core.models import Organisation
from peiban.places.models import Community


def organisation_by_ref(ref: str) -> Organisation | None:
    lookup = Q(slug=ref)
    if ref.isdigit():
        lookup |= Q(pk=int(ref))
    return Organisation.objects.filter(lookup).first()


def community_by_ref(ref: str) -> Community | None:
    """A community by id or slug, for commands (which run with full rights)."""
    lookup = Q(slug=ref)
    if ref.isdigit():
        lookup |= Q(pk=int(ref))
    return Community.objects.select_related("organisation").filter(lookup).first()
