"""Pages of activities: plan, register, check in at the door or by QR code, give feedback.

Each view asks its access helper first, then calls one service, then renders or redirects.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.activities.forms import (
    ActivityForm,
    FeedbackForm,
    NewcomerForm,
    PhotoForm,
    SummaryForm,
)
from peiban.activities.models import Activity, Attendance, OrganiserKind
from peiban.activities.selectors import (
    activities_for_community,
    activity_counts,
    checked_in_count,
    door_search,
    feedback_comments,
    get_activity_for_user,
    groups_to_organise_for,
    my_activities,
    my_participation,
    resident_for_user,
    summary_draft,
    volunteers_at,
)
from peiban.activities.services import (
    ActivityError,
    activity_create,
    activity_summarise,
    attendance_check_in,
    attendance_check_out,
    feedback_give,
    newcomer_register,
    photo_add,
    photo_remove,
    signup_cancel,
    signup_register,
)
from peiban.activities.signin import PURPOSES, activity_for_token, qr_svg, token_for
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.core.uploads import private_file_response
from peiban.ledger.services import LedgerError, hours_credit_from_attendance
from peiban.places.models import Resident


def _detail(activity: Activity) -> HttpResponse:
    return redirect("activities:detail", community=activity.community.slug, pk=activity.pk)


def _door(activity: Activity, query: str = "") -> HttpResponse:
    url = reverse(
        "activities:door", kwargs={"community": activity.community.slug, "pk": activity.pk}
    )
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@login_required
def activity_list(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    resident = resident_for_user(request.user, access.community)
    return render(
        request,
        "activities/list.html",
        {
            "community": access.community,
            **activities_for_community(access.community),
            "mine": my_activities(resident) if resident is not None else None,
            "can_organise": access.can(Can.RECORDS),
        },
    )


@login_required
def activity_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.RECORDS)
    user = signed_in(request)
    staff = access.can(Can.EDIT)
    organiser = None if staff else resident_for_user(user, access.community)
    form = ActivityForm(
        request.POST or None,
        community=access.community,
        groups=groups_to_organise_for(access.community, staff=staff, resident=organiser),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = timezone.make_aware(datetime.combine(data["date"], data["time"]))
        group = data.get("group")
        if group is not None:
            kind, by_staff, by_resident = OrganiserKind.SELF_ORGANISATION, None, None
        elif staff:
            kind, by_staff, by_resident = OrganiserKind.STAFF, user, None
        else:
            kind, by_staff, by_resident = OrganiserKind.RESIDENT, None, organiser
        try:
            if not staff and organiser is None:
                raise ActivityError(
                    _(
                        "Your account is not linked to a resident of this community yet; "
                        "ask the staff to link it before you organise an activity."
                    )
                )
            activity = activity_create(
                community=access.community,
                title=data["title"],
                kind=data["kind"],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=float(data["hours"])),
                organiser_kind=kind,
                organiser_staff=by_staff,
                organiser_resident=by_resident,
                organiser_group=group,
                capacity=data["capacity"],
                registration=data["registration"],
                place=data.get("place"),
                place_text=data["place_text"],
                description=data["description"],
                actor=user,
            )
        except ActivityError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The activity was planned."))
            return _detail(activity)
    return render(request, "activities/new.html", {"community": access.community, "form": form})


@login_required
def activity_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, activity = get_activity_for_user(request.user, community, pk, need=Can.PARTICIPATE)
    resident = resident_for_user(request.user, access.community)
    mine = my_participation(activity, resident)
    now = timezone.now()
    return render(
        request,
        "activities/detail.html",
        {
            "community": access.community,
            "activity": activity,
            "counts": activity_counts(activity),
            "resident": resident,
            **mine,
            "can_records": access.can(Can.RECORDS),
            "photos": list(activity.photos.all()),
            "open": activity.cancelled_at is None and activity.ends_at > now,
            "feedback_form": FeedbackForm()
            if mine["attended"] and mine["feedback"] is None and activity.starts_at <= now
            else None,
        },
    )


def _own_resident(request: HttpRequest, activity: Activity) -> Resident:
    resident = resident_for_user(request.user, activity.community)
    if resident is None:
        raise ActivityError(
            _(
                "Your account is not linked to a resident of this community yet; "
                "ask the organiser to help you."
            )
        )
    return resident


@login_required
@require_POST
def register(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.PARTICIPATE)
    try:
        signup = signup_register(
            activity=activity,
            resident=_own_resident(request, activity),
            actor=signed_in(request),
        )
    except ActivityError as error:
        messages.error(request, str(error))
    else:
        if signup.status == "waiting":
            messages.warning(request, _("The activity is full; you are on the waiting list."))
        else:
            messages.success(request, _("You are registered. See you there!"))
    return _detail(activity)


@login_required
@require_POST
def cancel(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.PARTICIPATE)
    try:
        mine = my_participation(activity, _own_resident(request, activity))
        if mine["signup"] is not None:
            signup_cancel(signup=mine["signup"], actor=signed_in(request))
    except ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your registration was cancelled."))
    return _detail(activity)


@login_required
def door(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    query = request.GET.get("q", "")[:50].strip()
    context = {
        "community": access.community,
        "activity": activity,
        "query": query,
        "results": door_search(activity, query) if query else [],
        "present": checked_in_count(activity),
        "volunteers": volunteers_at(activity),
        "newcomer_form": NewcomerForm(initial={"room": query if "-" in query else ""}),
    }
    template = "activities/door.html"
    if request.headers.get("HX-Request") == "true":
        part = "count" if request.GET.get("part") == "count" else "results"
        template = f"{template}#{part}"
    return render(request, template, context)


def _checked_in_message(request: HttpRequest, resident: Resident, created: bool) -> None:
    if created:
        messages.success(request, _("%(name)s is checked in.") % {"name": resident.name})
    else:
        messages.info(request, _("%(name)s was already checked in.") % {"name": resident.name})


@login_required
@require_POST
def check_in(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    resident_id = request.POST.get("resident", "")
    resident = (
        Resident.objects.filter(community=access.community, pk=int(resident_id)).first()
        if resident_id.isdigit()
        else None
    )
    if resident is None:
        raise Http404
    try:
        _attendance, created = attendance_check_in(
            activity=activity,
            resident=resident,
            actor=signed_in(request),
            source="door",
            volunteer=request.POST.get("volunteer") == "1",
        )
    except ActivityError as error:
        messages.error(request, str(error))
    else:
        _checked_in_message(request, resident, created)
    return _door(activity, request.POST.get("q", "")[:50])


@login_required
@require_POST
def check_out(request: HttpRequest, community: str, pk: int, attendance: int) -> HttpResponse:
    """A volunteer leaves: record the time and credit their hours, pending staff verification."""
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    found = Attendance.objects.filter(activity=activity, pk=attendance, volunteer=True).first()
    if found is None:
        raise Http404
    user = signed_in(request)
    try:
        with transaction.atomic():
            found = attendance_check_out(attendance=found, actor=user)
            entry = hours_credit_from_attendance(attendance=found, actor=user)
    except (ActivityError, LedgerError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s checked out: %(hours)s hours, waiting for staff to verify them.")
            % {"name": found.resident.name, "hours": entry.hours},
        )
    return _door(activity)


@login_required
@require_POST
def newcomer(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    user = signed_in(request)
    form = NewcomerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the newcomer's name and room."))
        return _door(activity)
    data = form.cleaned_data
    try:
        resident = newcomer_register(
            community=access.community,
            name=data["name"],
            room_text=data["room"],
            phone=data["phone"],
            actor=user,
        )
        _attendance, created = attendance_check_in(
            activity=activity, resident=resident, actor=user, source="door"
        )
    except ActivityError as error:
        messages.error(request, str(error))
        return _door(activity, data["room"])
    _checked_in_message(request, resident, created)
    return _door(activity, data["room"])


@login_required
def qr(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    codes = []
    for purpose in ("register", "checkin"):
        url = request.build_absolute_uri(
            reverse(
                "activities:scan",
                kwargs={
                    "community": activity.community.slug,
                    "purpose": purpose,
                    "token": token_for(activity, purpose),
                },
            )
        )
        codes.append({"purpose": purpose, "url": url, "svg": qr_svg(url)})
    return render(
        request,
        "activities/qr.html",
        {"community": access.community, "activity": activity, "codes": codes},
    )


@login_required
def scan(request: HttpRequest, community: str, purpose: str, token: str) -> HttpResponse:
    """A resident scanned a poster: confirm, then register or check in themselves."""
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    if purpose not in PURPOSES:
        raise Http404
    try:
        activity = activity_for_token(token, purpose)
    except ActivityError as error:
        return render(request, "activities/scan_error.html", {"error": str(error)}, status=400)
    if activity.community_id != access.community.pk:
        raise Http404
    if request.method == "POST":
        user = signed_in(request)
        try:
            resident = _own_resident(request, activity)
            if purpose == "register":
                signup = signup_register(activity=activity, resident=resident, actor=user)
                if signup.status == "waiting":
                    messages.warning(
                        request, _("The activity is full; you are on the waiting list.")
                    )
                else:
                    messages.success(request, _("You are registered. See you there!"))
            else:
                _attendance, created = attendance_check_in(
                    activity=activity, resident=resident, actor=user, source="qr"
                )
                _checked_in_message(request, resident, created)
        except ActivityError as error:
            return render(request, "activities/scan_error.html", {"error": str(error)}, status=400)
        return _detail(activity)
    return render(
        request,
        "activities/scan.html",
        {"community": access.community, "activity": activity, "purpose": purpose},
    )


@login_required
@require_POST
def feedback(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.PARTICIPATE)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose from one to five stars."))
        return _detail(activity)
    try:
        resident = _own_resident(request, activity)
        if not my_participation(activity, resident)["attended"]:
            raise ActivityError(_("Feedback is for those who took part in the activity."))
        feedback_give(
            activity=activity,
            resident=resident,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            actor=signed_in(request),
        )
    except ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you for your feedback."))
    return _detail(activity)


@login_required
def summary(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """The organiser's closing page: figures, the written summary, feedback comments, photos."""
    access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    counts = activity_counts(activity)
    form = SummaryForm(
        request.POST or None,
        initial={"summary": activity.summary or summary_draft(activity, counts)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity_summarise(
                activity=activity, summary=form.cleaned_data["summary"], actor=signed_in(request)
            )
        except ActivityError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The closing summary was saved."))
            return _detail(activity)
    return render(
        request,
        "activities/summary.html",
        {
            "community": access.community,
            "activity": activity,
            "counts": counts,
            "form": form,
            "photo_form": PhotoForm(),
            "photos": list(activity.photos.all()),
            "comments": feedback_comments(activity),
        },
    )


@login_required
@require_POST
def photo_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            photo_add(
                activity=activity,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                people_agreed=form.cleaned_data["people_agreed"],
                actor=signed_in(request),
            )
        except ActivityError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The photo was added."))
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("activities:summary", community=activity.community.slug, pk=activity.pk)


@login_required
def photo_file(request: HttpRequest, community: str, pk: int, photo: int) -> HttpResponseBase:
    """A photo, to the community's members (government viewers see no photos of people)."""
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.PARTICIPATE)
    found = activity.photos.filter(pk=photo).first()
    if found is None:
        raise Http404
    return private_file_response(found.file, name=found.name, content_type=found.content_type)


@login_required
@require_POST
def photo_delete(request: HttpRequest, community: str, pk: int, photo: int) -> HttpResponse:
    _access, activity = get_activity_for_user(request.user, community, pk, need=Can.RECORDS)
    found = activity.photos.filter(pk=photo).first()
    if found is None:
        raise Http404
    photo_remove(photo=found, actor=signed_in(request))
    messages.success(request, _("The photo was removed."))
    return redirect("activities:summary", community=activity.community.slug, pk=activity.pk)
