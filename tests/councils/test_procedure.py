"""The Nantang rules: the speaking order and the show-of-hands count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peiban.councils.procedure import Hand, Side, motion_count, speaking_order

T0 = datetime(2026, 5, 1, 19, 0, tzinfo=UTC)


def hand(who: str, side: Side, minute: int) -> Hand:
    return Hand(speaker=who, side=side, raised_at=T0 + timedelta(minutes=minute))


def test_the_worked_example_passes() -> None:
    # 9 present, 4 for, 3 against, 2 abstain: passed.
    result = motion_count(votes_for=4, votes_against=3, abstentions=2, present=9)
    assert result.passed is True


def test_a_tie_fails_and_abstentions_do_not_count() -> None:
    assert motion_count(votes_for=3, votes_against=3, abstentions=3, present=9).passed is False
    assert motion_count(votes_for=1, votes_against=0, abstentions=8, present=9).passed is True


def test_a_quorum_and_a_qualified_majority_apply_when_set() -> None:
    two_thirds = Fraction(2, 3)
    # 6 of 9 members present meets a 2/3 quorum; 5 of 9 does not.
    assert motion_count(
        votes_for=4, votes_against=1, abstentions=1, present=6, members=9, quorum=two_thirds
    ).passed
    short = motion_count(
        votes_for=4, votes_against=1, abstentions=0, present=5, members=9, quorum=two_thirds
    )
    assert (short.quorum_met, short.passed) == (False, False)
    # A 2/3 majority of for + against: 4 of 6 passes exactly, 3 of 5 does not.
    assert motion_count(
        votes_for=4, votes_against=2, abstentions=3, present=9, majority=two_thirds
    ).passed
    assert not motion_count(
        votes_for=3, votes_against=2, abstentions=4, present=9, majority=two_thirds
    ).passed


def test_more_votes_than_people_present_is_refused() -> None:
    with pytest.raises(ValueError, match="More votes"):
        motion_count(votes_for=5, votes_against=5, abstentions=0, present=9)


@given(
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 50),
)
def test_the_default_rule_is_for_more_than_against(f: int, a: int, x: int) -> None:
    result = motion_count(votes_for=f, votes_against=a, abstentions=x, present=f + a + x)
    assert result.passed is (f > a)


def test_those_not_yet_heard_go_first_and_sides_alternate() -> None:
    hands = [
        hand("A", Side.FOR, 1),
        hand("B", Side.FOR, 2),
        hand("C", Side.AGAINST, 3),
        hand("D", Side.AGAINST, 4),
        hand("E", Side.FOR, 5),
    ]
    # E has spoken once already; the last speaker was for.
    order = speaking_order(hands, spoken=[("E", Side.FOR)])
    assert [h.speaker for h in order] == ["C", "A", "D", "B", "E"]


def test_nobody_passes_the_cap_of_turns() -> None:
    hands = [hand("A", Side.FOR, 1), hand("B", Side.AGAINST, 2)]
    order = speaking_order(hands, spoken=[("A", Side.FOR), ("A", Side.FOR)], cap=2)
    assert [h.speaker for h in order] == ["B"]


speakers = st.sampled_from(list("ABCDEFG"))
sides = st.sampled_from(list(Side))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(speakers, sides, st.integers(0, 100)), max_size=12),
    st.lists(st.tuples(speakers, sides), max_size=10),
    st.integers(1, 3),
)
def test_the_order_keeps_the_rules(
    raised: list[tuple[str, Side, int]], spoken: list[tuple[str, Side]], cap: int
) -> None:
    hands = [hand(who, side, minute) for who, side, minute in raised]
    order = speaking_order(hands, spoken=spoken, cap=cap)
    turns: dict[object, int] = {
        who: sum(1 for s, _side in spoken if s == who) for who, _s, _m in raised
    }
    called = [h.speaker for h in order]
    # Each eligible speaker once, nobody at the cap.
    assert len(called) == len(set(called))
    assert set(called) == {who for who, _s, _m in raised if turns[who] < cap}
    # Everyone not yet heard comes before everyone heard.
    heard = [turns[who] > 0 for who in called]
    assert heard == sorted(heard)
    # Within the unheard, the side changes whenever the other side still has someone waiting.
    fresh = [h for h in order if turns[h.speaker] == 0]
    last = spoken[-1][1] if spoken else None
    for position, current in enumerate(fresh):
        rest = fresh[position:]
        if last is not None and any(h.side != last for h in rest):
            assert current.side != last
        last = current.side
