"""The needs dashboard's figures at organisation scale: 200 communities, 100,000 needs.

For volume, the data are written with bulk_create straight into the tables (needs, their stage
changes and actions), bypassing the services (need_raise, need_move, action_add) and their audit
entries and notifications: the services would take hours for 100,000 needs. The generator keeps
the services' rules: every path follows the loop's transitions, the first stage change is
"raised" at raised_at, a reopening returns to "accompanied" and counts in reopened_count, and
every action has one actor taken no earlier than the need was raised.

Then it times dashboard_figures for one community and for the whole organisation, the
per-community table, and the two pages through django.test.Client, with their query counts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.bench_places import untraced
from bench.generate import generate
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.core.models import Membership, Role
from peiban.needs.dashboard import (
    QUERY_BOUND,
    community_table,
    dashboard_figures,
    local_midnight,
)
from peiban.needs.dashboard_views import default_period
from peiban.needs.models import (
    Action,
    ActionKind,
    Channel,
    Need,
    Stage,
    StageChange,
    TakenBy,
)
from peiban.needs.services import categories_ensure
from peiban.places.models import Building, Community, Resident, natural_sort_key

COMMUNITIES = 200
NEEDS = 100_000
BUILDINGS_PER_COMMUNITY = 20
RESIDENTS_PER_COMMUNITY = 5
SEED = 20260501
FORWARD = [
    Stage.ACCOMPANIED,
    Stage.DELIBERATING,
    Stage.DECIDED,
    Stage.ACTING,
    Stage.RESOLVED,
    Stage.VERIFIED,
    Stage.CLOSED,
]
CHANNELS = [Channel.VISIT, Channel.SURVEY, Channel.PHONE, Channel.GROUP_CHAT, Channel.MEETING]


def _path(rng: random.Random) -> tuple[list[str], bool]:
    """A lawful sequence of stages after "raised", and whether it includes a reopening."""
    stages = FORWARD[: rng.randint(0, len(FORWARD))]
    luck = rng.random()
    if len(stages) <= 2 and luck < 0.25:
        return [*stages, Stage.DECLINED], False
    if len(stages) <= 2 and luck < 0.45:
        return [*stages, Stage.REFERRED, *([Stage.ACCOMPANIED] * (rng.random() < 0.5))], False
    if stages and stages[-1] in {Stage.RESOLVED, Stage.VERIFIED, Stage.CLOSED} and luck < 0.2:
        return [*stages, Stage.ACCOMPANIED], True
    return stages, False


def _community_needs(
    community: Community,
    count: int,
    *,
    rng: random.Random,
    categories: list[Any],
    buildings: list[Building],
    residents: list[Resident],
    staff: Any,
    earliest: datetime,
    span_minutes: int,
    now: datetime,
) -> tuple[int, int]:
    """Bulk-write `count` needs of one community with their stage changes and actions."""
    needs, paths = [], []
    for i in range(count):
        raised_at = earliest + timedelta(minutes=rng.randint(0, span_minutes))
        stages, reopened = _path(rng)
        times: list[datetime] = []
        at = raised_at
        for _stage in stages:
            at = at + timedelta(hours=rng.randint(1, 120), minutes=rng.randint(0, 59))
            if at > now:  # nothing happens in the future: the need is still on its way
                stages, reopened = stages[: len(times)], False  # a lawful prefix of the path
                break
            times.append(at)
        resident = rng.choice(residents)
        channel = rng.choice(CHANNELS)
        building = rng.choice(buildings) if rng.random() < 0.9 else None
        needs.append(
            Need(
                community_id=community.pk,
                title=f"需求{i}",
                category_id=rng.choice(categories).pk,
                building_id=building.pk if building is not None else None,
                channel=channel,
                raised_by_id=resident.pk,
                lead_id=resident.pk,
                raised_at=raised_at,
                stage=stages[-1] if stages else Stage.RAISED,
                stage_changed_at=times[-1] if times else raised_at,
                reopened_count=int(reopened),
                source_type="survey" if channel == Channel.SURVEY and rng.random() < 0.5 else "",
            )
        )
        paths.append((raised_at, stages, times, reopened))
    needs = Need.objects.bulk_create(needs, batch_size=2000)
    changes, actions = [], []
    for need, (raised_at, stages, times, reopened) in zip(needs, paths, strict=True):
        changes.append(
            StageChange(need_id=need.pk, from_stage="", to_stage=Stage.RAISED, at=raised_at)
        )
        previous: str = Stage.RAISED
        for k, (stage, at) in enumerate(zip(stages, times, strict=True)):
            changes.append(
                StageChange(
                    need_id=need.pk,
                    from_stage=previous,
                    to_stage=stage,
                    at=at,
                    reopening=reopened and k == len(stages) - 1,
                )
            )
            previous = stage
        for _n in range(rng.randint(0, 3)):
            by_resident = rng.random() < 0.45
            actions.append(
                Action(
                    need_id=need.pk,
                    kind=ActionKind.TALK,
                    taken_by=TakenBy.RESIDENT if by_resident else TakenBy.STAFF,
                    by_resident_id=rng.choice(residents).pk if by_resident else None,
                    by_staff_id=None if by_resident else staff.pk,
                    taken_at=min(raised_at + timedelta(hours=rng.randint(0, 24 * 30)), now),
                    description="上门沟通",
                )
            )
    StageChange.objects.bulk_create(changes, batch_size=4000)
    Action.objects.bulk_create(actions, batch_size=4000)
    return len(changes), len(actions)


def generate_needs(slug: str) -> tuple[Any, list[Community], dict[str, int]]:
    """One organisation of COMMUNITIES communities holding NEEDS needs in all."""
    world = generate(slug=slug, communities=COMMUNITIES, staff_per_community=1)
    rng = random.Random(SEED)
    categories = categories_ensure(world.organisation)
    now = timezone.now()
    earliest = now - timedelta(days=430)  # a little more than the default 12-month period
    span_minutes = int((now - timedelta(days=1) - earliest).total_seconds() // 60)
    counts = {"needs": 0, "stage changes": 0, "actions": 0}
    per_community = NEEDS // COMMUNITIES
    with transaction.atomic():
        Building.objects.bulk_create(
            Building(community=c, label=str(n), sort_key=natural_sort_key(str(n)))
            for c in world.communities
            for n in range(1, BUILDINGS_PER_COMMUNITY + 1)
        )
        Resident.objects.bulk_create(
            Resident(community=c, name=f"居民{n}")
            for c in world.communities
            for n in range(RESIDENTS_PER_COMMUNITY)
        )
    buildings: dict[int, list[Building]] = {}
    for building in Building.objects.filter(community__organisation=world.organisation):
        buildings.setdefault(building.community_id, []).append(building)
    residents: dict[int, list[Resident]] = {}
    for resident in Resident.objects.filter(community__organisation=world.organisation):
        residents.setdefault(resident.community_id, []).append(resident)
    for community, staff in zip(world.communities, world.staff, strict=True):
        with transaction.atomic():
            changes, actions = _community_needs(
                community,
                per_community,
                rng=rng,
                categories=categories,
                buildings=buildings[community.pk],
                residents=residents[community.pk],
                staff=staff,
                earliest=earliest,
                span_minutes=span_minutes,
                now=now,
            )
        counts["needs"] += per_community
        counts["stage changes"] += changes
        counts["actions"] += actions
    return world.organisation, world.communities, counts


def _timed(name: str, figures: list[Figure], run: Callable[[], Any]) -> tuple[Any, dict]:
    """Run once to warm the caches, then time a second run (wall time, untraced)."""
    run()
    with untraced(name, figures) as notes:
        result = run()
    return result, notes


def _peak_mib(run: Callable[[], Any]) -> float:
    """Peak traced Python memory of one more run (tracemalloc slows SQLite's Python-defined
    functions many times over, so it is measured apart from the time)."""
    scratch: list[Figure] = []
    with measure("memory", scratch):
        run()
    return scratch[-1].peak_mib


@benchmark("needs")
def needs() -> None:
    loads: list[Figure] = []
    started = time.perf_counter()
    organisation, communities, counts = generate_needs("bench-needs")
    seconds = time.perf_counter() - started
    loads.append(
        Figure(
            f"bulk-write {COMMUNITIES} communities, {NEEDS:,} needs",
            seconds,
            0.0,
            0,
            {**counts, "rows/s": round(sum(counts.values()) / seconds)},
        )
    )
    print_figures("needs: generating the data (untraced wall time, services bypassed)", loads)

    period = default_period(timezone.localdate())
    since, until = local_midnight(period.start), local_midnight(period.end + timedelta(days=1))
    one = Community.objects.filter(pk=communities[0].pk)
    everyone = Community.objects.filter(organisation=organisation)
    empty = Community.objects.create(organisation=organisation, name="空小区", slug="bench-empty")

    figures: list[Figure] = []
    cases = [
        ("dashboard_figures, 1 community, no needs", Community.objects.filter(pk=empty.pk)),
        (f"dashboard_figures, 1 community, {NEEDS // COMMUNITIES} needs", one),
        (f"dashboard_figures, organisation, {NEEDS:,} needs", everyone),
    ]
    for name, selection in cases:

        def run(selection: Any = selection) -> Any:
            return dashboard_figures(communities=selection, since=since, until=until)

        result, notes = _timed(name, figures, run)
        figures[-1].peak_mib = _peak_mib(run)
        notes["raised"] = result.totals.raised.n
        notes["median days raised→accompanied"] = result.medians[0].median_days
        notes["coach %"] = result.coach.percent
    rows, notes = _timed(
        f"community_table, {COMMUNITIES + 1} communities",
        figures,
        lambda: community_table(communities=everyone, since=since, until=until),
    )
    notes["rows"] = len(rows)

    admin = get_user_model().objects.create(username="bench-needs-admin")
    Membership.objects.create(user=admin, organisation=organisation, role=Role.ORG_ADMIN)
    client = Client()
    client.force_login(admin)
    pages = {
        "page: community dashboard (1 community)": reverse(
            "needs:dashboard", kwargs={"community": communities[0].slug}
        ),
        f"page: organisation dashboard ({COMMUNITIES + 1} communities)": reverse(
            "needs:org-dashboard", kwargs={"org": organisation.slug}
        ),
    }
    for name, url in pages.items():
        response, notes = _timed(name, figures, lambda url=url: client.get(url))
        notes["status"] = response.status_code
        notes["KiB"] = round(len(response.content) / 1024)
    print_figures(
        f"needs: dashboard over {COMMUNITIES} communities, {NEEDS:,} needs, "
        f"period {period.start} to {period.end} "
        "(seconds: untraced wall time; peak MiB: a separate traced run, 0 = not traced)",
        figures,
        baseline=cases[1][0],
    )
    queries = [f.queries for f in figures[:3]]
    print(
        f"dashboard_figures queries: {queries[0]} with no needs, {queries[1]} for 1 community, "
        f"{queries[2]} for the organisation; bound {QUERY_BOUND}: "
        f"{'kept' if max(queries) <= QUERY_BOUND else 'EXCEEDED'}"
    )
