"""Reads of the registry shared by pages, the API and commands."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from peiban.core.crypto import lookup_hash
from peiban.core.models import Organisation
from peiban.places.addresses import AddressError, parse_address
from peiban.places.models import (
    Building,
    Community,
    Dwelling,
    Household,
    Resident,
    natural_sort_key,
)


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


def _count(model: Any, outer: str, **filters: Any) -> Coalesce:
    """A correlated COUNT(*) subquery, so that counts never multiply through joins."""
    query = (
        model.objects.filter(**{outer: OuterRef("pk")}, **filters)
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(query, output_field=IntegerField()), 0)


def community_summary(community: Community) -> dict[str, int]:
    """Counts for the community overview, each computed in the database."""
    return {
        "buildings": Building.objects.filter(community=community).count(),
        "dwellings": Dwelling.objects.filter(community=community).count(),
        "households": Household.objects.filter(community=community).count(),
        "residents": Resident.objects.filter(
            community=community, anonymised_at__isnull=True
        ).count(),
        "owners": Resident.objects.filter(community=community, ownerships__isnull=False)
        .distinct()
        .count(),
    }


def buildings_with_counts(community: Community) -> QuerySet[Building]:
    return Building.objects.filter(community=community).annotate(
        dwelling_count=_count(Dwelling, "building"),
        household_count=_count(Household, "dwelling__building"),
        resident_count=_count(Resident, "household__dwelling__building"),
    )


@dataclass
class Floor:
    number: int | None
    cells: list[Dwelling | None]


@dataclass
class BuildingGrid:
    units: list[str]
    floors: list[Floor]


def building_grid(building: Building) -> BuildingGrid:
    """Rooms by floor (top first) and unit, each with its household and resident counts."""
    dwellings = list(
        Dwelling.objects.filter(building=building)
        .select_related("building")
        .annotate(
            household_count=_count(Household, "dwelling"),
            resident_count=_count(Resident, "household__dwelling"),
        )
        .order_by("unit", "floor", "room")
    )
    units = sorted({d.unit for d in dwellings}, key=natural_sort_key)
    by_floor: dict[int | None, dict[str, list[Dwelling]]] = defaultdict(lambda: defaultdict(list))
    for dwelling in dwellings:
        by_floor[dwelling.floor][dwelling.unit].append(dwelling)
    floors = []
    for number in sorted(by_floor, key=lambda f: -1 if f is None else f, reverse=True):
        cells: list[Dwelling | None] = []
        for unit in units:
            rooms = sorted(by_floor[number][unit], key=lambda d: natural_sort_key(d.room))
            cells.extend(rooms)
            cells.append(None)  # a gap between units
        floors.append(Floor(number=number, cells=cells[:-1]))
    return BuildingGrid(units=units, floors=floors)


def dwelling_people(dwelling: Dwelling) -> dict[str, Any]:
    owners = list(
        Resident.objects.filter(ownerships__dwelling=dwelling).order_by("name").distinct()
    )
    households = list(
        Household.objects.filter(dwelling=dwelling).prefetch_related(
            Prefetch("members", queryset=Resident.objects.order_by("name"))
        )
    )
    return {"owners": owners, "households": households}


SEARCH_LIMIT = 50


def resident_search(community: Community, query: str) -> list[Resident]:
    """Find residents by name, by room (3-2-301, 3栋301 …) or by the last four phone digits."""
    query = query.strip()
    residents = Resident.objects.filter(community=community, anonymised_at__isnull=True)
    residents = residents.select_related("household__dwelling__building")
    if not query:
        return []
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(query) == 4 and digits == query:
        found = residents.filter(
            phone_last4_hash=lookup_hash(query, kind="phone_last4")
        ) | residents.filter(household__dwelling__room=query)
        return list(found.distinct()[:SEARCH_LIMIT])
    try:
        address = parse_address(query)
    except AddressError:
        return list(residents.filter(name__icontains=query)[:SEARCH_LIMIT])
    return list(
        residents.filter(
            household__dwelling__building__label=address.building,
            household__dwelling__room=address.room,
            **({"household__dwelling__unit": address.unit} if address.unit else {}),
        )[:SEARCH_LIMIT]
    )
