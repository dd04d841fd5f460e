"""Pages of councils and owners' votes, phone first.

Each view asks its access helper first, then calls one service or selector, then renders or
redirects. A service's refusal is shown by `_refusal_shown`: on the form when the page has one,
else as a message on the page it goes back to. The chair's screen works without JavaScript; htmx
refreshes the speaking order every few seconds and a small script only runs the turn timer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import CommunityAccess, get_community_access, signed_in
from peiban.core.access import Need as Can
from peiban.core.logins import client_address
from peiban.councils.access import (
    get_assembly_for_user,
    get_body_for_user,
    get_consent_case_for_user,
    get_meeting_for_user,
    get_motion_for_user,
    get_poll_for_user,
    get_proposal_for_user,
    get_public_access,
    get_resolution_for_user,
)
from peiban.councils.forms import (
    AssemblyForm,
    BallotForm,
    BodyForm,
    ConsentCaseForm,
    ConsentForm,
    HandForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    MotionForm,
    NoticeForm,
    PaperBallotForm,
    PollForm,
    ProgressForm,
    ProposalForm,
    ProposalMotionForm,
    ResolutionForm,
    SheetForm,
    VoteForm,
)
from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    Body,
    BodyKind,
    BodyMember,
    ConsentCase,
    Meeting,
    MeetingStatus,
    Motion,
    MotionStatus,
    Poll,
    PollAnswer,
    Proposal,
    Resolution,
    SpeakingTurn,
    Support,
    Voter,
)
from peiban.councils.page_queries import (
    body_seats,
    meetings_to_come,
    minutes_draft,
    poll_charts,
)
from peiban.councils.paper import BallotFileError
from peiban.councils.selectors import (
    assembly_audit,
    assembly_tally,
    assembly_turnout,
    consent_candidates,
    consent_state,
    decisions_board,
    dwelling_for_address,
    meeting_notice_short,
    meeting_quorum,
    motion_floor,
)
from peiban.councils.services import (
    NOTICE_DAYS,
    CouncilError,
    assembly_close,
    assembly_create,
    assembly_open,
    ballot_cast_online,
    ballot_enter_paper,
    ballots_import,
    body_create,
    consent_case_close,
    consent_case_open,
    consent_record,
    hand_raise,
    meeting_close,
    meeting_give_notice,
    meeting_schedule,
    member_elect,
    motion_debate,
    motion_propose,
    motion_vote,
    motion_withdraw,
    poll_answer,
    poll_create,
    presence_record,
    proposal_create,
    proposal_support,
    proposal_to_motion,
    resolution_check,
    resolution_create,
    resolution_progress,
    turn_end,
    turn_start,
)
from peiban.councils.tally import MATTERS, SPECIAL_MATTERS
from peiban.places.models import Resident
from peiban.places.selectors import resident_search

LIST_LIMIT = 50
LIVE_PARTS = ("floor",)  # parts of the chair's screen htmx asks for again every few seconds


def _aware(day: object, time: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time))  # type: ignore[arg-type]


@contextmanager
def _refusal_shown(
    request: HttpRequest,
    form: forms.Form | None = None,
    refusals: tuple[type[Exception], ...] = (CouncilError,),
) -> Iterator[None]:
    """Run the service called in the `with` block; show its refusal instead of failing.

    The refusal goes on `form` when the page shows one, else into a message for the next page.
    What follows the service in the block (a thank-you, a redirect) runs only when it was done:

        with _refusal_shown(request, form):
            made = body_create(...)
            return redirect(...)
        return render(...)  # the form again, with the refusal
    """
    try:
        yield
    except refusals as error:
        if form is None:
            messages.error(request, str(error))
        else:
            form.add_error(None, str(error))


def _form_page(
    request: HttpRequest,
    access: CommunityAccess,
    form: forms.Form,
    title: str,
    **more: object,
) -> HttpResponse:
    return render(
        request,
        "councils/form.html",
        {"community": access.community, "form": form, "title": title, **more},
    )


# --- Overview and bodies -------------------------------------------------------------------------


@login_required
def home(request: HttpRequest, community: str) -> HttpResponse:
    access = get_public_access(request.user, community)
    return render(
        request,
        "councils/home.html",
        {
            "community": access.community,
            "can_edit": access.can(Can.EDIT),
            "can_chair": access.can(Can.RECORDS),
            "can_participate": access.can(Can.PARTICIPATE),
            "bodies": list(
                Body.objects.filter(community=access.community).annotate(
                    meeting_count=Count("meetings")
                )
            ),
            "meetings": list(
                Meeting.objects.filter(community=access.community).select_related("body")[
                    :LIST_LIMIT
                ]
            ),
            "assemblies": list(
                Assembly.objects.filter(community=access.community).exclude(
                    status=AssemblyStatus.DRAFT
                )[:LIST_LIMIT]
                if not access.can(Can.EDIT)
                else Assembly.objects.filter(community=access.community)[:LIST_LIMIT]
            ),
        },
    )


@login_required
def body_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = BodyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with _refusal_shown(request, form):
            body_create(community=access.community, actor=signed_in(request), **form.cleaned_data)
            return redirect("councils:home", community=access.community.slug)
    return _form_page(request, access, form, _("New council or assembly"))


@login_required
def members(request: HttpRequest, community: str, body: int) -> HttpResponse:
    """The members of a council with their terms; staff elect members for a term."""
    access, found = get_body_for_user(request.user, community, body)
    manage = access.can(Can.EDIT)
    if request.method == "POST" and not manage:
        raise Http404
    query = request.GET.get("q", "")[:50].strip() if manage else ""
    form = MemberForm(request.POST or None, initial={"term_start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resident = Resident.objects.filter(
            community=access.community, pk=data["resident"], anonymised_at__isnull=True
        ).first()
        if resident is None:
            form.add_error("resident", _("Choose a resident of this community."))
        else:
            with _refusal_shown(request, form):
                member_elect(
                    body=found,
                    resident=resident,
                    term_start=data["term_start"],
                    term_end=data["term_end"],
                    role=data["role"],
                    actor=signed_in(request),
                )
                messages.success(
                    request,
                    _("%(name)s is a member of %(body)s.")
                    % {"name": resident.name, "body": found.name},
                )
                return redirect("councils:members", community=access.community.slug, body=found.pk)
    return render(
        request,
        "councils/members.html",
        {
            "community": access.community,
            "body": found,
            "manage": manage,
            "seats": body_seats(found),
            "query": query,
            "found": resident_search(access.community, query) if query else [],
            "form": form,
        },
    )


# --- Meetings and the chair's screen -------------------------------------------------------------


@login_required
def meeting_new(request: HttpRequest, community: str, body: int) -> HttpResponse:
    access, found = get_body_for_user(request.user, community, body)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refusal_shown(request, form):
            made = meeting_schedule(
                body=found,
                title=data["title"],
                starts_at=_aware(data["date"], data["time"]),
                place=data["place"],
                agenda=data["agenda"],
                notice_given_at=_aware(data["notice_date"], datetime.min.time())
                if data["notice_date"]
                else None,
                actor=signed_in(request),
            )
            return redirect("councils:meeting", community=access.community.slug, pk=made.pk)
    return _form_page(request, access, form, _("New meeting of %(body)s") % {"body": found.name})


@login_required
def meeting(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_meeting_for_user(request.user, community, pk)
    can_chair = access.can(Can.RECORDS)
    members = list(
        BodyMember.objects.filter(body=found.body).select_related("resident").order_by("id")
    )
    present = set(found.presences.values_list("resident_id", flat=True))
    return render(
        request,
        "councils/meeting.html",
        {
            "community": access.community,
            "meeting": found,
            "can_chair": can_chair,
            "quorum": meeting_quorum(found),
            "notice_short": meeting_notice_short(found),
            "members": [(m, m.resident_id in present) for m in members],
            "motions": list(found.motions.all()),
            "motion_form": MotionForm(),
            "notice_form": NoticeForm(
                starts_on=timezone.localdate(found.starts_at),
                initial={"notice_date": timezone.localdate()},
            ),
        },
    )


@login_required
def meeting_notice(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Record the day notice of the meeting was given; an owners' assembly needs 15 days."""
    access, found = get_meeting_for_user(request.user, community, pk, chair=True)
    starts_on = timezone.localdate(found.starts_at)
    form = NoticeForm(
        request.POST or None,
        starts_on=starts_on,
        initial={"notice_date": min(timezone.localdate(), starts_on)},
    )
    if request.method == "POST" and form.is_valid():
        with _refusal_shown(request, form):
            meeting_give_notice(
                meeting=found,
                at=_aware(form.cleaned_data["notice_date"], datetime.min.time()),
                actor=signed_in(request),
            )
            # The meeting's page says when an owners' assembly has had less than 15 days.
            messages.success(request, _("The notice has been recorded."))
            return redirect("councils:meeting", community=access.community.slug, pk=found.pk)
    owners = found.body.kind == BodyKind.OWNERS_ASSEMBLY
    return _form_page(
        request,
        access,
        form,
        _("Notice of %(title)s") % {"title": found.title},
        intro=_("The meeting is on %(day)s.") % {"day": starts_on.isoformat()},
        warning=_(
            "An owners' assembly is announced at least 15 days ahead: give notice on "
            "%(day)s at the latest."
        )
        % {"day": (starts_on - timedelta(days=NOTICE_DAYS)).isoformat()}
        if owners
        else "",
    )


@login_required
def meeting_end(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Close the meeting and keep its minutes (drafted from what was recorded); a closed
    meeting's minutes can be corrected."""
    access, found = get_meeting_for_user(request.user, community, pk, chair=True)
    form = MinutesForm(
        request.POST or None, initial={"minutes": found.minutes or minutes_draft(found)}
    )
    if request.method == "POST" and form.is_valid():
        with _refusal_shown(request, form):
            meeting_close(
                meeting=found, minutes=form.cleaned_data["minutes"], actor=signed_in(request)
            )
            messages.success(request, _("The meeting is closed and its minutes are kept."))
            return redirect("councils:meeting", community=access.community.slug, pk=found.pk)
    closed = found.status == MeetingStatus.CLOSED
    return _form_page(
        request,
        access,
        form,
        (_("Correct the minutes of %(title)s") if closed else _("Close %(title)s"))
        % {"title": found.title},
        intro="" if closed else _("Once closed, no more motions can be put at this meeting."),
        submit=_("Save the minutes") if closed else _("Close the meeting and keep the minutes"),
    )


@login_required
@require_POST
def presence(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_meeting_for_user(request.user, community, pk, chair=True)
    ids = [int(v) for v in request.POST.getlist("resident") if v.isdigit()]
    residents = list(Resident.objects.filter(community=access.community, pk__in=ids))
    with _refusal_shown(request):
        presence_record(meeting=found, residents=residents, actor=signed_in(request))
    return redirect("councils:meeting", community=access.community.slug, pk=found.pk)


@login_required
@require_POST
def motion_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_meeting_for_user(request.user, community, pk, chair=True)
    form = MotionForm(request.POST)
    if form.is_valid():
        with _refusal_shown(request):
            motion_propose(
                meeting=found, action=form.cleaned_data["action"], actor=signed_in(request)
            )
    else:
        messages.error(request, _("Write the motion: what is to be done, by whom, by when."))
    return redirect("councils:meeting", community=access.community.slug, pk=found.pk)


def _chair(motion: Motion) -> HttpResponse:
    return redirect("councils:chair", community=motion.community.slug, pk=motion.pk)


@login_required
def chair(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    part = request.GET.get("part", "")
    live = request.headers.get("HX-Request") == "true" and part in LIVE_PARTS
    if live and request.GET.get("status") != motion.status:
        # Opened, voted or withdrawn elsewhere: the whole screen changes, not only the floor.
        return HttpResponse(headers={"HX-Refresh": "true"})
    body = motion.meeting.body
    floor = motion_floor(motion, cap=body.turns_cap)
    waiting = {t.resident_id for t in floor.queue} | {t.resident_id for t in floor.over_cap}
    if floor.speaking is not None:
        waiting.add(floor.speaking.resident_id)
    members = [
        m.resident
        for m in BodyMember.objects.filter(body=body).select_related("resident").order_by("id")
    ]
    present_ids = set(motion.meeting.presences.values_list("resident_id", flat=True))
    can_raise = [
        r for r in members if r.pk not in waiting and (not present_ids or r.pk in present_ids)
    ]
    # What the floor shows, in short: when nothing changed, htmx keeps the page as it is
    # (nothing is redrawn under the chair's finger, and the timer runs on).
    mark = hashlib.sha256(
        repr(
            (
                floor.speaking.pk if floor.speaking else None,
                [t.pk for t in floor.queue],
                [t.pk for t in floor.over_cap],
                [t.pk for t in floor.spoken],
                [r.pk for r in can_raise],
            )
        ).encode()
    ).hexdigest()[:16]
    if live and request.GET.get("seen") == mark:
        return HttpResponse(status=204)
    now = timezone.now()
    left = body.turn_seconds
    if floor.speaking is not None and floor.speaking.started_at is not None:
        left = max(0, left - int((now - floor.speaking.started_at).total_seconds()))
    context = {
        "community": access.community,
        "motion": motion,
        "meeting": motion.meeting,
        "body": body,
        "floor": floor,
        "can_raise": can_raise,
        "debating": motion.status == MotionStatus.DEBATE,
        "polling": motion.status in (MotionStatus.PROPOSED, MotionStatus.DEBATE),
        "now": now,
        "floor_mark": mark,
        "timer_left": left,
        "timer_minutes": left // 60,
        "timer_seconds": left % 60,
    }
    if live:
        return render(request, f"councils/chair.html#{part}", context)
    return render(
        request,
        "councils/chair.html",
        {
            **context,
            "vote_form": VoteForm(),
            "decided": Resolution.objects.filter(motion=motion).exists(),
            "resolution_form": ResolutionForm(initial={"action": motion.action}),
        },
    )


@login_required
@require_POST
def debate(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    with _refusal_shown(request):
        motion_debate(motion=motion, actor=signed_in(request))
    return _chair(motion)


@login_required
@require_POST
def withdraw(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """The proposer withdraws the motion before it is voted; the chair records it."""
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    with _refusal_shown(request):
        motion_withdraw(motion=motion, actor=signed_in(request))
        messages.success(request, _("The motion has been withdrawn."))
    return _chair(motion)


@login_required
@require_POST
def hand(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    form = HandForm(request.POST)
    resident = None
    if form.is_valid():
        resident = Resident.objects.filter(
            community=access.community, pk=form.cleaned_data["resident"]
        ).first()
    if resident is None:
        raise Http404
    with _refusal_shown(request):
        hand_raise(
            motion=motion,
            resident=resident,
            side=form.cleaned_data["side"],
            actor=signed_in(request),
        )
    return _chair(motion)


def _turn(motion: Motion, turn: int) -> SpeakingTurn:
    found = SpeakingTurn.objects.filter(motion=motion, pk=turn).select_related("motion").first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def call(request: HttpRequest, community: str, pk: int, turn: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    with _refusal_shown(request):
        turn_start(turn=_turn(motion, turn), actor=signed_in(request))
    return _chair(motion)


@login_required
@require_POST
def finish(request: HttpRequest, community: str, pk: int, turn: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    with _refusal_shown(request):
        turn_end(turn=_turn(motion, turn), actor=signed_in(request))
    return _chair(motion)


@login_required
@require_POST
def vote(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Count the hands for, against and abstaining, from zero."))
        return _chair(motion)
    with _refusal_shown(request):
        motion_vote(motion=motion, actor=signed_in(request), **form.cleaned_data)
    return _chair(motion)


def _decision_record(
    access: CommunityAccess,
    form: ResolutionForm,
    *,
    actor: User,
    motion: Motion | None = None,
    assembly: Assembly | None = None,
) -> Resolution:
    """A passed motion or owners' vote becomes one decision, never two."""
    already = Resolution.objects.filter(
        **({"motion": motion} if motion is not None else {"assembly": assembly})
    ).exists()
    refusal = _("This decision is already on the decisions board.")
    if already:
        raise CouncilError(refusal)
    try:
        return resolution_create(
            community=access.community,
            motion=motion,
            assembly=assembly,
            actor=actor,
            **form.cleaned_data,
        )
    except IntegrityError:  # the same decision recorded twice at once
        raise CouncilError(refusal) from None


@login_required
@require_POST
def decide(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """A passed motion becomes a decision: who does what by when."""
    access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    form = ResolutionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what is to be done, who does it and by when."))
        return _chair(motion)
    with _refusal_shown(request):
        _decision_record(access, form, motion=motion, actor=signed_in(request))
        return redirect("councils:board", community=access.community.slug)
    return _chair(motion)


# --- Decisions board -----------------------------------------------------------------------------


@login_required
def board(request: HttpRequest, community: str) -> HttpResponse:
    access = get_public_access(request.user, community)
    return render(
        request,
        "councils/board.html",
        {
            "community": access.community,
            "decisions": decisions_board(access.community),
            "can_manage": access.can(Can.RECORDS),
            "can_check": access.can(Can.PARTICIPATE),
            "progress_form": ProgressForm(),
        },
    )


@login_required
@require_POST
def progress(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, resolution = get_resolution_for_user(request.user, community, pk, manage=True)
    form = ProgressForm(request.POST)
    if form.is_valid():
        with _refusal_shown(request):
            resolution_progress(
                resolution=resolution,
                text=form.cleaned_data["text"],
                done=form.cleaned_data["done"],
                actor=signed_in(request),
            )
    return redirect("councils:board", community=access.community.slug)


@login_required
@require_POST
def check(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """A resident says whether a decision reported done was really carried out."""
    access, resolution = get_resolution_for_user(request.user, community, pk)
    if not access.can(Can.PARTICIPATE):
        raise Http404
    back = redirect("councils:board", community=access.community.slug)
    resident = _own_resident(request, access.community.pk)
    if resident is None:
        messages.error(request, _("Your account is not linked to a resident of this community."))
        return back
    with _refusal_shown(request):
        resolution_check(
            resolution=resolution,
            resident=resident,
            confirmed=request.POST.get("confirmed") == "yes",
            note=request.POST.get("note", "")[:300],
            actor=signed_in(request),
        )
        messages.success(request, _("Thank you for checking."))
    return back


# --- Owners' votes -------------------------------------------------------------------------------


@login_required
def assembly_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = AssemblyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refusal_shown(request, form):
            made = assembly_create(
                community=access.community,
                title=data["title"],
                matter=data["matter"],
                question=data["question"],
                opens_at=data["opens"],
                closes_at=data["closes"],
                secret=data["secret"],
                notice_given_at=_aware(data["notice_date"], datetime.min.time()),
                actor=signed_in(request),
            )
            return redirect("councils:assembly", community=access.community.slug, pk=made.pk)
    return _form_page(request, access, form, _("Prepare an owners' vote"))


@login_required
def assembly(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_assembly_for_user(request.user, community, pk)
    manage = access.can(Can.EDIT)
    if not manage and found.status == AssemblyStatus.DRAFT:
        raise Http404
    context: dict[str, object] = {
        "community": access.community,
        "assembly": found,
        "matter_label": MATTERS[found.matter],
        "special": found.matter in SPECIAL_MATTERS,
        "manage": manage,
        "turnout": assembly_turnout(found),
        "notice_days": (found.opens_at - found.notice_given_at).days
        if found.notice_given_at
        else None,
    }
    if manage and found.status == AssemblyStatus.OPEN:
        voted = set(found.receipts.values_list("voter_id", flat=True))
        context["voters"] = [
            (v, v.pk in voted) for v in Voter.objects.filter(assembly=found).order_by("label")[:500]
        ]
        context["sheet_form"] = SheetForm()
        context["tally"] = assembly_tally(found)
        context["closing_time_passed"] = timezone.now() >= found.closes_at
    if found.status == AssemblyStatus.CLOSED and found.result.get("passed"):
        context["decision"] = Resolution.objects.filter(assembly=found).first()
        if manage and context["decision"] is None:
            context["resolution_form"] = ResolutionForm(initial={"action": found.title})
    if manage:
        context["audit"] = list(assembly_audit(found)[:200])
    return render(request, "councils/assembly.html", context)


@login_required
def assembly_decide(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """A passed owners' vote becomes a decision on the board: who does what by when."""
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    form = ResolutionForm(request.POST or None, initial={"action": found.title})
    if request.method == "POST" and form.is_valid():
        with _refusal_shown(request, form):
            _decision_record(access, form, assembly=found, actor=signed_in(request))
            messages.success(request, _("The decision is on the decisions board."))
            return redirect("councils:board", community=access.community.slug)
    return _form_page(
        request,
        access,
        form,
        _("Who does what, by when"),
        intro=found.title,
        submit=_("Put it on the decisions board"),
    )


@login_required
@require_POST
def assembly_start(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    with _refusal_shown(request):
        issued = assembly_open(assembly=found, actor=signed_in(request))
        # The codes are shown once, to print and deliver; only their hashes are kept.
        return render(
            request,
            "councils/codes.html",
            {"community": access.community, "assembly": found, "issued": issued},
        )
    return redirect("councils:assembly", community=access.community.slug, pk=found.pk)


@login_required
@require_POST
def assembly_paper(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    form = PaperBallotForm(request.POST)
    voter = None
    if form.is_valid():
        voter = Voter.objects.filter(assembly=found, pk=form.cleaned_data["voter"]).first()
    if voter is None:
        raise Http404
    with _refusal_shown(request):
        ballot_enter_paper(
            assembly=found,
            voter=voter,
            opinion=form.cleaned_data["opinion"],
            actor=signed_in(request),
        )
        messages.success(request, _("The paper ballot has been entered."))
    return redirect("councils:assembly", community=access.community.slug, pk=found.pk)


@login_required
@require_POST
def assembly_import(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    form = SheetForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a ballot sheet to import."))
    else:
        upload = form.cleaned_data["file"]
        with _refusal_shown(request, refusals=(CouncilError, BallotFileError)):
            result = ballots_import(
                assembly=found,
                data=upload.read(),
                filename=upload.name,
                actor=signed_in(request),
            )
            messages.success(
                request,
                _("%(n)s ballot(s) imported; %(r)s row(s) rejected.")
                % {"n": result.counted, "r": len(result.rejected)},
            )
            for rejection in result.rejected[:20]:
                messages.warning(
                    request,
                    _("Row %(row)s: %(reason)s") % rejection,
                )
    return redirect("councils:assembly", community=access.community.slug, pk=found.pk)


@login_required
@require_POST
def assembly_end(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    with _refusal_shown(request):
        assembly_close(assembly=found, actor=signed_in(request))
    return redirect("councils:assembly", community=access.community.slug, pk=found.pk)


def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    """The owners' ballot page: no account, the code on paper identifies the dwelling."""
    found = (
        Assembly.objects.select_related("community__organisation")
        .filter(pk=pk)
        .exclude(status=AssemblyStatus.DRAFT)
        .first()
    )
    if found is None:
        raise Http404
    form = BallotForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        with _refusal_shown(request, form):
            ballot_cast_online(
                assembly=found,
                code=form.cleaned_data["code"],
                opinion=form.cleaned_data["opinion"],
                address=client_address(request),
            )
            done = True
    return render(
        request,
        "councils/ballot.html",
        {
            "assembly": found,
            "matter_label": MATTERS[found.matter],
            "form": form,
            "done": done,
        },
    )


# --- Homes turned into businesses (Art. 279) ----------------------------------------------------


@login_required
def consents(request: HttpRequest, community: str) -> HttpResponse:
    """The consent cases, and a new one: first the home, then the owners with an interest."""
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = ConsentCaseForm(request.POST or request.GET or None)
    dwelling = None
    if form.is_bound and form.is_valid():
        dwelling = dwelling_for_address(access.community, form.cleaned_data["dwelling"])
        if dwelling is None:
            form.add_error("dwelling", _("There is no such dwelling in this community."))
    if request.method == "POST" and dwelling is not None:
        ids = {int(v) for v in request.POST.getlist("affected") if v.isdigit()}
        affected = [d for d, _near in consent_candidates(dwelling) if d.pk in ids]
        with _refusal_shown(request):
            case = consent_case_open(
                dwelling=dwelling,
                purpose=form.cleaned_data["purpose"],
                affected=affected,
                actor=signed_in(request),
            )
            return redirect("councils:consent", community=access.community.slug, pk=case.pk)
    return render(
        request,
        "councils/consents.html",
        {
            "community": access.community,
            "form": form,
            "dwelling": dwelling,
            "candidates": consent_candidates(dwelling) if dwelling else [],
            "cases": list(
                ConsentCase.objects.filter(community=access.community).select_related(
                    "dwelling__building"
                )[:LIST_LIMIT]
            ),
        },
    )


@login_required
def consent(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, case = get_consent_case_for_user(request.user, community, pk)
    return render(
        request,
        "councils/consent.html",
        {
            "community": access.community,
            "case": case,
            "consents": list(case.consents.select_related("dwelling__building")),
            "state": consent_state(case),
            "form": ConsentForm(),
        },
    )


@login_required
@require_POST
def consent_answer(request: HttpRequest, community: str, pk: int, item: int) -> HttpResponse:
    access, case = get_consent_case_for_user(request.user, community, pk)
    found = case.consents.filter(pk=item).first()
    if found is None:
        raise Http404
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Record a consent or a refusal, and who signed."))
    else:
        with _refusal_shown(request):
            consent_record(consent=found, actor=signed_in(request), **form.cleaned_data)
    return redirect("councils:consent", community=access.community.slug, pk=case.pk)


@login_required
@require_POST
def consent_close(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, case = get_consent_case_for_user(request.user, community, pk)
    with _refusal_shown(request):
        consent_case_close(case=case, actor=signed_in(request))
    return redirect("councils:consent", community=access.community.slug, pk=case.pk)


# --- Polls and proposals -------------------------------------------------------------------------


def _own_resident(request: HttpRequest, community_id: int) -> Resident | None:
    return Resident.objects.filter(
        user=signed_in(request), community_id=community_id, anonymised_at__isnull=True
    ).first()


@login_required
def polls(request: HttpRequest, community: str) -> HttpResponse:
    access = get_public_access(request.user, community)
    can_edit = access.can(Can.EDIT)
    form = PollForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            with _refusal_shown(request, form):
                poll_create(
                    community=access.community,
                    question=form.cleaned_data["question"],
                    options=form.cleaned_data["options"].splitlines(),
                    multiple=form.cleaned_data["multiple"],
                    closes_at=form.cleaned_data["closes"],
                    actor=signed_in(request),
                )
                return redirect("councils:polls", community=access.community.slug)
    resident = _own_resident(request, access.community.pk)
    answered = (
        set(
            PollAnswer.objects.filter(
                resident=resident, poll__community=access.community
            ).values_list("poll_id", flat=True)
        )
        if resident
        else set()
    )
    found = list(
        Poll.objects.filter(community=access.community).prefetch_related("options")[:LIST_LIMIT]
    )
    results = poll_charts(found)
    return render(
        request,
        "councils/polls.html",
        {
            "community": access.community,
            "form": form,
            "resident": resident,
            "polls": [(p, p.pk in answered, results.get(p.pk)) for p in found],
        },
    )


@login_required
@require_POST
def poll_vote(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, poll = get_poll_for_user(request.user, community, pk)
    if not access.can(Can.PARTICIPATE):
        raise Http404
    resident = _own_resident(request, access.community.pk)
    back = redirect("councils:polls", community=access.community.slug)
    if resident is None:
        messages.error(request, _("Your account is not linked to a resident of this community."))
        return back
    ids = {int(v) for v in request.POST.getlist("option") if v.isdigit()}
    with _refusal_shown(request):
        poll_answer(
            poll=poll,
            resident=resident,
            options=list(poll.options.filter(pk__in=ids)),
            actor=signed_in(request),
        )
        messages.success(request, _("Thank you: your answer has been counted."))
    return back


@login_required
def proposals(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    bodies = [(b.pk, b.name) for b in Body.objects.filter(community=access.community)]
    can_edit = access.can(Can.EDIT)
    can_chair = access.can(Can.RECORDS)
    form = ProposalForm(request.POST or None, bodies=bodies) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            body = Body.objects.get(community=access.community, pk=data["body"])
            need = None
            if data["need"]:
                from peiban.needs.models import Need as CommunityNeed

                need = CommunityNeed.objects.filter(
                    community=access.community, pk=data["need"]
                ).first()
                if need is None:
                    form.add_error("need", _("There is no such need in this community."))
            if not form.errors:
                with _refusal_shown(request, form):
                    proposal_create(
                        body=body,
                        action=data["action"],
                        need=need,
                        support_needed=data["support_needed"],
                        actor=signed_in(request),
                    )
                    return redirect("councils:proposals", community=access.community.slug)
    resident = _own_resident(request, access.community.pk)
    supported = (
        set(
            Support.objects.filter(
                resident=resident, proposal__community=access.community
            ).values_list("proposal_id", flat=True)
        )
        if resident
        else set()
    )
    found = list(
        Proposal.objects.filter(community=access.community)
        .select_related("body", "motion__meeting")
        .annotate(support_count=Count("supports"))[:LIST_LIMIT]
    )
    to_come = meetings_to_come(access.community.pk) if can_chair else {}
    return render(
        request,
        "councils/proposals.html",
        {
            "community": access.community,
            "form": form,
            "resident": resident,
            "can_chair": can_chair,
            "proposals": [(p, p.pk in supported, to_come.get(p.body_id, [])) for p in found],
        },
    )


@login_required
@require_POST
def proposal_back(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, proposal = get_proposal_for_user(request.user, community, pk)
    resident = _own_resident(request, access.community.pk)
    if resident is None:
        messages.error(request, _("Your account is not linked to a resident of this community."))
    else:
        with _refusal_shown(request):
            proposal_support(proposal=proposal, resident=resident, actor=signed_in(request))
            messages.success(request, _("Thank you for your support."))
    return redirect("councils:proposals", community=access.community.slug)


@login_required
def proposal_motion(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """A chair puts a residents' proposal to a meeting of its council as a motion."""
    access, proposal = get_proposal_for_user(request.user, community, pk)
    if not access.can(Can.RECORDS):
        raise Http404
    meetings = meetings_to_come(access.community.pk, body_id=proposal.body_id).get(
        proposal.body_id, []
    )
    form = ProposalMotionForm(
        request.POST or None,
        meetings=[
            (m.pk, f"{timezone.localtime(m.starts_at):%Y-%m-%d %H:%M} {m.title}") for m in meetings
        ],
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(m for m in meetings if m.pk == form.cleaned_data["meeting"])
        with _refusal_shown(request, form):
            proposal_to_motion(proposal=proposal, meeting=chosen, actor=signed_in(request))
            messages.success(request, _("The proposal is now a motion of this meeting."))
            return redirect("councils:meeting", community=access.community.slug, pk=chosen.pk)
    return _form_page(
        request,
        access,
        form,
        _("Put the proposal to a meeting"),
        intro=proposal.action,
        warning="" if meetings else _("No meeting of this council is planned: schedule one first."),
        submit=_("Put it as a motion"),
    )
