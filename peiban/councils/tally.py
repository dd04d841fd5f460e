"""Count an owners' joint decision (业主共同决定) under Civil Code Article 278.

Pure arithmetic, no database: the assembly pages, the API and `peiban tally-ballots` all count
through `tally_count`, so they cannot disagree.

Counting, after the Supreme People's Court interpretation on building co-ownership:

- a dwelling's area is its registry area, else its surveyed area, else its contract area
  (`counted_area`); the total area is the sum over all dwellings;
- heads: one dwelling is one owner, except that all dwellings the developer has not sold or not
  delivered are one owner together, and one buyer holding several dwellings is one owner;
- an owner's ballot carries the area of all their dwellings and one head.

The rule, where 以上 means ≥ and 过半数 means strictly more than half::

    quorum = voted_area >= 2/3 total_area and voted_heads >= 2/3 total_heads
    matters 6, 7, 8: passed = quorum and yes >= 3/4 of voted (area and heads)
    other matters:   passed = quorum and yes >  1/2 of voted (area and heads)

Abstentions take part but are not yes. Non-voters are never counted with the majority.
Areas are Decimals summed exactly (an inexact sum raises) and every threshold is compared as a
Fraction, never a float.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DEVELOPER",
    "MATTERS",
    "SPECIAL_MATTERS",
    "Electorate",
    "Holding",
    "Opinion",
    "RequisitionCount",
    "Tally",
    "TallyError",
    "Voter",
    "counted_area",
    "electorate_build",
    "requisition_count",
    "tally_count",
    "tally_from_sums",
    "voter_key",
]

MATTERS: dict[int, Any] = {
    1: _("Making or amending the rules of procedure of the owners' assembly"),
    2: _("Making or amending the management covenant"),
    3: _("Electing or replacing the owners' committee or its members"),
    4: _("Hiring or dismissing the property service company or other managers"),
    5: _("Using the building and facilities maintenance fund"),
    6: _("Raising the building and facilities maintenance fund"),
    7: _("Rebuilding or reconstructing buildings and their facilities"),
    8: _("Changing the use of common parts or running a business with them"),
    9: _("Another major matter of common ownership and joint management"),
}
# Matters that need three quarters of the participating area and heads (the others: over half).
SPECIAL_MATTERS = frozenset({6, 7, 8})

QUORUM = Fraction(2, 3)
ORDINARY_MAJORITY = Fraction(1, 2)  # strictly more than
SPECIAL_MAJORITY = Fraction(3, 4)  # at least
# An interim owners' assembly is requisitioned by owners holding 20% or more of the area who are
# also 20% or more of the owners (业主大会和业主委员会指导规则 Art. 22: "20%以上且……20%以上").
REQUISITION_SHARE = Fraction(1, 5)  # at least

# The voter key of all dwellings the developer has not sold or not delivered.
DEVELOPER = "developer"

# Sums of areas are exact or fail: an Inexact signal is trapped.
_EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation])


class TallyError(ValueError):
    """The electorate or the ballots cannot be counted; the message says why."""


class Opinion(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


def counted_area(
    *, registry: Decimal | None, survey: Decimal | None, contract: Decimal | None
) -> Decimal | None:
    """The area that counts: registry, else surveyed, else contract area; None if none is known."""
    for area in (registry, survey, contract):
        if area is not None:
            return area
    return None


@dataclass(frozen=True)
class Holding:
    """One dwelling of the electorate.

    `buyer` names the owner for the merge of several dwellings held by one buyer: dwellings with
    the same non-empty buyer are one head. `developer_held` puts the dwelling with all the
    developer's unsold or undelivered dwellings, as one head (it wins over `buyer`).
    """

    dwelling: str
    area: Decimal
    buyer: str = ""
    developer_held: bool = False


@dataclass(frozen=True)
class Voter:
    """One head: the owner of one or more dwellings, casting one ballot with all their area."""

    key: str
    dwellings: tuple[str, ...]
    area: Decimal


@dataclass(frozen=True)
class Electorate:
    voters: Mapping[str, Voter]
    by_dwelling: Mapping[str, str]  # dwelling -> voter key
    total_area: Decimal

    @property
    def total_heads(self) -> int:
        return len(self.voters)

    def voter_for_dwelling(self, dwelling: str) -> Voter | None:
        key = self.by_dwelling.get(dwelling)
        return None if key is None else self.voters[key]


def voter_key(holding: Holding) -> str:
    if holding.developer_held:
        return DEVELOPER
    if holding.buyer:
        return f"buyer:{holding.buyer}"
    return f"dwelling:{holding.dwelling}"


def _exact_sum(areas: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for area in areas:
        total = _EXACT.add(total, area)
    return total


def electorate_build(holdings: Iterable[Holding]) -> Electorate:
    """The voters and totals of an electorate; each dwelling once, with an area above zero."""
    dwellings: dict[str, list[str]] = {}
    areas: dict[str, list[Decimal]] = {}
    by_dwelling: dict[str, str] = {}
    all_areas: list[Decimal] = []
    for holding in holdings:
        if holding.dwelling in by_dwelling:
            raise TallyError(
                gettext("The dwelling %(dwelling)s is listed twice.")
                % {"dwelling": holding.dwelling}
            )
        if not isinstance(holding.area, Decimal) or not holding.area.is_finite():
            raise TallyError(
                gettext("The dwelling %(dwelling)s has no usable area.")
                % {"dwelling": holding.dwelling}
            )
        if holding.area <= 0:
            raise TallyError(
                gettext("The area of the dwelling %(dwelling)s is not above zero.")
                % {"dwelling": holding.dwelling}
            )
        key = voter_key(holding)
        by_dwelling[holding.dwelling] = key
        dwellings.setdefault(key, []).append(holding.dwelling)
        areas.setdefault(key, []).append(holding.area)
        all_areas.append(holding.area)
    if not by_dwelling:
        raise TallyError(gettext("The electorate has no dwellings."))
    voters = {
        key: Voter(key=key, dwellings=tuple(names), area=_exact_sum(areas[key]))
        for key, names in dwellings.items()
    }
    return Electorate(voters=voters, by_dwelling=by_dwelling, total_area=_exact_sum(all_areas))


@dataclass(frozen=True)
class Tally:
    matter: int
    total_area: Decimal
    total_heads: int
    voted_area: Decimal
    voted_heads: int
    yes_area: Decimal
    yes_heads: int
    no_area: Decimal
    no_heads: int
    abstain_area: Decimal
    abstain_heads: int
    quorum: bool
    passed: bool

    @property
    def special(self) -> bool:
        """Whether the matter needs three quarters rather than more than half."""
        return self.matter in SPECIAL_MATTERS

    def as_dict(self) -> dict[str, Any]:
        """The figures with areas as exact decimal strings (the `tally-ballots` JSON keys)."""
        return {
            "matter": self.matter,
            "total_area": str(self.total_area),
            "total_heads": self.total_heads,
            "voted_area": str(self.voted_area),
            "voted_heads": self.voted_heads,
            "yes_area": str(self.yes_area),
            "yes_heads": self.yes_heads,
            "no_area": str(self.no_area),
            "no_heads": self.no_heads,
            "abstain_area": str(self.abstain_area),
            "abstain_heads": self.abstain_heads,
            "quorum": self.quorum,
            "passed": self.passed,
            "special_majority": self.special,
        }


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: checked when the electorate was built
    return exponent


def _at_least(part: Decimal | int, whole: Decimal | int, share: Fraction) -> bool:
    return Fraction(part) >= share * Fraction(whole)


def _more_than(part: Decimal | int, whole: Decimal | int, share: Fraction) -> bool:
    return Fraction(part) > share * Fraction(whole)


def check_matter(matter: int) -> int:
    if isinstance(matter, bool) or not isinstance(matter, int) or matter not in MATTERS:
        raise TallyError(
            gettext("The matter must be a number from 1 to 9, not %(matter)s.")
            % {"matter": repr(matter)}
        )
    return matter


def tally_count(*, electorate: Electorate, ballots: Mapping[str, Opinion], matter: int) -> Tally:
    """Count the ballots, keyed by voter key (one per voter, so one ballot per owner)."""
    check_matter(matter)
    area: dict[Opinion, list[Decimal]] = {opinion: [] for opinion in Opinion}
    for key, opinion in ballots.items():
        voter = electorate.voters.get(key)
        if voter is None:
            raise TallyError(
                gettext("The ballot of %(voter)s is not from a voter of this electorate.")
                % {"voter": key}
            )
        area[Opinion(opinion)].append(voter.area)
    yes, no, abstain = ((_exact_sum(area[o]), len(area[o])) for o in Opinion)
    return tally_from_sums(
        matter=matter,
        total_area=electorate.total_area,
        total_heads=electorate.total_heads,
        yes=yes,
        no=no,
        abstain=abstain,
    )


def tally_from_sums(
    *,
    matter: int,
    total_area: Decimal,
    total_heads: int,
    yes: tuple[Decimal, int],
    no: tuple[Decimal, int],
    abstain: tuple[Decimal, int],
) -> Tally:
    """Apply the rule to the sums of area and heads per opinion (as a database gives them)."""
    check_matter(matter)
    if total_heads <= 0 or total_area <= 0:
        raise TallyError(gettext("The electorate has no dwellings."))
    # Every figure is written with as many decimal places as the total (exactly: Inexact traps).
    scale = Decimal(1).scaleb(min(0, _exponent(total_area)))
    yes_area, no_area, abstain_area = (
        _EXACT.quantize(figure[0], scale) for figure in (yes, no, abstain)
    )
    yes_heads, no_heads, abstain_heads = yes[1], no[1], abstain[1]
    voted_area = _EXACT.quantize(_exact_sum((yes_area, no_area, abstain_area)), scale)
    voted_heads = yes_heads + no_heads + abstain_heads
    if voted_heads > total_heads or voted_area > total_area:
        raise TallyError(gettext("More has been voted than the electorate holds."))
    quorum = _at_least(voted_area, total_area, QUORUM) and _at_least(
        voted_heads, total_heads, QUORUM
    )
    if matter in SPECIAL_MATTERS:
        majority = _at_least(yes_area, voted_area, SPECIAL_MAJORITY) and _at_least(
            yes_heads, voted_heads, SPECIAL_MAJORITY
        )
    else:
        majority = _more_than(yes_area, voted_area, ORDINARY_MAJORITY) and _more_than(
            yes_heads, voted_heads, ORDINARY_MAJORITY
        )
    return Tally(
        matter=matter,
        total_area=total_area,
        total_heads=total_heads,
        voted_area=voted_area,
        voted_heads=voted_heads,
        yes_area=yes_area,
        yes_heads=yes_heads,
        no_area=no_area,
        no_heads=no_heads,
        abstain_area=abstain_area,
        abstain_heads=abstain_heads,
        quorum=quorum,
        # With nobody voting, "yes >= 3/4 of nothing" would hold; a quorum of an electorate
        # that is not empty needs someone to have voted, so `quorum` rules that out.
        passed=quorum and majority and voted_heads > 0,
    )


@dataclass(frozen=True)
class RequisitionCount:
    """Whether the owners who signed may requisition an interim owners' assembly."""

    total_area: Decimal
    total_heads: int
    signed_area: Decimal
    signed_heads: int
    area_reached: bool
    heads_reached: bool

    @property
    def reached(self) -> bool:
        return self.area_reached and self.heads_reached

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_area": str(self.total_area),
            "total_heads": self.total_heads,
            "signed_area": str(self.signed_area),
            "signed_heads": self.signed_heads,
            "area_reached": self.area_reached,
            "heads_reached": self.heads_reached,
            "reached": self.reached,
        }


def requisition_count(*, electorate: Electorate, signers: Iterable[str]) -> RequisitionCount:
    """Count the owners who signed (voter keys; each owner once, with all their area) against
    20% of the area and 20% of the heads, both at least."""
    keys = set(signers)
    unknown = keys - electorate.voters.keys()
    if unknown:
        raise TallyError(
            gettext("The signature of %(voter)s is not from an owner of this electorate.")
            % {"voter": sorted(unknown)[0]}
        )
    if electorate.total_heads <= 0 or electorate.total_area <= 0:
        raise TallyError(gettext("The electorate has no dwellings."))
    signed_area = _exact_sum(electorate.voters[key].area for key in sorted(keys))
    return RequisitionCount(
        total_area=electorate.total_area,
        total_heads=electorate.total_heads,
        signed_area=signed_area,
        signed_heads=len(keys),
        area_reached=_at_least(signed_area, electorate.total_area, REQUISITION_SHARE),
        heads_reached=_at_least(len(keys), electorate.total_heads, REQUISITION_SHARE),
    )
