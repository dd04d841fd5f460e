"""Writes of the network area: record a tie, compute monthly snapshots."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import scipy.sparse as sp
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.network.derived import network_at
from peiban.network.graph import adjacency, bridging_edges, groups, measures
from peiban.network.models import Snapshot, Tie, TieKind, TieSource
from peiban.places.models import Community, Resident

DEFAULT_MONTHS = 12


class TieError(ValueError):
    """A tie that cannot be recorded; the message says why."""


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def months_back(last: date, count: int) -> list[date]:
    """`count` first-of-month dates ending with `last`'s month, oldest first."""
    year, month = last.year, last.month
    result = []
    for _step in range(count):
        result.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return result[::-1]


@transaction.atomic
def tie_record(
    *,
    community: Community,
    resident: Resident,
    other: Resident,
    kind: str,
    source: str,
    observed_on: date,
    strength: int = 3,
    sensitive: bool = False,
    note: str = "",
    actor: User | AnonymousUser | None,
) -> Tie:
    """Record a tie between two residents of `community`; conflicts are always staff-only."""
    if resident.community_id != community.pk or other.community_id != community.pk:
        raise TieError(_("Both residents must belong to this community."))
    if resident.pk == other.pk:
        raise TieError(_("A tie needs two different residents."))
    if kind not in TieKind.values or source not in TieSource.values:
        raise TieError(_("Choose a kind of tie and where it was learnt."))
    if not 1 <= strength <= 5:
        raise TieError(_("The strength is a number from 1 to 5."))
    tie = Tie.objects.create(
        community=community,
        resident=resident,
        other=other,
        kind=kind,
        source=source,
        strength=strength,
        observed_on=observed_on,
        sensitive=sensitive or kind == TieKind.CONFLICT,
        note=note,
        recorded_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=tie,
        organisation=community.organisation,
        detail={"kind": kind, "source": source},
    )
    return tie


@transaction.atomic
def tie_end(*, tie: Tie, ended_on: date, actor: User | AnonymousUser | None) -> Tie:
    """Mark a tie as ended (people moved away, fell out): later snapshots leave it out."""
    tie.ended_on = ended_on
    tie.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=tie,
        organisation=tie.community.organisation,
        detail={"ended_on": ended_on.isoformat()},
    )
    return tie


@transaction.atomic
def snapshot_compute(*, community: Community, month: date) -> Snapshot:
    """Compute (or recompute) the network of `community` at the end of `month` and store it."""
    month = month_start(month)
    network = network_at(community, month_end(month))
    matrix = adjacency(network.weights)
    figures = measures(matrix)
    found = groups(network.weights)
    ids = network.resident_ids.tolist()
    group_of = np.full(len(ids), -1, dtype=np.int64)
    for number, members in enumerate(found):
        group_of[members] = number
    residents = {
        str(ids[i]): [
            int(figures.degree[i]),
            round(float(figures.betweenness[i]), 6),
            round(float(figures.eigenvector[i]), 6),
            int(group_of[i]),
        ]
        for i in range(len(ids))
        if figures.degree[i] > 0
    }
    n = len(ids)
    upper = sp.triu(network.weights, k=1).tocoo()
    derived = sp.triu(network.derived, k=1).tocoo()
    is_derived = np.isin(
        upper.row.astype(np.int64) * n + upper.col, derived.row.astype(np.int64) * n + derived.col
    )
    ties = [
        [ids[r], ids[c], round(w, 4), d]
        for r, c, w, d in zip(
            upper.row.tolist(),
            upper.col.tolist(),
            upper.data.tolist(),
            is_derived.tolist(),
            strict=True,
        )
    ]
    snapshot, _created = Snapshot.objects.update_or_create(
        community=community,
        month=month,
        defaults={
            "nodes": figures.nodes,
            "edges": figures.edges,
            "density": figures.density,
            "components": figures.components,
            "largest_component": figures.largest_component,
            "average_degree": figures.average_degree,
            "clustering": figures.clustering,
            "with_tie": figures.with_tie,
            "isolated": figures.isolated,
            "bridging": bridging_edges(matrix, network.building),
            "derived_edges": int(sp.triu(derived, k=1).nnz),
            "betweenness_exact": figures.betweenness_exact,
            "residents": residents,
            "groups": [[ids[i] for i in members] for members in found],
            "ties": ties,
        },
    )
    return snapshot


def snapshots_compute(
    *, community: Community, last: date | None = None, months: int = DEFAULT_MONTHS
) -> list[Snapshot]:
    """Snapshots for the `months` months ending with `last`'s (default: this month)."""
    last = last or timezone.localdate()
    return [
        snapshot_compute(community=community, month=month) for month in months_back(last, months)
    ]
