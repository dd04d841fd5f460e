"""Snapshots of a small compound: the stored measures equal networkx's on the same data."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import networkx as nx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from networkx.algorithms import bipartite

from peiban.activities.models import Attendance
from peiban.network.derived import DERIVED_MIN_WEIGHT, DERIVED_WINDOW, end_of
from peiban.network.models import Snapshot, Tie
from peiban.network.services import (
    TieError,
    month_end,
    months_back,
    snapshot_compute,
    snapshots_compute,
    tie_record,
)
from tests.network.conftest import MONTH, Compound

pytestmark = pytest.mark.django_db


def networkx_pipeline(world: Any, compound: Compound, day: date) -> nx.Graph:
    """The straightforward way: bipartite graph, networkx projection, threshold, recorded ties."""
    end = end_of(day)
    b = nx.Graph()
    people = [r.pk for r in compound.residents]
    b.add_nodes_from(people)
    for activity_id, resident_id in Attendance.objects.filter(
        checked_in_at__gte=end - DERIVED_WINDOW, checked_in_at__lt=end
    ).values_list("activity_id", "resident_id"):
        b.add_edge(("a", activity_id), resident_id)
    projected = bipartite.collaboration_weighted_projected_graph(b, people)
    g = nx.Graph()
    g.add_nodes_from(people)
    g.add_edges_from(
        (u, v) for u, v, w in projected.edges(data="weight") if w >= DERIVED_MIN_WEIGHT
    )
    for tie in Tie.objects.filter(observed_on__lte=day).exclude(kind="conflict"):
        g.add_edge(tie.resident_id, tie.other_id)
    return g


@pytest.mark.parametrize("month", [date(2026, 2, 1), MONTH])
def test_a_snapshot_equals_networkx_on_the_same_data(
    world: Any, compound: Compound, month: date
) -> None:
    snapshot = snapshot_compute(community=world.community, month=month)
    g = networkx_pipeline(world, compound, month_end(month))
    assert snapshot.nodes == g.number_of_nodes()
    assert snapshot.edges == g.number_of_edges()
    assert snapshot.density == pytest.approx(nx.density(g))
    assert snapshot.components == nx.number_connected_components(g)
    assert snapshot.clustering == pytest.approx(nx.average_clustering(g))
    assert snapshot.isolated == len(list(nx.isolates(g)))
    between = nx.betweenness_centrality(g)
    eigen = nx.eigenvector_centrality_numpy(g.subgraph(max(nx.connected_components(g), key=len)))
    for pk, (degree, betweenness, eigenvector, _group) in snapshot.residents.items():
        assert degree == g.degree(int(pk))
        assert betweenness == pytest.approx(between[int(pk)], abs=1e-6)
        assert eigenvector == pytest.approx(eigen.get(int(pk), 0.0), abs=1e-5)


def test_march_counts_small_groups_and_recorded_ties_but_not_the_festival(
    world: Any, compound: Compound
) -> None:
    snapshot = snapshot_compute(community=world.community, month=MONTH)
    r = [x.pk for x in compound.residents]
    pairs = {tuple(sorted((a, b))) for a, b, _w, _d in snapshot.ties}
    assert pairs == {
        tuple(sorted(p))
        for p in [
            (r[0], r[1]),
            (r[0], r[2]),
            (r[1], r[2]),
            (r[3], r[4]),
            (r[2], r[3]),
            (r[5], r[6]),
        ]
    }
    assert snapshot.derived_edges == 4
    assert (snapshot.edges, snapshot.components, snapshot.isolated) == (6, 5, 3)
    assert snapshot.bridging == 5  # residents alternate between the two buildings
    assert snapshot.with_tie == 7


def test_a_conflict_is_kept_for_staff_but_never_counted(world: Any, compound: Compound) -> None:
    r = compound.residents
    snapshot = snapshot_compute(community=world.community, month=MONTH)
    assert str(r[7].pk) not in snapshot.residents
    assert Tie.objects.get(kind="conflict").staff_only


def test_the_network_densifies_and_snapshots_are_recomputed_in_place(
    world: Any, compound: Compound
) -> None:
    snapshots = snapshots_compute(community=world.community, last=MONTH, months=3)
    assert [s.month for s in snapshots] == months_back(MONTH, 3)
    assert [s.edges for s in snapshots] == [1, 4, 6]
    snapshot_compute(community=world.community, month=MONTH)
    assert Snapshot.objects.filter(community=world.community).count() == 3


def test_groups_repeat(world: Any, compound: Compound) -> None:
    first = snapshot_compute(community=world.community, month=MONTH).groups
    assert snapshot_compute(community=world.community, month=MONTH).groups == first
    assert sorted(map(len, first)) == [2, 2, 3]


def test_a_tie_needs_two_residents_of_the_community(
    world: Any, compound: Compound, registry: Any
) -> None:
    r = compound.residents
    with pytest.raises(TieError):
        tie_record(
            community=world.community,
            resident=r[0],
            other=r[0],
            kind="friend",
            source="observation",
            observed_on=MONTH,
            actor=world.staff,
        )
    with pytest.raises(TieError):
        tie_record(
            community=world.community,
            resident=r[0],
            other=registry.foreign_resident,
            kind="friend",
            source="observation",
            observed_on=MONTH,
            actor=world.staff,
        )


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("network", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_the_cli_prints_the_keys_interfaces_md_promises(world: Any, compound: Compound) -> None:
    result = run("heping", "--month", "2026-03")
    for key in ("nodes", "edges", "density", "components", "groups", "leaders", "residents"):
        assert key in result
    assert result["nodes"] == 10
    assert result["edges"] == 6
    assert {"degree", "betweenness"} <= set(result["residents"]["王芳"])
    assert sorted(map(len, result["groups"])) == [2, 2, 3]
    assert result["leaders"][0]["name"] == "王芳"  # the bridge between the reading group and 刘洋
    assert result["leaders"][0]["stage"] == "regular"  # three times within 90 days
    assert [p["name"] for p in result["outreach"]] == ["周杰", "吴霞"]


def test_the_cli_prints_for_people_and_refuses_bad_input(world: Any, compound: Compound) -> None:
    out = StringIO()
    call_command("network", "heping", "--month", "2026-03", stdout=out, stderr=StringIO())
    assert "likely leader: 王芳" in out.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command("network", "nowhere", stdout=StringIO(), stderr=StringIO())
    assert refused.value.returncode == 1
    with pytest.raises(CommandError):
        call_command("network", "heping", "--month", "March", stdout=StringIO())


def test_an_ended_tie_leaves_later_snapshots(world: Any, compound: Compound) -> None:
    from peiban.network.services import tie_end

    tie = Tie.objects.get(kind="neighbour")
    tie_end(tie=tie, ended_on=date(2026, 3, 15), actor=world.staff)
    assert snapshot_compute(community=world.community, month=MONTH).edges == 5
    assert snapshot_compute(community=world.community, month=date(2026, 2, 1)).edges == 4


def test_members_of_a_small_self_organisation_are_tied(world: Any, compound: Compound) -> None:
    from peiban.groups.services import group_create, member_add

    r = compound.residents
    knitters = group_create(
        community=world.community,
        name="编织小组",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=world.staff,
    )
    for resident in (r[8], r[9]):
        member_add(group=knitters, resident=resident, joined_on=date(2026, 1, 5), actor=world.staff)
    before = snapshot_compute(community=world.community, month=MONTH)
    assert before.edges == 7
    assert before.derived_edges == 5
