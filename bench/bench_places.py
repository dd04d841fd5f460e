"""The registry's figures: roster reading and import rates, and page cost as compounds grow.

1× is the demo compound (20 buildings, about 3,800 dwellings and 9,000 residents). 10× is ten
such compounds in one organisation, and one compound of 200 buildings. Every compound goes
through the real roster import.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.generate import compound_rows, generate_compound, roster_xlsx
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.core.models import Membership, Role
from peiban.places.demo import DEMO_BUILDINGS, DEMO_SEED
from peiban.places.models import Building, Community
from peiban.places.roster import read_roster
from peiban.places.services import community_create, organisation_create, roster_import


@contextmanager
def untraced(name: str, figures: list[Figure], **extra: Any) -> Iterator[dict[str, Any]]:
    """Like `measure` but without tracemalloc (peak memory shows as 0): plain wall time."""
    notes: dict[str, Any] = dict(extra)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        yield notes
    seconds = time.perf_counter() - started
    figures.append(Figure(name, seconds, 0.0, len(queries.captured_queries), notes))


def _rate(count: int, figure: Figure) -> int | str:
    return round(count / figure.seconds) if figure.seconds else "-"


def _pages(
    label: str, client: Client, community: Community, figures: list[Figure]
) -> dict[str, Figure]:
    """Measure the overview and the largest building's page of `community`."""
    building = (
        Building.objects.filter(community=community, label=str(2)).first()
        or Building.objects.filter(community=community).first()
    )
    assert building is not None
    urls = {
        "overview": f"/c/{community.slug}/",
        "building": f"/c/{community.slug}/b/{building.pk}/",
    }
    measured = {}
    for page, url in urls.items():
        client.get(url)  # warm caches and templates
        with measure(f"{page}, {label}", figures) as notes:
            response = client.get(url)
        notes["status"] = response.status_code
        notes["KiB"] = round(len(response.content) / 1024)
        measured[page] = figures[-1]
    return measured


@benchmark("places")
def places() -> None:
    organisation = organisation_create(name="陪伴基准 社区发展中心", slug="bench-places")
    admin = get_user_model().objects.create(username="bench-places-admin")
    Membership.objects.create(user=admin, organisation=organisation, role=Role.ORG_ADMIN)
    client = Client()
    client.force_login(admin)

    # (a) a demo-size roster as an .xlsx file: read it, then import it, each traced for memory.
    imports: list[Figure] = []
    rows = compound_rows(buildings=DEMO_BUILDINGS, seed=DEMO_SEED)
    started = time.perf_counter()
    data = roster_xlsx(rows)
    written = time.perf_counter() - started
    with measure("read .xlsx roster (read_roster)", imports) as notes:
        reading = read_roster(data, filename="花名册.xlsx")
    assert not reading.rejected, reading.rejected[:3]
    assert len(reading.rows) == len(rows)
    notes["rows"] = len(reading.rows)
    notes["traced rows/s"] = _rate(len(reading.rows), imports[-1])
    notes["file KiB"] = round(len(data) / 1024)
    notes["xlsx written in s"] = round(written, 2)

    first = community_create(organisation=organisation, name="梧桐里一区", slug="bench-c1")
    with measure("import roster, new compound (create)", imports) as notes:
        result = roster_import(community=first, reading=reading, actor=None)
    notes["traced rows/s"] = _rate(len(reading.rows), imports[-1])
    notes["dwellings"] = result.dwellings_created
    notes["residents"] = result.residents_created

    # (c) begins: the pages at 1×, while the organisation holds this one compound.
    pages: list[Figure] = []
    one = _pages("1x (1 compound)", client, first, pages)

    # tracemalloc slows allocation-heavy code several times over: rates from plain wall time.
    with untraced("read .xlsx roster, untraced", imports) as notes:
        read_roster(data, filename="花名册.xlsx")
    notes["rows/s"] = _rate(len(rows), imports[-1])
    second = community_create(organisation=organisation, name="梧桐里二区", slug="bench-c2")
    with untraced("import roster (create), untraced", imports) as notes:
        roster_import(community=second, reading=reading, actor=None)
    notes["rows/s"] = _rate(len(rows), imports[-1])

    # (b) the same roster again: the update path (untraced only, it is the slow one).
    with untraced("import the same roster again (update), untraced", imports) as notes:
        again = roster_import(community=first, reading=reading, actor=None)
    assert again.dwellings_created == 0
    assert again.residents_created == 0
    notes["rows/s"] = _rate(len(reading.rows), imports[-1])
    notes["dwellings updated"] = again.dwellings_updated
    notes["residents updated"] = again.residents_updated
    print_figures(
        f"places: demo-size roster, {len(rows)} rows (peak MiB only for traced cases)", imports
    )

    # (c) continued: 10× the data in the organisation (ten compounds), then one compound of
    # ten times the buildings.
    loads: list[Figure] = []
    communities = [first, second]
    with untraced("8 more demo-size compounds via roster_import", loads) as notes:
        rows_read = 0
        for n in range(3, 11):
            community = community_create(
                organisation=organisation, name=f"梧桐里{n}区", slug=f"bench-c{n}"
            )
            reading = generate_compound(seed=DEMO_SEED + n)
            rows_read += len(reading.rows)
            roster_import(community=community, reading=reading, actor=None)
            communities.append(community)
    notes["rows"] = rows_read
    notes["rows/s incl. generating"] = _rate(rows_read, loads[-1])
    ten = _pages("10x (10 compounds, 1st)", client, first, pages)
    _pages("10x (10 compounds, 10th)", client, communities[-1], pages)

    big = community_create(organisation=organisation, name="梧桐里大区", slug="bench-big")
    buildings = DEMO_BUILDINGS * 10
    with untraced(f"1 compound of {buildings} buildings via roster_import", loads) as notes:
        reading = generate_compound(buildings=buildings, seed=DEMO_SEED)
        result = roster_import(community=big, reading=reading, actor=None)
    notes["rows"] = len(reading.rows)
    notes["dwellings"] = result.dwellings_created
    notes["residents"] = result.residents_created
    notes["rows/s incl. generating"] = _rate(len(reading.rows), loads[-1])
    del reading, result
    wide = _pages(f"10x (1 compound, {buildings} buildings)", client, big, pages)
    print_figures("places: loading the 10x data (untraced wall time)", loads)
    print_figures(
        "places: pages as org admin, 1x and 10x", pages, baseline="overview, 1x (1 compound)"
    )

    print("\n## places: queries and time per page, side by side")
    print(
        f"{'page':<10} {'q 1x':>5} {'q 10x':>6} {'q 200b':>7}   "
        f"{'s 1x':>7} {'s 10x':>7} {'s 200b':>7}   {'10x/1x':>6} {'200b/1x':>7}"
    )
    for page in ("overview", "building"):
        a, b, c = one[page], ten[page], wide[page]
        print(
            f"{page:<10} {a.queries:5d} {b.queries:6d} {c.queries:7d}   "
            f"{a.seconds:7.3f} {b.seconds:7.3f} {c.seconds:7.3f}   "
            f"{b.seconds / a.seconds:6.2f} {c.seconds / a.seconds:7.2f}"
        )
    constant = all(
        one[p].queries == ten[p].queries == wide[p].queries for p in ("overview", "building")
    )
    print(f"query counts constant as data grows: {'yes' if constant else 'NO'}")
