"""The indicator providers of the areas that exist: registry, needs, activities and the ledger.

A provider is a function ``(*, community_ids, since, until) -> {community id: {key: Measure}}``
named by its dotted path in INDICATOR_PROVIDERS. It runs a fixed number of queries whatever the
number of communities and records (each one's bound is PROVIDER_QUERIES and is asserted in the
tests), grouping by community in the database. Self-organisations and social capital are provided
by peiban.indicators.area_providers, and survey coverage and councils' decisions too.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, time
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from peiban.activities.models import Activity, Attendance, Feedback, OrganiserKind
from peiban.activities.participation import REGULAR_ATTENDANCES, REGULAR_WINDOW
from peiban.groups.models import LEADING_ROLES, GroupMember
from peiban.indicators.measures import Amount, Distribution, Mean, Measure, Median, Share, days
from peiban.indicators.measures import Count as Tally
from peiban.ledger.models import HourEntry, HourStatus
from peiban.needs.models import Action, Need, Stage, StageChange, TakenBy
from peiban.places.models import Resident

Figures = dict[int, dict[str, Measure]]
Provider = Callable[..., Figures]

INDICATOR_PROVIDERS: list[str] = [
    "peiban.indicators.providers.outputs",
    "peiban.indicators.providers.participation_ladder",
    "peiban.indicators.providers.coach_ratio",
    "peiban.indicators.providers.issue_loop",
    "peiban.indicators.providers.satisfaction",
    "peiban.indicators.area_providers.self_organisations",
    "peiban.indicators.area_providers.social_capital",
    "peiban.indicators.area_providers.surveys",
    "peiban.indicators.area_providers.councils",
]

# The most queries each built-in provider runs (asserted in tests/indicators).
PROVIDER_QUERIES = {
    "outputs": 3,
    "participation_ladder": 5,
    "coach_ratio": 2,
    "issue_loop": 2,
    "satisfaction": 1,
    "self_organisations": 3,
    "social_capital": 2,
    "surveys": 3,
    "councils": 1,
}

LADDER_STAGES = ("known", "participant", "regular", "volunteer", "leader", "organiser")
# The loop's steps whose durations are measured, in order (as on the needs dashboard).
LOOP = (
    Stage.RAISED,
    Stage.ACCOMPANIED,
    Stage.DELIBERATING,
    Stage.DECIDED,
    Stage.ACTING,
    Stage.RESOLVED,
    Stage.VERIFIED,
)


def held_activities(
    community_ids: Sequence[int], since: datetime, until: datetime
) -> QuerySet[Activity]:
    """The activities an indicator period counts: started in [since, until), not cancelled."""
    return Activity.objects.filter(
        community__in=community_ids,
        starts_at__gte=since,
        starts_at__lt=until,
        cancelled_at__isnull=True,
    )


def service_time() -> Coalesce:
    """When the service of an hour entry took place: its start, else when it was recorded."""
    return Coalesce("started_at", "created_at", output_field=DateTimeField())


def verified_hours(
    community_ids: Sequence[int], since: datetime, until: datetime
) -> QuerySet[HourEntry]:
    """Verified hour entries (credits and their reversals) whose service fell in the period."""
    return HourEntry.objects.annotate(served_at=service_time()).filter(
        community__in=community_ids,
        status=HourStatus.VERIFIED,
        served_at__gte=since,
        served_at__lt=until,
    )


def _put(figures: Figures, community: int, key: str, measure: Measure) -> None:
    figures.setdefault(community, {})[key] = measure


def outputs(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """activities_held, person_times, persons, households_reached, volunteer_hours."""
    figures: Figures = {}
    activities = held_activities(community_ids, since, until)
    for held in activities.order_by().values("community_id").annotate(n=Count("pk")):
        _put(figures, held["community_id"], "activities_held", Tally(held["n"]))
    attendance = Attendance.objects.filter(activity__in=activities.values("pk"))
    for seen in (
        attendance.order_by()
        .values(community=F("activity__community_id"))
        .annotate(
            times=Count("pk"),
            persons=Count("resident_id", distinct=True),
            households=Count("resident__household_id", distinct=True),
        )
    ):
        _put(figures, seen["community"], "person_times", Tally(seen["times"]))
        _put(figures, seen["community"], "persons", Tally(seen["persons"]))
        _put(figures, seen["community"], "households_reached", Tally(seen["households"]))
    for hours in (
        verified_hours(community_ids, since, until)
        .order_by()
        .values("community_id")
        .annotate(total=Sum("hours"))
    ):
        _put(
            figures, hours["community_id"], "volunteer_hours", Amount(hours["total"] or Decimal(0))
        )
    for pk in _all(figures, community_ids):
        for key in ("activities_held", "person_times", "persons", "households_reached"):
            figures[pk].setdefault(key, Tally(0))
        figures[pk].setdefault("volunteer_hours", Amount(Decimal(0)))
    return figures


def _all(figures: Figures, community_ids: Sequence[int]) -> Sequence[int]:
    """Every community of the scope gets an entry, also those without any record."""
    for pk in community_ids:
        figures.setdefault(pk, {})
    return community_ids


LadderRow = tuple[
    int, datetime | None, datetime | None, datetime | None, datetime | None, datetime | None
]


def _before(at: datetime | None, until: datetime) -> datetime | None:
    return at if at is not None and at < until else None


def ladder_dates(community_ids: Sequence[int], until: datetime) -> Iterator[LadderRow]:
    """For each non-anonymised resident of the communities: (community, participant, regular,
    volunteer, leader, organiser) — the date each stage was first reached before `until`, or
    None (the organiser date is the start of the day they first led a self-organisation).

    The rules of ``peiban.activities.participation.ladder`` (checked against it in the tests),
    computed from five linear scans instead of correlated subqueries, so 200 communities cost
    five queries and time in proportion to their records: residents; their attendance in time
    order; the first activity each organised; the first need each leads; the first day each led
    a self-organisation of their community.
    """
    residents = Resident.objects.filter(community__in=community_ids, anonymised_at__isnull=True)
    attendance: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    for resident, at, volunteer in (
        Attendance.objects.filter(resident__in=residents.values("pk"), checked_in_at__lt=until)
        .order_by("resident_id", "checked_in_at")
        .values_list("resident_id", "checked_in_at", "volunteer")
        .iterator(5000)
    ):
        attendance[resident].append((at, volunteer))
    organised = dict(
        Activity.objects.filter(
            organiser_resident__in=residents.values("pk"),
            cancelled_at__isnull=True,
            starts_at__lt=until,
        )
        .order_by()
        .values("organiser_resident_id")
        .annotate(first=Min("starts_at"))
        .values_list("organiser_resident_id", "first")
    )
    led = dict(
        Need.objects.filter(lead__in=residents.values("pk"), raised_at__lt=until)
        .order_by()
        .values("lead_id")
        .annotate(first=Min("raised_at"))
        .values_list("lead_id", "first")
    )
    led_groups = {
        resident: timezone.make_aware(datetime.combine(first, time.min))
        for resident, first in GroupMember.objects.filter(
            resident__in=residents.values("pk"),
            group__community=F("resident__community"),
            role__in=LEADING_ROLES,
        )
        .order_by()
        .values("resident_id")
        .annotate(first=Min("joined_on"))
        .values_list("resident_id", "first")
    }
    for pk, community in residents.order_by().values_list("pk", "community_id").iterator(5000):
        seen = attendance.get(pk, [])
        times = [at for at, _volunteer in seen]
        regular = next(
            (
                at
                for at in times
                if bisect.bisect_right(times, at) - bisect.bisect_right(times, at - REGULAR_WINDOW)
                >= REGULAR_ATTENDANCES
            ),
            None,
        )
        leader = min((d for d in (organised.get(pk), led.get(pk)) if d is not None), default=None)
        yield (
            community,
            times[0] if times else None,
            regular,
            next((at for at, volunteer in seen if volunteer), None),
            leader,
            organiser
            if (organiser := led_groups.get(pk)) is not None and organiser < until
            else None,
        )


def participation_ladder(
    *, community_ids: Sequence[int], since: datetime, until: datetime
) -> Figures:
    """The ladder as it stood at the end of the period: ladder_<stage> (residents whose highest
    stage it is), reached_<stage>, conversion_<a>_<b> and days_<a>_<b>. Five queries."""
    highest: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LADDER_STAGES, 0))
    reached: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LADDER_STAGES, 0))
    both: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    gaps: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for community, participant, regular, volunteer, leader, organiser in ladder_dates(
        community_ids, until
    ):
        dates: dict[str, datetime | None] = {
            "participant": participant,
            "regular": regular,
            "volunteer": volunteer,
            "leader": leader,
            "organiser": organiser,
        }
        top = "known"
        reached[community]["known"] += 1
        for stage, at in dates.items():
            if at is not None:
                top = stage
                reached[community][stage] += 1
        highest[community][top] += 1
        for a, b in itertools.pairwise(LADDER_STAGES):
            # Stages are not nested (a leader need not have volunteered): a conversion counts
            # those who reached both, of those who reached the lower one.
            both[community][f"{a}_{b}"] += dates.get(b) is not None and (
                a == "known" or dates[a] is not None
            )
        for a, b in itertools.pairwise(LADDER_STAGES[1:]):
            first, then = dates[a], dates[b]
            if first is not None and then is not None:
                gaps[community][f"{a}_{b}"].append(
                    max(days((then - first).total_seconds()), Decimal(0))
                )
    figures: Figures = {}
    for pk in _all(figures, community_ids):
        for stage in LADDER_STAGES:
            _put(figures, pk, f"ladder_{stage}", Tally(highest[pk][stage]))
            _put(figures, pk, f"reached_{stage}", Tally(reached[pk][stage]))
        for a, b in itertools.pairwise(LADDER_STAGES):
            _put(figures, pk, f"conversion_{a}_{b}", Share(both[pk][f"{a}_{b}"], reached[pk][a]))
        for a, b in itertools.pairwise(LADDER_STAGES[1:]):
            _put(figures, pk, f"days_{a}_{b}", Median(tuple(sorted(gaps[pk][f"{a}_{b}"]))))
    return figures


def coach_ratio(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """coach_actions: need actions taken in the period by residents, of all; coach_activities:
    activities held organised by residents or self-organisations, of all. Two queries."""
    figures: Figures = {}
    for steps in (
        Action.objects.filter(
            need__community__in=community_ids, taken_at__gte=since, taken_at__lt=until
        )
        .order_by()
        .values(community=F("need__community_id"))
        .annotate(total=Count("pk"), residents=Count("pk", filter=Q(taken_by=TakenBy.RESIDENT)))
    ):
        _put(
            figures, steps["community"], "coach_actions", Share(steps["residents"], steps["total"])
        )
    for held in (
        held_activities(community_ids, since, until)
        .order_by()
        .values("community_id")
        .annotate(
            total=Count("pk"),
            residents=Count(
                "pk",
                filter=Q(
                    organiser_kind__in=[OrganiserKind.RESIDENT, OrganiserKind.SELF_ORGANISATION]
                ),
            ),
        )
    ):
        _put(
            figures,
            held["community_id"],
            "coach_activities",
            Share(held["residents"], held["total"]),
        )
    for pk in _all(figures, community_ids):
        figures[pk].setdefault("coach_actions", Share(0, 0))
        figures[pk].setdefault("coach_activities", Share(0, 0))
    return figures


def raised_needs(community_ids: Sequence[int], since: datetime, until: datetime) -> QuerySet[Need]:
    """The needs cohort of a period: raised in [since, until)."""
    return Need.objects.filter(
        community__in=community_ids, raised_at__gte=since, raised_at__lt=until
    )


def issue_loop(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """For the needs raised in the period: needs_raised, reopened_share, loop_<a>_<b> (median
    days from first reaching a to first reaching b, StageChange records; raised is raised_at),
    needs_verified_share (reached verified, of those that reached resolved or verified). Two
    queries."""
    return loop_figures(raised_needs(community_ids, since, until), community_ids)


def loop_figures(cohort: QuerySet[Need], community_ids: Sequence[int]) -> Figures:
    """The issue-loop measures of a cohort of needs (issue_loop's, for any cohort). Two queries."""
    needs = {
        pk: (community, raised_at, reopened)
        for pk, community, raised_at, reopened in cohort.order_by().values_list(
            "pk", "community_id", "raised_at", "reopened_count"
        )
    }
    firsts: dict[int, dict[str, datetime]] = defaultdict(dict)
    for need, stage, at in (
        StageChange.objects.filter(need__in=cohort.values("pk"), to_stage__in=LOOP[1:])
        .order_by()
        .values_list("need_id", "to_stage")
        .annotate(first=Min("at"))
    ):
        firsts[need][stage] = at
    gaps: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    raised: dict[int, int] = defaultdict(int)
    reopened: dict[int, int] = defaultdict(int)
    verified: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    for pk, (community, raised_at, reopened_count) in needs.items():
        raised[community] += 1
        reopened[community] += reopened_count > 0
        reached = {Stage.RAISED.value: raised_at, **firsts.get(pk, {})}
        for a, b in itertools.pairwise(LOOP):
            if a in reached and b in reached:
                gaps[community][f"{a}_{b}"].append(
                    max(days((reached[b] - reached[a]).total_seconds()), Decimal(0))
                )
        if Stage.VERIFIED in reached:
            verified[community] += 1
        if Stage.VERIFIED in reached or Stage.RESOLVED in reached:
            done[community] += 1
    figures: Figures = {}
    for pk in _all(figures, community_ids):
        _put(figures, pk, "needs_raised", Tally(raised[pk]))
        _put(figures, pk, "reopened_share", Share(reopened[pk], raised[pk]))
        _put(figures, pk, "needs_verified_share", Share(verified[pk], done[pk]))
        for a, b in itertools.pairwise(LOOP):
            _put(figures, pk, f"loop_{a}_{b}", Median(tuple(sorted(gaps[pk][f"{a}_{b}"]))))
    return figures


def satisfaction(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """feedback_mean and feedback_ratings (1–5) on the activities held in the period. One query."""
    return rating_figures(held_activities(community_ids, since, until), community_ids)


def rating_figures(activities: QuerySet[Activity], community_ids: Sequence[int]) -> Figures:
    """feedback_mean and feedback_ratings of the feedback on these activities. One query."""
    figures: Figures = {}
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    for row in (
        Feedback.objects.filter(activity__in=activities)
        .order_by()
        .values("rating", community=F("activity__community_id"))
        .annotate(n=Count("pk"))
    ):
        counts[row["community"]][row["rating"] - 1] += row["n"]
    for pk in _all(figures, community_ids):
        buckets = counts[pk]
        _put(figures, pk, "feedback_ratings", Distribution(tuple(buckets)))
        _put(
            figures,
            pk,
            "feedback_mean",
            Mean(sum((i + 1) * n for i, n in enumerate(buckets)), sum(buckets)),
        )
    return figures


def providers_by_name() -> dict[str, Provider]:
    """The providers of this app by function name (for tests and the benchmark)."""
    return {
        path.rsplit(".", 1)[1]: import_string(path)
        for path in INDICATOR_PROVIDERS
        if path.startswith("peiban.indicators.")
    }


# For providers in other modules (peiban.indicators.area_providers).
put_measure = _put
every_community = _all
