"""Issue 7's figures: one monthly network snapshot of a compound of 10,000 residents with 200,000
attendance records, against a straightforward networkx pipeline on the same data in the same run.

The compound: 40 buildings of 250 residents; 800 interest groups of 12 (mostly neighbours from one
building, some from anywhere) meeting twice a month with about 80% turnout; 900 mid-sized
activities of about 70 residents and 80 festivals of about 300. Both pipelines read the same rows
from the database, derive ties by Newman's 1/(n − 1) weighting with the same threshold, add the
recorded ties and compute the same measures (betweenness sampled from the same 500 sources with the
same seed, since the network has more than 2,000 residents) and Louvain groups with the same seed.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

import networkx as nx
from django.utils import timezone
from networkx.algorithms import bipartite

from bench.generate import generate
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.activities.models import Activity, Attendance
from peiban.network import graph
from peiban.network.derived import DERIVED_MIN_WEIGHT, DERIVED_WINDOW, end_of
from peiban.network.models import NEGATIVE_KINDS, Tie
from peiban.network.services import month_end, snapshot_compute
from peiban.places.models import Building, Community, Dwelling, Household, Resident

RESIDENTS = 10_000
BUILDINGS = 40
ATTENDANCE = 200_000
GROUPS = 800
GROUP_SIZE = 12
MEDIUM, MEDIUM_SIZE = 900, 70
FESTIVALS, FESTIVAL_SIZE = 80, 300
RECORDED_TIES = 3_000
MONTH = date(2026, 6, 1)


def _compound(community: Community, rng: random.Random) -> int:
    buildings = Building.objects.bulk_create(
        Building(community=community, label=str(i + 1)) for i in range(BUILDINGS)
    )
    per = RESIDENTS // BUILDINGS
    dwellings = Dwelling.objects.bulk_create(
        Dwelling(community=community, building=buildings[i // per], unit="1", room=str(1000 + i))
        for i in range(RESIDENTS)
    )
    households = Household.objects.bulk_create(
        Household(community=community, dwelling=d, lives_alone=rng.random() < 0.08)
        for d in dwellings
    )
    residents = Resident.objects.bulk_create(
        Resident(community=community, household=h, name=f"居民{i}")
        for i, h in enumerate(households)
    )
    ids = [r.pk for r in residents]
    start = timezone.make_aware(datetime(MONTH.year - 1, MONTH.month, 2, 9))
    activities: list[Activity] = []
    rosters: list[list[int]] = []

    def add(title: str, kind: str, when: datetime, roster: list[int]) -> None:
        activities.append(
            Activity(
                community=community,
                title=title,
                kind=kind,
                organiser_kind="staff",
                starts_at=when,
                ends_at=when + timedelta(hours=2),
            )
        )
        rosters.append(roster)

    for g in range(GROUPS):
        home = rng.randrange(BUILDINGS)
        members = [
            ids[home * per + rng.randrange(per)] if rng.random() < 0.7 else rng.choice(ids)
            for _ in range(GROUP_SIZE)
        ]
        for meeting in range(24):
            when = start + timedelta(days=15 * meeting + rng.randrange(3), hours=g % 8)
            add(f"兴趣小组{g}", "interest_group", when, [m for m in members if rng.random() < 0.8])
    for i in range(MEDIUM):
        when = start + timedelta(days=rng.randrange(360), hours=rng.randrange(10))
        add(f"活动{i}", "service", when, rng.sample(ids, MEDIUM_SIZE + rng.randrange(-20, 21)))
    for i in range(FESTIVALS):
        when = start + timedelta(days=rng.randrange(360))
        add(f"社区节{i}", "themed", when, rng.sample(ids, FESTIVAL_SIZE + rng.randrange(-50, 51)))
    made = Activity.objects.bulk_create(activities, batch_size=2000)
    rows = [
        Attendance(activity=a, resident_id=r, checked_in_at=a.starts_at)
        for a, roster in zip(made, rosters, strict=True)
        for r in sorted(set(roster))
    ]
    rows = rows[:ATTENDANCE]
    Attendance.objects.bulk_create(rows, batch_size=5000)
    Tie.objects.bulk_create(
        Tie(
            community=community,
            resident_id=a,
            other_id=b,
            kind=rng.choice(["neighbour", "friend", "helped", "conflict"]),
            source="observation",
            strength=rng.randint(1, 5),
            observed_on=MONTH - timedelta(days=rng.randrange(300)),
        )
        for a, b in (rng.sample(ids, 2) for _ in range(RECORDED_TIES))
    )
    return len(rows)


def networkx_pipeline(community: Community, day: date) -> dict[str, object]:
    """What one would write with networkx alone: bipartite graph, weighted projection, measures."""
    end = end_of(day)
    people = list(
        Resident.objects.filter(community=community, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    b = nx.Graph()
    b.add_nodes_from(people)
    b.add_edges_from(
        (("a", activity_id), resident_id)
        for activity_id, resident_id in Attendance.objects.filter(
            activity__community=community,
            activity__cancelled_at__isnull=True,
            checked_in_at__gte=end - DERIVED_WINDOW,
            checked_in_at__lt=end,
        ).values_list("activity_id", "resident_id")
    )
    projected = bipartite.collaboration_weighted_projected_graph(b, people)
    g = nx.Graph()
    g.add_nodes_from(people)
    g.add_weighted_edges_from(
        (u, v, w) for u, v, w in projected.edges(data="weight") if w >= DERIVED_MIN_WEIGHT
    )
    for one, two, kind, strength in (
        Tie.objects.filter(community=community, observed_on__lte=day)
        .exclude(ended_on__lte=day)
        .values_list("resident_id", "other_id", "kind", "strength")
    ):
        if kind in NEGATIVE_KINDS:
            continue
        weight = g[one][two]["weight"] if g.has_edge(one, two) else 0.0
        g.add_edge(one, two, weight=weight + strength / 5)
    return {
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "density": nx.density(g),
        "components": nx.number_connected_components(g),
        "clustering": nx.average_clustering(g),
        "degree": dict(g.degree()),
        "betweenness": nx.betweenness_centrality(g, k=graph.BETWEENNESS_SAMPLES, seed=graph.SEED),
        "eigenvector": nx.eigenvector_centrality_numpy(
            g.subgraph(max(nx.connected_components(g), key=len))
        ),
        "groups": nx.community.louvain_communities(g, weight="weight", seed=graph.SEED),
    }


@benchmark("network")
def network() -> None:
    world = generate(slug="bench-net", communities=1, staff_per_community=1)
    community = world.communities[0]
    records = _compound(community, random.Random(7))
    figures: list[Figure] = []
    with measure("networkx pipeline", figures) as notes:
        cpu = time.process_time()
        theirs = networkx_pipeline(community, month_end(MONTH))
        notes["edges"] = theirs["edges"]
        notes["cpu_s"] = round(time.process_time() - cpu, 1)
    with measure("snapshot (numpy/scipy + stored)", figures) as notes:
        cpu = time.process_time()
        snapshot = snapshot_compute(community=community, month=MONTH)
        notes["edges"] = snapshot.edges
        notes["cpu_s"] = round(time.process_time() - cpu, 1)
    print(
        f"\ncompound: {RESIDENTS} residents, {records} attendance records, "
        f"{Activity.objects.filter(community=community).count()} activities"
    )
    print_figures("network snapshot (issue 7)", figures, baseline="networkx pipeline")
    print(
        f"CPU-time ratio (snapshot / networkx): "
        f"{figures[1].extra['cpu_s'] / max(figures[0].extra['cpu_s'], 0.1):.3f}"
    )
    same = (
        snapshot.nodes == theirs["nodes"]
        and snapshot.edges == theirs["edges"]
        and snapshot.components == theirs["components"]
        and abs(snapshot.density - float(theirs["density"])) < 1e-12  # type: ignore[arg-type]
        and abs(snapshot.clustering - float(theirs["clustering"])) < 1e-9  # type: ignore[arg-type]
    )
    between: dict[int, float] = theirs["betweenness"]  # type: ignore[assignment]
    worst = max(abs(values[1] - between[int(pk)]) for pk, values in snapshot.residents.items())
    print(
        f"same whole-network figures as networkx: {same}; largest betweenness difference "
        f"{worst:.1e} (stored rounded to 6 places); groups: {len(snapshot.groups)} ours, "
        f"{sum(1 for g in theirs['groups'] if len(g) > 1)} networkx"  # type: ignore[attr-defined]
    )
