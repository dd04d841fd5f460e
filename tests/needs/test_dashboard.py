"""The dynamic-needs dashboard: figures, drill-downs, charts, pages and their cost.

Needs are made through the real services (raised in the past, moved along the loop at given
times, with steps taken by residents or staff); every figure is checked against a value computed
here in plain Python from what was made.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import include, path
from django.utils import timezone

import peiban.urls
from peiban.core.access import Need as Needs
from peiban.core.access import get_community_access
from peiban.core.charts import (
    PAPER,
    SEQUENTIAL,
    Cell,
    Point,
    Series,
    bins,
    heat_grid,
    ink_on,
    line,
    shade,
    stacked_bars,
)
from peiban.needs import dashboard_views
from peiban.needs.dashboard import (
    DONE_STAGES,
    LOOP,
    QUERY_BOUND,
    RECURRING_MIN,
    DashboardFigures,
    Tally,
    community_table,
    dashboard_figures,
    drilldown_filter,
    local_midnight,
)
from peiban.needs.dashboard_views import default_period
from peiban.needs.models import OPEN_STAGES, Category, Channel, Need, Stage
from peiban.needs.services import action_add, categories_ensure, need_move, need_raise, need_reopen
from peiban.places.models import Building, Community, Resident
from tests.conftest import Registry, World


def needs_list(request: HttpRequest, community: str) -> HttpResponse:
    """Stands in for the needs list as staff see it (every need of the community): the ids of
    the needs the drill-down selects, one a line."""
    access = get_community_access(request.user, community, need=Needs.EDIT)
    ids = Need.objects.filter(community=access.community).filter(drilldown_filter(request.GET))
    return HttpResponse("\n".join(str(pk) for pk in ids.values_list("pk", flat=True)))


# These tests route the dashboard themselves, so they do not depend on how the site wires it.
urlpatterns = [
    path(
        "",
        include(
            (
                [
                    path(
                        "c/<slug:community>/needs/dashboard/",
                        dashboard_views.community_dashboard,
                        name="dashboard",
                    ),
                    path(
                        "org/<slug:org>/needs/",
                        dashboard_views.organisation_dashboard,
                        name="org-dashboard",
                    ),
                    path("c/<slug:community>/needs/", needs_list, name="list"),
                    path("notifications/", needs_list, name="notifications"),  # for the nav
                ],
                "needs",
            )
        ),
    ),
    *peiban.urls.urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

LOCAL = ZoneInfo(settings.TIME_ZONE)
FORWARD = [
    Stage.ACCOMPANIED,
    Stage.DELIBERATING,
    Stage.DECIDED,
    Stage.ACTING,
    Stage.RESOLVED,
    Stage.VERIFIED,
    Stage.CLOSED,
]


@dataclass
class Made:
    """What the test did to one need, remembered in plain Python."""

    need: Need
    community: Community
    raised_at: datetime
    category: Category
    building: Building | None
    channel: str
    source_type: str
    stage: str = Stage.RAISED
    reached: dict[str, datetime] = field(default_factory=dict)
    reopened: bool = False
    actions: list[tuple[datetime, bool]] = field(default_factory=list)  # (taken_at, by resident)


@dataclass
class Data:
    world: World
    since: datetime
    until: datetime
    made: list[Made]
    categories: list[Category]
    buildings: dict[str, Building]
    residents: dict[int, Resident]

    def cohort(self, community: Community) -> list[Made]:
        return [
            m
            for m in self.made
            if m.community.pk == community.pk and self.since <= m.raised_at < self.until
        ]


def local_month(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date().replace(day=1)


def as_days(delta: timedelta) -> Decimal:
    micro = Decimal(delta // timedelta(microseconds=1))
    return (micro / Decimal(86_400_000_000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def raise_one(
    data: Data,
    *,
    community: Community,
    raised_at: datetime,
    category: Category,
    building: Building | None,
    channel: str = Channel.VISIT,
    source_type: str = "",
) -> Made:
    need = need_raise(
        community=community,
        title=f"楼道漏水{len(data.made)}",
        category=category,
        channel=channel,
        raised_by=data.residents[community.pk],
        raised_at=raised_at,
        recorded_by=data.world.staff,
        building=building,
        source_type=source_type,
        source_id="answer-1" if source_type else "",
    )
    made = Made(need, community, raised_at, category, building, channel, source_type)
    made.reached[Stage.RAISED] = raised_at
    data.made.append(made)
    return made


def move(data: Data, made: Made, to_stage: str, at: datetime) -> None:
    note = "物业处理" if to_stage in {Stage.DECLINED, Stage.REFERRED} else ""
    need_move(
        need=made.need,
        to_stage=to_stage,
        actor=data.world.staff,
        by_resident=data.residents[made.community.pk],
        note=note,
        at=at,
    )
    made.stage = to_stage
    made.reached.setdefault(to_stage, at)


def walk(data: Data, made: Made, rng: random.Random) -> None:
    """Move the need along a random but lawful path, with gaps of 1 to 60 hours."""
    at = made.raised_at

    def later() -> datetime:
        nonlocal at
        at = at + timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59))
        return at

    steps = rng.randint(0, len(FORWARD))
    for stage in FORWARD[:steps]:
        move(data, made, stage, later())
    luck = rng.random()
    if steps <= 2 and luck < 0.3:
        move(data, made, Stage.DECLINED, later())
    elif steps <= 2 and luck < 0.55:
        move(data, made, Stage.REFERRED, later())
        if rng.random() < 0.5:
            move(data, made, Stage.ACCOMPANIED, later())
    elif made.stage in {Stage.RESOLVED, Stage.VERIFIED, Stage.CLOSED} and luck < 0.8:
        need_reopen(need=made.need, actor=data.world.staff, note="又漏了", at=later())
        made.stage = Stage.ACCOMPANIED
        made.reopened = True
        if rng.random() < 0.5:
            move(data, made, Stage.DELIBERATING, later())
    for _ in range(rng.randint(0, 3)):
        by_resident = rng.random() < 0.5
        taken_at = made.raised_at + timedelta(hours=rng.randint(0, 24 * 20))
        action_add(
            need=made.need,
            kind="talk",
            description="上门沟通",
            recorded_by=data.world.staff,
            by_resident=data.residents[made.community.pk] if by_resident else None,
            by_staff=None if by_resident else data.world.staff,
            taken_at=taken_at,
        )
        made.actions.append((taken_at, by_resident))


def add_needs(data: Data, count: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now().replace(second=0, microsecond=0)
    earliest = data.since - timedelta(days=20)
    span = int((now - timedelta(days=25) - earliest).total_seconds() // 60)
    world = data.world
    for i in range(count):
        community = world.other_community if i % 6 == 5 else world.community
        places = [b for b in data.buildings.values() if b.community_id == community.pk]
        made = raise_one(
            data,
            community=community,
            raised_at=earliest + timedelta(minutes=rng.randint(0, span)),
            category=rng.choice(data.categories[:4]),
            building=rng.choice([*places, None]),
            channel=rng.choice([Channel.VISIT, Channel.SURVEY, Channel.PHONE, Channel.GROUP_CHAT]),
            source_type="survey" if rng.random() < 0.15 else "",
        )
        walk(data, made, rng)


@pytest.fixture
def data(world: World, registry: Registry) -> Data:
    today = timezone.localdate()
    month = today.year * 12 + today.month - 1 - 6  # six months ago: seven months in all
    since = local_midnight(date(month // 12, month % 12 + 1, 1))
    until = local_midnight(today + timedelta(days=1))
    buildings = {
        "3": registry.building,
        "5": Building.objects.create(community=world.community, label="5"),
        "12": Building.objects.create(community=world.community, label="12"),
        "1": Building.objects.create(community=world.other_community, label="1"),
        "far": Building.objects.create(community=world.foreign_community, label="9"),
    }
    residents = {
        world.community.pk: registry.resident,
        world.other_community.pk: Resident.objects.create(
            community=world.other_community, name="李娜"
        ),
        world.foreign_community.pk: registry.foreign_resident,
    }
    categories = sorted(categories_ensure(world.organisation), key=lambda c: c.position)
    d = Data(world, since, until, [], categories, buildings, residents)
    c = world.community
    # Edges: at the start of the period (in), a minute before (out), half past midnight on the
    # first of a month (in that local month, though in UTC it is the day before).
    raise_one(d, community=c, raised_at=since, category=categories[0], building=buildings["3"])
    raise_one(
        d,
        community=c,
        raised_at=since - timedelta(minutes=1),
        category=categories[0],
        building=buildings["3"],
    )
    boundary = local_midnight(date((month + 2) // 12, (month + 2) % 12 + 1, 1))
    raise_one(
        d,
        community=c,
        raised_at=boundary + timedelta(minutes=30),
        category=categories[2],
        building=buildings["12"],
    )
    # A pair that recurs for sure, and needs elsewhere that must never count.
    for n in range(RECURRING_MIN):
        made = raise_one(
            d,
            community=c,
            raised_at=since + timedelta(days=3 + n, hours=n),
            category=categories[1],
            building=buildings["5"],
        )
        move(d, made, Stage.ACCOMPANIED, made.raised_at + timedelta(hours=5 * (n + 1)))
    far_category = categories_ensure(world.other_organisation)[0]
    raise_one(
        d,
        community=world.foreign_community,
        raised_at=since + timedelta(days=2),
        category=far_category,
        building=buildings["far"],
    )
    add_needs(d, 48, seed=7)
    return d


def figures_for(data: Data, *communities: Community) -> DashboardFigures:
    return dashboard_figures(
        communities=Community.objects.filter(pk__in=[c.pk for c in communities]),
        since=data.since,
        until=data.until,
    )


def expected_medians(cohort: list[Made]) -> list[tuple[int, Decimal | None]]:
    out = []
    for a, b in pairwise(LOOP):
        durations = [
            m.reached[b] - m.reached[a] for m in cohort if a in m.reached and b in m.reached
        ]
        middle = statistics.median(durations) if durations else None  # type: ignore[type-var]
        out.append((len(durations), as_days(middle) if middle is not None else None))
    return out


# --- Figures -------------------------------------------------------------------------------------


def test_the_totals_match_the_needs_made(data: Data) -> None:
    c = data.world.community
    cohort = data.cohort(c)
    totals = figures_for(data, c).totals
    assert totals.raised.n == len(cohort)
    assert totals.open.n == sum(m.stage in OPEN_STAGES for m in cohort)
    assert totals.done.n == sum(m.stage in DONE_STAGES for m in cohort)
    assert totals.declined.n == sum(m.stage == Stage.DECLINED for m in cohort)
    assert totals.referred.n == sum(m.stage == Stage.REFERRED for m in cohort)
    assert totals.open.n + totals.done.n + totals.declined.n == totals.raised.n
    reopened = sum(m.reopened for m in cohort)
    assert totals.reopened.n == reopened > 0
    assert totals.reopened_share == Fraction(reopened, len(cohort))
    assert totals.from_survey.n == sum(
        m.channel == Channel.SURVEY or m.source_type == "survey" for m in cohort
    )
    assert totals.without_building.n == sum(m.building is None for m in cohort)


def test_it_counts_categories_per_local_month(data: Data) -> None:
    c = data.world.community
    figures = figures_for(data, c)
    expected = Counter((m.category.pk, local_month(m.raised_at)) for m in data.cohort(c))
    got = {
        (row.category_id, cell.month): cell.n
        for row in figures.categories
        for cell in row.cells
        if cell.n
    }
    assert got == dict(expected)
    assert figures.months[0] == data.since.astimezone(LOCAL).date()
    assert figures.months[-1] == timezone.localdate().replace(day=1)
    assert len(figures.months) == 7
    totals = [row.total.n for row in figures.categories]
    assert totals == sorted(totals, reverse=True)


def test_it_counts_needs_per_building_including_empty_ones(data: Data) -> None:
    c = data.world.community
    figures = figures_for(data, c)
    counts = Counter(m.building.pk for m in data.cohort(c) if m.building is not None)
    assert figures.buildings is not None
    assert [(b.label, b.needs.n) for b in figures.buildings] == [
        (label, counts[data.buildings[label].pk]) for label in ("3", "5", "12")
    ]
    assert figures_for(data, c, data.world.other_community).buildings is None


def test_the_median_days_per_step_match_statistics_median(data: Data) -> None:
    c = data.world.community
    figures = figures_for(data, c)
    expected = expected_medians(data.cohort(c))
    assert [(s.needs.n, s.median_days) for s in figures.medians] == expected
    assert [(s.from_stage, s.to_stage) for s in figures.medians] == list(pairwise(LOOP))
    assert expected[0][0] > 2  # the data exercise the computation
    assert any(n % 2 == 0 and n for n, _ in expected)  # an even count: two middle values
    assert any(n % 2 == 1 for n, _ in expected)


def test_recurring_pairs_have_three_needs_or_more(data: Data) -> None:
    c = data.world.community
    figures = figures_for(data, c)
    counts = Counter(
        (m.category.pk, m.building.pk) for m in data.cohort(c) if m.building is not None
    )
    expected = {pair: n for pair, n in counts.items() if n >= RECURRING_MIN}
    assert {(r.category_id, r.building_id): r.needs.n for r in figures.recurring} == expected
    assert figures.recurring_count == len(expected)
    assert (data.categories[1].pk, data.buildings["5"].pk) in expected
    ns = [r.needs.n for r in figures.recurring]
    assert ns == sorted(ns, reverse=True)


def test_the_coach_ratio_counts_steps_taken_in_the_period(data: Data) -> None:
    c = data.world.community
    coach = figures_for(data, c).coach
    steps = [
        (at, by_resident)
        for m in data.made
        if m.community.pk == c.pk
        for at, by_resident in m.actions
        if data.since <= at < data.until
    ]
    residents = sum(by for _, by in steps)
    assert (coach.residents, coach.total) == (residents, len(steps))
    assert coach.ratio == Fraction(residents, len(steps))
    per_month = Counter(local_month(at) for at, _ in steps)
    by_residents = Counter(local_month(at) for at, by in steps if by)
    assert {m.month: (m.residents, m.total) for m in coach.months if m.total} == {
        month: (by_residents[month], n) for month, n in per_month.items()
    }
    assert 0 < residents < len(steps)


def test_the_coach_ratio_stays_true_when_a_residents_record_is_deleted(
    world: World, registry: Registry
) -> None:
    category = categories_ensure(world.organisation)[0]
    since = local_midnight(timezone.localdate() - timedelta(days=30))
    need = need_raise(
        community=world.community,
        title="路灯坏了",
        category=category,
        channel=Channel.VISIT,
        raised_by=registry.resident,
        raised_at=since + timedelta(days=1),
    )
    for by_resident in (registry.resident, None):
        action_add(
            need=need,
            kind="talk",
            description="上门沟通",
            recorded_by=world.staff,
            by_resident=by_resident,
            by_staff=None if by_resident else world.staff,
            taken_at=since + timedelta(days=2),
        )
    registry.resident.delete()  # at the resident's request: the references become empty
    coach = dashboard_figures(
        communities=Community.objects.filter(pk=world.community.pk),
        since=since,
        until=since + timedelta(days=30),
    ).coach
    assert (coach.residents, coach.total) == (1, 2)


def test_the_organisation_figures_add_up_its_communities(data: Data) -> None:
    world = data.world
    both = [*data.cohort(world.community), *data.cohort(world.other_community)]
    figures = dashboard_figures(
        communities=Community.objects.filter(organisation=world.organisation),
        since=data.since,
        until=data.until,
    )
    assert figures.totals.raised.n == len(both)
    assert figures.totals.open.n == sum(m.stage in OPEN_STAGES for m in both)
    assert [(s.needs.n, s.median_days) for s in figures.medians] == expected_medians(both)
    assert figures.buildings is None


def test_the_community_table_matches_each_community(data: Data) -> None:
    world = data.world
    rows = community_table(
        communities=Community.objects.filter(organisation=world.organisation),
        since=data.since,
        until=data.until,
    )
    assert [row.slug for row in rows] == sorted(
        [world.community.slug, world.other_community.slug],
        key=lambda slug: Community.objects.get(slug=slug).name,
    )
    for row in rows:
        community = Community.objects.get(pk=row.community_id)
        cohort = data.cohort(community)
        steps = [
            by
            for m in data.made
            if m.community.pk == community.pk
            for at, by in m.actions
            if data.since <= at < data.until
        ]
        assert row.raised == len(cohort)
        assert row.open == sum(m.stage in OPEN_STAGES for m in cohort)
        assert row.median_days_accompanied == expected_medians(cohort)[0][1]
        assert (row.resident_actions, row.actions) == (sum(steps), len(steps))


def test_the_community_table_medians_for_odd_and_even_counts(world: World, registry) -> None:
    """One community with an odd number of durations, one with an even number, one with none."""
    categories = categories_ensure(world.organisation)
    since = local_midnight(timezone.localdate() - timedelta(days=60))
    other = Resident.objects.create(community=world.other_community, name="李娜")
    hours = {world.community: [5, 1, 30], world.other_community: [10, 2, 7, 50]}
    for community, gaps in hours.items():
        resident = registry.resident if community == world.community else other
        for n, gap in enumerate(gaps):
            need = need_raise(
                community=community,
                title="路灯坏了",
                category=categories[0],
                channel=Channel.VISIT,
                raised_by=resident,
                raised_at=since + timedelta(days=n),
            )
            need_move(
                need=need,
                to_stage=Stage.ACCOMPANIED,
                actor=world.staff,
                at=need.raised_at + timedelta(hours=gap),
            )
    empty = Community.objects.create(organisation=world.organisation, name="空小区", slug="empty")
    rows = {
        row.community_id: row.median_days_accompanied
        for row in community_table(
            communities=Community.objects.filter(organisation=world.organisation),
            since=since,
            until=since + timedelta(days=30),
        )
    }
    assert rows == {
        world.community.pk: as_days(timedelta(hours=5)),
        world.other_community.pk: as_days(timedelta(hours=8.5)),
        empty.pk: None,
    }


# --- Drill-downs ---------------------------------------------------------------------------------


def tallies(figures: DashboardFigures) -> list[Tally]:
    totals = figures.totals
    found: list[Tally] = [
        totals.raised,
        totals.open,
        totals.done,
        totals.declined,
        totals.referred,
        totals.reopened,
        totals.from_survey,
        totals.without_building,
    ]
    for row in figures.categories:
        found += [row.total, *row.cells]
    found += [b.needs for b in figures.buildings or []]
    found += [s.needs for s in figures.medians]
    found += [r.needs for r in figures.recurring]
    return found


def selected(community: Community, query: str) -> set[int]:
    assert query.startswith("?")
    q = drilldown_filter(QueryDict(query[1:]))
    return set(Need.objects.filter(community=community).filter(q).values_list("pk", flat=True))


def test_every_drilldown_lists_exactly_the_needs_counted(data: Data) -> None:
    c = data.world.community
    figures = figures_for(data, c)
    for tally in tallies(figures):
        assert len(selected(c, tally.query)) == tally.n, tally.query


def test_drilldowns_select_the_same_needs_as_the_figures(data: Data) -> None:
    c = data.world.community
    cohort = data.cohort(c)
    figures = figures_for(data, c)

    def ids(keep) -> set[int]:
        return {m.need.pk for m in cohort if keep(m)}

    totals = figures.totals
    assert selected(c, totals.raised.query) == ids(lambda m: True)
    assert selected(c, totals.open.query) == ids(lambda m: m.stage in OPEN_STAGES)
    assert selected(c, totals.done.query) == ids(lambda m: m.stage in DONE_STAGES)
    assert selected(c, totals.reopened.query) == ids(lambda m: m.reopened)
    assert selected(c, totals.from_survey.query) == ids(
        lambda m: m.channel == Channel.SURVEY or m.source_type == "survey"
    )
    for step in figures.medians:
        assert selected(c, step.needs.query) == ids(lambda m, s=step: s.to_stage in m.reached)
    for row in figures.categories:
        for cell in row.cells:
            assert selected(c, cell.query) == ids(
                lambda m, r=row, x=cell: (
                    m.category.pk == r.category_id and local_month(m.raised_at) == x.month
                )
            )
    for pair in figures.recurring:
        assert selected(c, pair.needs.query) == ids(
            lambda m, p=pair: (
                m.building is not None
                and (m.category.pk, m.building.pk) == (p.category_id, p.building_id)
            )
        )


def test_the_page_links_lead_to_the_needs_counted(data: Data, login) -> None:
    """Follow the drill-down links of the page itself, through the (stand-in) list."""
    client = login(data.world.staff)
    html = client.get(f"/c/{data.world.community.slug}/needs/dashboard/").content.decode()
    links = re.findall(r'<a class="tile" href="([^"]+)"><span class="figure">(\d+)</span>', html)
    assert len(links) >= 6
    for href, shown in links:
        body = client.get(href.replace("&amp;", "&")).content.decode()
        assert len(body.split()) == int(shown), href


def test_the_drilldown_filter_reads_each_parameter() -> None:
    assert drilldown_filter({}) == drilldown_filter({"stage": "nonsense", "category": "x1"})
    q = drilldown_filter({"stage": "open"})
    assert "stage__in" in str(q)
    assert "building__isnull" in str(drilldown_filter({"building": "none"}))
    assert "building_id" in str(drilldown_filter({"recurring": "4-7"}))
    assert "raised_at__gte" in str(drilldown_filter({"month": "2026-05"}))
    assert drilldown_filter({"month": "2026-13"}) == drilldown_filter({})
    assert drilldown_filter({"from": "0001-01-01"}) == drilldown_filter({})
    assert drilldown_filter({"reached": Stage.RAISED}) == drilldown_filter({})


# --- Cost ----------------------------------------------------------------------------------------


def test_the_figures_take_a_bounded_number_of_queries(
    world: World, registry: Registry, django_assert_max_num_queries
) -> None:
    since = local_midnight(timezone.localdate() - timedelta(days=200))
    until = local_midnight(timezone.localdate() + timedelta(days=1))
    communities = Community.objects.filter(pk=world.community.pk)
    d = Data(
        world,
        since,
        until,
        [],
        categories_ensure(world.organisation),
        {"3": registry.building},
        {world.community.pk: registry.resident},
    )
    made = raise_one(
        d,
        community=world.community,
        raised_at=since + timedelta(days=1),
        category=d.categories[0],
        building=registry.building,
    )
    move(d, made, Stage.ACCOMPANIED, made.raised_at + timedelta(hours=3))
    with django_assert_max_num_queries(QUERY_BOUND):
        dashboard_figures(communities=communities, since=since, until=until)
    d.residents[world.other_community.pk] = Resident.objects.create(
        community=world.other_community, name="李娜"
    )
    d.buildings["1"] = Building.objects.create(community=world.other_community, label="1")
    add_needs(d, 60, seed=3)
    assert Need.objects.filter(community=world.community).count() > 40
    with django_assert_max_num_queries(QUERY_BOUND):
        figures = dashboard_figures(communities=communities, since=since, until=until)
    assert figures.totals.raised.n > 40
    with django_assert_max_num_queries(QUERY_BOUND):
        dashboard_figures(
            communities=Community.objects.filter(organisation=world.organisation),
            since=since,
            until=until,
        )
    with django_assert_max_num_queries(2):
        community_table(
            communities=Community.objects.filter(organisation=world.organisation),
            since=since,
            until=until,
        )


def test_the_pages_take_a_bounded_number_of_queries(
    data: Data, login, django_assert_max_num_queries
) -> None:
    staff = login(data.world.staff)
    with django_assert_max_num_queries(QUERY_BOUND + 8):
        assert staff.get(f"/c/{data.world.community.slug}/needs/dashboard/").status_code == 200
    admin = login(data.world.admin)
    with django_assert_max_num_queries(QUERY_BOUND + 10):
        assert admin.get(f"/org/{data.world.organisation.slug}/needs/").status_code == 200


# --- Pages and access ----------------------------------------------------------------------------


def test_staff_see_the_dashboard_with_drilldowns(data: Data, login) -> None:
    response = login(data.world.staff).get(f"/c/{data.world.community.slug}/needs/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/c/{data.world.community.slug}/needs/?from=' in html
    assert "<svg" in html
    assert 'data-chart="buildings"' in html
    assert "style=" not in html
    assert "<style" not in html


def test_a_government_viewer_sees_the_dashboard_without_names(data: Data, login) -> None:
    response = login(data.world.viewer).get(f"/c/{data.world.community.slug}/needs/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" not in html
    assert "李娜" not in html
    assert "楼道漏水" not in html
    assert "/needs/?" not in html  # no drill-down into records
    assert str(response.context["figures"].totals.raised.n) in html


def test_a_resident_leader_sees_figures_but_no_drilldowns(data: Data, login) -> None:
    """Leaders see only their own and public needs in the list, so links would not add up."""
    response = login(data.world.leader).get(f"/c/{data.world.community.slug}/needs/dashboard/")
    assert response.status_code == 200
    assert "/needs/?" not in response.content.decode()


@pytest.mark.parametrize("persona", ["other_staff", "resident", "outsider"])
def test_others_get_a_404(world: World, login, persona: str) -> None:
    client = login(world.persona(persona))
    assert client.get(f"/c/{world.community.slug}/needs/dashboard/").status_code == 404
    if persona != "outsider":  # the outsider is an admin of the foreign community's organisation
        assert client.get(f"/c/{world.foreign_community.slug}/needs/dashboard/").status_code == 404


def test_the_dashboard_needs_a_sign_in(world: World, client) -> None:
    response = client.get(f"/c/{world.community.slug}/needs/dashboard/")
    assert response.status_code == 302


def test_the_organisation_dashboard_is_for_its_admins(data: Data, login) -> None:
    world = data.world
    url = f"/org/{world.organisation.slug}/needs/"
    response = login(world.admin).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert world.community.name in html
    assert world.other_community.name in html
    assert world.foreign_community.name not in html
    assert f'href="/c/{world.community.slug}/needs/dashboard/?from=' in html
    assert "style=" not in html
    for persona in ("staff", "viewer", "leader", "outsider"):
        assert login(world.persona(persona)).get(url).status_code == 404


def test_the_period_comes_from_the_query(data: Data, login) -> None:
    client = login(data.world.staff)
    url = f"/c/{data.world.community.slug}/needs/dashboard/"
    response = client.get(url, {"from": "2026-01-01", "to": "2026-03-31"})
    period = response.context["period"]
    assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert response.context["figures"].until == local_midnight(date(2026, 4, 1))
    assert 'class="message' not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-30"},
        {"from": "yesterday"},
        {"from": "2026-05-01", "to": "2026-04-01"},
        {"from": "1200-01-01", "to": "2026-04-01"},
        {"from": "2000-01-01", "to": "2026-04-01"},
    ],
)
def test_a_bad_period_falls_back_to_the_last_twelve_months(
    world: World, login, query: dict[str, str]
) -> None:
    response = login(world.staff).get(f"/c/{world.community.slug}/needs/dashboard/", query)
    assert response.status_code == 200
    assert response.context["period"] == default_period(timezone.localdate())
    assert 'class="message warning"' in response.content.decode()


def test_the_default_period_is_twelve_whole_months() -> None:
    assert default_period(date(2026, 5, 17)) == dashboard_views.Period(
        date(2025, 6, 1), date(2026, 5, 17)
    )
    assert default_period(date(2026, 12, 31)).start == date(2026, 1, 1)


# --- Charts --------------------------------------------------------------------------------------


def font_sizes(svg: str) -> list[int]:
    return [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]


def test_charts_escape_their_labels_and_carry_text_alternatives() -> None:
    evil = '<script>alert("x")</script>'
    charts = [
        stacked_bars([evil, "2026年5月"], [Series(evil, [1, 2], ["/x?a=1&b=2", None])]),
        heat_grid([Cell(evil, 3, "/y"), Cell("5栋", 0)]),
        line([Point(evil, Fraction(1, 3)), Point("六月", None), Point("七月", Decimal("0.75"))]),
    ]
    for svg in charts:
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        assert "<title>" in svg
        assert 'aria-label="' in svg
        assert re.search(r'viewBox="0 0 320 \d+', svg)
        assert min(font_sizes(svg)) >= 18  # 16 CSS pixels even at 286 pixels wide
        assert "style=" not in svg
    assert "/x?a=1&amp;b=2" in charts[0]
    assert 'role="group"' in charts[0]  # it holds links
    assert "33%" in charts[2]
    assert "75%" in charts[2]


def test_the_line_leaves_gaps_where_there_is_nothing_to_divide() -> None:
    svg = line([Point("1", Fraction(1, 2)), Point("2", Fraction(1)), Point("3", None)])
    assert svg.count("<polyline") == 1
    svg = line([Point("1", Fraction(1, 2)), Point("2", None), Point("3", Fraction(1, 4))])
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 2


def contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_heat_grid_writes_counts_in_high_contrast() -> None:
    for fill in (PAPER, *SEQUENTIAL):
        assert contrast(fill, ink_on(fill)) >= 4.5
    ranges = bins(23)
    assert ranges[0][0] == 1
    assert ranges[-1][1] == 23
    assert all(a[1] + 1 == b[0] for a, b in pairwise(ranges))
    assert shade(0, ranges) == PAPER
    assert shade(23, ranges) == SEQUENTIAL[-1]
    assert shade(1, ranges) == SEQUENTIAL[0]
    assert bins(3) == [(1, 1), (2, 2), (3, 3)]
    svg = heat_grid([Cell("3栋", 23), Cell("5栋", 1), Cell("12栋", 0)])
    assert ">23</text>" in svg
    assert ">0</text>" in svg
