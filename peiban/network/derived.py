"""The network of a community at a date: recorded ties plus ties derived from doing things together.

A derived tie comes from co-participation: residents who took part in the same activities within
``DERIVED_WINDOW`` before the date. Each activity with n participants adds 1/(n − 1) to each of its
pairs (Newman's weighting; see peiban.network.graph), and a pair whose summed weight reaches
``DERIVED_MIN_WEIGHT`` counts as a tie: once together in a group of five or fewer, five times in a
group of twenty, never merely for standing in the same 300-person festival.

Sources of co-participation are listed in ``CO_PARTICIPATION_SOURCES``: each returns
(occasion key, resident id) pairs for a community and a window: activities attended, and
membership of self-organisations (one occasion per group, so members of a small group are tied).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import scipy.sparse as sp
from django.db.models import Q
from django.utils import timezone

from peiban.activities.models import Attendance
from peiban.groups.models import GroupMember
from peiban.network.graph import IntArray, projection_weights
from peiban.network.models import NEGATIVE_KINDS, Tie
from peiban.places.models import Community, Resident

DERIVED_WINDOW = timedelta(days=365)
DERIVED_MIN_WEIGHT = 0.25
MAX_STRENGTH = 5

Occasions = Iterable[tuple[int, int]]
CoParticipationSource = Callable[[Community, datetime, datetime], Occasions]


def activity_occasions(community: Community, start: datetime, end: datetime) -> Occasions:
    """(activity id, resident id) of everyone at a non-cancelled activity in the window."""
    return (
        Attendance.objects.filter(
            activity__community=community,
            activity__cancelled_at__isnull=True,
            checked_in_at__gte=start,
            checked_in_at__lt=end,
        )
        .order_by()
        .values_list("activity_id", "resident_id")
        .iterator(chunk_size=20_000)
    )


def group_occasions(community: Community, start: datetime, end: datetime) -> Occasions:
    """(group key, resident id) of everyone who was a member of a self-organisation of the
    community at some time in the window; each group is one occasion, with keys kept apart from
    activity ids by the source number that `co_participation` adds."""
    return (
        GroupMember.objects.filter(
            group__community=community,
            joined_on__lt=end.date(),
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start.date()))
        .order_by()
        .values_list("group_id", "resident_id")
        .distinct()
        .iterator(chunk_size=20_000)
    )


CO_PARTICIPATION_SOURCES: list[CoParticipationSource] = [activity_occasions, group_occasions]


@dataclass(frozen=True)
class Network:
    """Residents (sorted ids) and symmetric weight matrices indexed by their positions."""

    resident_ids: IntArray
    building: IntArray  # building id per resident, −1 when not known
    weights: sp.csr_array  # recorded positive ties (strength / 5) plus derived weight
    derived: sp.csr_array  # derived ties only, after the threshold
    conflicts: list[tuple[int, int]]  # resident id pairs, staff only

    def index(self) -> dict[int, int]:
        return {int(pk): i for i, pk in enumerate(self.resident_ids.tolist())}


def end_of(day: date) -> datetime:
    """The first instant after `day` in the current time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _symmetric(rows: list[int], cols: list[int], values: list[float], n: int) -> sp.csr_array:
    if not rows:
        return sp.csr_array((n, n), dtype=np.float64)
    r = np.asarray(rows + cols, dtype=np.int64)
    c = np.asarray(cols + rows, dtype=np.int64)
    v = np.asarray(values + values, dtype=np.float64)
    matrix = sp.csr_array((v, (r, c)), shape=(n, n))
    matrix.sum_duplicates()
    return matrix


def co_participation(
    community: Community, index: dict[int, int], start: datetime, end: datetime
) -> sp.csr_array:
    """Summed Newman weights over every co-participation source, before the threshold."""
    n = len(index)
    occasion_ids: dict[tuple[int, int], int] = {}
    occasions: list[int] = []
    members: list[int] = []
    for number, source in enumerate(CO_PARTICIPATION_SOURCES):
        for key, resident_id in source(community, start, end):
            position = index.get(resident_id)
            if position is None:
                continue
            occasions.append(occasion_ids.setdefault((number, key), len(occasion_ids)))
            members.append(position)
    return projection_weights(
        np.asarray(occasions, dtype=np.int64), np.asarray(members, dtype=np.int64), n
    )


def network_at(community: Community, day: date) -> Network:
    """The network at the end of `day`: ties recorded by then and not ended, and derived ties."""
    rows = (
        Resident.objects.filter(community=community, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "household__dwelling__building_id")
    )
    ids: list[int] = []
    buildings: list[int] = []
    for pk, building_id in rows.iterator(chunk_size=20_000):
        ids.append(pk)
        buildings.append(-1 if building_id is None else building_id)
    index = {pk: i for i, pk in enumerate(ids)}
    n = len(ids)
    a: list[int] = []
    b: list[int] = []
    strength: list[float] = []
    conflicts: list[tuple[int, int]] = []
    recorded = (
        Tie.objects.filter(community=community, observed_on__lte=day)
        .exclude(ended_on__lte=day)
        .values_list("resident_id", "other_id", "kind", "strength")
    )
    for one, two, kind, value in recorded.iterator(chunk_size=20_000):
        if one not in index or two not in index:
            continue
        if kind in NEGATIVE_KINDS:
            conflicts.append((min(one, two), max(one, two)))
            continue
        a.append(index[one])
        b.append(index[two])
        strength.append(value / MAX_STRENGTH)
    recorded_matrix = _symmetric(a, b, strength, n)
    end = end_of(day)
    raw = co_participation(community, index, end - DERIVED_WINDOW, end)
    derived = sp.csr_array(raw.multiply(raw >= DERIVED_MIN_WEIGHT))
    derived.eliminate_zeros()
    weights = sp.csr_array(recorded_matrix + derived)
    weights.eliminate_zeros()
    building: IntArray = np.asarray(buildings, dtype=np.int64)
    return Network(
        resident_ids=np.asarray(ids, dtype=np.int64),
        building=building,
        weights=weights,
        derived=derived,
        conflicts=sorted(set(conflicts)),
    )
