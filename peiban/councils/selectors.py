"""Reads of the councils area, shared by pages, the API and the tests: a bounded number of
queries whatever the size of the data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from peiban.core.models import AuditEntry
from peiban.councils.models import (
    Assembly,
    Ballot,
    BallotReceipt,
    Body,
    ConsentAnswer,
    ConsentCase,
    Meeting,
    Motion,
    Poll,
    PollAnswer,
    Requisition,
    RequisitionSignature,
    Resolution,
    SpeakingTurn,
    TurnStatus,
)
from peiban.councils.procedure import Hand, Side, speaking_order
from peiban.councils.services import members_on, notice_short, registry_holdings
from peiban.councils.tally import (
    Opinion,
    RequisitionCount,
    Tally,
    electorate_build,
    requisition_count,
    tally_from_sums,
    voter_key,
)
from peiban.places.addresses import AddressError, parse_address
from peiban.places.models import Community, Dwelling

BOARD_LIMIT = 100


def bodies_for(community: Community) -> QuerySet[Body]:
    return Body.objects.filter(community=community).annotate(meeting_count=Count("meetings"))


@dataclass(frozen=True)
class Quorum:
    present: int
    members: int
    needed: int | None  # None when the body sets no quorum
    met: bool


def meeting_quorum(meeting: Meeting) -> Quorum:
    """Who is present against the body's members and its quorum, if it set one."""
    present = meeting.presences.count()
    body = meeting.body
    members = members_on(body, timezone.localdate(meeting.starts_at))
    if not body.quorum_percent or not members:
        return Quorum(present=present, members=members, needed=None, met=True)
    share = Fraction(body.quorum_percent, 100) * members
    needed = -(-share.numerator // share.denominator)  # the smallest whole number >= share
    return Quorum(present=present, members=members, needed=needed, met=present >= needed)


def meeting_notice_short(meeting: Meeting) -> bool:
    return notice_short(
        kind=meeting.body.kind, notice_given_at=meeting.notice_given_at, starts_at=meeting.starts_at
    )


@dataclass(frozen=True)
class Floor:
    """The chair's view of a motion under debate."""

    speaking: SpeakingTurn | None
    queue: list[SpeakingTurn]  # in the order the chair should call them
    spoken: list[SpeakingTurn]
    over_cap: list[SpeakingTurn]  # hands that cannot be called: the person reached the cap


def motion_floor(motion: Motion, *, cap: int) -> Floor:
    turns = list(SpeakingTurn.objects.filter(motion=motion).select_related("resident"))
    # The one speaking now counts as heard: the next speaker should take the other side.
    spoken = [t for t in turns if t.status in (TurnStatus.DONE, TurnStatus.SPEAKING)]
    spoken.sort(key=lambda t: (t.started_at or t.raised_at, t.pk))
    waiting = {t.pk: t for t in turns if t.status == TurnStatus.WAITING}
    order = _order(waiting, spoken, cap)
    queue = [waiting[pk] for pk in order]
    called = set(order)
    return Floor(
        speaking=next((t for t in turns if t.status == TurnStatus.SPEAKING), None),
        queue=queue,
        spoken=spoken,
        over_cap=[t for pk, t in waiting.items() if pk not in called],
    )


def _order(waiting: dict[int, SpeakingTurn], spoken: list[SpeakingTurn], cap: int) -> list[int]:
    """The waiting turns' ids in speaking order (speakers are residents, hands are turns)."""
    hands = [
        Hand(speaker=t.resident_id, side=Side(t.side), raised_at=t.raised_at)
        for t in waiting.values()
    ]
    by_speaker: dict[object, int] = {t.resident_id: t.pk for t in waiting.values()}
    ordered = speaking_order(hands, spoken=[(t.resident_id, Side(t.side)) for t in spoken], cap=cap)
    return [by_speaker[hand.speaker] for hand in ordered]


def assembly_tally(assembly: Assembly) -> Tally:
    """The count of an assembly's ballots, from sums the database makes (exact integers)."""
    sums = {
        row["opinion"]: (row["area"] or 0, row["heads"])
        for row in Ballot.objects.filter(assembly=assembly)
        .values("opinion")
        .annotate(area=Sum("area_centi"), heads=Count("id"))
        .order_by()
    }

    def figure(opinion: Opinion) -> tuple[Decimal, int]:
        area, heads = sums.get(opinion.value, (0, 0))
        return Decimal(int(area)).scaleb(-2), int(heads)

    return tally_from_sums(
        matter=assembly.matter,
        total_area=Decimal(assembly.total_area_centi or 0).scaleb(-2),
        total_heads=assembly.total_heads or 0,
        yes=figure(Opinion.YES),
        no=figure(Opinion.NO),
        abstain=figure(Opinion.ABSTAIN),
    )


def assembly_turnout(assembly: Assembly) -> dict[str, Any]:
    """How many have voted so far, by channel (no opinions while voting is open)."""
    by_channel = dict(
        BallotReceipt.objects.filter(assembly=assembly)
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {"voted_heads": sum(by_channel.values()), "by_channel": by_channel}


def assembly_audit(assembly: Assembly) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        subject_type=assembly._meta.label_lower, subject_id=str(assembly.pk)
    ).order_by("created_at", "id")


def decisions_board(community: Community) -> list[Resolution]:
    """The public board: every decision and where it stands (no names of residents)."""
    return list(
        Resolution.objects.filter(community=community)
        .select_related("motion__meeting", "assembly")
        .annotate(checks_done=Count("checks"))
        .order_by("status", "due_on", "id")[:BOARD_LIMIT]
    )


def consent_state(case: ConsentCase) -> dict[str, int]:
    counts = dict(case.consents.values_list("answer").annotate(n=Count("id")).order_by())
    return {answer: int(counts.get(answer, 0)) for answer in ConsentAnswer.values}


def poll_results(poll: Poll) -> list[tuple[str, int]] | None:
    """Counts per option, only once the poll has closed (None before)."""
    if timezone.now() < poll.closes_at:
        return None
    counts = dict(
        PollAnswer.objects.filter(poll=poll)
        .values_list("option_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(option.text, int(counts.get(option.pk, 0))) for option in poll.options.all()]


def polls_with_results(community: Community, *, limit: int = 50) -> list[tuple[Poll, Any]]:
    """The latest polls, each with its counts per option once closed (None before): three
    queries whatever the number of polls."""
    polls = list(Poll.objects.filter(community=community).prefetch_related("options")[:limit])
    now = timezone.now()
    closed = [poll.pk for poll in polls if now >= poll.closes_at]
    counts = dict(
        PollAnswer.objects.filter(poll_id__in=closed)
        .values_list("option_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        (
            poll,
            [(option.text, int(counts.get(option.pk, 0))) for option in poll.options.all()]
            if poll.pk in closed
            else None,
        )
        for poll in polls
    ]


def respondents(poll: Poll) -> int:
    return PollAnswer.objects.filter(poll=poll).values("resident").distinct().count()


def dwelling_for_address(community: Community, text: str) -> Dwelling | None:
    """The dwelling written as ``3-2-101`` or ``3栋2单元101室``, if the community has it."""
    try:
        address = parse_address(text)
    except AddressError:
        return None
    return (
        Dwelling.objects.filter(
            community=community,
            building__label=address.building,
            unit=address.unit,
            room=address.room,
        )
        .select_related("building")
        .first()
    )


def consent_candidates(dwelling: Dwelling) -> list[tuple[Dwelling, bool]]:
    """The other dwellings of the building, with the neighbours marked: the same unit on the
    floors just above and below, and the same floor (Art. 279's owners with an interest)."""
    found = list(
        Dwelling.objects.filter(community_id=dwelling.community_id, building=dwelling.building)
        .exclude(pk=dwelling.pk)
        .select_related("building")
        .order_by("unit", "floor", "room")[:300]
    )
    floor = dwelling.floor

    def near(other: Dwelling) -> bool:
        if floor is None or other.floor is None:
            return other.unit == dwelling.unit
        if other.floor == floor:
            return True
        return other.unit == dwelling.unit and abs(other.floor - floor) == 1

    return [(other, near(other)) for other in found]


@dataclass(frozen=True)
class RequisitionState:
    """Where a requisition stands against the registry as it is now. `count` is None while
    some dwelling has no area: the total area, and so 20% of it, is not known."""

    count: RequisitionCount | None
    missing: int  # dwellings without any area
    missing_example: str


def requisition_tally(requisition: Requisition) -> RequisitionState:
    """The signatures counted against 20% of the area and 20% of the owners (four queries)."""
    holdings, missing = registry_holdings(requisition.community)
    if missing or not holdings:
        return RequisitionState(
            count=None,
            missing=len(missing),
            missing_example=missing[0].label if missing else "",
        )
    electorate = electorate_build(holding for _dwelling, holding in holdings)
    key_of = {dwelling.pk: voter_key(holding) for dwelling, holding in holdings}
    signed = RequisitionSignature.objects.filter(requisition=requisition).values_list(
        "dwelling_id", flat=True
    )
    signers = {key_of[pk] for pk in signed if pk in key_of}
    return RequisitionState(
        count=requisition_count(electorate=electorate, signers=signers),
        missing=0,
        missing_example="",
    )


def requisitions_for(community: Community) -> QuerySet[Requisition]:
    return Requisition.objects.filter(community=community).annotate(
        signature_count=Count("signatures")
    )
