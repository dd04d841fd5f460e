"""Every write of the councils area: bodies, meetings, motions and the speaking order, decisions
and their follow-up, owners' votes (Art. 278), consent cases (Art. 279), proposals and polls.

Each function validates, saves and leaves an audit entry. Refusals are CouncilError with a
translated sentence for people.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    Ballot,
    BallotReceipt,
    Body,
    BodyKind,
    BodyMember,
    Channel,
    CodeAttempt,
    Consent,
    ConsentAnswer,
    ConsentCase,
    Majority,
    Meeting,
    MeetingStatus,
    MemberRole,
    Motion,
    MotionStatus,
    Poll,
    PollAnswer,
    PollOption,
    Presence,
    Proposal,
    Requisition,
    RequisitionSignature,
    Resolution,
    ResolutionCheck,
    ResolutionStatus,
    ResolutionUpdate,
    SpeakingTurn,
    Support,
    TurnStatus,
    Voter,
    VotingCode,
)
from peiban.councils.paper import ballots_match, read_ballot_sheet
from peiban.councils.procedure import Side, motion_count
from peiban.councils.tally import (
    DEVELOPER,
    MATTERS,
    Electorate,
    Holding,
    Opinion,
    TallyError,
    counted_area,
    electorate_build,
    voter_key,
)
from peiban.councils.tally import Voter as TallyVoter
from peiban.needs.services import need_mark_proposed
from peiban.places.models import Community, Dwelling, Ownership, Resident

NOTICE_DAYS = 15  # an owners' assembly is announced 15 days ahead
CHECKS_NEEDED = 2  # residents who must confirm that a decision was carried out
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I
CODE_LENGTH = 10
MAJORITY_SHARES = {Majority.TWO_THIRDS: (2, 3), Majority.THREE_QUARTERS: (3, 4)}
# Guessing codes: wrong codes from one address, and on one vote from everywhere, within a window.
# A code has 50 bits: with these limits a year of guessing on a vote of 10,000 dwellings finds a
# code with a chance of about one in ten million.
CODE_FAILURES_PER_ADDRESS = 10
CODE_ADDRESS_WINDOW = timedelta(minutes=15)
CODE_FAILURES_PER_VOTE = 300
CODE_VOTE_WINDOW = timedelta(hours=1)


class CouncilError(ValueError):
    """A change the councils area refuses; the message is for people."""


class ForgedCode(CouncilError):
    """The code was not issued for this vote."""


class AlreadyVoted(CouncilError):
    """The owner has voted already; only the first ballot counts."""


class VotingClosed(CouncilError):
    """The vote is not open (not yet, or no longer)."""


class TooManyAttempts(CouncilError):
    """Too many wrong codes were tried; the message says how long to wait."""


def _text(value: str, *, what: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CouncilError(_("%(what)s cannot be empty.") % {"what": what})
    if len(value) > limit:
        raise CouncilError(
            _("%(what)s is %(n)s characters long; the limit is %(limit)s.")
            % {"what": what, "n": len(value), "limit": limit}
        )
    return value


def _audit(
    actor: User | None,
    subject: Any,
    community: Community,
    action: AuditAction,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject=subject,
        organisation=community.organisation,
        reason=reason,
        detail=detail or {},
    )


def _same_community(resident: Resident, community_id: int) -> None:
    if resident.community_id != community_id:
        raise CouncilError(_("The resident must be of this community."))


# --- Bodies --------------------------------------------------------------------------------------


@transaction.atomic
def body_create(
    *,
    community: Community,
    kind: str,
    name: str,
    actor: User | None,
    quorum_percent: int | None = None,
    majority: str = Majority.SIMPLE,
    turn_seconds: int = 120,
    turns_cap: int = 2,
) -> Body:
    if kind not in BodyKind.values:
        raise CouncilError(_("Choose a kind of council or assembly."))
    if majority not in Majority.values:
        raise CouncilError(_("Choose a majority rule."))
    if quorum_percent is not None and not 1 <= quorum_percent <= 100:
        raise CouncilError(_("The quorum is a share of the members from 1 to 100 per cent."))
    if not 15 <= turn_seconds <= 1800 or not 1 <= turns_cap <= 10:
        raise CouncilError(
            _("A turn lasts 15 seconds to 30 minutes, and a person speaks 1 to 10 times.")
        )
    body = Body.objects.create(
        community=community,
        kind=kind,
        name=_text(name, what=_("The name"), limit=100),
        quorum_percent=quorum_percent,
        majority=majority,
        turn_seconds=turn_seconds,
        turns_cap=turns_cap,
    )
    _audit(actor, body, community, AuditAction.CREATE, "body created", {"kind": kind})
    return body


@transaction.atomic
def member_elect(
    *,
    body: Body,
    resident: Resident,
    term_start: date,
    term_end: date | None = None,
    role: str = MemberRole.MEMBER,
    actor: User | None,
) -> BodyMember:
    _same_community(resident, body.community_id)
    if term_end is not None and term_end <= term_start:
        raise CouncilError(_("A term must end after it starts."))
    if role not in MemberRole.values:
        raise CouncilError(_("Choose a role."))
    member, _created = BodyMember.objects.get_or_create(
        body=body,
        resident=resident,
        term_start=term_start,
        defaults={"term_end": term_end, "role": role},
    )
    _audit(actor, body, body.community, AuditAction.CHANGE, "member elected", {"member": member.pk})
    return member


def members_on(body: Body, day: date) -> int:
    """The number of members serving on `day`."""
    return (
        BodyMember.objects.filter(body=body, term_start__lte=day)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=day))
        .values("resident")
        .distinct()
        .count()
    )


# --- Meetings ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    body: Body,
    title: str,
    starts_at: datetime,
    agenda: str = "",
    place: str = "",
    notice_given_at: datetime | None = None,
    actor: User | None,
) -> Meeting:
    meeting = Meeting.objects.create(
        body=body,
        community=body.community,
        title=_text(title, what=_("The title"), limit=120),
        starts_at=starts_at,
        agenda=_text(agenda, what=_("The agenda"), limit=5000, required=False),
        place=_text(place, what=_("The place"), limit=100, required=False),
        notice_given_at=notice_given_at,
    )
    _audit(actor, meeting, body.community, AuditAction.CREATE, "meeting scheduled")
    return meeting


def notice_short(*, kind: str, notice_given_at: datetime | None, starts_at: datetime) -> bool:
    """Whether an owners' assembly is announced less than 15 days ahead (or not at all)."""
    if kind != BodyKind.OWNERS_ASSEMBLY:
        return False
    return notice_given_at is None or starts_at - notice_given_at < timedelta(days=NOTICE_DAYS)


@transaction.atomic
def meeting_give_notice(
    *, meeting: Meeting, actor: User | None, at: datetime | None = None
) -> bool:
    """Record that notice was given; True when an owners' assembly gets less than 15 days."""
    meeting.notice_given_at = at or timezone.now()
    meeting.save(update_fields=["notice_given_at"])
    short = notice_short(
        kind=meeting.body.kind, notice_given_at=meeting.notice_given_at, starts_at=meeting.starts_at
    )
    _audit(actor, meeting, meeting.community, AuditAction.CHANGE, "notice given", {"short": short})
    return short


@transaction.atomic
def presence_record(*, meeting: Meeting, residents: Iterable[Resident], actor: User | None) -> int:
    """Record who is present; returns how many are present now."""
    for resident in residents:
        _same_community(resident, meeting.community_id)
        Presence.objects.get_or_create(meeting=meeting, resident=resident)
    present = Presence.objects.filter(meeting=meeting).count()
    _audit(actor, meeting, meeting.community, AuditAction.CHANGE, "presence", {"present": present})
    return present


@transaction.atomic
def meeting_open(*, meeting: Meeting, actor: User | None) -> Meeting:
    if meeting.status == MeetingStatus.CLOSED:
        raise CouncilError(_("This meeting is closed."))
    meeting.status = MeetingStatus.OPEN
    meeting.save(update_fields=["status"])
    _audit(actor, meeting, meeting.community, AuditAction.CHANGE, "meeting opened")
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, minutes: str, actor: User | None) -> Meeting:
    if meeting.motions.filter(status=MotionStatus.DEBATE).exists():
        raise CouncilError(_("A motion is still under debate; vote on it or withdraw it first."))
    meeting.minutes = _text(minutes, what=_("The minutes"), limit=20000, required=False)
    meeting.status = MeetingStatus.CLOSED
    meeting.save(update_fields=["minutes", "status"])
    _audit(actor, meeting, meeting.community, AuditAction.CHANGE, "meeting closed")
    return meeting


# --- Motions and the speaking order --------------------------------------------------------------


@transaction.atomic
def motion_propose(
    *, meeting: Meeting, action: str, proposer: Resident | None = None, actor: User | None
) -> Motion:
    """Put a motion: a concrete action. No motion, no discussion."""
    if meeting.status == MeetingStatus.CLOSED:
        raise CouncilError(_("This meeting is closed."))
    if proposer is not None:
        _same_community(proposer, meeting.community_id)
    action = _text(action, what=_("The motion"), limit=300)
    if len(action) < 4:
        raise CouncilError(
            _("A motion states a concrete action: who does what, by when. Say more.")
        )
    position = meeting.motions.count() + 1
    motion = Motion.objects.create(
        meeting=meeting,
        community=meeting.community,
        action=action,
        proposer=proposer,
        position=position,
    )
    _audit(actor, motion, meeting.community, AuditAction.CREATE, "motion proposed")
    return motion


@transaction.atomic
def motion_debate(*, motion: Motion, actor: User | None) -> Motion:
    """Open the debate on a motion: one motion at a time."""
    meeting = Meeting.objects.select_for_update().get(pk=motion.meeting_id)
    if meeting.status == MeetingStatus.CLOSED:
        raise CouncilError(_("This meeting is closed."))
    motion.refresh_from_db()
    if motion.status != MotionStatus.PROPOSED:
        raise CouncilError(_("Only a proposed motion can be opened for debate."))
    if meeting.motions.filter(status=MotionStatus.DEBATE).exclude(pk=motion.pk).exists():
        raise CouncilError(_("One motion at a time: finish the motion under debate first."))
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.OPEN
        meeting.save(update_fields=["status"])
    motion.status = MotionStatus.DEBATE
    motion.save(update_fields=["status"])
    _audit(actor, motion, motion.community, AuditAction.CHANGE, "debate opened")
    return motion


@transaction.atomic
def motion_withdraw(*, motion: Motion, actor: User | None) -> Motion:
    if motion.status not in (MotionStatus.PROPOSED, MotionStatus.DEBATE):
        raise CouncilError(_("This motion has already been voted on."))
    motion.status = MotionStatus.WITHDRAWN
    motion.save(update_fields=["status"])
    motion.turns.filter(status__in=[TurnStatus.WAITING, TurnStatus.SPEAKING]).update(
        status=TurnStatus.WITHDRAWN
    )
    _audit(actor, motion, motion.community, AuditAction.CHANGE, "motion withdrawn")
    return motion


def _debating(motion: Motion) -> Motion:
    locked = Motion.objects.select_for_update().select_related("meeting__body").get(pk=motion.pk)
    if locked.status != MotionStatus.DEBATE:
        raise CouncilError(_("This motion is not under debate."))
    return locked


@transaction.atomic
def hand_raise(
    *, motion: Motion, resident: Resident, side: str, actor: User | None
) -> SpeakingTurn:
    """A resident asks to speak for or against; refused past the cap of turns."""
    locked = _debating(motion)
    _same_community(resident, locked.community_id)
    if side not in Side.__members__.values():
        raise CouncilError(_("Say whether you speak for or against the motion."))
    turns = SpeakingTurn.objects.filter(motion=locked, resident=resident)
    if turns.filter(status__in=[TurnStatus.WAITING, TurnStatus.SPEAKING]).exists():
        raise CouncilError(_("%(name)s is already waiting to speak.") % {"name": resident.name})
    cap = locked.meeting.body.turns_cap
    if turns.filter(status=TurnStatus.DONE).count() >= cap:
        raise CouncilError(
            _("%(name)s has spoken %(cap)s times on this motion, which is the limit.")
            % {"name": resident.name, "cap": cap}
        )
    turn = SpeakingTurn.objects.create(
        motion=locked, resident=resident, side=side, raised_at=timezone.now()
    )
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "hand raised", {"turn": turn.pk})
    return turn


@transaction.atomic
def turn_start(*, turn: SpeakingTurn, actor: User | None) -> SpeakingTurn:
    """The chair gives the floor; whoever was speaking has finished."""
    locked = _debating(turn.motion)
    now = timezone.now()
    SpeakingTurn.objects.filter(motion=locked, status=TurnStatus.SPEAKING).update(
        status=TurnStatus.DONE, ended_at=now
    )
    turn.refresh_from_db()
    if turn.status != TurnStatus.WAITING:
        raise CouncilError(_("This person is not waiting to speak."))
    turn.status = TurnStatus.SPEAKING
    turn.started_at = now
    turn.save(update_fields=["status", "started_at"])
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "turn started", {"turn": turn.pk})
    return turn


@transaction.atomic
def turn_end(*, turn: SpeakingTurn, actor: User | None) -> SpeakingTurn:
    _debating(turn.motion)
    turn.refresh_from_db()
    if turn.status != TurnStatus.SPEAKING:
        raise CouncilError(_("This person is not speaking."))
    turn.status = TurnStatus.DONE
    turn.ended_at = timezone.now()
    turn.save(update_fields=["status", "ended_at"])
    _audit(actor, turn.motion, turn.motion.community, AuditAction.CHANGE, "turn ended")
    return turn


@transaction.atomic
def motion_vote(
    *,
    motion: Motion,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    present: int | None = None,
    actor: User | None,
) -> Motion:
    """Record a show of hands. By default for > against passes; abstentions are not counted and
    a tie fails. The body's quorum and qualified majority apply when it has set them."""
    locked = Motion.objects.select_for_update().select_related("meeting__body").get(pk=motion.pk)
    if locked.status not in (MotionStatus.DEBATE, MotionStatus.PROPOSED):
        raise CouncilError(_("This motion has already been voted on or was withdrawn."))
    body = locked.meeting.body
    if min(votes_for, votes_against, abstentions, present or 0) < 0:
        raise CouncilError(_("Votes are counted in whole numbers from zero."))
    if present is None:
        present = locked.meeting.presences.count() or votes_for + votes_against + abstentions
    members = members_on(body, timezone.localdate(locked.meeting.starts_at))
    shares = MAJORITY_SHARES.get(Majority(body.majority))
    try:
        result = motion_count(
            votes_for=votes_for,
            votes_against=votes_against,
            abstentions=abstentions,
            present=present,
            members=members,
            quorum=Fraction(body.quorum_percent, 100) if body.quorum_percent else None,
            majority=Fraction(*shares) if shares else None,
        )
    except ValueError:
        raise CouncilError(
            _("The votes add up to more than the %(n)s people present.") % {"n": present}
        ) from None
    now = timezone.now()
    SpeakingTurn.objects.filter(motion=locked, status=TurnStatus.SPEAKING).update(
        status=TurnStatus.DONE, ended_at=now
    )
    SpeakingTurn.objects.filter(motion=locked, status=TurnStatus.WAITING).update(
        status=TurnStatus.WITHDRAWN
    )
    locked.votes_for, locked.votes_against, locked.abstentions = (
        votes_for,
        votes_against,
        abstentions,
    )
    locked.present = present
    locked.quorum_met = result.quorum_met
    locked.passed = result.passed
    locked.status = MotionStatus.VOTED
    locked.voted_at = now
    locked.save(
        update_fields=[
            "votes_for",
            "votes_against",
            "abstentions",
            "present",
            "quorum_met",
            "passed",
            "status",
            "voted_at",
        ]
    )
    _audit(
        actor,
        locked,
        locked.community,
        AuditAction.CHANGE,
        "motion voted",
        {
            "for": votes_for,
            "against": votes_against,
            "abstain": abstentions,
            "present": present,
            "passed": result.passed,
        },
    )
    return locked


# --- Decisions and their follow-up ---------------------------------------------------------------


@transaction.atomic
def resolution_create(
    *,
    community: Community,
    action: str,
    responsible: str,
    due_on: date,
    motion: Motion | None = None,
    assembly: Assembly | None = None,
    actor: User | None,
) -> Resolution:
    """Record who does what by when, for a passed motion or assembly vote."""
    if motion is not None and (motion.community_id != community.pk or not motion.passed):
        raise CouncilError(_("Only a motion that passed becomes a decision."))
    if assembly is not None and (
        assembly.community_id != community.pk or not assembly.result.get("passed")
    ):
        raise CouncilError(_("Only a vote that passed becomes a decision."))
    resolution = Resolution.objects.create(
        community=community,
        motion=motion,
        assembly=assembly,
        action=_text(action, what=_("What is to be done"), limit=300),
        responsible=_text(responsible, what=_("Who does it"), limit=100),
        due_on=due_on,
    )
    _audit(actor, resolution, community, AuditAction.CREATE, "decision recorded")
    return resolution


@transaction.atomic
def resolution_progress(
    *, resolution: Resolution, text: str, done: bool = False, actor: User | None
) -> ResolutionUpdate:
    locked = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if locked.status == ResolutionStatus.VERIFIED:
        raise CouncilError(_("This decision has been checked by residents and is finished."))
    update = ResolutionUpdate.objects.create(
        resolution=locked,
        text=_text(text, what=_("The progress note"), limit=1000),
        done=done,
        author=actor,
    )
    locked.status = ResolutionStatus.REPORTED_DONE if done else ResolutionStatus.IN_PROGRESS
    locked.save(update_fields=["status"])
    resolution.status = locked.status
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "progress", {"done": done})
    return update


@transaction.atomic
def resolution_check(
    *,
    resolution: Resolution,
    resident: Resident,
    confirmed: bool,
    note: str = "",
    actor: User | None,
) -> Resolution:
    """A resident checks a decision reported done. Two confirmations verify it; a resident
    who says it was not done sends it back to work."""
    locked = Resolution.objects.select_for_update().get(pk=resolution.pk)
    _same_community(resident, locked.community_id)
    if locked.status != ResolutionStatus.REPORTED_DONE:
        raise CouncilError(_("Residents check a decision once it is reported done."))
    ResolutionCheck.objects.update_or_create(
        resolution=locked,
        resident=resident,
        defaults={
            "confirmed": confirmed,
            "note": _text(note, what=_("The note"), limit=300, required=False),
        },
    )
    if not confirmed:
        locked.status = ResolutionStatus.IN_PROGRESS
        ResolutionCheck.objects.filter(resolution=locked).delete()
    elif ResolutionCheck.objects.filter(resolution=locked, confirmed=True).count() >= CHECKS_NEEDED:
        locked.status = ResolutionStatus.VERIFIED
        locked.verified_at = timezone.now()
    locked.save(update_fields=["status", "verified_at"])
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "checked", {"confirmed": confirmed})
    return locked


# --- Owners' votes (Art. 278) --------------------------------------------------------------------


def _centi(area: Decimal) -> int:
    scaled = area.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise CouncilError(_("Areas are counted to the hundredth of a square metre."))
    return int(scaled)


def code_hash(code: str) -> str:
    """The keyed hash of a one-time code, as stored (codes themselves are never stored)."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    key = hashlib.sha256(f"peiban.councils.code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def assembly_create(
    *,
    community: Community,
    title: str,
    matter: int,
    question: str,
    opens_at: datetime,
    closes_at: datetime,
    secret: bool = False,
    notice_given_at: datetime | None = None,
    body: Body | None = None,
    actor: User | None,
) -> Assembly:
    if matter not in MATTERS:
        raise CouncilError(_("The matter must be one of the nine of Civil Code Article 278."))
    if closes_at <= opens_at:
        raise CouncilError(_("Voting must close after it opens."))
    assembly = Assembly.objects.create(
        community=community,
        body=body,
        title=_text(title, what=_("The title"), limit=120),
        matter=matter,
        question=_text(question, what=_("The question"), limit=2000),
        opens_at=opens_at,
        closes_at=closes_at,
        secret=secret,
        notice_given_at=notice_given_at,
    )
    _audit(
        actor, assembly, community, AuditAction.CREATE, "owners' vote prepared", {"matter": matter}
    )
    return assembly


def registry_holdings(
    community: Community,
) -> tuple[list[tuple[Dwelling, Holding]], list[Dwelling]]:
    """The dwellings of the community as holdings, and those without any area.

    A buyer is the set of owners recorded on a dwelling: the same owner (or the same co-owners)
    on several dwellings is one head; the roster import makes one resident of one owner number.
    """
    owners: dict[int, list[int]] = {}
    for dwelling_id, resident_id in Ownership.objects.filter(
        dwelling__community=community
    ).values_list("dwelling_id", "resident_id"):
        owners.setdefault(dwelling_id, []).append(resident_id)
    holdings: list[tuple[Dwelling, Holding]] = []
    missing: list[Dwelling] = []
    for dwelling in Dwelling.objects.filter(community=community).select_related("building"):
        area = counted_area(
            registry=dwelling.area_registry,
            survey=dwelling.area_survey,
            contract=dwelling.area_contract,
        )
        if area is None:
            missing.append(dwelling)
            continue
        buyer = "+".join(str(r) for r in sorted(owners.get(dwelling.pk, [])))
        holdings.append(
            (
                dwelling,
                Holding(
                    dwelling=str(dwelling.pk),
                    area=area,
                    buyer=buyer,
                    developer_held=dwelling.developer_held,
                ),
            )
        )
    return holdings, missing


@dataclass(frozen=True)
class IssuedCode:
    dwelling: Dwelling
    code: str


@transaction.atomic
def assembly_open(*, assembly: Assembly, actor: User | None) -> list[IssuedCode]:
    """Freeze the electorate from the registry and issue one code per dwelling.

    The codes are returned once, to be printed and delivered; only their keyed hashes are kept.
    """
    locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
    if locked.status != AssemblyStatus.DRAFT:
        raise CouncilError(_("This vote has already been opened."))
    holdings, missing = registry_holdings(locked.community)
    if missing:
        raise CouncilError(
            _(
                "%(n)s dwelling(s) have no area in the registry, for example %(example)s; "
                "enter the registry, surveyed or contract area first."
            )
            % {"n": len(missing), "example": missing[0].label}
        )
    try:
        electorate = electorate_build(holding for _d, holding in holdings)
    except TallyError:
        raise CouncilError(_("The community has no dwellings to vote.")) from None
    labels: dict[str, list[str]] = {}
    for dwelling, holding in holdings:
        labels.setdefault(voter_key(holding), []).append(dwelling.label)
    voters = Voter.objects.bulk_create(
        Voter(
            assembly=locked,
            key=voter.key,
            area_centi=_centi(voter.area),
            label=(_("Developer (unsold dwellings)") if voter.key == DEVELOPER else "")
            or "、".join(labels[voter.key])[:300],
        )
        for voter in electorate.voters.values()
    )
    by_key = {voter.key: voter for voter in voters}
    if any(voter.pk is None for voter in voters):  # pragma: no cover - backends without RETURNING
        by_key = {v.key: v for v in Voter.objects.filter(assembly=locked)}
    issued = []
    codes = []
    for dwelling, holding in holdings:
        code = _new_code()
        issued.append(IssuedCode(dwelling=dwelling, code=code))
        codes.append(
            VotingCode(
                assembly=locked,
                voter=by_key[voter_key(holding)],
                dwelling=dwelling,
                code_hash=code_hash(code),
            )
        )
    VotingCode.objects.bulk_create(codes, batch_size=1000)
    locked.total_area_centi = _centi(electorate.total_area)
    locked.total_heads = electorate.total_heads
    locked.status = AssemblyStatus.OPEN
    locked.save(update_fields=["total_area_centi", "total_heads", "status"])
    assembly.refresh_from_db()
    _audit(
        actor,
        locked,
        locked.community,
        AuditAction.CHANGE,
        "voting opened",
        {
            "total_area": str(electorate.total_area),
            "total_heads": electorate.total_heads,
            "codes": len(codes),
        },
    )
    return issued


@transaction.atomic
def codes_issue(
    *, assembly: Assembly, actor: User | None, dwellings: Sequence[Dwelling] | None = None
) -> list[IssuedCode]:
    """New one-time codes for the dwellings of an open vote (all of them when `dwellings` is
    None): the codes issued before for those dwellings stop working at once.

    Like `assembly_open`, it returns the codes once; only their keyed hashes are kept. An owner
    who has voted already still cannot vote again with a new code (one receipt per owner)."""
    locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
    if locked.status != AssemblyStatus.OPEN:
        raise CouncilError(_("New codes are issued only while the vote is open."))
    rows = VotingCode.objects.filter(assembly=locked).select_related("dwelling__building")
    if dwellings is not None:
        wanted = {d.pk for d in dwellings}
        if not wanted:
            raise CouncilError(_("Choose the dwellings that need a new code."))
        rows = rows.filter(dwelling_id__in=wanted)
    found = list(rows.order_by("dwelling__building__sort_key", "dwelling__unit", "dwelling__room"))
    if dwellings is not None and len(found) != len(wanted):
        raise CouncilError(_("Some of these dwellings are not in the electorate of this vote."))
    issued = []
    for row in found:
        code = _new_code()
        row.code_hash = code_hash(code)
        row.used_at = None
        issued.append(IssuedCode(dwelling=row.dwelling, code=code))
    VotingCode.objects.bulk_update(found, ["code_hash", "used_at"], batch_size=1000)
    _audit(
        actor,
        locked,
        locked.community,
        AuditAction.CHANGE,
        "codes issued again",
        {"codes": len(found), "all": dwellings is None},
    )
    return issued


@dataclass(frozen=True)
class NoticeFile:
    content: bytes
    filename: str
    content_type: str
    codes: int


NOTICE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@transaction.atomic
def code_notices_issue(
    *,
    assembly: Assembly,
    fmt: str,
    vote_url: str,
    actor: User | None,
    dwellings: Sequence[Dwelling] | None = None,
) -> NoticeFile:
    """Issue codes and set them in a printable notice per dwelling (PDF or Word), in one step.

    A vote being prepared is opened (its electorate frozen, every dwelling given a code); an open
    vote gets new codes for the dwellings asked for (all by default), the old ones stop working.
    The file is the only place the plain codes are ever written: if it cannot be made (no
    Chinese font, say), nothing is issued. The download is audited as an export."""
    # Imported here: the notices module reads this module's constants.
    from peiban.councils.notices import code_notices_docx, code_notices_pdf

    if fmt not in NOTICE_TYPES:
        raise CouncilError(_("Choose PDF or Word."))
    locked = Assembly.objects.select_for_update().select_related("community").get(pk=assembly.pk)
    if locked.status == AssemblyStatus.DRAFT:
        if dwellings is not None:
            raise CouncilError(_("When a vote opens, every dwelling gets a code."))
        issued = assembly_open(assembly=locked, actor=actor)
    else:
        issued = codes_issue(assembly=locked, actor=actor, dwellings=dwellings)
    render = code_notices_pdf if fmt == "pdf" else code_notices_docx
    content = render(locked, issued, vote_url=vote_url)
    assembly.refresh_from_db()
    _audit(
        actor,
        locked,
        locked.community,
        AuditAction.EXPORT,
        "code notices downloaded",
        {"format": fmt, "codes": len(issued)},
    )
    return NoticeFile(
        content=content,
        filename=f"voting-codes-{locked.pk}.{fmt}",
        content_type=NOTICE_TYPES[fmt],
        codes=len(issued),
    )


def _cast(
    *,
    assembly: Assembly,
    voter: Voter,
    opinion: str,
    channel: str,
    actor: User | None,
) -> BallotReceipt:
    """Write a receipt and a ballot; the unique receipt refuses a second ballot."""
    if opinion not in Opinion.__members__.values():
        raise CouncilError(_("A ballot says for, against or abstain."))
    try:
        with transaction.atomic():
            receipt = BallotReceipt.objects.create(
                assembly=assembly,
                voter=voter,
                channel=channel,
                entered_by=actor,
                cast_at=timezone.now(),
            )
    except IntegrityError:
        raise AlreadyVoted(
            _("This owner has already voted; only the first ballot counts.")
        ) from None
    Ballot.objects.create(
        assembly=assembly,
        voter=None if assembly.secret else voter,
        opinion=opinion,
        area_centi=voter.area_centi,
    )
    detail: dict[str, Any] = {"voter": voter.key, "channel": channel}
    if not assembly.secret:
        detail["opinion"] = opinion
    _audit(actor, assembly, assembly.community, AuditAction.CHANGE, "ballot cast", detail)
    return receipt


def _accepting(assembly: Assembly, *, online: bool) -> Assembly:
    locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
    now = timezone.now()
    if locked.status != AssemblyStatus.OPEN:
        raise VotingClosed(_("This vote is not open."))
    if online and not locked.opens_at <= now < locked.closes_at:
        if now < locked.opens_at:
            raise VotingClosed(_("Voting has not opened yet."))
        raise VotingClosed(_("Voting has closed; the ballot was not counted."))
    return locked


def _minutes_left(times: list[datetime], *, limit: int, window: timedelta) -> int | None:
    """Whole minutes until fewer than `limit` of the failures `times` (oldest first) remain in
    the window, or None while there are fewer than `limit` of them."""
    if len(times) < limit:
        return None
    lifted = times[len(times) - limit] + window
    seconds = (lifted - timezone.now()).total_seconds()
    return max(1, -(-int(seconds) // 60))


def code_attempts_check(*, assembly: Assembly, address: str | None) -> None:
    """Refuse a code when too many wrong ones were tried from this address, or on this vote.

    Checked before the code itself: while a limit holds, even a right code is not tried, or
    guessing would go on behind the refusals."""
    now = timezone.now()
    if address:
        mine = list(
            CodeAttempt.objects.filter(
                assembly_id=assembly.pk, address=address, created_at__gte=now - CODE_ADDRESS_WINDOW
            )
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        wait = _minutes_left(mine, limit=CODE_FAILURES_PER_ADDRESS, window=CODE_ADDRESS_WINDOW)
        if wait is not None:
            raise TooManyAttempts(
                _(
                    "Too many wrong codes have been tried from your connection. Wait "
                    "%(minutes)s minutes and try again, or hand in a signed paper ballot."
                )
                % {"minutes": wait}
            )
    recent = list(
        CodeAttempt.objects.filter(assembly_id=assembly.pk, created_at__gte=now - CODE_VOTE_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:CODE_FAILURES_PER_VOTE]
    )
    wait = _minutes_left(recent[::-1], limit=CODE_FAILURES_PER_VOTE, window=CODE_VOTE_WINDOW)
    if wait is not None:
        raise TooManyAttempts(
            _(
                "Too many wrong codes have been tried on this vote; voting online is paused "
                "for %(minutes)s minutes. Try again later, or hand in a signed paper ballot."
            )
            % {"minutes": wait}
        )


def ballot_cast_online(
    *, assembly: Assembly, code: str, opinion: str, address: str | None = None
) -> BallotReceipt:
    """An owner votes with the one-time code delivered on paper to their dwelling.

    `address` is the client's network address, for the limit on guessing codes. A refused code
    is recorded and audited (outside the ballot's transaction, so that both stay)."""
    code_attempts_check(assembly=assembly, address=address)
    found = (
        VotingCode.objects.select_related("voter")
        .filter(assembly_id=assembly.pk, code_hash=code_hash(code))
        .first()
    )
    if found is None:
        CodeAttempt.objects.create(assembly_id=assembly.pk, address=address)
        _audit(None, assembly, assembly.community, AuditAction.CHANGE, "code refused")
        raise ForgedCode(_("This code is not valid for this vote. Check the code on your paper."))
    with transaction.atomic():
        locked = _accepting(assembly, online=True)
        # Lock the voter: two ballots racing for one owner are decided one after the other.
        voter = Voter.objects.select_for_update().get(pk=found.voter_id)
        receipt = _cast(
            assembly=locked, voter=voter, opinion=opinion, channel=Channel.ONLINE, actor=None
        )
        VotingCode.objects.filter(pk=found.pk).update(used_at=timezone.now())
    return receipt


@transaction.atomic
def ballot_enter_paper(
    *, assembly: Assembly, voter: Voter, opinion: str, actor: User | None
) -> BallotReceipt:
    """Staff enter a signed paper ballot (accepted until the count is closed)."""
    if voter.assembly_id != assembly.pk:
        raise CouncilError(_("This owner is not in the electorate of this vote."))
    locked = _accepting(assembly, online=False)
    voter = Voter.objects.select_for_update().get(pk=voter.pk)
    return _cast(assembly=locked, voter=voter, opinion=opinion, channel=Channel.PAPER, actor=actor)


@dataclass
class SheetImport:
    counted: int
    rejected: list[dict[str, Any]]


@transaction.atomic
def ballots_import(
    *, assembly: Assembly, data: bytes, filename: str, actor: User | None
) -> SheetImport:
    """Import a ballot sheet; bad rows and second ballots are listed, the rest counted."""
    locked = _accepting(assembly, online=False)
    sheet = read_ballot_sheet(data, filename=filename)
    voters = {v.key: v for v in Voter.objects.filter(assembly=locked)}
    codes = list(
        VotingCode.objects.filter(assembly=locked).values_list(
            "dwelling_id",
            "dwelling__building__label",
            "dwelling__unit",
            "dwelling__room",
            "voter__key",
        )
    )
    by_address = {(b, u, r): str(d) for d, b, u, r, _key in codes}
    electorate = Electorate(
        voters={k: TallyVoter(key=k, dwellings=(), area=v.area) for k, v in voters.items()},
        by_dwelling={str(d): key for d, _b, _u, _r, key in codes},
        total_area=locked.total_area or Decimal(0),
    )
    groups: dict[str, set[str]] = {}
    for number, key in (
        VotingCode.objects.filter(
            assembly=locked, dwelling__ownerships__resident__owner_number__gt=""
        )
        .exclude(voter__key=DEVELOPER)
        .values_list("dwelling__ownerships__resident__owner_number", "voter__key")
    ):
        groups.setdefault(number, set()).add(key)
    owner_numbers = {n: next(iter(keys)) for n, keys in groups.items() if len(keys) == 1}
    where = {
        Channel.ONLINE: _("online with a paper code"),
        Channel.PAPER: _("on a paper ballot entered by staff"),
        Channel.IMPORT: _("on a ballot sheet imported before"),
    }
    already = {
        key: where[Channel(channel)]
        for key, channel in BallotReceipt.objects.filter(assembly=locked).values_list(
            "voter__key", "channel"
        )
    }
    matched, rejected = ballots_match(
        sheet.rows,
        electorate=electorate,
        dwelling_key=lambda address: by_address.get(address.key()),
        owner_key=owner_numbers.get,
        already=already,
        # An owner alone on one dwelling and a co-owner of another: the sheet names the dwelling.
        ambiguous=frozenset(n for n, keys in groups.items() if len(keys) > 1),
    )
    # In bulk: a sheet of thousands of ballots is one act, with one audit entry. The unique
    # receipts still refuse an owner who voted online while the sheet was being read.
    now = timezone.now()
    try:
        with transaction.atomic():
            BallotReceipt.objects.bulk_create(
                (
                    BallotReceipt(
                        assembly=locked,
                        voter=voters[key],
                        channel=Channel.IMPORT,
                        entered_by=actor,
                        cast_at=now,
                    )
                    for key in matched
                ),
                batch_size=1000,
            )
    except IntegrityError:
        late = BallotReceipt.objects.filter(assembly=locked, voter__key__in=list(matched))
        rows = sorted(matched[key][1] for key in late.values_list("voter__key", flat=True))
        raise AlreadyVoted(
            _(
                "The owner on row %(rows)s of this sheet voted while it was being imported; "
                "nothing was imported. Import the sheet again: that row will be left out."
            )
            % {"rows": ", ".join(str(row) for row in rows) or "?"}
        ) from None
    Ballot.objects.bulk_create(
        (
            Ballot(
                assembly=locked,
                voter=None if locked.secret else voters[key],
                opinion=opinion,
                area_centi=voters[key].area_centi,
            )
            for key, (opinion, _row) in matched.items()
        ),
        batch_size=1000,
    )
    all_rejected = sorted([*sheet.rejected, *rejected], key=lambda r: r.row)
    _audit(
        actor,
        locked,
        locked.community,
        AuditAction.CHANGE,
        "ballot sheet imported",
        {"file": filename[:100], "counted": len(matched), "rejected": len(all_rejected)},
    )
    return SheetImport(
        counted=len(matched), rejected=[{"row": r.row, "reason": r.reason} for r in all_rejected]
    )


@transaction.atomic
def assembly_close(*, assembly: Assembly, actor: User | None) -> Assembly:
    """Close the vote and keep the count."""
    # Imported here: the selectors use this module's helpers.
    from peiban.councils.selectors import assembly_tally

    locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
    if locked.status != AssemblyStatus.OPEN:
        raise CouncilError(_("Only an open vote can be closed."))
    if timezone.now() < locked.closes_at:
        raise CouncilError(_("Voting is still open until the time announced."))
    tally = assembly_tally(locked)
    locked.result = tally.as_dict()
    locked.status = AssemblyStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["result", "status", "closed_at"])
    assembly.refresh_from_db()
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "vote closed", locked.result)
    return locked


# --- Homes turned into businesses (Art. 279) ----------------------------------------------------


@transaction.atomic
def consent_case_open(
    *,
    dwelling: Dwelling,
    purpose: str,
    affected: Sequence[Dwelling],
    actor: User | None,
) -> ConsentCase:
    """Start a case: the owners of each affected dwelling must consent, every one of them."""
    if not affected:
        raise CouncilError(_("Choose the dwellings whose owners are affected."))
    if any(d.community_id != dwelling.community_id or d.pk == dwelling.pk for d in affected):
        raise CouncilError(_("The affected dwellings are other dwellings of this community."))
    case = ConsentCase.objects.create(
        community=dwelling.community,
        dwelling=dwelling,
        purpose=_text(purpose, what=_("The business planned"), limit=200),
    )
    Consent.objects.bulk_create(
        Consent(case=case, dwelling=d) for d in {d.pk: d for d in affected}.values()
    )
    _audit(actor, case, dwelling.community, AuditAction.CREATE, "consent case opened")
    return case


@transaction.atomic
def consent_record(*, consent: Consent, answer: str, signed_by: str, actor: User | None) -> Consent:
    case = ConsentCase.objects.select_for_update().get(pk=consent.case_id)
    if case.closed_at is not None:
        raise CouncilError(_("This case is closed."))
    if answer not in (ConsentAnswer.CONSENT, ConsentAnswer.REFUSE):
        raise CouncilError(_("Record a consent or a refusal."))
    consent.answer = answer
    consent.signed_by = _text(signed_by, what=_("Who signed"), limit=50)
    consent.recorded_at = timezone.now()
    consent.recorded_by = actor
    consent.save(update_fields=["answer", "signed_by", "recorded_at", "recorded_by"])
    _audit(actor, case, case.community, AuditAction.CHANGE, "consent recorded", {"answer": answer})
    return consent


@transaction.atomic
def consent_case_close(*, case: ConsentCase, actor: User | None) -> ConsentCase:
    """Close the case: granted only if every affected owner consented (one refusal or one
    missing answer means no)."""
    locked = ConsentCase.objects.select_for_update().get(pk=case.pk)
    if locked.closed_at is not None:
        raise CouncilError(_("This case is closed."))
    counts = locked.consents.aggregate(
        total=Count("id"), consent=Count("id", filter=Q(answer=ConsentAnswer.CONSENT))
    )
    locked.granted = counts["total"] > 0 and counts["consent"] == counts["total"]
    locked.closed_at = timezone.now()
    locked.save(update_fields=["granted", "closed_at"])
    case.refresh_from_db()
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "consent case closed", counts)
    return locked


# --- Proposals and polls ---------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    body: Body,
    action: str,
    proposer: Resident | None = None,
    need: Any = None,
    support_needed: int = 10,
    actor: User | None,
) -> Proposal:
    """A residents' proposal (from a need when `need` is given)."""
    if need is not None and need.community_id != body.community_id:
        raise CouncilError(_("The need must be of this community."))
    if proposer is not None:
        _same_community(proposer, body.community_id)
    if not 1 <= support_needed <= 10000:
        raise CouncilError(_("Between 1 and 10000 supporters may be needed."))
    proposal = Proposal.objects.create(
        community=body.community,
        body=body,
        action=_text(action, what=_("The proposal"), limit=300),
        need=need,
        proposer=proposer,
        support_needed=support_needed,
    )
    if need is not None:
        need_mark_proposed(need=need, proposal_ref=str(proposal.pk))
    _audit(actor, proposal, body.community, AuditAction.CREATE, "proposal made")
    return proposal


@transaction.atomic
def proposal_support(*, proposal: Proposal, resident: Resident, actor: User | None) -> Proposal:
    """A resident supports a proposal; at the threshold it goes on the body's agenda."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _same_community(resident, locked.community_id)
    Support.objects.get_or_create(proposal=locked, resident=resident)
    if locked.on_agenda_at is None and locked.supports.count() >= locked.support_needed:
        locked.on_agenda_at = timezone.now()
        locked.save(update_fields=["on_agenda_at"])
    proposal.on_agenda_at = locked.on_agenda_at
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "proposal supported")
    return locked


@transaction.atomic
def proposal_to_motion(*, proposal: Proposal, meeting: Meeting, actor: User | None) -> Motion:
    if proposal.motion_id is not None:
        raise CouncilError(_("This proposal is already a motion."))
    if meeting.body_id != proposal.body_id:
        raise CouncilError(_("The meeting must be of the body the proposal is for."))
    motion = motion_propose(
        meeting=meeting, action=proposal.action, proposer=proposal.proposer, actor=actor
    )
    proposal.motion = motion
    proposal.save(update_fields=["motion"])
    return motion


@transaction.atomic
def poll_create(
    *,
    community: Community,
    question: str,
    options: Sequence[str],
    closes_at: datetime,
    multiple: bool = False,
    actor: User | None,
) -> Poll:
    texts = [_text(o, what=_("An option"), limit=100) for o in options if o.strip()]
    if len(texts) < 2 or len(set(texts)) != len(texts):
        raise CouncilError(_("A poll needs at least two different options."))
    poll = Poll.objects.create(
        community=community,
        question=_text(question, what=_("The question"), limit=200),
        multiple=multiple,
        closes_at=closes_at,
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, text=text, position=i) for i, text in enumerate(texts, start=1)
    )
    _audit(actor, poll, community, AuditAction.CREATE, "poll created")
    return poll


@transaction.atomic
def poll_answer(
    *, poll: Poll, resident: Resident, options: Sequence[PollOption], actor: User | None
) -> None:
    locked = Poll.objects.select_for_update().get(pk=poll.pk)
    _same_community(resident, locked.community_id)
    if timezone.now() >= locked.closes_at:
        raise CouncilError(_("This poll has closed."))
    chosen = {o.pk for o in options}
    if not chosen or any(o.poll_id != locked.pk for o in options):
        raise CouncilError(_("Choose among the options of this poll."))
    if not locked.multiple and len(chosen) != 1:
        raise CouncilError(_("Choose one option."))
    if PollAnswer.objects.filter(poll=locked, resident=resident).exists():
        raise CouncilError(_("You have already answered this poll."))
    PollAnswer.objects.bulk_create(
        PollAnswer(poll=locked, option_id=pk, resident=resident) for pk in sorted(chosen)
    )
    _audit(actor, locked, locked.community, AuditAction.CHANGE, "poll answered")


# --- Requisition of an interim owners' assembly (20% of the area and of the owners) ------------


@transaction.atomic
def requisition_create(*, community: Community, purpose: str, actor: User | None) -> Requisition:
    """Start collecting owners' signatures for an interim owners' assembly."""
    requisition = Requisition.objects.create(
        community=community,
        purpose=_text(purpose, what=_("What the meeting is asked for"), limit=300),
    )
    _audit(actor, requisition, community, AuditAction.CREATE, "requisition started")
    return requisition


@transaction.atomic
def requisition_sign(
    *, requisition: Requisition, dwelling: Dwelling, signed_by: str, actor: User | None
) -> RequisitionSignature:
    """Record an owner's signature, given for one of their dwellings: it counts the owner once,
    with all their dwellings. A second signature of the same owner is refused."""
    # Imported here: the selectors use this module's helpers.
    from peiban.councils.selectors import requisition_tally

    locked = Requisition.objects.select_for_update().get(pk=requisition.pk)
    if dwelling.community_id != locked.community_id:
        raise CouncilError(_("The dwelling must be of this community."))
    holdings, _missing = registry_holdings(locked.community)
    key_of = {d.pk: voter_key(h) for d, h in holdings}
    if dwelling.pk not in key_of:
        raise CouncilError(
            _("%(home)s has no area in the registry; enter its area before it can sign.")
            % {"home": dwelling.label}
        )
    signed = RequisitionSignature.objects.filter(requisition=locked).select_related(
        "dwelling__building"
    )
    for earlier in signed:
        if key_of.get(earlier.dwelling_id) == key_of[dwelling.pk]:
            raise CouncilError(
                _(
                    "The owner of %(home)s has already signed, for %(earlier)s; an owner counts "
                    "once, with all their dwellings."
                )
                % {"home": dwelling.label, "earlier": earlier.dwelling.label}
            )
    signature = RequisitionSignature.objects.create(
        requisition=locked,
        dwelling=dwelling,
        signed_by=_text(signed_by, what=_("Who signed"), limit=50),
        recorded_by=actor,
    )
    state = requisition_tally(locked)
    if state.count is not None and state.count.reached and locked.reached_at is None:
        locked.reached_at = timezone.now()
        locked.save(update_fields=["reached_at"])
        requisition.reached_at = locked.reached_at
    _audit(
        actor,
        locked,
        locked.community,
        AuditAction.CHANGE,
        "requisition signed",
        {"reached": locked.reached_at is not None},
    )
    return signature
