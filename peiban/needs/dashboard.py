"""Figures for the dynamic-needs dashboard, for one community or across an organisation.

Every figure is computed in the database (conditional counts, TruncMonth, correlated subqueries,
window functions), in a fixed number of queries whatever the number of needs; Python only walks
grouped rows (categories × months, buildings, months), never the needs themselves.

Definitions (domain rules §7, "issue loop" and "coach ratio"):

- The period is half-open, [since, until). Views pass local midnights, so that the drill-downs
  (which name whole local days, `from` and `to`) select exactly the needs that were counted.
- Totals describe the needs *raised in the period* and where they stand *now*: open (the loop's
  open stages, referred included), done (resolved, verified or closed), declined, referred (a part
  of open). open + done + declined = raised. The reopened share is the needs reopened at least once
  over the needs raised.
- Median days from stage A to stage B: over the needs raised in the period that reached both, the
  median of (first time it reached B − first time it reached A). "Reached raised" is `raised_at`.
- The coach ratio counts the actions *taken in the period* (on any need of the communities):
  the share taken by residents (`Action.taken_by`, which stays true when a resident's record is
  later deleted).
- A recurring need is a (category, building) pair with at least RECURRING_MIN needs raised in the
  period.

Each figure carries a drill-down: a query string for the needs list (`needs:list`), which filters
with `drilldown_filter`. Following it lists exactly the needs the figure counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils import timezone

from peiban.needs.models import (
    OPEN_STAGES,
    Action,
    Channel,
    Need,
    Stage,
    StageChange,
    TakenBy,
)
from peiban.places.models import Building, Community

DONE_STAGES = frozenset({Stage.RESOLVED, Stage.VERIFIED, Stage.CLOSED})
# The loop's steps whose durations are measured, in order.
LOOP = (
    Stage.RAISED,
    Stage.ACCOMPANIED,
    Stage.DELIBERATING,
    Stage.DECIDED,
    Stage.ACTING,
    Stage.RESOLVED,
    Stage.VERIFIED,
)
RECURRING_MIN = 3
RECURRING_SHOWN = 30
QUERY_BOUND = 19  # queries dashboard_figures may run, however many needs there are
SURVEY = "survey"

_OPEN = sorted(str(s) for s in OPEN_STAGES)
_DONE = sorted(str(s) for s in DONE_STAGES)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PAIR = re.compile(r"^(\d{1,18})-(\d{1,18})$")
_MICROSECONDS_A_DAY = Decimal(86_400_000_000)
TENTH = Decimal("0.1")


# --- Drill-downs ---------------------------------------------------------------------------------

DRILLDOWN_PARAMS = (
    "from",  # YYYY-MM-DD: raised on or after that local day
    "to",  # YYYY-MM-DD: raised on or before that local day
    "stage",  # open | done | a stage value
    "category",  # category id
    "month",  # YYYY-MM: raised in that local month
    "building",  # building id, or "none" for needs without a building
    "channel",  # a channel value
    "survey",  # 1: came from a survey (channel survey or source_type survey)
    "reopened",  # 1: reopened at least once
    "reached",  # a stage value: reached that stage at some time
    "recurring",  # <category id>-<building id>
)


def local_midnight(day: date) -> datetime:
    """The start of `day` in the current time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _day(value: str | None) -> date | None:
    if not value or not _DAY.match(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2200 else None


def _month(value: str | None) -> tuple[datetime, datetime] | None:
    match = _MONTH.match(value or "")
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1900 <= year <= 2200 and 1 <= month <= 12):
        return None
    first = date(year, month, 1)
    return local_midnight(first), local_midnight(_next_month(first))


def _id(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def drilldown_filter(params: Mapping[str, str]) -> Q:
    """The needs a dashboard drill-down names (see DRILLDOWN_PARAMS); apply it to Need objects.

    Parameters combine with AND. A parameter whose value cannot be read is ignored. The caller
    still restricts the needs to the community the list shows.
    """
    q = Q()
    if (start := _day(params.get("from"))) is not None:
        q &= Q(raised_at__gte=local_midnight(start))
    if (end := _day(params.get("to"))) is not None:
        q &= Q(raised_at__lt=local_midnight(end + timedelta(days=1)))
    stage = params.get("stage")
    if stage == "open":
        q &= Q(stage__in=_OPEN)
    elif stage == "done":
        q &= Q(stage__in=_DONE)
    elif stage in Stage.values:
        q &= Q(stage=stage)
    if (category := _id(params.get("category"))) is not None:
        q &= Q(category_id=category)
    if (month := _month(params.get("month"))) is not None:
        q &= Q(raised_at__gte=month[0], raised_at__lt=month[1])
    building = params.get("building")
    if building == "none":
        q &= Q(building__isnull=True)
    elif (building_id := _id(building)) is not None:
        q &= Q(building_id=building_id)
    if (channel := params.get("channel")) in Channel.values:
        q &= Q(channel=channel)
    if params.get("survey") == "1":
        q &= Q(channel=Channel.SURVEY) | Q(source_type=SURVEY)
    if params.get("reopened") == "1":
        q &= Q(reopened_count__gt=0)
    reached = params.get("reached")
    if reached in Stage.values and reached != Stage.RAISED:
        q &= Q(pk__in=StageChange.objects.filter(to_stage=reached).values("need_id"))
    if (pair := _PAIR.match(params.get("recurring") or "")) is not None:
        q &= Q(category_id=int(pair[1]), building_id=int(pair[2]))
    return q


def period_params(since: datetime, until: datetime) -> dict[str, str]:
    """`from` and `to` for the half-open period [since, until): its first and last local day."""
    first = timezone.localtime(since).date()
    last = (timezone.localtime(until) - timedelta(microseconds=1)).date()
    return {"from": first.isoformat(), "to": last.isoformat()}


def _query(period: Mapping[str, str], **more: str) -> str:
    return "?" + urlencode({**period, **more})


# --- The figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """A count of needs, and the drill-down query (starting with "?") that lists them."""

    n: int
    query: str


@dataclass(frozen=True)
class MonthTally(Tally):
    """A count for one month (the first day of the local month)."""

    month: date


@dataclass(frozen=True)
class Totals:
    raised: Tally
    open: Tally
    done: Tally
    declined: Tally
    referred: Tally
    reopened: Tally
    from_survey: Tally
    without_building: Tally

    @property
    def reopened_share(self) -> Fraction | None:
        return Fraction(self.reopened.n, self.raised.n) if self.raised.n else None

    @property
    def reopened_percent(self) -> Decimal | None:
        return percent(self.reopened_share)


@dataclass(frozen=True)
class CategoryRow:
    """One category's needs per month of the period (cells align with DashboardFigures.months)."""

    category_id: int
    name: str
    cells: list[MonthTally]
    total: Tally


@dataclass(frozen=True)
class BuildingCell:
    building_id: int
    label: str
    needs: Tally


@dataclass(frozen=True)
class StageMedian:
    """Median days from first reaching `from_stage` to first reaching `to_stage`."""

    from_stage: str
    to_stage: str
    needs: Tally  # the needs that reached both: the median is over these
    median_days: Decimal | None

    @property
    def from_label(self) -> str:
        return str(Stage(self.from_stage).label)

    @property
    def to_label(self) -> str:
        return str(Stage(self.to_stage).label)


@dataclass(frozen=True)
class Recurring:
    category_id: int
    category: str
    building_id: int
    building: str
    community: str
    needs: Tally


@dataclass(frozen=True)
class CoachMonth:
    month: date
    residents: int
    total: int

    @property
    def staff(self) -> int:
        return self.total - self.residents

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.residents, self.total) if self.total else None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.ratio)


@dataclass(frozen=True)
class Coach:
    """Actions taken in the period, by residents and in all; and the same per month."""

    residents: int
    total: int
    months: list[CoachMonth]

    @property
    def staff(self) -> int:
        return self.total - self.residents

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.residents, self.total) if self.total else None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.ratio)


@dataclass(frozen=True)
class DashboardFigures:
    since: datetime
    until: datetime
    period: dict[str, str]  # the drill-down parameters naming the period
    months: list[date]  # the first day of each month the period touches
    totals: Totals
    categories: list[CategoryRow]  # by total, largest first
    buildings: list[BuildingCell] | None  # for a single community only; None otherwise
    medians: list[StageMedian]
    recurring: list[Recurring]  # at most RECURRING_SHOWN, largest first
    recurring_count: int  # how many pairs recur in all
    coach: Coach


def percent(share: Fraction | None) -> Decimal | None:
    """A share as a percentage rounded to a whole number (exact: from the Fraction)."""
    if share is None:
        return None
    value = Decimal(share.numerator * 100) / Decimal(share.denominator)
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def days(delta: timedelta) -> Decimal:
    """A duration in days, exactly, rounded to a tenth."""
    return (_microseconds(delta) / _MICROSECONDS_A_DAY).quantize(TENTH, rounding=ROUND_HALF_UP)


def _microseconds(delta: timedelta) -> Decimal:
    return Decimal((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_months(since: datetime, until: datetime) -> list[date]:
    """The first day of every local month that [since, until) touches."""
    month = timezone.localtime(since).date().replace(day=1)
    last = (timezone.localtime(until) - timedelta(microseconds=1)).date().replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _local_month(value: datetime | date) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def first_reached(stage: str) -> F | Subquery:
    """When the need (the outer row) first reached `stage`; raised_at for the first stage."""
    if stage == Stage.RAISED:
        return F("raised_at")
    return Subquery(
        StageChange.objects.filter(need=OuterRef("pk"), to_stage=stage)
        .order_by("at")
        .values("at")[:1]
    )


def _durations(needs: QuerySet[Need], a: str, b: str) -> QuerySet[Any]:
    """The needs that reached both stages, annotated with `duration` (first b − first a)."""
    return (
        needs.annotate(first_a=first_reached(a), first_b=first_reached(b))
        .filter(first_a__isnull=False, first_b__isnull=False)
        .annotate(
            duration=ExpressionWrapper(F("first_b") - F("first_a"), output_field=DurationField())
        )
    )


def median_days(needs: QuerySet[Need], a: str, b: str) -> tuple[int, Decimal | None]:
    """How many of `needs` reached both stages, and the median days between: two queries.

    Portable (SQLite and PostgreSQL): count N, then fetch the middle value(s) with ORDER BY,
    LIMIT and OFFSET.
    """
    durations = _durations(needs.order_by(), a, b)
    n = durations.count()
    if n == 0:
        return 0, None
    middle = list(
        durations.order_by("duration", "pk").values_list("duration", flat=True)[
            (n - 1) // 2 : n // 2 + 1
        ]
    )
    total = sum((_microseconds(d) for d in middle), Decimal(0))
    median = total / len(middle) / _MICROSECONDS_A_DAY
    return n, median.quantize(TENTH, rounding=ROUND_HALF_UP)


def dashboard_figures(
    *, communities: QuerySet[Community], since: datetime, until: datetime
) -> DashboardFigures:
    """The dashboard's figures for the needs of `communities` in [since, until).

    At most QUERY_BOUND (19) queries however many needs there are: 1 to see whether it is one
    community, 1 totals, 1 categories × months, 1 buildings (one community only), 12 medians
    (2 per step), 1–2 recurring pairs, 1 coach ratio per month.
    """
    period = period_params(since, until)
    months = period_months(since, until)
    needs = Need.objects.filter(community__in=communities.order_by().values("pk")).order_by()
    cohort = needs.filter(raised_at__gte=since, raised_at__lt=until)
    ids = list(communities.order_by().values_list("pk", flat=True)[:2])

    totals = _totals(cohort, period)
    categories = _categories(cohort, period, months)
    buildings = _buildings(ids[0], since, until, period) if len(ids) == 1 else None
    medians = []
    for a, b in pairwise(LOOP):
        n, median = median_days(cohort, a, b)
        medians.append(StageMedian(a, b, Tally(n, _query(period, reached=b)), median))
    recurring, recurring_count = _recurring(cohort, period)
    coach = _coach(communities, since, until, months)
    return DashboardFigures(
        since=since,
        until=until,
        period=period,
        months=months,
        totals=totals,
        categories=categories,
        buildings=buildings,
        medians=medians,
        recurring=recurring,
        recurring_count=recurring_count,
        coach=coach,
    )


def _totals(cohort: QuerySet[Need], period: dict[str, str]) -> Totals:
    counts = cohort.aggregate(
        raised=Count("pk"),
        open=Count("pk", filter=Q(stage__in=_OPEN)),
        done=Count("pk", filter=Q(stage__in=_DONE)),
        declined=Count("pk", filter=Q(stage=Stage.DECLINED)),
        referred=Count("pk", filter=Q(stage=Stage.REFERRED)),
        reopened=Count("pk", filter=Q(reopened_count__gt=0)),
        from_survey=Count("pk", filter=Q(channel=Channel.SURVEY) | Q(source_type=SURVEY)),
        without_building=Count("pk", filter=Q(building__isnull=True)),
    )
    return Totals(
        raised=Tally(counts["raised"], _query(period)),
        open=Tally(counts["open"], _query(period, stage="open")),
        done=Tally(counts["done"], _query(period, stage="done")),
        declined=Tally(counts["declined"], _query(period, stage=Stage.DECLINED)),
        referred=Tally(counts["referred"], _query(period, stage=Stage.REFERRED)),
        reopened=Tally(counts["reopened"], _query(period, reopened="1")),
        from_survey=Tally(counts["from_survey"], _query(period, survey="1")),
        without_building=Tally(counts["without_building"], _query(period, building="none")),
    )


def _categories(
    cohort: QuerySet[Need], period: dict[str, str], months: list[date]
) -> list[CategoryRow]:
    grouped = (
        cohort.annotate(month=TruncMonth("raised_at"))
        .values("category_id", "category__name", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    names: dict[int, str] = {}
    counts: dict[tuple[int, date], int] = {}
    for row in grouped:
        names[row["category_id"]] = row["category__name"]
        counts[(row["category_id"], _local_month(row["month"]))] = row["n"]
    rows = []
    for category_id, name in names.items():
        cells = [
            MonthTally(
                counts.get((category_id, month), 0),
                _query(period, category=str(category_id), month=month.strftime("%Y-%m")),
                month,
            )
            for month in months
        ]
        total = sum(cell.n for cell in cells)
        rows.append(
            CategoryRow(
                category_id, name, cells, Tally(total, _query(period, category=str(category_id)))
            )
        )
    rows.sort(key=lambda row: (-row.total.n, row.name, row.category_id))
    return rows


def _buildings(
    community_id: int, since: datetime, until: datetime, period: dict[str, str]
) -> list[BuildingCell]:
    in_period = Q(need__raised_at__gte=since, need__raised_at__lt=until)
    rows = (
        Building.objects.filter(community_id=community_id)
        .annotate(n=Count("need", filter=in_period))
        .order_by("sort_key", "pk")
        .values_list("pk", "label", "n")
    )
    return [
        BuildingCell(pk, label, Tally(n, _query(period, building=str(pk)))) for pk, label, n in rows
    ]


def _recurring(cohort: QuerySet[Need], period: dict[str, str]) -> tuple[list[Recurring], int]:
    pairs = (
        cohort.filter(building__isnull=False)
        .values("category_id", "building_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=RECURRING_MIN)
    )
    shown = list(
        pairs.values(
            "category_id",
            "building_id",
            "category__name",
            "building__label",
            "community__name",
            "n",
        ).order_by("-n", "community__name", "building__sort_key", "category__name")[
            : RECURRING_SHOWN + 1
        ]
    )
    count = len(shown) if len(shown) <= RECURRING_SHOWN else pairs.order_by().count()
    return [
        Recurring(
            category_id=row["category_id"],
            category=row["category__name"],
            building_id=row["building_id"],
            building=row["building__label"],
            community=row["community__name"],
            needs=Tally(
                row["n"], _query(period, recurring=f"{row['category_id']}-{row['building_id']}")
            ),
        )
        for row in shown[:RECURRING_SHOWN]
    ], count


def _coach(
    communities: QuerySet[Community], since: datetime, until: datetime, months: list[date]
) -> Coach:
    grouped = (
        Action.objects.filter(
            need__community__in=communities.order_by().values("pk"),
            taken_at__gte=since,
            taken_at__lt=until,
        )
        .annotate(month=TruncMonth("taken_at"))
        .values("month")
        .annotate(total=Count("pk"), residents=Count("pk", filter=Q(taken_by=TakenBy.RESIDENT)))
        .order_by()
    )
    found = {_local_month(row["month"]): (row["residents"], row["total"]) for row in grouped}
    per_month = [CoachMonth(month, *found.get(month, (0, 0))) for month in months]
    return Coach(
        residents=sum(m.residents for m in per_month),
        total=sum(m.total for m in per_month),
        months=per_month,
    )


# --- Across an organisation ----------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityRow:
    community_id: int
    name: str
    slug: str
    raised: int
    open: int
    median_days_accompanied: Decimal | None  # raised → accompanied
    resident_actions: int
    actions: int

    @property
    def coach_ratio(self) -> Fraction | None:
        return Fraction(self.resident_actions, self.actions) if self.actions else None

    @property
    def coach_percent(self) -> Decimal | None:
        return percent(self.coach_ratio)


def _count(query: QuerySet[Any], group: str) -> Coalesce:
    """A correlated COUNT(*) subquery, so that counts never multiply through joins."""
    counted = query.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def community_table(
    *, communities: QuerySet[Community], since: datetime, until: datetime
) -> list[CommunityRow]:
    """Per community: needs raised in the period, open now, median days raised → accompanied,
    and the coach ratio. Two queries however many communities and needs.
    """
    raised = Need.objects.filter(
        community=OuterRef("pk"), raised_at__gte=since, raised_at__lt=until
    )
    actions = Action.objects.filter(
        need__community=OuterRef("pk"), taken_at__gte=since, taken_at__lt=until
    )
    rows = (
        communities.order_by("name", "pk")
        .annotate(
            raised_n=_count(raised, "community"),
            open_n=_count(raised.filter(stage__in=_OPEN), "community"),
            actions_n=_count(actions, "need__community"),
            resident_actions_n=_count(actions.filter(taken_by=TakenBy.RESIDENT), "need__community"),
        )
        .values_list("pk", "name", "slug", "raised_n", "open_n", "actions_n", "resident_actions_n")
    )
    medians = medians_by_community(
        communities=communities, since=since, until=until, a=Stage.RAISED, b=Stage.ACCOMPANIED
    )
    return [
        CommunityRow(
            community_id=pk,
            name=name,
            slug=slug,
            raised=raised_n,
            open=open_n,
            median_days_accompanied=medians.get(pk),
            resident_actions=resident_n,
            actions=actions_n,
        )
        for pk, name, slug, raised_n, open_n, actions_n, resident_n in rows
    ]


def medians_by_community(
    *, communities: QuerySet[Community], since: datetime, until: datetime, a: str, b: str
) -> dict[int, Decimal]:
    """Median days from stage a to stage b per community, in one query.

    Window functions number each community's durations in order and count them; only the middle
    one or two rows of each community come back (SQLite ≥ 3.25 and PostgreSQL).
    """
    needs = Need.objects.filter(
        community__in=communities.order_by().values("pk"),
        raised_at__gte=since,
        raised_at__lt=until,
    ).order_by()
    middle = (
        _durations(needs, a, b)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("community_id")],
                order_by=[F("duration").asc(), F("pk").asc()],
            ),
            size=Window(Count("pk"), partition_by=[F("community_id")]),
        )
        .filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
        .values_list("community_id", "duration")
    )
    found: dict[int, list[Decimal]] = {}
    for community_id, duration in middle:
        found.setdefault(community_id, []).append(_microseconds(duration))
    return {
        community_id: (sum(values, Decimal(0)) / len(values) / _MICROSECONDS_A_DAY).quantize(
            TENTH, rounding=ROUND_HALF_UP
        )
        for community_id, values in found.items()
    }
