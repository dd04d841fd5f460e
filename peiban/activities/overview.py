"""The participation overview of a community: the ladder, its conversions, each series growing
(or not) activity by activity, and residents who could become leaders, with the evidence.

Everything is counted in the database; the page asks for a fixed number of queries whatever the
size of the compound.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from peiban.activities.models import Activity, Attendance, Series
from peiban.activities.participation import STAGES, LadderCounts, ladder, ladder_counts
from peiban.ledger.models import HourEntry, HourStatus
from peiban.needs.models import Action, HelpOffer, TakenBy
from peiban.places.models import Community, Resident

CANDIDATE_WINDOW = timedelta(days=180)
CANDIDATE_LIMIT = 20
SERIES_LIMIT = 6
ACTIVITIES_PER_SERIES = 12


@dataclass(frozen=True)
class Conversion:
    """From one stage to the next: how many reached the first, and how many of those also
    reached the next (a leader need not have volunteered, so the counts of each stage alone
    would not do)."""

    from_stage: str
    to_stage: str
    reached: int
    went_on: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.went_on, self.reached) if self.reached else None


def conversions(community: Community) -> list[Conversion]:
    """Stage-to-stage conversions among the community's residents (one query)."""
    pairs = list(itertools.pairwise(STAGES))

    def reached(stage: str) -> Q:
        return Q() if stage == "known" else Q(**{f"{stage}_at__isnull": False})

    aggregates: dict[str, Any] = {}
    for low, high in pairs:
        aggregates[f"{low}__reached"] = Count("pk", filter=reached(low))
        aggregates[f"{low}__{high}"] = Count("pk", filter=reached(low) & reached(high))
    row = ladder(community).aggregate(**aggregates)
    return [
        Conversion(
            from_stage=low,
            to_stage=high,
            reached=int(row[f"{low}__reached"] or 0),
            went_on=int(row[f"{low}__{high}"] or 0),
        )
        for low, high in pairs
    ]


@dataclass(frozen=True)
class SeriesStep:
    activity: Activity
    attended: int
    newcomers: int
    returning: int


@dataclass(frozen=True)
class SeriesGrowth:
    series: Series
    steps: list[SeriesStep]

    @property
    def growing(self) -> bool:
        """Each activity drew more residents than the one before (the article's three events)."""
        figures = [step.attended for step in self.steps]
        return len(figures) >= 2 and all(b > a for a, b in itertools.pairwise(figures))


def series_growth(community: Community) -> list[SeriesGrowth]:
    """The latest series with their activities in order, each with newcomers and returning
    residents (returning: came to any earlier activity of the community). Three queries."""
    series = list(
        Series.objects.filter(community=community)
        .annotate(
            latest=Subquery(
                Activity.objects.filter(series=OuterRef("pk"), cancelled_at__isnull=True)
                .order_by("-starts_at")
                .values("starts_at")[:1]
            )
        )
        .filter(latest__isnull=False)
        .order_by("-latest")[:SERIES_LIMIT]
    )
    earlier = Attendance.objects.filter(
        resident=OuterRef("resident"),
        activity__community=community,
        checked_in_at__lt=OuterRef("activity__starts_at"),
    )
    activities = list(
        Activity.objects.filter(series__in=series, cancelled_at__isnull=True)
        .annotate(
            attended=Count("attendance", distinct=True),
            returning=Count(
                "attendance",
                filter=Q(attendance__in=Attendance.objects.filter(Exists(earlier))),
                distinct=True,
            ),
        )
        .order_by("starts_at", "id")
    )
    by_series: dict[int, list[SeriesStep]] = {s.pk: [] for s in series}
    for activity in activities:
        steps = by_series[activity.series_id or 0]
        if len(steps) < ACTIVITIES_PER_SERIES:
            attended, returning = int(activity.attended), int(activity.returning)
            steps.append(
                SeriesStep(
                    activity=activity,
                    attended=attended,
                    newcomers=attended - returning,
                    returning=returning,
                )
            )
    return [SeriesGrowth(series=s, steps=by_series[s.pk]) for s in series]


@dataclass(frozen=True)
class Candidate:
    """A resident who takes part often and gives time, but leads nothing yet."""

    resident: Resident
    stage: str
    stage_at: datetime | None
    attended: int
    volunteered: int
    hours: Decimal
    steps_on_needs: int
    help_offers: int

    @property
    def score(self) -> int:
        # Giving time and acting on needs say more about leadership than attending does.
        return (
            self.attended
            + 3 * self.volunteered
            + int(self.hours)
            + 3 * self.steps_on_needs
            + 2 * self.help_offers
        )


def leader_candidates(community: Community, *, now: datetime | None = None) -> list[Candidate]:
    """Residents at the regular or volunteer stage (not yet leaders) ranked by what they did in
    the last six months: attendance, volunteering, verified hours, steps taken on needs and offers
    of help. One query."""
    since = (now or timezone.now()) - CANDIDATE_WINDOW
    rows = (
        ladder(community)
        .filter(leader_at__isnull=True)  # type: ignore[misc]
        .filter(Q(regular_at__isnull=False) | Q(volunteer_at__isnull=False))
        .annotate(
            attended=Subquery(
                Attendance.objects.filter(resident=OuterRef("pk"), checked_in_at__gte=since)
                .order_by()
                .values("resident")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            volunteered=Subquery(
                Attendance.objects.filter(
                    resident=OuterRef("pk"), checked_in_at__gte=since, volunteer=True
                )
                .order_by()
                .values("resident")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            hours=Subquery(
                HourEntry.objects.filter(
                    resident=OuterRef("pk"), status=HourStatus.VERIFIED, created_at__gte=since
                )
                .order_by()
                .values("resident")
                .annotate(total=Sum("hours"))
                .values("total")[:1],
                output_field=DecimalField(max_digits=12, decimal_places=2),
            ),
            steps=Subquery(
                Action.objects.filter(
                    by_resident=OuterRef("pk"), taken_by=TakenBy.RESIDENT, taken_at__gte=since
                )
                .order_by()
                .values("by_resident")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            offers=Subquery(
                HelpOffer.objects.filter(resident=OuterRef("pk"), created_at__gte=since)
                .order_by()
                .values("resident")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .select_related("household__dwelling__building")
    )
    candidates = []
    for row in rows:
        if not (row.attended or row.steps or row.offers):
            continue  # nothing in the last six months
        volunteer_at, regular_at = getattr(row, "volunteer_at"), getattr(row, "regular_at")  # noqa: B009
        stage, stage_at = (
            ("volunteer", volunteer_at) if volunteer_at is not None else ("regular", regular_at)
        )
        candidates.append(
            Candidate(
                resident=row,
                stage=stage,
                stage_at=stage_at,
                attended=int(row.attended or 0),
                volunteered=int(row.volunteered or 0),
                hours=Decimal(row.hours or 0).quantize(Decimal("0.01")),
                steps_on_needs=int(row.steps or 0),
                help_offers=int(row.offers or 0),
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.resident.pk))
    return candidates[:CANDIDATE_LIMIT]


@dataclass(frozen=True)
class Overview:
    counts: LadderCounts
    conversions: list[Conversion]
    series: list[SeriesGrowth]


def participation_overview(community: Community) -> Overview:
    return Overview(
        counts=ladder_counts(community),
        conversions=conversions(community),
        series=series_growth(community),
    )


@dataclass(frozen=True)
class History:
    """One resident's participation: the date each stage was reached and what they came to."""

    stages: list[tuple[str, datetime | None]]
    stage: str
    stage_at: datetime | None
    attendance: list[Attendance]
    attended: int
    volunteered: int


HISTORY_LIMIT = 100


def resident_history(resident: Resident) -> History:
    """Three queries: the ladder row, the latest attendance, and the counts."""
    row = ladder(resident.community).filter(pk=resident.pk).first()
    dates: dict[str, datetime | None] = {
        stage: getattr(row, f"{stage}_at", None) if row is not None else None
        for stage in STAGES[1:]
    }
    stage, stage_at = "known", None
    for name in STAGES[1:]:
        if dates[name] is not None:
            stage, stage_at = name, dates[name]
    attendance = Attendance.objects.filter(resident=resident)
    totals = attendance.aggregate(
        attended=Count("pk"), volunteered=Count("pk", filter=Q(volunteer=True))
    )
    return History(
        stages=[("known", None), *((name, dates[name]) for name in STAGES[1:])],
        stage=stage,
        stage_at=stage_at,
        attendance=list(
            attendance.select_related("activity").order_by("-checked_in_at")[:HISTORY_LIMIT]
        ),
        attended=int(totals["attended"]),
        volunteered=int(totals["volunteered"]),
    )
