"""Reads behind the indicator pages: the records an indicator counts, and projects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from peiban.activities.models import Attendance, Feedback
from peiban.core.models import Organisation
from peiban.indicators.area_providers import decisions_taken
from peiban.indicators.models import Project, TimeLog
from peiban.indicators.providers import held_activities, verified_hours
from peiban.needs.models import Action
from peiban.places.models import Community

RECORDS_LIMIT = 500
RECORD_KINDS = ("activities", "attendance", "hours", "feedback", "actions", "decisions")


def records_behind(
    what: str, community: Community, since: datetime, until: datetime
) -> QuerySet[Any]:
    """The records an indicator of `what` counts in the community and period (at most
    RECORDS_LIMIT shown); one query each."""
    activities = held_activities([community.pk], since, until)
    if what == "activities":
        return activities.annotate(
            attended=Count("attendance", distinct=True),
            rated=Count("feedback", distinct=True),
        ).order_by("starts_at", "pk")[:RECORDS_LIMIT]
    if what == "attendance":
        return (
            Attendance.objects.filter(activity__in=activities.values("pk"))
            .select_related("activity", "resident__household__dwelling__building")
            .order_by("checked_in_at", "pk")[:RECORDS_LIMIT]
        )
    if what == "hours":
        return (
            verified_hours([community.pk], since, until)
            .select_related("resident", "activity")
            .order_by("started_at", "created_at", "pk")[:RECORDS_LIMIT]
        )
    if what == "feedback":
        return (
            Feedback.objects.filter(activity__in=activities.values("pk"))
            .select_related("activity")
            .order_by("activity__starts_at", "pk")[:RECORDS_LIMIT]
        )
    if what == "actions":
        return (
            Action.objects.filter(
                need__community=community, taken_at__gte=since, taken_at__lt=until
            )
            .select_related("need")
            .order_by("taken_at", "pk")[:RECORDS_LIMIT]
        )
    if what == "decisions":
        return (
            decisions_taken([community.pk], since, until)
            .annotate(confirmations=Count("checks", filter=Q(checks__confirmed=True)))
            .order_by("decided", "pk")[:RECORDS_LIMIT]
        )
    raise Http404


def projects_of(organisation: Organisation) -> QuerySet[Project]:
    return (
        Project.objects.filter(organisation=organisation)
        .annotate(community_count=Count("communities", distinct=True))
        .order_by("-starts_on", "name")
    )


def get_project_in(organisation: Organisation, pk: int) -> Project:
    project = Project.objects.filter(organisation=organisation, pk=pk).first()
    if project is None:
        raise Http404
    return project


def get_project_covering(community: Community, pk: int) -> Project:
    """A project of the community's organisation that covers the community, or 404."""
    project = Project.objects.filter(
        pk=pk, organisation_id=community.organisation_id, communities=community
    ).first()
    if project is None:
        raise Http404
    return project


def projects_covering(community: Community) -> QuerySet[Project]:
    return Project.objects.filter(communities=community).order_by("-starts_on", "name")


def time_by_community(project: Project) -> list[dict[str, Any]]:
    """Staff hours logged on the project, per community (one query)."""
    rows: list[dict[str, Any]] = list(
        TimeLog.objects.filter(project=project)
        .values("community__name", "community_id")
        .annotate(hours=Sum("hours"), entries=Count("pk"), people=Count("user", distinct=True))
        .order_by("community__name")  # type: ignore[arg-type]
    )
    return rows


def time_total(project: Project) -> Decimal:
    total = TimeLog.objects.filter(project=project).aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0)


def linkable_projects(project: Project) -> QuerySet[Project]:
    """The organisation's other projects not linked to this one yet."""
    return (
        Project.objects.filter(organisation_id=project.organisation_id)
        .exclude(pk=project.pk)
        .exclude(pk__in=project.linked.values("pk"))
        .order_by("-starts_on", "name")
    )


def shared_people(project: Project) -> int:
    """Staff who logged time on this project and on a linked one (one query)."""
    linked = project.linked.values("pk")
    return (
        TimeLog.objects.filter(project=project)
        .filter(user__in=TimeLog.objects.filter(project__in=linked).values("user"))
        .values("user")
        .distinct()
        .count()
    )


def communities_named(organisation: Organisation) -> QuerySet[Community]:
    return Community.objects.filter(organisation=organisation).order_by("name")
