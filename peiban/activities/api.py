"""Activities through the API: what a resident mini-program needs to take part."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from peiban.activities.models import Activity
from peiban.activities.selectors import (
    activities_for_community,
    get_activity_for_user,
    my_activities,
    resident_for_user,
)
from peiban.activities.services import ActivityError, attendance_check_in, signup_register
from peiban.activities.signin import activity_for_token
from peiban.api.errors import ApiError
from peiban.core.access import CommunityAccess, get_community_access, signed_in
from peiban.core.access import Need as Can
from peiban.places.models import Resident

router = Router(tags=["activities"])


class ActivityOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    registration: str
    cancelled: bool


class SignupOut(Schema):
    activity: int
    status: str


class MySignupOut(Schema):
    activity: ActivityOut
    status: str


class MyAttendanceOut(Schema):
    activity: ActivityOut
    checked_in_at: datetime
    checked_out_at: datetime | None
    volunteer: bool


class MyActivitiesOut(Schema):
    upcoming: list[MySignupOut]
    attended: list[MyAttendanceOut]


class CheckInIn(Schema):
    token: str


class CheckInOut(Schema):
    activity: int
    checked_in_at: datetime
    created: bool


def _activity(a: Activity) -> dict[str, object]:
    return {
        "id": a.pk,
        "title": a.title,
        "description": a.description,
        "kind": a.kind,
        "place": a.place_text,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "capacity": a.capacity,
        "registration": a.registration,
        "cancelled": a.cancelled_at is not None,
    }


def _own_resident(request: HttpRequest, access: CommunityAccess) -> Resident:
    resident = resident_for_user(signed_in(request), access.community)
    if resident is None:
        raise ApiError(
            422,
            "not_linked",
            _(
                "Your account is not linked to a resident of this community yet; "
                "ask the organiser to help you."
            ),
        )
    return resident


@router.get(
    "/communities/{ref}/activities", response=list[ActivityOut], summary="Upcoming and past"
)
def activity_list(request: HttpRequest, ref: str) -> list[dict[str, object]]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    found = activities_for_community(access.community)
    return [_activity(a) for a in [*found["upcoming"], *found["past"]]]


@router.get("/communities/{ref}/activities/{pk}", response=ActivityOut)
def activity_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, object]:
    _access, activity = get_activity_for_user(request.user, ref, pk, need=Can.PARTICIPATE)
    return _activity(activity)


@router.post(
    "/communities/{ref}/activities/{pk}/signup", response=SignupOut, summary="Register yourself"
)
def activity_signup(request: HttpRequest, ref: str, pk: int) -> dict[str, object]:
    access, activity = get_activity_for_user(request.user, ref, pk, need=Can.PARTICIPATE)
    resident = _own_resident(request, access)
    try:
        signup = signup_register(activity=activity, resident=resident, actor=signed_in(request))
    except ActivityError as error:
        raise ApiError(422, "refused", str(error)) from None
    return {"activity": activity.pk, "status": signup.status}


@router.post(
    "/communities/{ref}/activities/{pk}/check-in",
    response=CheckInOut,
    summary="Check yourself in with the QR code's token",
)
def activity_check_in(
    request: HttpRequest, ref: str, pk: int, body: CheckInIn
) -> dict[str, object]:
    access, activity = get_activity_for_user(request.user, ref, pk, need=Can.PARTICIPATE)
    try:
        scanned = activity_for_token(body.token, "checkin")
    except ActivityError as error:
        raise ApiError(422, "invalid_token", str(error)) from None
    if scanned.pk != activity.pk:
        raise ApiError(422, "invalid_token", _("This QR code is for another activity."))
    resident = _own_resident(request, access)
    try:
        attendance, created = attendance_check_in(
            activity=activity, resident=resident, actor=signed_in(request), source="qr"
        )
    except ActivityError as error:
        raise ApiError(422, "refused", str(error)) from None
    return {"activity": activity.pk, "checked_in_at": attendance.checked_in_at, "created": created}


@router.get(
    "/communities/{ref}/me/activities",
    response=MyActivitiesOut,
    summary="My registrations to come and the activities I took part in",
)
def me_activities(request: HttpRequest, ref: str) -> dict[str, object]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    mine = my_activities(_own_resident(request, access))
    return {
        "upcoming": [
            {"activity": _activity(s.activity), "status": s.status} for s in mine.upcoming
        ],
        "attended": [
            {
                "activity": _activity(a.activity),
                "checked_in_at": a.checked_in_at,
                "checked_out_at": a.checked_out_at,
                "volunteer": a.volunteer,
            }
            for a in mine.attended
        ],
    }
