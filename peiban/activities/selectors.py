"""Reads for the activity pages: the access helper first, then bounded queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.activities.models import Activity, Attendance, Feedback, Signup, SignupStatus
from peiban.activities.participation import newcomers_and_returning
from peiban.core.access import AnyUser, CommunityAccess, Need, get_community_access
from peiban.groups.models import LEADING_ROLES, SelfOrganisation
from peiban.places.models import Community, Resident
from peiban.places.selectors import resident_search

PAST_LIMIT = 30


def get_activity_for_user(
    user: AnyUser, community_ref: str, pk: int, *, need: Need
) -> tuple[CommunityAccess, Activity]:
    """The user's access to the community and the activity `pk` in it, or a 404."""
    access = get_community_access(user, community_ref, need=need)
    activity = (
        Activity.objects.select_related(
            "community__organisation", "organiser_resident", "organiser_group", "place"
        )
        .filter(community=access.community, pk=pk)
        .first()
    )
    if activity is None:
        raise Http404
    return access, activity


def _with_counts(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return activities.annotate(
        registered=Count(
            "signups", filter=Q(signups__status=SignupStatus.REGISTERED), distinct=True
        ),
    )


def activities_for_community(community: Community) -> dict[str, list[Activity]]:
    """Upcoming (and running) activities first to last, then the latest past ones."""
    now = timezone.now()
    base = _with_counts(Activity.objects.filter(community=community))
    return {
        "upcoming": list(base.filter(ends_at__gt=now).order_by("starts_at", "id")),
        "past": list(base.filter(ends_at__lte=now).order_by("-starts_at", "-id")[:PAST_LIMIT]),
    }


def resident_for_user(user: AnyUser, community: Community) -> Resident | None:
    """The resident record a signed-in user is linked to in this community, if any."""
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(
        user_id=user.pk, community=community, anonymised_at__isnull=True
    ).first()


@dataclass(frozen=True)
class ActivityCounts:
    registered: int
    waiting: int
    attended: int
    newcomers: int
    returning: int
    rating: float | None
    ratings: int


def activity_counts(activity: Activity) -> ActivityCounts:
    signups = Signup.objects.filter(activity=activity).aggregate(
        registered=Count("pk", filter=Q(status=SignupStatus.REGISTERED)),
        waiting=Count("pk", filter=Q(status=SignupStatus.WAITING)),
    )
    feedback = Feedback.objects.filter(activity=activity).aggregate(
        rating=Avg("rating"), ratings=Count("pk")
    )
    people = newcomers_and_returning(activity)
    return ActivityCounts(
        registered=signups["registered"],
        waiting=signups["waiting"],
        attended=people["total"],
        newcomers=people["newcomers"],
        returning=people["returning"],
        rating=feedback["rating"],
        ratings=feedback["ratings"],
    )


def my_participation(activity: Activity, resident: Resident | None) -> dict[str, Any]:
    """A resident's own signup, attendance and feedback for the activity page."""
    if resident is None:
        return {"signup": None, "attended": False, "feedback": None}
    return {
        "signup": Signup.objects.filter(activity=activity, resident=resident)
        .exclude(status=SignupStatus.CANCELLED)
        .first(),
        "attended": Attendance.objects.filter(activity=activity, resident=resident).exists(),
        "feedback": Feedback.objects.filter(activity=activity, resident=resident).first(),
    }


def checked_in_count(activity: Activity) -> int:
    return Attendance.objects.filter(activity=activity).count()


def door_search(activity: Activity, query: str) -> list[tuple[Resident, bool]]:
    """Residents matching the query (room or last four phone digits), each with whether they
    are already checked in to the activity; two queries whatever the number of results."""
    residents = resident_search(activity.community, query)
    present = set(
        Attendance.objects.filter(
            activity=activity, resident__in=[r.pk for r in residents]
        ).values_list("resident_id", flat=True)
    )
    return [(resident, resident.pk in present) for resident in residents]


def feedback_comments(activity: Activity, limit: int = 50) -> list[Feedback]:
    """The latest feedback that came with a comment (names are not shown with comments)."""
    return list(
        Feedback.objects.filter(activity=activity)
        .exclude(comment="")
        .order_by("-created_at")[:limit]
    )


def summary_draft(activity: Activity, counts: ActivityCounts) -> str:
    """A first draft of the closing summary from the figures, for the organiser to edit."""
    text = _(
        "%(attended)s residents took part: %(newcomers)s for the first time and %(returning)s "
        "who had come before."
    ) % {
        "attended": counts.attended,
        "newcomers": counts.newcomers,
        "returning": counts.returning,
    }
    if counts.ratings:
        text += " " + _("%(n)s gave feedback, with an average of %(rating)s out of 5.") % {
            "n": counts.ratings,
            "rating": f"{counts.rating:.1f}",
        }
    return text


def volunteers_at(activity: Activity) -> list[Attendance]:
    """Everyone checked in as a volunteer, those still on duty first (one query)."""
    return list(
        Attendance.objects.filter(activity=activity, volunteer=True)
        .select_related("resident__household__dwelling")
        .order_by(F("checked_out_at").asc(nulls_first=True), "checked_in_at", "id")
    )


MY_PAST_LIMIT = 20


@dataclass(frozen=True)
class MyActivities:
    """A resident's own registrations still to come and the activities they took part in."""

    upcoming: list[Signup]
    attended: list[Attendance]


def my_activities(resident: Resident) -> MyActivities:
    """Two queries: registrations for activities not yet over, then the latest attendance."""
    now = timezone.now()
    return MyActivities(
        upcoming=list(
            Signup.objects.filter(
                resident=resident,
                status__in=(SignupStatus.REGISTERED, SignupStatus.WAITING),
                activity__ends_at__gt=now,
                activity__cancelled_at__isnull=True,
            )
            .select_related("activity")
            .order_by("activity__starts_at", "id")
        ),
        attended=list(
            Attendance.objects.filter(resident=resident)
            .select_related("activity")
            .order_by("-checked_in_at", "-id")[:MY_PAST_LIMIT]
        ),
    )


def groups_to_organise_for(
    community: Community, *, staff: bool, resident: Resident | None
) -> QuerySet[SelfOrganisation]:
    """The self-organisations an activity may be planned for: any of the community's for staff,
    those a resident leader currently leads otherwise."""
    groups = SelfOrganisation.objects.filter(community=community)
    if staff:
        return groups.order_by("name")
    if resident is None:
        return groups.none()
    return (
        groups.filter(
            members__resident=resident,
            members__role__in=LEADING_ROLES,
            members__left_on__isnull=True,
        )
        .distinct()
        .order_by("name")
    )
