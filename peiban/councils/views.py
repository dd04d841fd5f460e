"""Pages of councils and owners' votes, phone first.

Each view asks its access helper first, then calls one service or selector, then renders or
redirects. The chair's screen works without JavaScript; a small script only runs the turn timer.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.councils.access import (
    get_assembly_for_user,
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
    MotionForm,
    PaperBallotForm,
    PollForm,
    ProgressForm,
    ProposalForm,
    ResolutionForm,
    SheetForm,
    VoteForm,
)
from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    Body,
    BodyMember,
    ConsentCase,
    Meeting,
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
    poll_results,
)
from peiban.councils.services import (
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
    meeting_schedule,
    motion_debate,
    motion_propose,
    motion_vote,
    poll_answer,
    poll_create,
    presence_record,
    proposal_create,
    proposal_support,
    resolution_check,
    resolution_create,
    resolution_progress,
    turn_end,
    turn_start,
)
from peiban.councils.tally import MATTERS, SPECIAL_MATTERS
from peiban.places.models import Resident

LIST_LIMIT = 50


def _aware(day: object, time: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time))  # type: ignore[arg-type]


# --- Overview ------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest, community: str) -> HttpResponse:
    access = get_public_access(request.user, community)
    return render(
        request,
        "councils/home.html",
        {
            "community": access.community,
            "can_edit": access.can(Can.EDIT),
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
        try:
            body_create(community=access.community, actor=signed_in(request), **form.cleaned_data)
        except CouncilError as error:
            form.add_error(None, str(error))
        else:
            return redirect("councils:home", community=access.community.slug)
    return render(
        request,
        "councils/form.html",
        {"community": access.community, "form": form, "title": _("New council or assembly")},
    )


@login_required
def meeting_new(request: HttpRequest, community: str, body: int) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.RECORDS)
    found = Body.objects.filter(community=access.community, pk=body).first()
    if found is None:
        raise Http404
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = meeting_schedule(
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
        return redirect("councils:meeting", community=access.community.slug, pk=meeting.pk)
    return render(
        request,
        "councils/form.html",
        {
            "community": access.community,
            "form": form,
            "title": _("New meeting of %(body)s") % {"body": found.name},
        },
    )


# --- Meetings and the chair's screen -------------------------------------------------------------


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
        },
    )


@login_required
@require_POST
def presence(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_meeting_for_user(request.user, community, pk, chair=True)
    ids = [int(v) for v in request.POST.getlist("resident") if v.isdigit()]
    residents = list(Resident.objects.filter(community=access.community, pk__in=ids))
    presence_record(meeting=found, residents=residents, actor=signed_in(request))
    return redirect("councils:meeting", community=access.community.slug, pk=found.pk)


@login_required
@require_POST
def motion_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_meeting_for_user(request.user, community, pk, chair=True)
    form = MotionForm(request.POST)
    if form.is_valid():
        try:
            motion_propose(
                meeting=found, action=form.cleaned_data["action"], actor=signed_in(request)
            )
        except CouncilError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Write the motion: what is to be done, by whom, by when."))
    return redirect("councils:meeting", community=access.community.slug, pk=found.pk)


def _chair(motion: Motion) -> HttpResponse:
    return redirect("councils:chair", community=motion.community.slug, pk=motion.pk)


@login_required
def chair(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, motion = get_motion_for_user(request.user, community, pk, chair=True)
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
    return render(
        request,
        "councils/chair.html",
        {
            "community": access.community,
            "motion": motion,
            "meeting": motion.meeting,
            "body": body,
            "floor": floor,
            "can_raise": can_raise,
            "vote_form": VoteForm(),
            "debating": motion.status == MotionStatus.DEBATE,
            "decided": Resolution.objects.filter(motion=motion).exists(),
            "resolution_form": ResolutionForm(initial={"action": motion.action}),
        },
    )


@login_required
@require_POST
def debate(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    try:
        motion_debate(motion=motion, actor=signed_in(request))
    except CouncilError as error:
        messages.error(request, str(error))
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
    try:
        hand_raise(
            motion=motion,
            resident=resident,
            side=form.cleaned_data["side"],
            actor=signed_in(request),
        )
    except CouncilError as error:
        messages.error(request, str(error))
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
    try:
        turn_start(turn=_turn(motion, turn), actor=signed_in(request))
    except CouncilError as error:
        messages.error(request, str(error))
    return _chair(motion)


@login_required
@require_POST
def finish(request: HttpRequest, community: str, pk: int, turn: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    try:
        turn_end(turn=_turn(motion, turn), actor=signed_in(request))
    except CouncilError as error:
        messages.error(request, str(error))
    return _chair(motion)


@login_required
@require_POST
def vote(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Count the hands for, against and abstaining, from zero."))
        return _chair(motion)
    try:
        motion_vote(motion=motion, actor=signed_in(request), **form.cleaned_data)
    except CouncilError as error:
        messages.error(request, str(error))
    return _chair(motion)


@login_required
@require_POST
def decide(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """A passed motion becomes a decision: who does what by when."""
    access, motion = get_motion_for_user(request.user, community, pk, chair=True)
    form = ResolutionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what is to be done, who does it and by when."))
        return _chair(motion)
    try:
        resolution_create(
            community=access.community, motion=motion, actor=signed_in(request), **form.cleaned_data
        )
    except CouncilError as error:
        messages.error(request, str(error))
        return _chair(motion)
    return redirect("councils:board", community=access.community.slug)


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
        try:
            resolution_progress(
                resolution=resolution,
                text=form.cleaned_data["text"],
                done=form.cleaned_data["done"],
                actor=signed_in(request),
            )
        except CouncilError as error:
            messages.error(request, str(error))
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
    try:
        resolution_check(
            resolution=resolution,
            resident=resident,
            confirmed=request.POST.get("confirmed") == "yes",
            note=request.POST.get("note", "")[:300],
            actor=signed_in(request),
        )
    except CouncilError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you for checking."))
    return back


# --- Owners' votes -------------------------------------------------------------------------------


@login_required
def assembly_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = AssemblyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assembly = assembly_create(
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
        except CouncilError as error:
            form.add_error(None, str(error))
        else:
            return redirect("councils:assembly", community=access.community.slug, pk=assembly.pk)
    return render(
        request,
        "councils/form.html",
        {"community": access.community, "form": form, "title": _("Prepare an owners' vote")},
    )


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
    if manage:
        context["audit"] = list(assembly_audit(found)[:200])
    return render(request, "councils/assembly.html", context)


@login_required
@require_POST
def assembly_start(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    try:
        issued = assembly_open(assembly=found, actor=signed_in(request))
    except CouncilError as error:
        messages.error(request, str(error))
        return redirect("councils:assembly", community=access.community.slug, pk=found.pk)
    # The codes are shown once, to print and deliver; only their hashes are kept.
    return render(
        request,
        "councils/codes.html",
        {"community": access.community, "assembly": found, "issued": issued},
    )


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
    try:
        ballot_enter_paper(
            assembly=found,
            voter=voter,
            opinion=form.cleaned_data["opinion"],
            actor=signed_in(request),
        )
    except CouncilError as error:
        messages.error(request, str(error))
    else:
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
        try:
            result = ballots_import(
                assembly=found,
                data=upload.read(),
                filename=upload.name,
                actor=signed_in(request),
            )
        except (CouncilError, BallotFileError) as error:
            messages.error(request, str(error))
        else:
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
    try:
        assembly_close(assembly=found, actor=signed_in(request))
    except CouncilError as error:
        messages.error(request, str(error))
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
        try:
            ballot_cast_online(
                assembly=found,
                code=form.cleaned_data["code"],
                opinion=form.cleaned_data["opinion"],
            )
        except CouncilError as error:
            form.add_error(None, str(error))
        else:
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
        try:
            case = consent_case_open(
                dwelling=dwelling,
                purpose=form.cleaned_data["purpose"],
                affected=affected,
                actor=signed_in(request),
            )
        except CouncilError as error:
            messages.error(request, str(error))
        else:
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
        try:
            consent_record(consent=found, actor=signed_in(request), **form.cleaned_data)
        except CouncilError as error:
            messages.error(request, str(error))
    return redirect("councils:consent", community=access.community.slug, pk=case.pk)


@login_required
@require_POST
def consent_close(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, case = get_consent_case_for_user(request.user, community, pk)
    try:
        consent_case_close(case=case, actor=signed_in(request))
    except CouncilError as error:
        messages.error(request, str(error))
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
            try:
                poll_create(
                    community=access.community,
                    question=form.cleaned_data["question"],
                    options=form.cleaned_data["options"].splitlines(),
                    multiple=form.cleaned_data["multiple"],
                    closes_at=form.cleaned_data["closes"],
                    actor=signed_in(request),
                )
            except CouncilError as error:
                form.add_error(None, str(error))
            else:
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
    return render(
        request,
        "councils/polls.html",
        {
            "community": access.community,
            "form": form,
            "resident": resident,
            "polls": [(p, p.pk in answered, poll_results(p)) for p in found],
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
    try:
        poll_answer(
            poll=poll,
            resident=resident,
            options=list(poll.options.filter(pk__in=ids)),
            actor=signed_in(request),
        )
    except CouncilError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: your answer has been counted."))
    return back


@login_required
def proposals(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    bodies = [(b.pk, b.name) for b in Body.objects.filter(community=access.community)]
    can_edit = access.can(Can.EDIT)
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
                try:
                    proposal_create(
                        body=body,
                        action=data["action"],
                        need=need,
                        support_needed=data["support_needed"],
                        actor=signed_in(request),
                    )
                except CouncilError as error:
                    form.add_error(None, str(error))
                else:
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
        .select_related("body")
        .annotate(support_count=Count("supports"))[:LIST_LIMIT]
    )
    return render(
        request,
        "councils/proposals.html",
        {
            "community": access.community,
            "form": form,
            "resident": resident,
            "proposals": [(p, p.pk in supported) for p in found],
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
        proposal_support(proposal=proposal, resident=resident, actor=signed_in(request))
        messages.success(request, _("Thank you for your support."))
    return redirect("councils:proposals", community=access.community.slug)
