"""The Article 278 count, checked against a reference written another way.

The reference below works in whole numbers: every area is scaled to an integer number of the
smallest unit any area uses, heads are found by sorting rather than by a dictionary of keys, and
each threshold is a cross-multiplication of integers (3·voted ≥ 2·total, 4·yes ≥ 3·voted,
2·yes > voted). It shares no code with peiban.councils.tally.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peiban.councils.tally import (
    DEVELOPER,
    Holding,
    Opinion,
    TallyError,
    counted_area,
    electorate_build,
    tally_count,
)

# --- The reference ------------------------------------------------------------------------------


def _scale(areas: list[Decimal]) -> int:
    return max((-a.as_tuple().exponent for a in areas), default=0)  # type: ignore[operator]


def reference(
    dwellings: list[tuple[str, Decimal, str, bool]],  # (name, area, buyer, developer-held)
    votes: dict[str, str],  # dwelling name -> "y" | "n" | "a", the first dwelling of an owner
    matter: int,
) -> dict[str, object]:
    digits = max(0, _scale([d[1] for d in dwellings]))
    unit = 10**digits

    def whole(area: Decimal) -> int:
        scaled = area * unit
        assert scaled == scaled.to_integral_value()
        return int(scaled)

    def owner(d: tuple[str, Decimal, str, bool]) -> str:
        return "#dev" if d[3] else (("#b" + d[2]) if d[2] else ("#d" + d[0]))

    ordered = sorted(dwellings, key=owner)
    owners: list[list[tuple[str, Decimal, str, bool]]] = []
    for d in ordered:
        if owners and owner(owners[-1][0]) == owner(d):
            owners[-1].append(d)
        else:
            owners.append([d])
    total_area = sum(whole(d[1]) for d in dwellings)
    total_heads = len(owners)
    sums = {"y": [0, 0], "n": [0, 0], "a": [0, 0]}
    for group in owners:
        said = [votes[d[0]] for d in group if d[0] in votes]
        if said:
            sums[said[0]][0] += sum(whole(d[1]) for d in group)
            sums[said[0]][1] += 1
    voted_area = sums["y"][0] + sums["n"][0] + sums["a"][0]
    voted_heads = sums["y"][1] + sums["n"][1] + sums["a"][1]
    quorum = 3 * voted_area >= 2 * total_area and 3 * voted_heads >= 2 * total_heads
    yes_area, yes_heads = sums["y"]
    if matter in (6, 7, 8):
        majority = 4 * yes_area >= 3 * voted_area and 4 * yes_heads >= 3 * voted_heads
    else:
        majority = 2 * yes_area > voted_area and 2 * yes_heads > voted_heads
    return {
        "total_area": Decimal(total_area) / unit,
        "total_heads": total_heads,
        "voted_area": Decimal(voted_area) / unit,
        "voted_heads": voted_heads,
        "yes_area": Decimal(yes_area) / unit,
        "yes_heads": yes_heads,
        "quorum": quorum,
        "passed": quorum and majority and voted_heads > 0,
    }


# --- Helpers ------------------------------------------------------------------------------------

OPINIONS = {"y": Opinion.YES, "n": Opinion.NO, "a": Opinion.ABSTAIN}


def count(
    dwellings: list[tuple[str, Decimal, str, bool]], votes: dict[str, str], matter: int
) -> dict[str, object]:
    electorate = electorate_build(
        Holding(dwelling=name, area=area, buyer=buyer, developer_held=dev)
        for name, area, buyer, dev in dwellings
    )
    ballots: dict[str, Opinion] = {}
    for dwelling, said in votes.items():
        voter = electorate.voter_for_dwelling(dwelling)
        assert voter is not None
        ballots.setdefault(voter.key, OPINIONS[said])
    tally = tally_count(electorate=electorate, ballots=ballots, matter=matter)
    return {
        "total_area": tally.total_area,
        "total_heads": tally.total_heads,
        "voted_area": tally.voted_area,
        "voted_heads": tally.voted_heads,
        "yes_area": tally.yes_area,
        "yes_heads": tally.yes_heads,
        "quorum": tally.quorum,
        "passed": tally.passed,
    }


def plain(n: int, area: str = "100") -> list[tuple[str, Decimal, str, bool]]:
    return [(f"d{i}", Decimal(area), "", False) for i in range(n)]


# --- Properties ---------------------------------------------------------------------------------

areas = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2).filter(
    lambda a: a > 0
)


@st.composite
def assemblies(draw: st.DrawFn) -> tuple[list[tuple[str, Decimal, str, bool]], dict[str, str]]:
    n = draw(st.integers(min_value=1, max_value=25))
    dwellings = []
    for i in range(n):
        buyer = draw(st.sampled_from(["", "", "", "A", "B", "C"]))
        dwellings.append((f"d{i}", draw(areas), buyer, draw(st.booleans()) and i % 3 == 0))
    votes: dict[str, str] = {}
    seen: set[str] = set()
    for name, _area, buyer, dev in dwellings:
        owner = "dev" if dev else (buyer or name)
        if owner in seen:
            continue
        seen.add(owner)
        said = draw(st.sampled_from(["y", "n", "a", None, "y"]))
        if said is not None:
            votes[name] = said
    return dwellings, votes


@settings(max_examples=400, deadline=None)
@given(assemblies(), st.integers(min_value=1, max_value=9))
def test_it_agrees_with_the_reference(
    assembly: tuple[list[tuple[str, Decimal, str, bool]], dict[str, str]], matter: int
) -> None:
    dwellings, votes = assembly
    assert count(dwellings, votes, matter) == reference(dwellings, votes, matter)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=60),
    st.data(),
    st.integers(min_value=1, max_value=9),
)
def test_it_agrees_on_equal_dwellings_near_the_thresholds(
    n: int, data: st.DataObject, matter: int
) -> None:
    # Equal areas make the area and head shares coincide, which lands exactly on 2/3, 1/2, 3/4.
    voted = data.draw(st.integers(min_value=0, max_value=n))
    yes = data.draw(st.integers(min_value=0, max_value=voted))
    no = data.draw(st.integers(min_value=0, max_value=voted - yes))
    votes = {f"d{i}": "y" if i < yes else "n" if i < yes + no else "a" for i in range(voted)}
    dwellings = plain(n, "88.88")
    assert count(dwellings, votes, matter) == reference(dwellings, votes, matter)


@settings(max_examples=200, deadline=None)
@given(st.lists(areas, min_size=1, max_size=30))
def test_the_total_area_is_the_exact_sum(values: list[Decimal]) -> None:
    electorate = electorate_build(Holding(dwelling=str(i), area=a) for i, a in enumerate(values))
    assert electorate.total_area == sum(values, Decimal(0))
    assert electorate.total_heads == len(values)


# --- Boundaries ---------------------------------------------------------------------------------


def test_quorum_is_met_at_exactly_two_thirds() -> None:
    # 6 equal dwellings: 4 voted is exactly 2/3 of area and heads.
    result = count(plain(6), {"d0": "y", "d1": "y", "d2": "y", "d3": "n"}, 4)
    assert result["quorum"] is True
    assert result["passed"] is True


def test_quorum_fails_just_under_two_thirds() -> None:
    dwellings = [*plain(5), ("d5", Decimal("100.01"), "", False)]
    # Voted area 400 of 600.01 is just under 2/3, although heads are exactly 4 of 6.
    result = count(dwellings, {"d0": "y", "d1": "y", "d2": "y", "d3": "y"}, 4)
    assert result["quorum"] is False
    assert result["passed"] is False


def test_exactly_half_is_not_a_majority() -> None:
    # 6 voted of 6: 3 yes is exactly half, so an ordinary matter fails.
    votes = {f"d{i}": "y" if i < 3 else "n" for i in range(6)}
    assert count(plain(6), votes, 4)["passed"] is False
    votes["d3"] = "y"
    assert count(plain(6), votes, 4)["passed"] is True


def test_exactly_three_quarters_passes_a_special_matter() -> None:
    votes = {f"d{i}": "y" if i < 6 else "n" for i in range(8)}  # 6 of 8 = 3/4
    assert count(plain(8), votes, 6)["passed"] is True
    votes["d5"] = "a"  # 5 of 8 < 3/4
    assert count(plain(8), votes, 6)["passed"] is False


@pytest.mark.parametrize("matter", [6, 7, 8])
def test_matters_six_to_eight_need_three_quarters(matter: int) -> None:
    votes = {f"d{i}": "y" if i < 7 else "n" for i in range(10)}  # 70%
    assert count(plain(10), votes, matter)["passed"] is False
    assert count(plain(10), votes, 5)["passed"] is True  # using the fund is ordinary


def test_abstentions_take_part_but_are_not_yes() -> None:
    # 3 yes, 1 no, 2 abstain of 6: quorum by all six; 3 of 6 voted is not more than half.
    votes = {"d0": "y", "d1": "y", "d2": "y", "d3": "n", "d4": "a", "d5": "a"}
    result = count(plain(6), votes, 4)
    assert result["voted_heads"] == 6
    assert result["quorum"] is True
    assert result["passed"] is False


def test_non_voters_are_never_counted_with_the_majority() -> None:
    # 4 of 6 vote, all yes; the 2 silent owners do not count as yes or no.
    result = count(plain(6), {f"d{i}": "y" for i in range(4)}, 4)
    assert result["yes_heads"] == 4
    assert result["voted_heads"] == 4


def test_a_buyer_with_several_dwellings_is_one_head_with_all_the_area() -> None:
    dwellings = [
        ("d0", Decimal("90"), "Wang", False),
        ("d1", Decimal("60.5"), "Wang", False),
        ("d2", Decimal("100"), "", False),
    ]
    electorate = electorate_build(
        Holding(dwelling=n, area=a, buyer=b, developer_held=dev) for n, a, b, dev in dwellings
    )
    assert electorate.total_heads == 2
    voter = electorate.voter_for_dwelling("d1")
    assert voter is not None
    assert voter.area == Decimal("150.5")
    assert voter.dwellings == ("d0", "d1")


def test_developer_held_dwellings_are_one_head_together() -> None:
    dwellings = [(f"d{i}", Decimal("100"), "", i < 4) for i in range(7)]
    electorate = electorate_build(
        Holding(dwelling=n, area=a, buyer=b, developer_held=dev) for n, a, b, dev in dwellings
    )
    assert electorate.total_heads == 4  # the developer and three buyers
    assert electorate.voters[DEVELOPER].area == Decimal("400")
    # The developer alone holds 4/7 of the area but is one head of four: no quorum.
    result = count(dwellings, {"d0": "y"}, 4)
    assert result["quorum"] is False
    # With two more owners the heads reach 3 of 4 and the area 6/7.
    result = count(dwellings, {"d0": "y", "d4": "y", "d5": "n"}, 4)
    assert result["quorum"] is True
    assert result["passed"] is True


def test_area_comes_from_the_registry_then_survey_then_contract() -> None:
    assert counted_area(registry=Decimal(1), survey=Decimal(2), contract=Decimal(3)) == 1
    assert counted_area(registry=None, survey=Decimal(2), contract=Decimal(3)) == 2
    assert counted_area(registry=None, survey=None, contract=Decimal(3)) == 3
    assert counted_area(registry=None, survey=None, contract=None) is None


def test_nobody_voting_passes_nothing() -> None:
    result = count(plain(3), {}, 6)
    assert result["quorum"] is False
    assert result["passed"] is False


@pytest.mark.parametrize("matter", [0, 10, -1])
def test_it_refuses_a_matter_outside_one_to_nine(matter: int) -> None:
    electorate = electorate_build([Holding(dwelling="d0", area=Decimal(1))])
    with pytest.raises(TallyError):
        tally_count(electorate=electorate, ballots={}, matter=matter)


def test_it_refuses_a_dwelling_listed_twice_and_an_area_of_zero() -> None:
    with pytest.raises(TallyError, match="twice"):
        electorate_build([Holding("d0", Decimal(1)), Holding("d0", Decimal(2))])
    with pytest.raises(TallyError, match="above zero"):
        electorate_build([Holding("d0", Decimal(0))])
    with pytest.raises(TallyError, match="no dwellings"):
        electorate_build([])


def test_it_refuses_a_ballot_from_outside_the_electorate() -> None:
    electorate = electorate_build([Holding(dwelling="d0", area=Decimal(1))])
    with pytest.raises(TallyError):
        tally_count(electorate=electorate, ballots={"dwelling:x": Opinion.YES}, matter=1)


def test_it_gives_areas_as_exact_decimal_strings() -> None:
    electorate = electorate_build([Holding("d0", Decimal("0.10")), Holding("d1", Decimal("0.20"))])
    tally = tally_count(
        electorate=electorate, ballots={"dwelling:d0": Opinion.YES}, matter=1
    ).as_dict()
    assert tally["total_area"] == "0.30"
    assert tally["yes_area"] == "0.10"
