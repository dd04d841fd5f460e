"""Councils and owners' votes through the API: the same counts as the pages and the CLI.

Casting a ballot needs a signed-in caller (a resident's mini-program), but it is the one-time code
delivered on paper that identifies the owner; the ballot page /vote/<id>/ needs no account.

Every operation asks its access helper first (outside the caller's scope: 404), then calls one
service or selector. Refusals are JSON with a `code` and a `message`; a reference in the body to
something that is not of the community (a resident, a meeting, a need) is a 422 refusal.
Government viewers see figures only: the board, closed results, closed polls' counts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema

from peiban.api.errors import ApiError
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
    get_requisition_for_user,
    get_resolution_for_user,
)
from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    Body,
    Consent,
    ConsentAnswer,
    ConsentCase,
    Meeting,
    Motion,
    Poll,
    PollOption,
    Proposal,
    Requisition,
    SpeakingTurn,
    Voter,
)
from peiban.councils.selectors import (
    assembly_tally,
    assembly_turnout,
    bodies_for,
    consent_state,
    decisions_board,
    meeting_notice_short,
    meeting_quorum,
    motion_floor,
    poll_results,
    polls_with_results,
    requisition_tally,
    requisitions_for,
)
from peiban.councils.services import (
    AlreadyVoted,
    CouncilError,
    ForgedCode,
    TooManyAttempts,
    VotingClosed,
    assembly_close,
    ballot_cast_online,
    ballot_enter_paper,
    consent_case_close,
    consent_case_open,
    consent_record,
    hand_raise,
    meeting_close,
    meeting_give_notice,
    meeting_schedule,
    motion_debate,
    motion_propose,
    motion_vote,
    poll_answer,
    poll_create,
    presence_record,
    proposal_create,
    proposal_support,
    proposal_to_motion,
    requisition_create,
    requisition_sign,
    resolution_check,
    resolution_progress,
    turn_end,
    turn_start,
)
from peiban.needs.models import Need
from peiban.places.models import Dwelling, Resident

router = Router(tags=["councils"])

NOT_CERTIFIED = gettext_lazy(
    "Peiban prepares, records and counts; it is not a legally certified electronic voting system."
)


class AssemblyOut(Schema):
    id: int
    title: str
    matter: int
    question: str
    status: str
    secret: bool
    opens_at: datetime
    closes_at: datetime
    voted_heads: int
    result: dict[str, Any] | None
    notice: str


class TallyOut(Schema):
    matter: int
    total_area: str
    total_heads: int
    voted_area: str
    voted_heads: int
    yes_area: str
    yes_heads: int
    no_area: str
    no_heads: int
    abstain_area: str
    abstain_heads: int
    quorum: bool
    passed: bool
    special_majority: bool


class BallotIn(Schema):
    code: str
    opinion: str


class PaperBallotIn(Schema):
    voter: int
    opinion: str


class CastOut(Schema):
    counted: bool
    message: str


class DecisionOut(Schema):
    id: int
    action: str
    responsible: str
    due_on: date
    status: str
    checks: int


class VoteIn(Schema):
    votes_for: int
    votes_against: int
    abstentions: int
    present: int | None = None


class MotionOut(Schema):
    id: int
    action: str
    status: str
    votes_for: int | None
    votes_against: int | None
    abstentions: int | None
    present: int | None
    quorum_met: bool | None
    passed: bool | None


def _assembly(assembly: Assembly, voted: int | None = None) -> dict[str, Any]:
    return {
        "id": assembly.pk,
        "title": assembly.title,
        "matter": assembly.matter,
        "question": assembly.question,
        "status": assembly.status,
        "secret": assembly.secret,
        "opens_at": assembly.opens_at,
        "closes_at": assembly.closes_at,
        "voted_heads": assembly_turnout(assembly)["voted_heads"] if voted is None else voted,
        "result": assembly.result if assembly.status == AssemblyStatus.CLOSED else None,
        "notice": str(NOT_CERTIFIED),
    }


def _refused(error: CouncilError) -> ApiError:
    if isinstance(error, TooManyAttempts):
        return ApiError(429, "too_many_attempts", str(error))
    if isinstance(error, ForgedCode):
        return ApiError(403, "invalid_code", str(error))
    if isinstance(error, AlreadyVoted):
        return ApiError(409, "already_voted", str(error))
    if isinstance(error, VotingClosed):
        return ApiError(409, "voting_closed", str(error))
    return ApiError(422, "refused", str(error))


@router.get("/communities/{ref}/assemblies", response=list[AssemblyOut], summary="Owners' votes")
def assembly_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_public_access(request.user, ref)
    found = Assembly.objects.filter(community=access.community).annotate(voted=Count("receipts"))
    if not access.can(Can.EDIT):
        found = found.exclude(status=AssemblyStatus.DRAFT)
    return [_assembly(a, a.voted) for a in found[:100]]


@router.get("/communities/{ref}/assemblies/{pk}", response=AssemblyOut)
def assembly_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, assembly = get_assembly_for_user(request.user, ref, pk)
    if assembly.status == AssemblyStatus.DRAFT:
        # A vote being prepared is for the staff only.
        _access, assembly = get_assembly_for_user(request.user, ref, pk, manage=True)
    return _assembly(assembly)


@router.get(
    "/communities/{ref}/assemblies/{pk}/tally",
    response=TallyOut,
    summary="The Art. 278 count (staff while voting is open; everyone once closed)",
)
def assembly_count(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, assembly = get_assembly_for_user(request.user, ref, pk)
    if assembly.status == AssemblyStatus.DRAFT:
        raise Http404
    if assembly.status != AssemblyStatus.CLOSED:
        _access, assembly = get_assembly_for_user(request.user, ref, pk, manage=True)
    return assembly_tally(assembly).as_dict()


@router.post(
    "/assemblies/{pk}/ballots",
    response=CastOut,
    summary="Vote with the one-time code delivered on paper (the code identifies the owner)",
)
def assembly_ballot(request: HttpRequest, pk: int, body: BallotIn) -> dict[str, Any]:
    assembly = Assembly.objects.select_related("community__organisation").filter(pk=pk).first()
    if assembly is None:
        raise Http404
    try:
        ballot_cast_online(
            assembly=assembly,
            code=body.code,
            opinion=body.opinion,
            address=client_address(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return {"counted": True, "message": _("Your ballot has been recorded. Thank you.")}


@router.post(
    "/communities/{ref}/assemblies/{pk}/paper-ballots",
    response=CastOut,
    summary="Enter a signed paper ballot (staff)",
)
def assembly_paper_ballot(
    request: HttpRequest, ref: str, pk: int, body: PaperBallotIn
) -> dict[str, Any]:
    _access, assembly = get_assembly_for_user(request.user, ref, pk, manage=True)
    voter = Voter.objects.filter(assembly=assembly, pk=body.voter).first()
    if voter is None:
        raise Http404
    try:
        ballot_enter_paper(
            assembly=assembly, voter=voter, opinion=body.opinion, actor=signed_in(request)
        )
    except CouncilError as error:
        raise _refused(error) from None
    return {"counted": True, "message": _("The paper ballot has been entered.")}


@router.post("/communities/{ref}/assemblies/{pk}/close", response=TallyOut, summary="Close")
def assembly_close_api(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, assembly = get_assembly_for_user(request.user, ref, pk, manage=True)
    try:
        closed = assembly_close(assembly=assembly, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return closed.result


@router.get("/communities/{ref}/decisions", response=list[DecisionOut], summary="The public board")
def decision_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_public_access(request.user, ref)
    return [
        {
            "id": r.pk,
            "action": r.action,
            "responsible": r.responsible,
            "due_on": r.due_on,
            "status": r.status,
            "checks": r.checks_done,  # type: ignore[attr-defined]
        }
        for r in decisions_board(access.community)
    ]


@router.post(
    "/communities/{ref}/motions/{pk}/vote", response=MotionOut, summary="Record a show of hands"
)
def motion_vote_api(request: HttpRequest, ref: str, pk: int, body: VoteIn) -> dict[str, Any]:
    _access, motion = get_motion_for_user(request.user, ref, pk, chair=True)
    try:
        voted = motion_vote(
            motion=motion,
            votes_for=body.votes_for,
            votes_against=body.votes_against,
            abstentions=body.abstentions,
            present=body.present,
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _motion(voted)


def _motion(motion: Motion) -> dict[str, Any]:
    return {
        "id": motion.pk,
        "action": motion.action,
        "status": motion.status,
        "votes_for": motion.votes_for,
        "votes_against": motion.votes_against,
        "abstentions": motion.abstentions,
        "present": motion.present,
        "quorum_met": motion.quorum_met,
        "passed": motion.passed,
    }


def _own_resident(request: HttpRequest, access: CommunityAccess) -> Resident:
    resident = Resident.objects.filter(
        user=signed_in(request), community=access.community, anonymised_at__isnull=True
    ).first()
    if resident is None:
        raise ApiError(
            422,
            "not_linked",
            _("Your account is not linked to a resident of this community."),
        )
    return resident


def _resident_in(access: CommunityAccess, pk: int | None) -> Resident | None:
    if pk is None:
        return None
    resident = Resident.objects.filter(community=access.community, pk=pk).first()
    if resident is None:
        raise ApiError(422, "unknown_resident", _("This resident is not of this community."))
    return resident


def _dwelling_in(access: CommunityAccess, pk: int) -> Dwelling:
    dwelling = (
        Dwelling.objects.select_related("building", "community")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if dwelling is None:
        raise ApiError(422, "unknown_dwelling", _("This dwelling is not of this community."))
    return dwelling


# --- Bodies and meetings -------------------------------------------------------------------------


class BodyOut(Schema):
    id: int
    kind: str
    name: str
    quorum_percent: int | None
    majority: str
    turn_seconds: int
    turns_cap: int
    meetings: int


class MeetingIn(Schema):
    title: str
    starts_at: datetime
    place: str = ""
    agenda: str = ""
    notice_given_at: datetime | None = None


class MeetingOut(Schema):
    id: int
    body: int
    title: str
    starts_at: datetime
    place: str
    status: str
    notice_given_at: datetime | None
    notice_short: bool


class QuorumOut(Schema):
    present: int
    members: int
    needed: int | None
    met: bool


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    quorum: QuorumOut
    motions: list[MotionOut]


class NoticeIn(Schema):
    given_at: datetime | None = None


class NoticeOut(Schema):
    notice_given_at: datetime
    short: bool
    message: str


class AttendanceIn(Schema):
    residents: list[int]


class MinutesIn(Schema):
    minutes: str = ""


class MotionIn(Schema):
    action: str
    proposer: int | None = None


def _meeting(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "body": meeting.body_id,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "status": meeting.status,
        "notice_given_at": meeting.notice_given_at,
        "notice_short": meeting_notice_short(meeting),
    }


def _meeting_detail(meeting: Meeting) -> dict[str, Any]:
    quorum = meeting_quorum(meeting)
    return {
        **_meeting(meeting),
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "quorum": {
            "present": quorum.present,
            "members": quorum.members,
            "needed": quorum.needed,
            "met": quorum.met,
        },
        "motions": [_motion(m) for m in meeting.motions.all()],
    }


@router.get("/communities/{ref}/bodies", response=list[BodyOut], summary="Councils and assemblies")
def body_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_public_access(request.user, ref)
    return [
        {
            "id": b.pk,
            "kind": b.kind,
            "name": b.name,
            "quorum_percent": b.quorum_percent,
            "majority": b.majority,
            "turn_seconds": b.turn_seconds,
            "turns_cap": b.turns_cap,
            "meetings": b.meeting_count,  # type: ignore[attr-defined]
        }
        for b in bodies_for(access.community)[:100]
    ]


@router.get("/communities/{ref}/meetings", response=list[MeetingOut], summary="Meetings")
def meeting_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    found = Meeting.objects.filter(community=access.community).select_related("body")[:100]
    return [_meeting(m) for m in found]


@router.get("/communities/{ref}/meetings/{pk}", response=MeetingDetailOut)
def meeting_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, meeting = get_meeting_for_user(request.user, ref, pk)
    return _meeting_detail(meeting)


@router.post(
    "/communities/{ref}/bodies/{pk}/meetings",
    response=MeetingDetailOut,
    summary="Schedule a meeting (staff and resident leaders)",
)
def meeting_create(request: HttpRequest, ref: str, pk: int, body: MeetingIn) -> dict[str, Any]:
    _access, found = get_body_for_user(request.user, ref, pk)
    try:
        meeting = meeting_schedule(
            body=found,
            title=body.title,
            starts_at=body.starts_at,
            place=body.place,
            agenda=body.agenda,
            notice_given_at=body.notice_given_at,
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _meeting_detail(meeting)


@router.post(
    "/communities/{ref}/meetings/{pk}/notice",
    response=NoticeOut,
    summary="Record that notice was given (an owners' assembly warns under 15 days)",
)
def meeting_notice(request: HttpRequest, ref: str, pk: int, body: NoticeIn) -> dict[str, Any]:
    _access, meeting = get_meeting_for_user(request.user, ref, pk, chair=True)
    short = meeting_give_notice(meeting=meeting, actor=signed_in(request), at=body.given_at)
    return {
        "notice_given_at": meeting.notice_given_at,
        "short": short,
        "message": _("An owners' assembly is announced 15 days ahead; this notice is shorter.")
        if short
        else "",
    }


@router.post(
    "/communities/{ref}/meetings/{pk}/attendance",
    response=QuorumOut,
    summary="Record who is present; answers the quorum",
)
def meeting_attendance(
    request: HttpRequest, ref: str, pk: int, body: AttendanceIn
) -> dict[str, Any]:
    access, meeting = get_meeting_for_user(request.user, ref, pk, chair=True)
    wanted = set(body.residents)
    residents = list(Resident.objects.filter(community=access.community, pk__in=wanted))
    if len(residents) != len(wanted):
        raise ApiError(
            422, "unknown_resident", _("Some of these residents are not of this community.")
        )
    presence_record(meeting=meeting, residents=residents, actor=signed_in(request))
    quorum = meeting_quorum(meeting)
    return {
        "present": quorum.present,
        "members": quorum.members,
        "needed": quorum.needed,
        "met": quorum.met,
    }


@router.post(
    "/communities/{ref}/meetings/{pk}/close",
    response=MeetingDetailOut,
    summary="Close the meeting with its minutes",
)
def meeting_close_api(request: HttpRequest, ref: str, pk: int, body: MinutesIn) -> dict[str, Any]:
    _access, meeting = get_meeting_for_user(request.user, ref, pk, chair=True)
    try:
        closed = meeting_close(meeting=meeting, minutes=body.minutes, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _meeting_detail(closed)


@router.post(
    "/communities/{ref}/meetings/{pk}/motions",
    response=MotionOut,
    summary="Put a motion: a concrete action",
)
def motion_create(request: HttpRequest, ref: str, pk: int, body: MotionIn) -> dict[str, Any]:
    access, meeting = get_meeting_for_user(request.user, ref, pk, chair=True)
    try:
        motion = motion_propose(
            meeting=meeting,
            action=body.action,
            proposer=_resident_in(access, body.proposer),
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _motion(motion)


# --- The speaking order --------------------------------------------------------------------------


class TurnOut(Schema):
    id: int
    resident: int
    name: str
    side: str
    status: str
    raised_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


class FloorOut(Schema):
    motion: MotionOut
    speaking: TurnOut | None
    queue: list[TurnOut]
    spoken: list[TurnOut]
    over_cap: list[TurnOut]
    turn_seconds: int
    turns_cap: int
    reminder: str


class HandIn(Schema):
    resident: int
    side: str


def _turn(turn: SpeakingTurn) -> dict[str, Any]:
    return {
        "id": turn.pk,
        "resident": turn.resident_id,
        "name": turn.resident.name,
        "side": turn.side,
        "status": turn.status,
        "raised_at": turn.raised_at,
        "started_at": turn.started_at,
        "ended_at": turn.ended_at,
    }


def _floor(motion: Motion) -> dict[str, Any]:
    body = motion.meeting.body
    floor = motion_floor(motion, cap=body.turns_cap)
    return {
        "motion": _motion(motion),
        "speaking": _turn(floor.speaking) if floor.speaking else None,
        "queue": [_turn(t) for t in floor.queue],
        "spoken": [_turn(t) for t in floor.spoken],
        "over_cap": [_turn(t) for t in floor.over_cap],
        "turn_seconds": body.turn_seconds,
        "turns_cap": body.turns_cap,
        "reminder": _(
            "The chair runs the procedure only: do not argue, do not sum up others' views."
        ),
    }


@router.post(
    "/communities/{ref}/motions/{pk}/debate",
    response=FloorOut,
    summary="Open the debate (one motion at a time)",
)
def motion_debate_api(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, motion = get_motion_for_user(request.user, ref, pk, chair=True)
    try:
        motion = motion_debate(motion=motion, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _floor(motion)


@router.get(
    "/communities/{ref}/motions/{pk}/floor",
    response=FloorOut,
    summary="The speaking order: who speaks, who is next, who has spoken",
)
def motion_floor_api(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, motion = get_motion_for_user(request.user, ref, pk, chair=True)
    return _floor(motion)


@router.post(
    "/communities/{ref}/motions/{pk}/hands",
    response=FloorOut,
    summary="Record a raised hand, for or against",
)
def motion_hand(request: HttpRequest, ref: str, pk: int, body: HandIn) -> dict[str, Any]:
    access, motion = get_motion_for_user(request.user, ref, pk, chair=True)
    resident = _resident_in(access, body.resident)
    assert resident is not None
    try:
        hand_raise(motion=motion, resident=resident, side=body.side, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _floor(motion)


@router.post(
    "/communities/{ref}/motions/{pk}/next",
    response=FloorOut,
    summary="Give the floor to the next speaker in the order",
)
def motion_next(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, motion = get_motion_for_user(request.user, ref, pk, chair=True)
    floor = motion_floor(motion, cap=motion.meeting.body.turns_cap)
    if not floor.queue:
        raise ApiError(422, "nobody_waiting", _("Nobody is waiting to speak."))
    try:
        turn_start(turn=floor.queue[0], actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _floor(motion)


@router.post(
    "/communities/{ref}/motions/{pk}/turns/{turn}/end",
    response=FloorOut,
    summary="End a turn: the record of who spoke",
)
def motion_turn_end(request: HttpRequest, ref: str, pk: int, turn: int) -> dict[str, Any]:
    _access, motion = get_motion_for_user(request.user, ref, pk, chair=True)
    found = SpeakingTurn.objects.filter(motion=motion, pk=turn).select_related("motion").first()
    if found is None:
        raise Http404
    try:
        turn_end(turn=found, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _floor(motion)


# --- Decisions: progress and residents' checks ---------------------------------------------------


class ProgressIn(Schema):
    text: str
    done: bool = False


class CheckIn(Schema):
    confirmed: bool
    note: str = ""


class DecisionStateOut(Schema):
    id: int
    status: str
    message: str


@router.post(
    "/communities/{ref}/decisions/{pk}/progress",
    response=DecisionStateOut,
    summary="Add progress (staff and resident leaders)",
)
def decision_progress(request: HttpRequest, ref: str, pk: int, body: ProgressIn) -> dict[str, Any]:
    _access, resolution = get_resolution_for_user(request.user, ref, pk, manage=True)
    try:
        resolution_progress(
            resolution=resolution, text=body.text, done=body.done, actor=signed_in(request)
        )
    except CouncilError as error:
        raise _refused(error) from None
    return {"id": resolution.pk, "status": resolution.status, "message": ""}


@router.post(
    "/communities/{ref}/decisions/{pk}/checks",
    response=DecisionStateOut,
    summary="A resident checks that a decision reported done was carried out",
)
def decision_check(request: HttpRequest, ref: str, pk: int, body: CheckIn) -> dict[str, Any]:
    access, resolution = get_resolution_for_user(request.user, ref, pk)
    if not access.can(Can.PARTICIPATE):
        raise Http404
    resident = _own_resident(request, access)
    try:
        checked = resolution_check(
            resolution=resolution,
            resident=resident,
            confirmed=body.confirmed,
            note=body.note,
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return {"id": checked.pk, "status": checked.status, "message": _("Thank you for checking.")}


# --- Polls ---------------------------------------------------------------------------------------


class PollOptionOut(Schema):
    id: int
    text: str


class PollResultOut(Schema):
    option: str
    answers: int


class PollOut(Schema):
    id: int
    question: str
    multiple: bool
    closes_at: datetime
    closed: bool
    options: list[PollOptionOut]
    results: list[PollResultOut] | None


class PollIn(Schema):
    question: str
    options: list[str]
    closes_at: datetime
    multiple: bool = False


class AnswerIn(Schema):
    options: list[int]


def _poll(poll: Poll, results: list[tuple[str, int]] | None) -> dict[str, Any]:
    return {
        "id": poll.pk,
        "question": poll.question,
        "multiple": poll.multiple,
        "closes_at": poll.closes_at,
        "closed": results is not None,
        "options": [{"id": o.pk, "text": o.text} for o in poll.options.all()],
        "results": None
        if results is None
        else [{"option": text, "answers": n} for text, n in results],
    }


@router.get(
    "/communities/{ref}/polls",
    response=list[PollOut],
    summary="Polls (意见征集); results only once closed",
)
def poll_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_public_access(request.user, ref)
    return [_poll(poll, results) for poll, results in polls_with_results(access.community)]


@router.get("/communities/{ref}/polls/{pk}", response=PollOut)
def poll_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, poll = get_poll_for_user(request.user, ref, pk)
    return _poll(poll, poll_results(poll))


@router.post("/communities/{ref}/polls", response=PollOut, summary="Create a poll (staff)")
def poll_create_api(request: HttpRequest, ref: str, body: PollIn) -> dict[str, Any]:
    access = get_community_access(request.user, ref, need=Can.EDIT)
    try:
        poll = poll_create(
            community=access.community,
            question=body.question,
            options=body.options,
            closes_at=body.closes_at,
            multiple=body.multiple,
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _poll(poll, poll_results(poll))


@router.post(
    "/communities/{ref}/polls/{pk}/answers", response=CastOut, summary="Answer a poll, once"
)
def poll_answer_api(request: HttpRequest, ref: str, pk: int, body: AnswerIn) -> dict[str, Any]:
    access, poll = get_poll_for_user(request.user, ref, pk)
    if not access.can(Can.PARTICIPATE):
        raise Http404
    resident = _own_resident(request, access)
    options = list(PollOption.objects.filter(poll=poll, pk__in=body.options))
    if len(options) != len(set(body.options)):
        raise ApiError(422, "refused", _("Choose among the options of this poll."))
    try:
        poll_answer(poll=poll, resident=resident, options=options, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return {"counted": True, "message": _("Thank you: your answer has been recorded.")}


# --- Proposals -----------------------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    body: int
    action: str
    need: int | None
    supporters: int
    support_needed: int
    on_agenda: bool
    motion: int | None


class ProposalIn(Schema):
    body: int
    action: str
    need: int | None = None
    proposer: int | None = None
    support_needed: int = 10


class ToMotionIn(Schema):
    meeting: int


def _proposal(proposal: Proposal, supporters: int) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "body": proposal.body_id,
        "action": proposal.action,
        "need": proposal.need_id,
        "supporters": supporters,
        "support_needed": proposal.support_needed,
        "on_agenda": proposal.on_agenda_at is not None,
        "motion": proposal.motion_id,
    }


@router.get("/communities/{ref}/proposals", response=list[ProposalOut], summary="Proposals")
def proposal_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    found = Proposal.objects.filter(community=access.community).annotate(
        supporters=Count("supports")
    )[:100]
    return [_proposal(p, p.supporters) for p in found]


@router.post(
    "/communities/{ref}/proposals",
    response=ProposalOut,
    summary="Make a proposal, optionally from a need (staff)",
)
def proposal_create_api(request: HttpRequest, ref: str, body: ProposalIn) -> dict[str, Any]:
    access = get_community_access(request.user, ref, need=Can.EDIT)
    found = Body.objects.filter(community=access.community, pk=body.body).first()
    if found is None:
        raise ApiError(422, "unknown_body", _("This council is not of this community."))
    need = None
    if body.need is not None:
        need = Need.objects.filter(community=access.community, pk=body.need).first()
        if need is None:
            raise ApiError(422, "unknown_need", _("This need is not of this community."))
    try:
        proposal = proposal_create(
            body=found,
            action=body.action,
            need=need,
            proposer=_resident_in(access, body.proposer),
            support_needed=body.support_needed,
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _proposal(proposal, 0)


@router.post(
    "/communities/{ref}/proposals/{pk}/support",
    response=ProposalOut,
    summary="Support a proposal (once per resident)",
)
def proposal_support_api(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    access, proposal = get_proposal_for_user(request.user, ref, pk)
    resident = _own_resident(request, access)
    try:
        supported = proposal_support(proposal=proposal, resident=resident, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _proposal(supported, supported.supports.count())


@router.post(
    "/communities/{ref}/proposals/{pk}/motion",
    response=MotionOut,
    summary="Put a proposal to a meeting as a motion (staff and resident leaders)",
)
def proposal_motion_api(
    request: HttpRequest, ref: str, pk: int, body: ToMotionIn
) -> dict[str, Any]:
    access, proposal = get_proposal_for_user(request.user, ref, pk)
    if not access.can(Can.RECORDS):
        raise Http404
    meeting = Meeting.objects.filter(community=access.community, pk=body.meeting).first()
    if meeting is None:
        raise ApiError(422, "unknown_meeting", _("This meeting is not of this community."))
    try:
        motion = proposal_to_motion(proposal=proposal, meeting=meeting, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    return _motion(motion)


# --- Homes turned into businesses (Art. 279) ----------------------------------------------------


class ConsentOut(Schema):
    id: int
    dwelling: int
    home: str
    answer: str
    signed_by: str
    recorded_at: datetime | None


class ConsentCaseOut(Schema):
    id: int
    dwelling: int
    home: str
    purpose: str
    closed: bool
    granted: bool | None
    consent: int
    refuse: int
    pending: int


class ConsentCaseDetailOut(ConsentCaseOut):
    consents: list[ConsentOut]


class ConsentCaseIn(Schema):
    dwelling: int
    purpose: str
    affected: list[int]


class ConsentIn(Schema):
    answer: str
    signed_by: str


def _case(case: ConsentCase, state: dict[str, int]) -> dict[str, Any]:
    return {
        "id": case.pk,
        "dwelling": case.dwelling_id,
        "home": case.dwelling.label,
        "purpose": case.purpose,
        "closed": case.closed_at is not None,
        "granted": case.granted,
        "consent": state.get("consent", 0),
        "refuse": state.get("refuse", 0),
        "pending": state.get("pending", 0),
    }


def _case_detail(case: ConsentCase) -> dict[str, Any]:
    consents = list(case.consents.select_related("dwelling__building"))
    return {
        **_case(case, consent_state(case)),
        "consents": [
            {
                "id": c.pk,
                "dwelling": c.dwelling_id,
                "home": c.dwelling.label,
                "answer": c.answer,
                "signed_by": c.signed_by,
                "recorded_at": c.recorded_at,
            }
            for c in consents
        ],
    }


@router.get(
    "/communities/{ref}/consent-cases",
    response=list[ConsentCaseOut],
    summary="Home-to-business consent cases (staff)",
)
def consent_case_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_community_access(request.user, ref, need=Can.EDIT)
    found = (
        ConsentCase.objects.filter(community=access.community)
        .select_related("dwelling__building")
        .annotate(
            n_consent=Count("consents", filter=Q(consents__answer=ConsentAnswer.CONSENT)),
            n_refuse=Count("consents", filter=Q(consents__answer=ConsentAnswer.REFUSE)),
            n_pending=Count("consents", filter=Q(consents__answer=ConsentAnswer.PENDING)),
        )[:100]
    )
    return [
        _case(
            c,
            {
                "consent": c.n_consent,
                "refuse": c.n_refuse,
                "pending": c.n_pending,
            },
        )
        for c in found
    ]


@router.post(
    "/communities/{ref}/consent-cases",
    response=ConsentCaseDetailOut,
    summary="Open a case: the affected owners must all consent",
)
def consent_case_create(request: HttpRequest, ref: str, body: ConsentCaseIn) -> dict[str, Any]:
    access = get_community_access(request.user, ref, need=Can.EDIT)
    dwelling = _dwelling_in(access, body.dwelling)
    affected = list(Dwelling.objects.filter(community=access.community, pk__in=set(body.affected)))
    if len(affected) != len(set(body.affected)):
        raise ApiError(
            422, "unknown_dwelling", _("Some of these dwellings are not of this community.")
        )
    try:
        case = consent_case_open(
            dwelling=dwelling, purpose=body.purpose, affected=affected, actor=signed_in(request)
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _case_detail(case)


@router.get("/communities/{ref}/consent-cases/{pk}", response=ConsentCaseDetailOut)
def consent_case_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, case = get_consent_case_for_user(request.user, ref, pk)
    return _case_detail(case)


@router.post(
    "/communities/{ref}/consent-cases/{pk}/consents/{item}",
    response=ConsentCaseDetailOut,
    summary="Record an owner's consent or refusal, and who signed",
)
def consent_answer_api(
    request: HttpRequest, ref: str, pk: int, item: int, body: ConsentIn
) -> dict[str, Any]:
    _access, case = get_consent_case_for_user(request.user, ref, pk)
    consent = Consent.objects.filter(case=case, pk=item).first()
    if consent is None:
        raise Http404
    try:
        consent_record(
            consent=consent, answer=body.answer, signed_by=body.signed_by, actor=signed_in(request)
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _case_detail(case)


@router.post(
    "/communities/{ref}/consent-cases/{pk}/close",
    response=ConsentCaseDetailOut,
    summary="Close the case: granted only if every affected owner consented",
)
def consent_case_close_api(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, case = get_consent_case_for_user(request.user, ref, pk)
    try:
        closed = consent_case_close(case=case, actor=signed_in(request))
    except CouncilError as error:
        raise _refused(error) from None
    closed.dwelling = case.dwelling
    return _case_detail(closed)


# --- Requisition of an interim owners' assembly -------------------------------------------------


class RequisitionCountOut(Schema):
    total_area: str
    total_heads: int
    signed_area: str
    signed_heads: int
    area_reached: bool
    heads_reached: bool
    reached: bool


class RequisitionOut(Schema):
    id: int
    purpose: str
    signatures: int
    reached_at: datetime | None


class RequisitionDetailOut(RequisitionOut):
    count: RequisitionCountOut | None
    missing_areas: int
    message: str


class RequisitionIn(Schema):
    purpose: str


class SignatureIn(Schema):
    dwelling: int
    signed_by: str


def _requisition(requisition: Requisition) -> dict[str, Any]:
    state = requisition_tally(requisition)
    message = ""
    if state.count is None:
        message = _(
            "%(n)s dwelling(s) have no area in the registry, for example %(example)s; the 20%% "
            "cannot be counted until every dwelling has its area."
        ) % {"n": state.missing, "example": state.missing_example}
    return {
        "id": requisition.pk,
        "purpose": requisition.purpose,
        "signatures": requisition.signatures.count(),
        "reached_at": requisition.reached_at,
        "count": None if state.count is None else state.count.as_dict(),
        "missing_areas": state.missing,
        "message": message,
    }


@router.get(
    "/communities/{ref}/requisitions",
    response=list[RequisitionOut],
    summary="Requisitions of an interim owners' assembly (staff)",
)
def requisition_list(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    access = get_community_access(request.user, ref, need=Can.EDIT)
    return [
        {
            "id": r.pk,
            "purpose": r.purpose,
            "signatures": r.signature_count,  # type: ignore[attr-defined]
            "reached_at": r.reached_at,
        }
        for r in requisitions_for(access.community)[:100]
    ]


@router.post(
    "/communities/{ref}/requisitions",
    response=RequisitionDetailOut,
    summary="Start a requisition (20% of the area and 20% of the owners)",
)
def requisition_create_api(request: HttpRequest, ref: str, body: RequisitionIn) -> dict[str, Any]:
    access = get_community_access(request.user, ref, need=Can.EDIT)
    try:
        requisition = requisition_create(
            community=access.community, purpose=body.purpose, actor=signed_in(request)
        )
    except CouncilError as error:
        raise _refused(error) from None
    return _requisition(requisition)


@router.get("/communities/{ref}/requisitions/{pk}", response=RequisitionDetailOut)
def requisition_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, requisition = get_requisition_for_user(request.user, ref, pk)
    return _requisition(requisition)


@router.post(
    "/communities/{ref}/requisitions/{pk}/signatures",
    response=RequisitionDetailOut,
    summary="Record an owner's signature (for one of their dwellings)",
)
def requisition_sign_api(
    request: HttpRequest, ref: str, pk: int, body: SignatureIn
) -> dict[str, Any]:
    access, requisition = get_requisition_for_user(request.user, ref, pk)
    dwelling = _dwelling_in(access, body.dwelling)
    try:
        requisition_sign(
            requisition=requisition,
            dwelling=dwelling,
            signed_by=body.signed_by,
            actor=signed_in(request),
        )
    except CouncilError as error:
        raise _refused(error) from None
    requisition.refresh_from_db()
    return _requisition(requisition)
