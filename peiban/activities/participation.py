"""The participation ladder (domain rules §7), computed in the database.

Each resident's highest stage: known → participant (≥ 1 attendance) → regular (≥ 3 attendances
within 90 days) → volunteer (gave recorded time) → leader (organised an activity or led a need) →
organiser (leads or deputises a self-organisation of the community; the date is the day they
first took that role).
The date each stage was first reached is computed too, for conversions and the time between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from peiban.activities.models import Activity, Attendance
from peiban.groups.models import LEADING_ROLES, GroupMember
from peiban.needs.models import Need
from peiban.places.models import Community, Resident

REGULAR_ATTENDANCES = 3
REGULAR_WINDOW = timedelta(days=90)

STAGES = ("known", "participant", "regular", "volunteer", "leader", "organiser")
STAGE_LABELS = {
    "known": _("Known"),
    "participant": _("Participant"),
    "regular": _("Regular"),
    "volunteer": _("Volunteer"),
    "leader": _("Leader"),
    "organiser": _("Organiser"),
}


def _first(queryset: QuerySet[Any], field: str) -> Subquery:
    return Subquery(queryset.order_by(field).values(field)[:1], output_field=DateTimeField())


def ladder(community: Community) -> QuerySet[Resident]:
    """Residents of the community annotated with the date they reached each stage (or null)."""
    attendance = Attendance.objects.filter(resident=OuterRef("pk"))
    # The regular date: the first attendance with at least two more in the 90 days before it.
    earlier = Attendance.objects.filter(
        resident=OuterRef("resident"),
        checked_in_at__lte=OuterRef("checked_in_at"),
        checked_in_at__gt=OuterRef("checked_in_at") - REGULAR_WINDOW,
    )
    window_count = Subquery(
        earlier.order_by().values("resident").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )
    regular = (
        Attendance.objects.filter(resident=OuterRef("pk"))
        .annotate(in_window=window_count)
        .filter(in_window__gte=REGULAR_ATTENDANCES)
    )
    volunteered = attendance.filter(volunteer=True)
    organised = Activity.objects.filter(
        organiser_resident=OuterRef("pk"), cancelled_at__isnull=True
    )
    led = Need.objects.filter(lead=OuterRef("pk"))
    return (
        Resident.objects.filter(community=community, anonymised_at__isnull=True)
        .annotate(
            participant_at=_first(attendance, "checked_in_at"),
            regular_at=_first(regular, "checked_in_at"),
            volunteer_at=_first(volunteered, "checked_in_at"),
            organised_at=_first(organised, "starts_at"),
            led_at=_first(led, "raised_at"),
        )
        .annotate(
            leader_at=Least(
                Coalesce(F("organised_at"), F("led_at")), Coalesce(F("led_at"), F("organised_at"))
            ),
            organiser_at=Subquery(
                GroupMember.objects.filter(
                    resident=OuterRef("pk"),
                    group__community=community,
                    role__in=LEADING_ROLES,
                )
                .order_by("joined_on")
                .values("joined_on")[:1],
                output_field=DateField(),
            ),
            has_attended=Exists(attendance),
        )
    )


@dataclass(frozen=True)
class LadderCounts:
    """How many residents stand at each stage as their highest, and how many ever reached it."""

    highest: dict[str, int]
    reached: dict[str, int]


def ladder_counts(community: Community) -> LadderCounts:
    rows = ladder(community).aggregate(
        known=Count("pk"),
        participant=Count("participant_at"),
        regular=Count("regular_at"),
        volunteer=Count("volunteer_at"),
        leader=Count("leader_at"),
        organiser=Count("organiser_at"),
    )
    reached = {stage: int(rows[stage] or 0) for stage in STAGES}
    highest_rows = (
        ladder(community)
        .values_list("participant_at", "regular_at", "volunteer_at", "leader_at", "organiser_at")  # type: ignore[misc]
        .iterator(chunk_size=2000)
    )
    highest = dict.fromkeys(STAGES, 0)
    for dates in highest_rows:
        top = "known"
        for stage, date in zip(STAGES[1:], dates, strict=True):
            if date is not None:
                top = stage
        highest[top] += 1
    return LadderCounts(highest=highest, reached=reached)


def stage_of(resident: Resident) -> tuple[str, datetime | None]:
    """A resident's highest stage and the date it was reached (for the resident page)."""
    row = ladder(resident.community).filter(pk=resident.pk).first()
    if row is None:
        return "known", None
    for stage in reversed(STAGES[1:]):
        date = getattr(row, f"{stage}_at")
        if date is not None:
            return stage, date
    return "known", None


def newcomers_and_returning(activity: Activity) -> dict[str, int]:
    """Of an activity's attendees: first-timers, and those who had come to an earlier one."""
    earlier = Attendance.objects.filter(
        resident=OuterRef("resident"),
        activity__community=activity.community_id,
        checked_in_at__lt=activity.starts_at,
    )
    attendees = Attendance.objects.filter(activity=activity)
    counts = {
        "total": attendees.count(),
        "returning": attendees.filter(Exists(earlier)).count(),
    }
    total, returning = int(counts["total"]), int(counts["returning"])
    return {"total": total, "newcomers": total - returning, "returning": returning}
