"""The relationship network's arithmetic: projection, measures and groups, on sparse matrices.

Pure functions on numpy/scipy arrays (no database), so they can be proven against networkx.

- Co-participation projection (Newman 2001, "Scientific collaboration networks II"): each activity
  with n ≥ 2 participants adds 1/(n − 1) to the weight of every pair of its participants, so a
  pair that met at a ten-person workshop gains 1/9 and a pair in the same 300-person festival
  1/299. Summed over a resident's pairs, one activity adds exactly 1 to their weighted degree,
  however large it is. This is networkx's ``collaboration_weighted_projected_graph``.
- Measures treat the network as an undirected, unweighted graph (a tie is there or not): density,
  connected components, average ties per resident, average clustering, degree, betweenness
  (normalised, endpoints excluded), eigenvector centrality (unit length, as networkx's
  ``eigenvector_centrality_numpy``, within the largest component and zero elsewhere, since the
  leading eigenvector of a disconnected network is not unique).
- Betweenness is exact (Brandes 2001) up to ``EXACT_BETWEENNESS_MAX_NODES`` residents, computed
  level by level for batches of sources with sparse matrix products. Above that it is estimated
  from ``BETWEENNESS_SAMPLES`` sources drawn with a fixed seed exactly as networkx draws them
  (``random.Random(seed).sample(nodes, k)``) and rescaled as networkx rescales, so the figure
  equals ``networkx.betweenness_centrality(G, k=k, seed=seed)`` on the same graph.
- Groups: Louvain modularity communities (networkx) on the weighted graph with a fixed seed, so a
  snapshot computed twice finds the same groups.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

EXACT_BETWEENNESS_MAX_NODES = 2000
BETWEENNESS_SAMPLES = 500
SEED = 7
BATCH = 128

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def projection_weights(
    activity_index: IntArray, resident_index: IntArray, n_residents: int
) -> sp.csr_array:
    """Pair weights from attendance pairs (activity i, resident j), Newman's 1/(n − 1) each.

    Indices are 0-based positions; a resident counted twice at one activity counts once. Returns a
    symmetric n × n CSR array with an empty diagonal.
    """
    if len(activity_index) == 0:
        return sp.csr_array((n_residents, n_residents), dtype=np.float64)
    n_activities = int(activity_index.max()) + 1
    incidence = sp.csr_array(
        (np.ones(len(activity_index)), (activity_index, resident_index)),
        shape=(n_activities, n_residents),
    )
    incidence.sum_duplicates()
    incidence.data[:] = 1.0
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        per_pair = np.where(sizes > 1, 1.0 / (sizes - 1), 0.0)
    weighted = sp.diags_array(per_pair) @ incidence
    pairs = (incidence.T @ weighted).tocsr()
    pairs.setdiag(0)
    pairs.eliminate_zeros()
    return sp.csr_array(pairs)


def adjacency(weights: sp.csr_array) -> sp.csr_array:
    """The unweighted, symmetric adjacency (1.0 where a tie is) of a weight matrix."""
    matrix = sp.csr_array(weights, dtype=np.float64, copy=True)
    matrix = sp.csr_array(matrix + matrix.T)
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    matrix.data[:] = 1.0
    return matrix


@dataclass(frozen=True)
class Measures:
    """Whole-network figures and per-node arrays (in the order of the nodes given)."""

    nodes: int
    edges: int
    density: float
    components: int
    largest_component: int
    average_degree: float
    clustering: float
    with_tie: int
    isolated: int
    degree: IntArray
    betweenness: FloatArray
    eigenvector: FloatArray
    betweenness_exact: bool


def degrees(matrix: sp.csr_array) -> IntArray:
    return np.diff(matrix.indptr).astype(np.int64)


def average_clustering(matrix: sp.csr_array) -> tuple[float, FloatArray]:
    """networkx's average_clustering (zeros for residents with fewer than two ties)."""
    n = matrix.shape[0]
    if n == 0:
        return 0.0, np.zeros(0)
    degree = degrees(matrix).astype(np.float64)
    triangles = np.asarray((matrix @ matrix).multiply(matrix).sum(axis=1)).ravel() / 2.0
    possible = degree * (degree - 1) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        local = np.where(possible > 0, triangles / possible, 0.0)
    return float(local.mean()), local


def _brandes(matrix: sp.csr_array, sources: Sequence[int]) -> FloatArray:
    """Sum over the sources of the Brandes dependencies δ_s(v) (ordered pairs, endpoints out)."""
    n = matrix.shape[0]
    total = np.zeros(n)
    csr = sp.csr_array(matrix)
    for start in range(0, len(sources), BATCH):
        batch = np.asarray(sources[start : start + BATCH], dtype=np.int64)
        b = len(batch)
        columns = np.arange(b)
        dist = np.full((n, b), -1, dtype=np.int32)
        sigma = np.zeros((n, b))
        dist[batch, columns] = 0
        sigma[batch, columns] = 1.0
        frontier = sigma.copy()
        level = 0
        while True:
            reached = csr @ frontier
            new = (dist < 0) & (reached > 0)
            if not new.any():
                break
            level += 1
            dist[new] = level
            sigma[new] = reached[new]
            frontier = np.where(new, sigma, 0.0)
        delta = np.zeros((n, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            for depth in range(level, 0, -1):
                at_depth = dist == depth
                coefficient = np.where(at_depth, (1.0 + delta) / sigma, 0.0)
                pulled = csr @ coefficient
                above = dist == depth - 1
                delta += np.where(above, sigma * pulled, 0.0)
        delta[batch, columns] = 0.0
        total += delta.sum(axis=1)
    return total


def sampled_sources(n: int, k: int, seed: int) -> list[int]:
    """The sources networkx would draw: ``random.Random(seed).sample(list(nodes), k)``."""
    return random.Random(seed).sample(list(range(n)), k)  # noqa: S311 - networkx's draw


def betweenness(
    matrix: sp.csr_array, *, k: int | None = None, seed: int = SEED
) -> tuple[FloatArray, bool]:
    """Normalised betweenness as networkx computes it; exact unless `k` sources are sampled."""
    n = matrix.shape[0]
    if k is not None and k >= n:
        k = None
    if n < 3:
        return np.zeros(n), True
    if k is None:
        scores = _brandes(matrix, list(range(n)))
        return scores / ((n - 1) * (n - 2)), True
    sources = sampled_sources(n, k, seed)
    scores = _brandes(matrix, sources)
    scale = np.full(n, 1.0 / (k * (n - 2)))
    scale[np.asarray(sources)] = 1.0 / ((k - 1) * (n - 2)) if k > 1 else np.nan
    return scores * scale, False


def eigenvector(matrix: sp.csr_array) -> FloatArray:
    """The leading eigenvector of the adjacency, unit length, summing positive (networkx's numpy
    variant, which refuses disconnected graphs; see `largest_component_eigenvector`)."""
    n = matrix.shape[0]
    if n == 0 or matrix.nnz == 0:
        return np.zeros(n)
    if n < 3:
        _eigenvalues, vectors = np.linalg.eigh(matrix.toarray())
        largest = vectors[:, -1]
    else:
        try:
            _values, vectors = eigsh(matrix, k=1, which="LA", v0=np.ones(n), maxiter=n * 100)
        except ArpackNoConvergence as error:  # pragma: no cover - not seen on real networks
            vectors = error.eigenvectors
        largest = vectors[:, 0]
    norm = float(np.sign(largest.sum()) * np.linalg.norm(largest)) or 1.0
    result: FloatArray = largest / norm
    return result


def largest_component_eigenvector(matrix: sp.csr_array, labels: IntArray) -> FloatArray:
    """Eigenvector centrality within the largest component, zero elsewhere.

    On a disconnected network the leading eigenvector is not unique, and networkx refuses to give
    one; a compound's network always has isolated residents, so centrality is measured where most
    residents are connected, and equals networkx's on that component.
    """
    n = matrix.shape[0]
    result = np.zeros(n)
    if n == 0:
        return result
    largest = np.flatnonzero(labels == np.bincount(labels).argmax())
    if len(largest) < 2:
        return result
    sub = sp.csr_array(matrix[largest][:, largest])
    result[largest] = eigenvector(sub)
    return result


def measures(matrix: sp.csr_array, *, betweenness_samples: int | None = None) -> Measures:
    """Every structural measure of an unweighted symmetric adjacency."""
    n = matrix.shape[0]
    degree = degrees(matrix)
    edges = int(degree.sum() // 2)
    if n:
        count, labels = connected_components(matrix, directed=False)
        largest = int(np.bincount(labels).max())
    else:
        count, largest, labels = 0, 0, np.zeros(0, dtype=np.int64)
    clustering, _local = average_clustering(matrix)
    if betweenness_samples is None and n > EXACT_BETWEENNESS_MAX_NODES:
        betweenness_samples = BETWEENNESS_SAMPLES
    between, exact = betweenness(matrix, k=betweenness_samples)
    isolated = int((degree == 0).sum())
    return Measures(
        nodes=n,
        edges=edges,
        density=(2.0 * edges / (n * (n - 1))) if n > 1 else 0.0,
        components=int(count),
        largest_component=largest,
        average_degree=(2.0 * edges / n) if n else 0.0,
        clustering=clustering,
        with_tie=n - isolated,
        isolated=isolated,
        degree=degree,
        betweenness=between,
        eigenvector=largest_component_eigenvector(matrix, labels.astype(np.int64)),
        betweenness_exact=exact,
    )


def groups(weights: sp.csr_array, *, seed: int = SEED, resolution: float = 1.0) -> list[list[int]]:
    """Louvain communities of the weighted network (fixed seed), largest first; residents without
    a tie are left out (a group of one is no group)."""
    upper = sp.triu(sp.csr_array(weights + weights.T) / 2.0, k=1).tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(upper.row.tolist()) | set(upper.col.tolist())))
    graph.add_weighted_edges_from(
        zip(upper.row.tolist(), upper.col.tolist(), upper.data.tolist(), strict=True)
    )
    if graph.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(
        graph, weight="weight", seed=seed, resolution=resolution
    )
    ordered = [sorted(int(node) for node in group) for group in found if len(group) > 1]
    return sorted(ordered, key=lambda group: (-len(group), group[0]))


def bridging_edges(matrix: sp.csr_array, building: IntArray) -> int:
    """Ties whose two residents live in different known buildings (−1 marks unknown)."""
    upper = sp.triu(matrix, k=1).tocoo()
    a, b = building[upper.row], building[upper.col]
    return int(((a >= 0) & (b >= 0) & (a != b)).sum())
