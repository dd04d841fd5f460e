"""Reads of the network area: the access helper first, then snapshots shaped for each audience.

Staff see names, resident leaders masked names (peiban.core.masking), government viewers only
aggregate measures (no residents, no ties, no groups of names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from peiban.activities.participation import STAGE_LABELS, STAGES, ladder
from peiban.core.access import AnyUser, CommunityAccess, Need, get_community_access
from peiban.core.masking import generalise_dwelling, mask_name
from peiban.network.models import (
    NEGATIVE_KINDS,
    SENSITIVE_KINDS,
    Snapshot,
    SurveyWave,
    Tie,
)
from peiban.places.models import Community, Resident

LEADERS = 10
OUTREACH = 30
MAP_LIMIT = 3000  # nodes drawn in the browser; the busiest residents first


def get_network_for_user(user: AnyUser, community_ref: str, *, need: Need) -> CommunityAccess:
    """The user's access to the community's network for `need`, or a 404."""
    return get_community_access(user, community_ref, need=need)


def shows_names(access: CommunityAccess) -> bool:
    """Staff and admins see names in clear; everyone else who may see residents sees them masked."""
    return access.can(Need.EDIT)


def snapshots_for(community: Community) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(community=community).order_by("month")


def snapshot_for(community: Community, month: date | None = None) -> Snapshot | None:
    """The snapshot of `month`, or the latest one."""
    snapshots = Snapshot.objects.filter(community=community)
    if month is not None:
        return snapshots.filter(month=month.replace(day=1)).first()
    return snapshots.order_by("-month").first()


def aggregates(snapshot: Snapshot) -> dict[str, Any]:
    """The structural dimension's figures: no personal data (for every audience)."""
    share = snapshot.with_tie / snapshot.nodes if snapshot.nodes else 0.0
    return {
        "month": snapshot.month.strftime("%Y-%m"),
        "nodes": snapshot.nodes,
        "edges": snapshot.edges,
        "density": round(snapshot.density, 6),
        "components": snapshot.components,
        "largest_component": snapshot.largest_component,
        "average_ties": round(snapshot.average_degree, 3),
        "clustering": round(snapshot.clustering, 4),
        "share_with_tie": round(share, 4),
        "bridging_ties": snapshot.bridging,
        "isolated": snapshot.isolated,
        "derived_ties": snapshot.derived_edges,
        "groups_found": len(snapshot.groups),
        "betweenness_exact": snapshot.betweenness_exact,
    }


@dataclass(frozen=True)
class Person:
    pk: int
    name: str
    building: str
    elderly: bool
    lives_alone: bool


def people(community: Community, ids: list[int] | None, *, clear: bool) -> dict[int, Person]:
    """Residents (all, or the ids given) with display names and building labels, one query."""
    rows = Resident.objects.filter(community=community, anonymised_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    values = rows.values_list(
        "pk",
        "name",
        "household__dwelling__building__label",
        "household__elderly",
        "household__lives_alone",
    )
    return {
        pk: Person(
            pk=pk,
            name=name if clear else mask_name(name),
            building=generalise_dwelling(label) if label else "",
            elderly=bool(elderly),
            lives_alone=bool(alone),
        )
        for pk, name, label, elderly, alone in values.iterator(chunk_size=20_000)
    }


def _unique_names(persons: dict[int, Person]) -> dict[int, str]:
    """Names as keys: a name shared by several residents gets its id appended."""
    seen: dict[str, int] = {}
    for person in persons.values():
        seen[person.name] = seen.get(person.name, 0) + 1
    return {pk: (p.name if seen[p.name] == 1 else f"{p.name} ({pk})") for pk, p in persons.items()}


def stages_of(community: Community, ids: list[int]) -> dict[int, str]:
    """Each resident's highest participation stage (peiban.activities.participation)."""
    result = {}
    rows = ladder(community).filter(pk__in=ids)
    for row in rows:
        top = "known"
        for stage in STAGES[1:]:
            if getattr(row, f"{stage}_at") is not None:
                top = stage
        result[row.pk] = top
    return result


def _neighbour_groups(snapshot: Snapshot) -> dict[int, set[int]]:
    group = {int(pk): values[3] for pk, values in snapshot.residents.items()}
    reach: dict[int, set[int]] = {}
    for a, b, _weight, _derived in snapshot.ties:
        reach.setdefault(a, set()).add(group.get(b, -1))
        reach.setdefault(b, set()).add(group.get(a, -1))
    return reach


def leaders(snapshot: Snapshot, *, clear: bool) -> list[dict[str, Any]]:
    """Likely leaders: the residents who bridge most (betweenness), with how central they are, how
    many groups their ties reach and their participation stage."""
    ranked = sorted(
        ((int(pk), values) for pk, values in snapshot.residents.items() if values[1] > 0),
        key=lambda item: (-item[1][1], -item[1][0], item[0]),
    )[:LEADERS]
    ids = [pk for pk, _values in ranked]
    persons = people(snapshot.community, ids, clear=clear)
    stages = stages_of(snapshot.community, ids)
    reach = _neighbour_groups(snapshot)
    return [
        {
            "name": persons[pk].name,
            "building": persons[pk].building,
            "degree": values[0],
            "betweenness": values[1],
            "eigenvector": values[2],
            "groups_reached": len(reach.get(pk, set()) - {-1}),
            "stage": stages.get(pk, "known"),
            "stage_label": str(STAGE_LABELS.get(stages.get(pk, "known"), "")),
        }
        for pk, values in ranked
        if pk in persons
    ]


def outreach(snapshot: Snapshot, *, clear: bool) -> list[dict[str, Any]]:
    """Residents without a tie who live alone, the elderly first: whom to visit."""
    rows = (
        Resident.objects.filter(
            community=snapshot.community, anonymised_at__isnull=True, household__lives_alone=True
        )
        .exclude(pk__in=[int(pk) for pk in snapshot.residents])
        .order_by("-household__elderly", "pk")
        .values_list("pk", flat=True)[:OUTREACH]
    )
    ids = list(rows)
    persons = people(snapshot.community, ids, clear=clear)
    return [
        {"name": persons[pk].name, "building": persons[pk].building, "elderly": persons[pk].elderly}
        for pk in ids
        if pk in persons
    ]


def summary(snapshot: Snapshot, *, clear: bool) -> dict[str, Any]:
    """The CLI's JSON (interfaces.md): aggregates, groups as names, leaders, residents."""
    persons = people(snapshot.community, None, clear=clear)
    names = _unique_names(persons)
    return {
        **aggregates(snapshot),
        "groups": [[names[pk] for pk in group if pk in names] for group in snapshot.groups],
        "leaders": leaders(snapshot, clear=clear),
        "outreach": outreach(snapshot, clear=clear),
        "residents": {
            names[int(pk)]: {
                "degree": values[0],
                "betweenness": values[1],
                "eigenvector": values[2],
                "group": values[3],
            }
            for pk, values in snapshot.residents.items()
            if int(pk) in names
        },
    }


def map_data(
    snapshot: Snapshot, *, clear: bool, staff: bool, conflicts: list[tuple[int, int]]
) -> dict[str, Any]:
    """Nodes and links for the browser map; conflict ties only when `staff`."""
    ranked = sorted(snapshot.residents.items(), key=lambda item: (-item[1][0], int(item[0])))
    chosen = {int(pk) for pk, _values in ranked[:MAP_LIMIT]}
    persons = people(snapshot.community, sorted(chosen), clear=clear)
    nodes = [
        {
            "id": pk,
            "name": persons[pk].name,
            "building": persons[pk].building,
            "group": snapshot.residents[str(pk)][3],
            "degree": snapshot.residents[str(pk)][0],
        }
        for pk in sorted(chosen)
        if pk in persons
    ]
    links = [
        {"source": a, "target": b, "weight": w, "derived": d}
        for a, b, w, d in snapshot.ties
        if a in chosen and b in chosen
    ]
    if staff:
        links += [
            {"source": a, "target": b, "weight": 1, "conflict": True}
            for a, b in conflicts
            if a in chosen and b in chosen
        ]
    return {
        "month": snapshot.month.strftime("%Y-%m"),
        "nodes": nodes,
        "links": links,
        "truncated": len(snapshot.residents) > len(chosen),
    }


def conflicts_at(community: Community, day: date) -> list[tuple[int, int]]:
    rows = (
        Tie.objects.filter(community=community, kind__in=NEGATIVE_KINDS, observed_on__lte=day)
        .exclude(ended_on__lte=day)
        .values_list("resident_id", "other_id")
    )
    return sorted({(min(a, b), max(a, b)) for a, b in rows})


def ties_for(access: CommunityAccess) -> QuerySet[Tie]:
    """Recorded ties the user may see: staff all, leaders none that are staff-only."""
    ties = Tie.objects.filter(community=access.community).select_related("resident", "other")
    if not access.can(Need.EDIT):
        ties = ties.filter(sensitive=False).exclude(kind__in=SENSITIVE_KINDS)
    return ties


def waves_for(community: Community) -> QuerySet[SurveyWave]:
    return SurveyWave.objects.filter(community=community).order_by("held_on", "pk")
