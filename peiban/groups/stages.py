"""Stage criteria of a self-organisation, computed from its records (see docs/groups.md).

Each stage asks for everything the stage before it asks, and more. A group has *reached* the
highest stage whose criteria, and those of every earlier stage, are all met; "emerging" is the
floor. People move the recorded stage (``stage_move``); the figures here are their evidence.
Pure functions: the figures are gathered by ``selectors.group_figures``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from peiban.groups.models import STAGE_ORDER, Stage


@dataclass(frozen=True)
class Figures:
    """What the criteria look at, counted on one day."""

    members: int  # current members who still live in the community
    leaders: int  # of whom in a leading role (leader or deputy)
    meetings_last_year: int  # meetings held in the 365 days up to the day
    meetings_without_staff_last_year: int
    rules_adopted: bool
    fund_income_entries: int  # income entries ever recorded in the group's own funds
    fund_balance: Decimal
    activities_without_staff: int  # activities the group organised in the last 365 days
    coaching_last_quarter: int  # coaching sessions in the 90 days up to the day

    def as_evidence(self) -> dict[str, Any]:
        data = asdict(self)
        data["fund_balance"] = str(self.fund_balance)
        return data


@dataclass(frozen=True)
class Criterion:
    figure: str
    label: str | Promise
    at_least: int | Decimal | bool
    at_most: bool = False  # the figure must be at most the threshold instead

    def met(self, figures: Figures) -> bool:
        value = getattr(figures, self.figure)
        if isinstance(self.at_least, bool):
            return bool(value) is self.at_least
        if self.at_most:
            return bool(value <= self.at_least)
        return bool(value >= self.at_least)


CRITERIA: dict[str, tuple[Criterion, ...]] = {
    Stage.EMERGING: (
        Criterion("members", _("At least 3 members"), 3),
        Criterion("leaders", _("At least 1 leader"), 1),
    ),
    Stage.GROWING: (
        Criterion("members", _("At least 8 members"), 8),
        Criterion("meetings_last_year", _("At least 4 meetings in the last year"), 4),
    ),
    Stage.ESTABLISHED: (
        Criterion("members", _("At least 12 members"), 12),
        Criterion("leaders", _("At least 2 leaders"), 2),
        Criterion("meetings_last_year", _("At least 8 meetings in the last year"), 8),
        Criterion("rules_adopted", _("Rules (章程) adopted"), True),
        Criterion("fund_income_entries", _("Own funds raised at least once"), 1),
        Criterion(
            "activities_without_staff",
            _("At least 2 activities organised by the group in the last year"),
            2,
        ),
    ),
    Stage.AUTONOMOUS: (
        Criterion("members", _("At least 15 members"), 15),
        Criterion(
            "meetings_without_staff_last_year",
            _("At least 10 meetings without staff in the last year"),
            10,
        ),
        Criterion("fund_balance", _("Money in the group's own funds"), Decimal("0.01")),
        Criterion(
            "activities_without_staff",
            _("At least 6 activities organised by the group in the last year"),
            6,
        ),
        Criterion(
            "coaching_last_quarter",
            _("At most 1 coaching session by staff in the last 90 days"),
            1,
            at_most=True,
        ),
    ),
}


@dataclass(frozen=True)
class CriterionResult:
    label: str | Promise
    met: bool
    value: object


@dataclass(frozen=True)
class StageResult:
    stage: str
    label: str | Promise
    criteria: tuple[CriterionResult, ...]

    @property
    def met(self) -> bool:
        return all(c.met for c in self.criteria)


def stage_check(figures: Figures) -> list[StageResult]:
    """Every stage with each of its criteria, met or not, and the figure it looked at."""
    return [
        StageResult(
            stage=stage,
            label=Stage(stage).label,
            criteria=tuple(
                CriterionResult(c.label, c.met(figures), getattr(figures, c.figure))
                for c in CRITERIA[stage]
            ),
        )
        for stage in STAGE_ORDER
    ]


def stage_reached(figures: Figures) -> str:
    """The highest stage whose criteria and all earlier stages' criteria are met."""
    reached = Stage.EMERGING.value
    for result in stage_check(figures):
        if not result.met:
            break
        reached = result.stage
    return reached


def stage_index(stage: str) -> int:
    return STAGE_ORDER.index(stage)
