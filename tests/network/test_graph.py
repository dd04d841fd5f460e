"""The network measures equal networkx's on the same graph, and groups match published structure."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms import bipartite

from peiban.network import graph

TOLERANCE = 1e-9


def as_matrix(g: nx.Graph) -> sp.csr_array:
    return sp.csr_array(nx.to_scipy_sparse_array(g, nodelist=list(g), weight=None, dtype=float))


def assert_measures_equal_networkx(g: nx.Graph) -> None:
    nodes = list(g)
    m = graph.measures(as_matrix(g))
    assert m.nodes == g.number_of_nodes()
    assert m.edges == g.number_of_edges()
    assert m.density == pytest.approx(nx.density(g), abs=TOLERANCE)
    assert m.components == nx.number_connected_components(g)
    assert m.clustering == pytest.approx(nx.average_clustering(g), abs=TOLERANCE)
    assert m.isolated == len(list(nx.isolates(g)))
    assert [int(d) for d in m.degree] == [g.degree(v) for v in nodes]
    expected = nx.betweenness_centrality(g)
    assert m.betweenness_exact
    np.testing.assert_allclose(m.betweenness, [expected[v] for v in nodes], atol=TOLERANCE)


def test_it_computes_every_measure_of_the_karate_club_as_networkx_does() -> None:
    g = nx.karate_club_graph()
    assert_measures_equal_networkx(g)
    m = graph.measures(as_matrix(g))
    eigen = nx.eigenvector_centrality_numpy(g)
    np.testing.assert_allclose(m.eigenvector, [eigen[v] for v in g], atol=1e-8)


def test_its_eigenvector_centrality_agrees_with_networkx_power_iteration() -> None:
    g = nx.les_miserables_graph()
    m = graph.measures(as_matrix(g))
    eigen = nx.eigenvector_centrality(g, max_iter=1000, tol=1e-12)
    np.testing.assert_allclose(m.eigenvector, [eigen[v] for v in g], atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=30),
    p=st.floats(min_value=0.0, max_value=0.5),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_it_equals_networkx_on_random_graphs(n: int, p: float, seed: int) -> None:
    assert_measures_equal_networkx(nx.gnp_random_graph(n, p, seed=seed))


@pytest.mark.parametrize("k", [1, 5, 40])
def test_sampled_betweenness_equals_networkx_with_the_same_seed(k: int) -> None:
    g = nx.connected_watts_strogatz_graph(60, 4, 0.2, seed=3)
    ours, exact = graph.betweenness(as_matrix(g), k=k, seed=11)
    assert not exact
    theirs = nx.betweenness_centrality(g, k=k, seed=11)
    np.testing.assert_allclose(ours, [theirs[v] for v in g], atol=TOLERANCE, equal_nan=True)


def test_large_networks_use_sampled_betweenness(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph, "EXACT_BETWEENNESS_MAX_NODES", 10)
    monkeypatch.setattr(graph, "BETWEENNESS_SAMPLES", 8)
    g = nx.path_graph(20)
    m = graph.measures(as_matrix(g))
    assert not m.betweenness_exact
    theirs = nx.betweenness_centrality(g, k=8, seed=graph.SEED)
    np.testing.assert_allclose(m.betweenness, [theirs[v] for v in g], atol=TOLERANCE)


def test_the_projection_equals_networkx_collaboration_weighting() -> None:
    b = nx.davis_southern_women_graph()
    women, events = b.graph["top"], b.graph["bottom"]
    pairs = [(events.index(e), i) for i, w in enumerate(women) for e in b[w]]
    weights = graph.projection_weights(
        np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]), len(women)
    )
    expected = bipartite.collaboration_weighted_projected_graph(b, women)
    assert weights.nnz == 2 * expected.number_of_edges()
    for u, v, w in expected.edges(data="weight"):
        assert weights[women.index(u), women.index(v)] == pytest.approx(w, abs=TOLERANCE)


def test_a_large_activity_counts_less_per_pair_than_a_small_one() -> None:
    # Activity 0: residents 0 and 1 alone; activity 1: residents 2..11 (ten people).
    activity = np.array([0, 0] + [1] * 10)
    resident = np.array([0, 1, *range(2, 12)])
    weights = graph.projection_weights(activity, resident, 12)
    assert weights[0, 1] == 1.0
    assert weights[2, 3] == pytest.approx(1 / 9)
    # Each activity adds exactly one to each participant's weighted degree.
    assert weights.sum(axis=1)[5] == pytest.approx(1.0)


def test_groups_repeat_with_the_fixed_seed() -> None:
    matrix = as_matrix(nx.karate_club_graph())
    assert graph.groups(matrix) == graph.groups(matrix)


def test_karate_club_groups_match_zacharys_two_factions() -> None:
    """Zachary (1977): the club split between Mr. Hi and the officer. Every group found lies
    almost wholly inside one faction, and labelling each group by its majority puts at least
    32 of the 34 members (94%) on the side they took; Zachary's own method placed 33."""
    g = nx.karate_club_graph()
    club = nx.get_node_attributes(g, "club")
    found = graph.groups(as_matrix(g))
    assert sum(len(group) for group in found) == 34
    agree = 0
    for group in found:
        counts = Counter(club[v] for v in group)
        agree += counts.most_common(1)[0][1]
        assert counts.most_common(1)[0][1] / len(group) >= 0.9
    assert agree >= 32
    # Mr. Hi (0) and the officer (33) are never in the same group.
    assert not any(0 in group and 33 in group for group in found)


def test_southern_women_projection_recovers_the_two_published_groups() -> None:
    """Davis, Gardner & Gardner (1941): Evelyn … Ruth and Verne … Flora, as the co-attendance
    projection weighted by Newman's rule shows."""
    b = nx.davis_southern_women_graph()
    women, events = b.graph["top"], b.graph["bottom"]
    pairs = [(events.index(e), i) for i, w in enumerate(women) for e in b[w]]
    weights = graph.projection_weights(
        np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]), len(women)
    )
    found = [{women[i] for i in group} for group in graph.groups(weights)]
    assert sorted(found, key=len) == sorted([set(women[:9]), set(women[9:])], key=len)


def test_bridging_ties_join_residents_of_different_buildings() -> None:
    g = nx.Graph([(0, 1), (1, 2), (2, 3)])
    buildings = np.array([5, 5, 6, -1])
    assert graph.bridging_edges(as_matrix(g), buildings) == 1


def test_an_empty_network_has_no_measures() -> None:
    m = graph.measures(sp.csr_array((0, 0)))
    assert (m.nodes, m.edges, m.density, m.components) == (0, 0, 0.0, 0)
    assert graph.groups(sp.csr_array((3, 3))) == []


def test_eigenvector_centrality_is_measured_in_the_largest_component() -> None:
    g = nx.disjoint_union(nx.karate_club_graph(), nx.path_graph(5))
    g.add_node(99)
    m = graph.measures(as_matrix(g))
    largest = g.subgraph(max(nx.connected_components(g), key=len))
    theirs = nx.eigenvector_centrality_numpy(largest)
    nodes = list(g)
    for i, v in enumerate(nodes):
        assert m.eigenvector[i] == pytest.approx(theirs.get(v, 0.0), abs=1e-8)
