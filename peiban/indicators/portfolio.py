"""A project's portfolio: the needs, recommendations, activities and self-organisations of its
communities that staff linked to it, and its progress against the contract targets.

A target about a kind of record (an activity count, the needs loop, the groups) is measured on
the records of that kind linked to the project when it has any, and otherwise on every record of
the project's communities. Either way only the project's dates count, and each figure follows
the indicator's definition in docs/indicators.md, restricted to the linked records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from peiban.activities.models import Activity, Attendance, OrganiserKind
from peiban.groups.models import SelfOrganisation
from peiban.indicators.area_providers import group_figures
from peiban.indicators.definitions import BY_KEY
from peiban.indicators.figures import Indicators, Row, indicators_for
from peiban.indicators.measures import Count as Tally
from peiban.indicators.measures import Measure, Share, merge
from peiban.indicators.models import Project
from peiban.indicators.providers import (
    Figures,
    every_community,
    held_activities,
    loop_figures,
    put_measure,
    raised_needs,
    rating_figures,
)
from peiban.needs.dashboard import local_midnight
from peiban.needs.models import Action, Need, TakenBy
from peiban.places.models import Community
from peiban.surveys.models import Recommendation

Kind = Literal["needs", "recommendations", "activities", "self_organisations"]
KINDS: tuple[Kind, ...] = ("needs", "recommendations", "activities", "self_organisations")
# How many records of a kind the page offers to link (the most recent ones).
CHOICES_LIMIT = 200

# The indicators measured on the linked records of a kind, when the project links any.
KIND_KEYS: dict[Kind, frozenset[str]] = {
    "activities": frozenset(
        {
            "activities_held",
            "person_times",
            "persons",
            "households_reached",
            "coach_activities",
            "feedback_mean",
            "feedback_ratings",
        }
    ),
    "needs": frozenset(
        {
            "needs_raised",
            "reopened_share",
            "needs_verified_share",
            "coach_actions",
            *(key for key in BY_KEY if key.startswith("loop_")),
        }
    ),
    "self_organisations": frozenset(
        {"self_organisations", "self_organisation_members", "self_organisation_meetings"}
    ),
    "recommendations": frozenset({"recommendations_issued"}),
}
KIND_OF_KEY: dict[str, Kind] = {key: kind for kind, keys in KIND_KEYS.items() for key in keys}


def records_of(kind: Kind, community: Community) -> QuerySet[Any]:
    """The community's records of a kind, the only ones its projects may cover."""
    if kind == "needs":
        return Need.objects.filter(community=community)
    if kind == "recommendations":
        return Recommendation.objects.filter(form__community=community)
    if kind == "activities":
        return Activity.objects.filter(community=community)
    return SelfOrganisation.objects.filter(community=community)


def linked_of(project: Project, kind: Kind) -> QuerySet[Any]:
    manager: Any = getattr(project, kind)
    linked: QuerySet[Any] = manager.all()
    return linked


def get_record_in(kind: str, community: Community, pk: int) -> Any:
    """A record of the community of that kind, or 404 (also for another community's record)."""
    if kind not in KINDS:
        raise Http404
    record = records_of(kind, community).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


@dataclass(frozen=True)
class Coverage:
    """What a project covers in one community: the linked records of each kind, and the
    community's records that could still be linked (the most recent CHOICES_LIMIT)."""

    linked: dict[Kind, list[Any]]
    choices: dict[Kind, list[Any]]


_ORDER: dict[Kind, tuple[str, ...]] = {
    "needs": ("-raised_at", "-pk"),
    "recommendations": ("-created_at", "-pk"),
    "activities": ("-starts_at", "-pk"),
    "self_organisations": ("name", "pk"),
}


def coverage_in(project: Project, community: Community) -> Coverage:
    """Eight queries: the linked records and the choices of each kind."""
    linked: dict[Kind, list[Any]] = {}
    choices: dict[Kind, list[Any]] = {}
    for kind in KINDS:
        mine = records_of(kind, community)
        covered = mine.filter(covering_projects=project)
        linked[kind] = list(covered.order_by(*_ORDER[kind]))
        choices[kind] = list(
            mine.exclude(pk__in=covered.values("pk")).order_by(*_ORDER[kind])[:CHOICES_LIMIT]
        )
    return Coverage(linked, choices)


def linked_counts(project: Project) -> dict[Kind, int]:
    """How many records of each kind the project links (one query, a count per link table)."""
    counts: dict[str, Any] = {}
    for kind in KINDS:
        through: Any = getattr(Project, kind).through
        counts[f"n_{kind}"] = Coalesce(
            Subquery(
                through.objects.filter(project_id=OuterRef("pk"))
                .order_by()
                .values("project_id")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
    counted: Any = Project.objects.filter(pk=project.pk).values(**counts).get()
    return {kind: int(counted[f"n_{kind}"]) for kind in KINDS}


def linked_figures(
    project: Project,
    kinds: Sequence[Kind],
    *,
    community_ids: Sequence[int],
    since: datetime,
    until: datetime,
) -> Figures:
    """The indicators of KIND_KEYS measured on the project's linked records of the given kinds,
    per community (activities three queries, needs three, groups three, recommendations one)."""
    figures: Figures = {}
    every_community(figures, community_ids)
    if "activities" in kinds:
        activities = held_activities(community_ids, since, until).filter(covering_projects=project)
        _activity_figures(figures, activities)
        _add(figures, rating_figures(activities, community_ids))
    if "needs" in kinds:
        cohort = raised_needs(community_ids, since, until).filter(covering_projects=project)
        _add(figures, loop_figures(cohort, community_ids))
        for steps in (
            Action.objects.filter(
                need__in=Need.objects.filter(
                    community__in=community_ids, covering_projects=project
                ),
                taken_at__gte=since,
                taken_at__lt=until,
            )
            .order_by()
            .values(community=F("need__community_id"))
            .annotate(total=Count("pk"), residents=Count("pk", filter=Q(taken_by=TakenBy.RESIDENT)))
        ):
            put_measure(
                figures,
                steps["community"],
                "coach_actions",
                Share(steps["residents"], steps["total"]),
            )
        for pk in community_ids:
            figures[pk].setdefault("coach_actions", Share(0, 0))
    if "self_organisations" in kinds:
        _add(
            figures,
            group_figures(
                SelfOrganisation.objects.filter(
                    community__in=community_ids, covering_projects=project
                ),
                community_ids=community_ids,
                since=since,
                until=until,
            ),
        )
    if "recommendations" in kinds:
        issued = dict(
            Recommendation.objects.filter(
                form__community__in=community_ids,
                covering_projects=project,
                created_at__gte=since,
                created_at__lt=until,
            )
            .order_by()
            .values(community=F("form__community"))
            .annotate(n=Count("pk"))
            .values_list("community", "n")
        )
        for pk in community_ids:
            put_measure(figures, pk, "recommendations_issued", Tally(issued.get(pk, 0)))
    return figures


def _add(figures: Figures, more: Figures) -> None:
    for pk, measures in more.items():
        figures.setdefault(pk, {}).update(measures)


def _activity_figures(figures: Figures, activities: QuerySet[Activity]) -> None:
    """activities_held, coach_activities, person_times, persons and households_reached of
    these activities (outputs' and coach_ratio's definitions). Two queries."""
    held: dict[int, tuple[int, int]] = {}
    for row in (
        activities.order_by()
        .values("community_id")
        .annotate(
            total=Count("pk", distinct=True),
            residents=Count(
                "pk",
                distinct=True,
                filter=Q(
                    organiser_kind__in=[OrganiserKind.RESIDENT, OrganiserKind.SELF_ORGANISATION]
                ),
            ),
        )
    ):
        held[row["community_id"]] = (row["total"], row["residents"])
    seen: dict[int, tuple[int, int, int]] = defaultdict(lambda: (0, 0, 0))
    for attended in (
        Attendance.objects.filter(activity__in=activities.values("pk"))
        .order_by()
        .values(community=F("activity__community_id"))
        .annotate(
            times=Count("pk"),
            persons=Count("resident_id", distinct=True),
            households=Count("resident__household_id", distinct=True),
        )
    ):
        seen[attended["community"]] = (
            attended["times"],
            attended["persons"],
            attended["households"],
        )
    for pk in list(figures):
        total, residents = held.get(pk, (0, 0))
        times, persons, households = seen[pk]
        put_measure(figures, pk, "activities_held", Tally(total))
        put_measure(figures, pk, "coach_activities", Share(residents, total))
        put_measure(figures, pk, "person_times", Tally(times))
        put_measure(figures, pk, "persons", Tally(persons))
        put_measure(figures, pk, "households_reached", Tally(households))


@dataclass(frozen=True)
class TargetProgress:
    """One contract target: the figure reached, the percent of the target, and where the figure
    comes from: the linked records of `kind` (with `linked` of them), or the communities."""

    row: Row
    target: Decimal
    reached: Decimal | None
    kind: Kind | None = None
    linked: int = 0

    @property
    def from_linked(self) -> bool:
        return self.kind is not None


def project_period(project: Project) -> tuple[datetime, datetime]:
    return local_midnight(project.starts_on), local_midnight(project.ends_on + timedelta(days=1))


def project_progress(
    project: Project, *, counts: dict[Kind, int] | None = None
) -> list[TargetProgress]:
    """Each contract target with the figure reached over the project's dates: on its linked
    records of the kind the target concerns when it links any, otherwise over its communities
    (`counts`: linked_counts(project), when the caller has them)."""
    ids = list(project.communities.values_list("pk", flat=True))
    since, until = project_period(project)
    targets = [t for t in project.targets.all() if t.indicator in BY_KEY]
    counts = counts if counts is not None else linked_counts(project)
    kinds = sorted(
        {
            kind
            for t in targets
            if (kind := KIND_OF_KEY.get(t.indicator)) is not None and counts[kind]
        }
    )
    linked = (
        _total(linked_figures(project, kinds, community_ids=ids, since=since, until=until))
        if kinds
        else {}
    )
    needs_communities = any(KIND_OF_KEY.get(t.indicator) not in kinds for t in targets)
    everything: Indicators | None = (
        indicators_for(ids, since=since, until=until) if needs_communities else None
    )
    result = []
    for target in targets:
        kind = KIND_OF_KEY.get(target.indicator)
        if kind in kinds:
            measure = linked.get(target.indicator)
        else:
            kind = None
            measure = everything.measure(target.indicator) if everything is not None else None
        row = Row(BY_KEY[target.indicator], measure)
        value = row.value
        reached = (
            (value * 100 / target.target).quantize(Decimal(1))
            if value is not None and target.target
            else None
        )
        result.append(
            TargetProgress(row, target.target, reached, kind, counts[kind] if kind else 0)
        )
    return result


def _total(figures: Figures) -> dict[str, Measure]:
    total: dict[str, Measure] = {}
    for key in {key for measures in figures.values() for key in measures}:
        merged = merge(m[key] for m in figures.values() if key in m)
        if merged is not None:
            total[key] = merged
    return total
