"""The Nantang rules (南塘十三条) for resident councils: the speaking order and the vote.

Pure functions, no database, so that the chair's screen, the API and the tests agree.

Speaking order: among the raised hands, those who have not yet spoken on the motion go first;
within that, for and against alternate (the side opposite to the last speaker's comes first);
then the earliest hand. Nobody speaks more often than the cap of turns per motion.

The vote: for, against, abstain. By default a motion passes when for > against; abstentions are
not counted and a tie fails (9 present, 4 for, 3 against, 2 abstain: passed). A council may also
require a quorum (a share of its members present) and a qualified majority (for at least a share
of for + against, abstentions still not counted).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

__all__ = [
    "DEFAULT_TURNS_CAP",
    "DEFAULT_TURN_SECONDS",
    "Hand",
    "MotionCount",
    "Side",
    "motion_count",
    "speaking_order",
]

DEFAULT_TURN_SECONDS = 120
DEFAULT_TURNS_CAP = 2


class Side(StrEnum):
    FOR = "for"
    AGAINST = "against"


@dataclass(frozen=True)
class Hand:
    """A raised hand: who (any key), on which side, and when it was raised."""

    speaker: Hashable
    side: Side
    raised_at: datetime


def speaking_order(
    hands: Iterable[Hand],
    *,
    spoken: Sequence[tuple[Hashable, Side]],
    cap: int = DEFAULT_TURNS_CAP,
) -> list[Hand]:
    """The raised hands in the order the chair should call them.

    `spoken` lists the turns already taken on this motion, oldest first. A speaker who has
    reached `cap` is left out; a speaker with several hands up keeps only the earliest.
    """
    turns: dict[Hashable, int] = {}
    for speaker, _side in spoken:
        turns[speaker] = turns.get(speaker, 0) + 1
    earliest: dict[Hashable, Hand] = {}
    for hand in sorted(hands, key=lambda h: h.raised_at):
        if turns.get(hand.speaker, 0) < cap and hand.speaker not in earliest:
            earliest[hand.speaker] = hand
    waiting = list(earliest.values())
    last = spoken[-1][1] if spoken else None
    order: list[Hand] = []
    while waiting:
        wanted = None if last is None else (Side.AGAINST if last == Side.FOR else Side.FOR)
        best = min(
            waiting,
            key=lambda h: (
                turns.get(h.speaker, 0) > 0,
                wanted is not None and h.side != wanted,
                h.raised_at,
            ),
        )
        waiting.remove(best)
        order.append(best)
        last = best.side
    return order


@dataclass(frozen=True)
class MotionCount:
    votes_for: int
    votes_against: int
    abstentions: int
    present: int
    members: int
    quorum_met: bool
    passed: bool


def motion_count(
    *,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    present: int,
    members: int = 0,
    quorum: Fraction | None = None,
    majority: Fraction | None = None,
) -> MotionCount:
    """Count a show of hands. `quorum` is a share of `members` that must be present;
    `majority` a share of for + against that for must reach (at least)."""
    for name, value in (
        ("votes for", votes_for),
        ("votes against", votes_against),
        ("abstentions", abstentions),
        ("present", present),
        ("members", members),
    ):
        if value < 0:
            raise ValueError(f"The number of {name} cannot be negative.")
    if votes_for + votes_against + abstentions > present:
        raise ValueError("More votes were counted than people present.")
    quorum_met = True
    if quorum is not None and members > 0:
        quorum_met = Fraction(present) >= quorum * members
    passed = votes_for > votes_against
    if majority is not None:
        passed = passed and Fraction(votes_for) >= majority * (votes_for + votes_against)
    return MotionCount(
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        present=present,
        members=members,
        quorum_met=quorum_met,
        passed=quorum_met and passed,
    )


def turns_by_speaker(spoken: Iterable[tuple[Hashable, Side]]) -> Mapping[Hashable, int]:
    counts: dict[Hashable, int] = {}
    for speaker, _side in spoken:
        counts[speaker] = counts.get(speaker, 0) + 1
    return counts
