"""Councils and owners' votes through the API: the same counts as the pages and the CLI.

Casting a ballot needs a signed-in caller (a resident's mini-program), but it is the one-time code
delivered on paper that identifies the owner; the ballot page /vote/<id>/ needs no account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema

from peiban.api.errors import ApiError
from peiban.core.access import Need as Can
from peiban.core.access import signed_in
from peiban.councils.access import (
    get_assembly_for_user,
    get_motion_for_user,
    get_public_access,
)
from peiban.councils.models import Assembly, AssemblyStatus, Voter
from peiban.councils.selectors import assembly_tally, assembly_turnout, decisions_board
from peiban.councils.services import (
    AlreadyVoted,
    CouncilError,
    ForgedCode,
    VotingClosed,
    assembly_close,
    ballot_cast_online,
    ballot_enter_paper,
    motion_vote,
)

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
        ballot_cast_online(assembly=assembly, code=body.code, opinion=body.opinion)
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
    return {
        "id": voted.pk,
        "action": voted.action,
        "status": voted.status,
        "votes_for": voted.votes_for,
        "votes_against": voted.votes_against,
        "abstentions": voted.abstentions,
        "present": voted.present,
        "quorum_met": voted.quorum_met,
        "passed": voted.passed,
    }
