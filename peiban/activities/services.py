"""Writes to activities: creating them, registration with a waiting list, check-in at the door,
newcomers registered by a leader at the door, and feedback.

Every function takes keyword arguments only, refuses what the rules forbid with an
`ActivityError` whose message is for people (translated), and leaves an audit entry. Registration
and check-in lock the activity row (`select_for_update`) inside one transaction, so that two
people registering, cancelling or checking in at the same moment cannot overfill an activity or
skip someone on the waiting list (on SQLite, writes are serialised anyway).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.activities.models import (
    Activity,
    ActivityKind,
    Attendance,
    Feedback,
    OrganiserKind,
    Photo,
    Registration,
    Series,
    Signup,
    SignupStatus,
)
from peiban.core.audit import audit_record
from peiban.core.crypto import normalise_phone
from peiban.core.models import AuditAction
from peiban.core.uploads import PHOTOS, UploadRefused, sniff_upload
from peiban.places.addresses import AddressError, parse_address
from peiban.places.models import (
    Building,
    Community,
    Dwelling,
    Household,
    PublicSpace,
    Resident,
)
from peiban.places.services import resident_set_contact

if TYPE_CHECKING:
    from peiban.groups.models import SelfOrganisation

__all__ = [
    "CHECK_IN_CLOSES_AFTER",
    "CHECK_IN_OPENS_BEFORE",
    "SOURCES",
    "ActivityError",
    "activity_create",
    "activity_summarise",
    "attendance_check_in",
    "attendance_check_out",
    "dwelling_for_room",
    "feedback_give",
    "newcomer_register",
    "photo_add",
    "photo_remove",
    "signup_cancel",
    "signup_register",
]

# Check-in opens this long before an activity starts and closes this long after it ends.
CHECK_IN_OPENS_BEFORE = timedelta(hours=2)
CHECK_IN_CLOSES_AFTER = timedelta(hours=2)
SOURCES = frozenset({"door", "qr", "sheet", "organiser"})
MAX_COMMENT = 500


class ActivityError(ValueError):
    """A change the activities area refuses; the message is for people."""


def _clean_text(text: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ActivityError(_("%(field)s cannot be empty.") % {"field": field})
    if len(text) > limit:
        raise ActivityError(
            _("%(field)s is %(n)s characters long; the limit is %(limit)s.")
            % {"field": field, "n": len(text), "limit": limit}
        )
    return text


def _same_community(resident: Resident, community_id: int) -> None:
    if resident.community_id != community_id:
        raise ActivityError(_("The resident must be of this community."))


def _locked(activity: Activity) -> Activity:
    """The activity row, locked until the end of the transaction, with fresh values."""
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _refuse_closed(activity: Activity, now: datetime) -> None:
    if activity.cancelled_at is not None:
        raise ActivityError(_("“%(title)s” was cancelled.") % {"title": activity.title})
    if activity.ends_at <= now:
        raise ActivityError(_("“%(title)s” has already finished.") % {"title": activity.title})


# --- Activities ----------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    community: Community,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    organiser_kind: str,
    organiser_staff: User | None = None,
    organiser_resident: Resident | None = None,
    organiser_group: SelfOrganisation | None = None,
    capacity: int | None = None,
    registration: str = Registration.OPEN,
    series: Series | None = None,
    place: PublicSpace | None = None,
    place_text: str = "",
    description: str = "",
    actor: User | None,
) -> Activity:
    """Plan an activity. Who organises it must fit `organiser_kind`: a staff member (or nobody
    named) for staff, a resident of this community for a resident leader, and a self-organisation
    of this community (and no one else) for a self-organisation."""
    if kind not in ActivityKind.values:
        raise ActivityError(_("Choose the kind of activity from the list."))
    if organiser_kind not in OrganiserKind.values:
        raise ActivityError(_("Choose who organises the activity from the list."))
    if registration not in Registration.values:
        raise ActivityError(_("Choose whether registration is required."))
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ActivityError(_("Give the start and end with a time zone."))
    if ends_at <= starts_at:
        raise ActivityError(_("The activity must end after it starts."))
    if organiser_kind != OrganiserKind.SELF_ORGANISATION and organiser_group is not None:
        raise ActivityError(_("Only an activity of a self-organisation names the group."))
    if organiser_kind == OrganiserKind.STAFF:
        if organiser_resident is not None:
            raise ActivityError(_("A staff-organised activity has no resident organiser."))
    elif organiser_kind == OrganiserKind.RESIDENT:
        if organiser_resident is None:
            raise ActivityError(_("Choose the resident who organises the activity."))
        if organiser_staff is not None:
            raise ActivityError(_("A resident-organised activity has no staff organiser."))
        _same_community(organiser_resident, community.pk)
    elif organiser_staff is not None or organiser_resident is not None:
        raise ActivityError(
            _("An activity of a self-organisation names neither a staff nor a resident organiser.")
        )
    elif organiser_group is None:
        raise ActivityError(_("Choose the self-organisation that organises the activity."))
    elif organiser_group.community_id != community.pk:
        raise ActivityError(_("The self-organisation must be of this community."))
    if capacity is not None and (isinstance(capacity, bool) or capacity < 1):
        raise ActivityError(_("The capacity must be at least 1, or left empty."))
    if series is not None and series.community_id != community.pk:
        raise ActivityError(_("The series must be of this community."))
    if place is not None and place.community_id != community.pk:
        raise ActivityError(_("The place must be in this community."))
    activity = Activity.objects.create(
        community=community,
        title=_clean_text(title, field=_("The title"), limit=120),
        description=_clean_text(
            description, field=_("The description"), limit=5000, required=False
        ),
        kind=kind,
        series=series,
        organiser_kind=organiser_kind,
        organiser_staff=organiser_staff,
        organiser_resident=organiser_resident,
        organiser_group=organiser_group,
        place=place,
        place_text=_clean_text(place_text, field=_("The place"), limit=100, required=False),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        registration=registration,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=activity,
        organisation=community.organisation,
        detail={"kind": kind, "organiser_kind": organiser_kind},
    )
    return activity


# --- Registration --------------------------------------------------------------------------------


def _registered_count(activity: Activity) -> int:
    return Signup.objects.filter(activity=activity, status=SignupStatus.REGISTERED).count()


@transaction.atomic
def signup_register(*, activity: Activity, resident: Resident, actor: User | None = None) -> Signup:
    """Register a resident: a seat while the capacity allows, else a place on the waiting list.

    Registering again while registered or waiting changes nothing; after cancelling, the resident
    registers anew (at the end of the waiting list, if there is one).
    """
    activity = _locked(activity)
    _same_community(resident, activity.community_id)
    _refuse_closed(activity, timezone.now())
    signup = Signup.objects.filter(activity=activity, resident=resident).first()
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        return signup
    full = activity.capacity is not None and _registered_count(activity) >= activity.capacity
    status = SignupStatus.WAITING if full else SignupStatus.REGISTERED
    if signup is None:
        signup = Signup.objects.create(activity=activity, resident=resident, status=status)
    else:
        signup.status = status
        signup.created_at = timezone.now()  # the waiting list is ordered by created_at
        signup.save(update_fields=["status", "created_at", "changed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=signup,
        organisation=activity.community.organisation,
        detail={"activity": activity.pk, "resident": resident.pk, "status": str(status)},
    )
    return signup


@transaction.atomic
def signup_cancel(*, signup: Signup, actor: User | None = None) -> Signup | None:
    """Cancel a registration; a freed seat goes to the first on the waiting list at once.

    Returns the signup that was promoted, if any. Cancelling twice changes nothing.
    """
    activity = _locked(signup.activity)
    current = Signup.objects.select_for_update().get(pk=signup.pk)
    if current.status == SignupStatus.CANCELLED:
        signup.status = current.status
        return None
    if activity.ends_at <= timezone.now():
        raise ActivityError(
            _("“%(title)s” has already finished; its registrations stay as they were.")
            % {"title": activity.title}
        )
    was = current.status
    current.status = SignupStatus.CANCELLED
    current.save(update_fields=["status", "changed_at"])
    signup.status = current.status
    organisation = activity.community.organisation
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=current,
        organisation=organisation,
        detail={"activity": activity.pk, "status": [str(was), str(SignupStatus.CANCELLED)]},
    )
    if was != SignupStatus.REGISTERED or activity.cancelled_at is not None:
        return None
    if activity.capacity is not None and _registered_count(activity) >= activity.capacity:
        return None
    promoted = (
        Signup.objects.select_for_update()
        .filter(activity=activity, status=SignupStatus.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if promoted is None:
        return None
    promoted.status = SignupStatus.REGISTERED
    promoted.save(update_fields=["status", "changed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=promoted,
        organisation=organisation,
        detail={
            "activity": activity.pk,
            "status": [str(SignupStatus.WAITING), str(SignupStatus.REGISTERED)],
            "promoted": True,
        },
    )
    return promoted


# --- Attendance ----------------------------------------------------------------------------------


@transaction.atomic
def attendance_check_in(
    *,
    activity: Activity,
    resident: Resident,
    actor: User | None,
    source: str = "door",
    volunteer: bool = False,
    at: datetime | None = None,
) -> tuple[Attendance, bool]:
    """Count a resident at an activity; nobody is counted twice.

    Returns the attendance and whether it was created (an earlier one is returned unchanged).
    Capacity counts attendance (volunteers apart): a resident with a registered seat may always
    check in, a walk-in only while fewer than `capacity` have. Check-in opens
    `CHECK_IN_OPENS_BEFORE` the start and closes `CHECK_IN_CLOSES_AFTER` the end.
    """
    if source not in SOURCES:
        raise ActivityError(_("Unknown way of checking in."))
    activity = _locked(activity)
    _same_community(resident, activity.community_id)
    existing = Attendance.objects.filter(activity=activity, resident=resident).first()
    if existing is not None:
        return existing, False
    if activity.cancelled_at is not None:
        raise ActivityError(_("“%(title)s” was cancelled.") % {"title": activity.title})
    at = at or timezone.now()
    if at < activity.starts_at - CHECK_IN_OPENS_BEFORE:
        raise ActivityError(
            _("Check-in for “%(title)s” opens %(hours)s hours before it starts.")
            % {"title": activity.title, "hours": _hours(CHECK_IN_OPENS_BEFORE)}
        )
    if at > activity.ends_at + CHECK_IN_CLOSES_AFTER:
        raise ActivityError(
            _("Check-in for “%(title)s” closed %(hours)s hours after it ended.")
            % {"title": activity.title, "hours": _hours(CHECK_IN_CLOSES_AFTER)}
        )
    if activity.capacity is not None and not volunteer:
        registered = Signup.objects.filter(
            activity=activity, resident=resident, status=SignupStatus.REGISTERED
        ).exists()
        present = Attendance.objects.filter(activity=activity, volunteer=False).count()
        if not registered and present >= activity.capacity:
            raise ActivityError(
                _("“%(title)s” is full: %(n)s of %(capacity)s seats are taken.")
                % {"title": activity.title, "n": present, "capacity": activity.capacity}
            )
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity,
                resident=resident,
                checked_in_at=at,
                volunteer=volunteer,
                source=source,
                recorded_by=actor,
            )
    except IntegrityError:  # counted a moment ago by someone else
        return Attendance.objects.get(activity=activity, resident=resident), False
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=attendance,
        organisation=activity.community.organisation,
        detail={"activity": activity.pk, "resident": resident.pk, "source": source},
    )
    return attendance, True


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return str(int(hours)) if hours.is_integer() else f"{hours:.1f}"


@transaction.atomic
def attendance_check_out(
    *, attendance: Attendance, actor: User | None, at: datetime | None = None
) -> Attendance:
    """Record when a resident left; not before they came, and only once (the row is locked, so
    two phones checking the same volunteer out at once record one time)."""
    at = at or timezone.now()
    locked = (
        Attendance.objects.select_for_update()
        .select_related("resident", "activity__community__organisation")
        .get(pk=attendance.pk)
    )
    if locked.checked_out_at is not None:
        raise ActivityError(_("%(name)s has already checked out.") % {"name": locked.resident.name})
    if at < locked.checked_in_at:
        raise ActivityError(_("Checking out cannot come before checking in."))
    locked.checked_out_at = at
    locked.save(update_fields=["checked_out_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=locked,
        organisation=locked.activity.community.organisation,
        detail={"checked_out": True},
    )
    attendance.checked_out_at = at  # the caller's copy agrees with the row
    return locked


# --- Newcomers -----------------------------------------------------------------------------------


def dwelling_for_room(*, community: Community, room_text: str) -> Dwelling:
    """The dwelling a room is written as (``3-2-301``, ``3栋2单元301室`` …), or ActivityError."""
    try:
        address = parse_address(room_text)
    except AddressError:
        raise ActivityError(
            _("“%(room)s” cannot be read as a room; write it as 3栋2单元301 or 3-2-301.")
            % {"room": room_text.strip()[:40]}
        ) from None
    dwelling = (
        Dwelling.objects.filter(
            community=community,
            building__in=Building.objects.filter(community=community, label=address.building),
            unit=address.unit,
            room=address.room,
        )
        .select_related("building")
        .first()
    )
    if dwelling is None:
        raise ActivityError(
            _("There is no dwelling %(room)s in %(community)s.")
            % {"room": address.label(), "community": community.name}
        )
    return dwelling


@transaction.atomic
def newcomer_register(
    *, community: Community, name: str, room_text: str, phone: str, actor: User | None
) -> Resident:
    """A leader registers a newcomer at the door, in the household of a known dwelling.

    An unknown room is refused (the registry is kept from rosters, not guessed at the door). If
    somebody of that name is already registered in the dwelling, that resident is returned
    rather than a second record made.
    """
    name = _clean_text(name, field=_("The name"), limit=50)
    dwelling = dwelling_for_room(community=community, room_text=room_text)
    phone = (phone or "").strip()
    if phone and len(normalise_phone(phone)) < 7:
        raise ActivityError(_("“%(phone)s” is not a phone number.") % {"phone": phone[:20]})
    existing = Resident.objects.filter(
        community=community, household__dwelling=dwelling, name=name, anonymised_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    household = Household.objects.filter(dwelling=dwelling).order_by("pk").first()
    if household is None:
        household = Household.objects.create(community=community, dwelling=dwelling)
    resident = Resident(community=community, household=household, name=name)
    resident_set_contact(resident, phone=phone, id_number="")
    resident.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=resident,
        organisation=community.organisation,
        detail={"newcomer": True, "dwelling": dwelling.pk},
    )
    return resident


# --- Feedback ------------------------------------------------------------------------------------


@transaction.atomic
def feedback_give(
    *,
    activity: Activity,
    resident: Resident | None,
    rating: int,
    comment: str = "",
    actor: User | None = None,
) -> Feedback:
    """A rating from 1 to 5 with an optional comment, once per resident (anonymous is allowed).

    The comment is stored as written (stripped): markup is kept as text and escaped on display.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ActivityError(_("Give a rating from 1 to 5."))
    if activity.cancelled_at is not None:
        raise ActivityError(_("“%(title)s” was cancelled.") % {"title": activity.title})
    if activity.starts_at > timezone.now():
        raise ActivityError(_("Feedback opens when the activity starts."))
    comment = _clean_text(comment, field=_("The comment"), limit=MAX_COMMENT, required=False)
    if resident is not None:
        _same_community(resident, activity.community_id)
        if Feedback.objects.filter(activity=activity, resident=resident).exists():
            raise ActivityError(_("You have already given feedback on this activity."))
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                activity=activity, resident=resident, rating=rating, comment=comment
            )
    except IntegrityError:
        raise ActivityError(_("You have already given feedback on this activity.")) from None
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=feedback,
        organisation=activity.community.organisation,
        detail={"activity": activity.pk, "rating": rating},
    )
    return feedback


# --- After the activity --------------------------------------------------------------------------

MAX_SUMMARY = 5000
MAX_CAPTION = 200
MAX_PHOTOS = 30


def _refuse_before_start(activity: Activity) -> None:
    if activity.cancelled_at is not None:
        raise ActivityError(_("“%(title)s” was cancelled.") % {"title": activity.title})
    if activity.starts_at > timezone.now():
        raise ActivityError(_("The closing summary and photos wait until the activity starts."))


@transaction.atomic
def activity_summarise(*, activity: Activity, summary: str, actor: User) -> Activity:
    """Write (or rewrite) the organiser's closing summary; the figures beside it are computed."""
    activity = _locked(activity)
    _refuse_before_start(activity)
    activity.summary = _clean_text(summary, field=_("The closing summary"), limit=MAX_SUMMARY)
    activity.summary_by = actor
    activity.summary_at = timezone.now()
    activity.save(update_fields=["summary", "summary_by", "summary_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=activity,
        organisation=activity.community.organisation,
        detail={"summary": len(activity.summary)},
    )
    return activity


@transaction.atomic
def photo_add(
    *,
    activity: Activity,
    upload: UploadedFile,
    caption: str = "",
    people_agreed: bool,
    actor: User,
) -> Photo:
    """Keep a photo of the activity. Photos show people, so the uploader must confirm that those
    shown agreed (PIPL: a photo of a person is personal information)."""
    activity = _locked(activity)
    _refuse_before_start(activity)
    if not people_agreed:
        raise ActivityError(
            _("Confirm that the people in the photo agreed to it being kept and shown.")
        )
    if Photo.objects.filter(activity=activity).count() >= MAX_PHOTOS:
        raise ActivityError(
            _("An activity keeps up to %(n)s photos; remove one first.") % {"n": MAX_PHOTOS}
        )
    try:
        sniffed = sniff_upload(upload, kinds=PHOTOS)
    except UploadRefused as error:
        raise ActivityError(str(error)) from None
    photo = Photo.objects.create(
        activity=activity,
        file=upload,
        name=sniffed.name,
        content_type=sniffed.content_type,
        size=sniffed.size,
        caption=_clean_text(caption, field=_("The caption"), limit=MAX_CAPTION, required=False),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=photo,
        organisation=activity.community.organisation,
        detail={"activity": activity.pk, "people_agreed": True},
    )
    return photo


@transaction.atomic
def photo_remove(*, photo: Photo, actor: User) -> None:
    """Delete a photo and its file (someone shown in it changed their mind)."""
    activity = photo.activity
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        subject=photo,
        organisation=activity.community.organisation,
        detail={"activity": activity.pk},
    )
    storage, name = photo.file.storage, photo.file.name
    photo.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
