"""A year of relationships in the demo compound: the network densifies month by month.

Staff record ties as they meet residents (observation), residents name neighbours they know (their
own report) and a survey asks which neighbours one knows. Early on ties stay inside stairwells;
later a handful of active residents join people across buildings, so ties that bridge buildings
grow and isolated residents become fewer. Two conflicts are recorded (staff only). Two survey waves
of the social-capital items show trust and belonging rising. Snapshots are computed for the twelve
months. Everything is drawn from one seeded generator and invented; dates count back from today.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from peiban.core.models import Role
from peiban.network.models import SurveyWave, Tie, TieKind, TieSource
from peiban.network.services import months_back, snapshot_compute
from peiban.network.social_capital import ITEMS, wave_import
from peiban.places.models import Resident

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_SEED = 20260701
MONTHS = 12


def _ties_for_month(month: int) -> float:
    """Share of residents who gain a tie in month `month` (0 = a year ago): it grows."""
    return 0.04 + 0.012 * month


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    """Record a year of ties and compute the snapshots; do nothing if the compound has ties."""
    community = world.community
    if Tie.objects.filter(community=community).exists():
        progress(f"{community.name} already has its relationship network.")
        return
    residents = list(
        Resident.objects.filter(community=community, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "household__dwelling__building_id", "household__dwelling__unit")
    )
    if len(residents) < 10:
        progress(f"{community.name} has too few residents for a demo network; skipped.")
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    stairs: dict[tuple[object, object], list[int]] = defaultdict(list)
    for pk, building, unit in residents:
        stairs[(building, unit)].append(pk)
    ids = [pk for pk, _b, _u in residents]
    stair_of = {pk: (b, u) for pk, b, u in residents}
    connectors = rng.sample(ids, max(3, len(ids) // 60))
    today = timezone.localdate()
    months = months_back(today, MONTHS)
    staff = world.users.get(Role.STAFF)
    staff_id = staff.pk if staff is not None else None
    seen: set[tuple[int, int]] = set()
    ties: list[Tie] = []

    def add(a: int, b: int, day: date, kind: str, source: str) -> None:
        key = (min(a, b), max(a, b))
        if a == b or key in seen:
            return
        seen.add(key)
        ties.append(
            Tie(
                community=community,
                resident_id=a,
                other_id=b,
                kind=kind,
                source=source,
                strength=rng.randint(2, 5),
                observed_on=day,
                sensitive=kind == TieKind.CONFLICT,
                recorded_by_id=staff_id,
            )
        )

    for number, month in enumerate(months):
        for _ in range(int(len(ids) * _ties_for_month(number))):
            a = rng.choice(ids)
            day = month + timedelta(days=rng.randrange(27))
            if rng.random() < 0.15 + 0.03 * number:  # across buildings, through a connector
                add(rng.choice(connectors), a, day, TieKind.INTRODUCED, TieSource.OBSERVATION)
                continue
            neighbours = stairs[stair_of[a]]
            kind = rng.choice(
                [TieKind.NEIGHBOUR, TieKind.NEIGHBOUR, TieKind.FRIEND, TieKind.HELPED]
            )
            source = rng.choice([TieSource.OBSERVATION, TieSource.SELF_REPORT, TieSource.SURVEY])
            add(a, rng.choice(neighbours), day, kind, source)
    for _ in range(2):
        a, b = rng.sample(ids, 2)
        add(a, b, months[-3], TieKind.CONFLICT, TieSource.OBSERVATION)
    Tie.objects.bulk_create(ties, batch_size=2000)
    progress(f"{len(ties)} ties recorded in {community.name}.")

    if not SurveyWave.objects.filter(community=community).exists():
        for name, held_on, lift in (("基线调查", months[1], 0.0), ("年中回访", months[8], 0.6)):
            respondents = rng.sample(ids, min(len(ids), 60))
            rows = [
                (
                    str(i + 1),
                    {item.key: max(1, min(5, round(rng.gauss(3.0 + lift, 0.9)))) for item in ITEMS},
                )
                for i, _pk in enumerate(respondents)
            ]
            wave_import(community=community, name=name, held_on=held_on, rows=rows, actor=None)
    for month in months:
        snapshot_compute(community=community, month=month)
    progress(f"{MONTHS} monthly network snapshots computed for {community.name}.")
