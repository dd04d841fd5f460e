"""Owners' votes at the size of the demo compound (20 buildings, about 3,800 dwellings).

Measures opening a vote (electorate and one code per dwelling), entering ballots one by one
through the service, counting from the database, counting a paper roster and ballot sheet
(`peiban tally-ballots`), and the pure count.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bench.generate import compound_rows, import_compound, roster_table
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.councils.models import Voter
from peiban.councils.paper import paper_tally
from peiban.councils.selectors import assembly_tally
from peiban.councils.services import (
    assembly_create,
    assembly_open,
    ballot_enter_paper,
    ballots_import,
)
from peiban.councils.tally import Holding, Opinion, electorate_build, tally_count
from peiban.places.demo import DEMO_BUILDINGS, DEMO_SEED
from peiban.places.services import community_create, organisation_create


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    return "\n".join(",".join("" if c is None else str(c) for c in row) for row in rows).encode()


@benchmark("councils")
def councils() -> None:
    figures: list[Figure] = []
    organisation = organisation_create(name="议事基准", slug="bench-councils")
    community = community_create(organisation=organisation, name="表决小区", slug="bench-vote")
    import_compound(community=community)
    now = timezone.now()
    assembly = assembly_create(
        community=community,
        title="更换物业",
        matter=4,
        question="是否更换物业？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        actor=None,
    )
    with measure("open a vote (electorate, codes)", figures) as notes:
        issued = assembly_open(assembly=assembly, actor=None)
        notes["dwellings"] = len(issued)
    voters = list(Voter.objects.filter(assembly=assembly))
    rng = random.Random(DEMO_SEED)
    chosen = rng.sample(voters, int(len(voters) * 0.7))
    with measure("enter ballots one by one", figures) as notes:
        for voter in chosen:
            ballot_enter_paper(
                assembly=assembly, voter=voter, opinion=rng.choice(list(Opinion)), actor=None
            )
        notes["ballots"] = len(chosen)
    ballots = figures[-1]
    ballots.extra["per second"] = round(len(chosen) / ballots.seconds) if ballots.seconds else "-"
    with measure("count from the database", figures) as notes:
        notes["passed"] = assembly_tally(assembly).passed
    second = assembly_create(
        community=community,
        title="续聘业委会",
        matter=3,
        question="是否续聘？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        actor=None,
    )
    codes = assembly_open(assembly=second, actor=None)
    lines = ["地址,意见"] + [
        f"{item.dwelling.label},赞成" for item in rng.sample(codes, int(len(codes) * 0.7))
    ]
    with measure("import a ballot sheet", figures) as notes:
        imported = ballots_import(
            assembly=second, data="\n".join(lines).encode(), filename="s.csv", actor=None
        )
        notes["ballots"] = imported.counted
        notes["rejected (second ballots)"] = len(imported.rejected)

    rows = compound_rows(buildings=DEMO_BUILDINGS, seed=DEMO_SEED)
    roster = _csv(roster_table(rows))
    dwellings = sorted({(r.building, r.unit, r.room) for r in rows})
    sheet = [["楼栋", "单元", "房号", "意见"]] + [
        [b, u, r, rng.choice(["赞成", "反对", "弃权"])]
        for b, u, r in rng.sample(dwellings, int(len(dwellings) * 0.7))
    ]
    with measure("tally-ballots: roster and sheet (CSV)", figures) as notes:
        result = paper_tally(
            roster=roster,
            roster_name="roster.csv",
            ballots=_csv(sheet),
            ballots_name="ballots.csv",
            matter=4,
        )
        notes["roster lines"] = len(rows)
        notes["ballots"] = result.counted

    holdings = [
        Holding(dwelling=str(i), area=Decimal(rng.choice(["88.50", "120.00", "64.25"])))
        for i in range(4000)
    ]
    with measure("pure count, 4,000 dwellings", figures):
        electorate = electorate_build(holdings)
        tally_count(
            electorate=electorate,
            ballots=dict.fromkeys(list(electorate.voters)[:3000], Opinion.YES),
            matter=4,
        )
    print_figures("Owners' votes (demo compound)", figures)
