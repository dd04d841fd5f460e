from __future__ import annotations

from decimal import Decimal

import pytest

from peiban.groups.charts import score_lines
from peiban.groups.models import IncubationPlan
from peiban.groups.selectors import assessment_mean, assessment_series
from peiban.groups.services import (
    GROUP_DIMENSIONS,
    GroupError,
    PlanConflict,
    assessment_record,
    period_clean,
    plan_update,
)
from tests.conftest import World
from tests.groups.conftest import Group

pytestmark = pytest.mark.django_db


def test_two_leaders_editing_the_same_plan_the_second_gets_a_conflict_and_nothing_is_lost(
    world: World, group: Group
) -> None:
    opened = group.group.plan.version
    plan_update(
        group=group.group,
        goals="一年内发展到15人",
        without_staff="",
        version=opened,
        actor=world.leader,
    )
    with pytest.raises(PlanConflict, match="Someone else saved this plan") as conflict:
        plan_update(
            group=group.group,
            goals="每月两次例会",
            without_staff="",
            version=opened,
            actor=world.staff,
        )
    assert conflict.value.current.goals == "一年内发展到15人"
    plan = IncubationPlan.objects.get(group=group.group)
    assert (plan.version, plan.goals) == (opened + 1, "一年内发展到15人")
    plan_update(
        group=group.group,
        goals="一年内发展到15人；每月两次例会",
        without_staff="自己排练",
        version=plan.version,
        actor=world.staff,
    )
    assert IncubationPlan.objects.get(group=group.group).version == opened + 2


def test_assessments_are_scored_per_period_and_charted(world: World, group: Group) -> None:
    for period, score in (("2025H2", 2), ("2026H1", 3)):
        assessment_record(
            group=group.group,
            kind="group",
            period=period,
            scores=dict.fromkeys(GROUP_DIMENSIONS, score) | {"rules": 5},
            actor=world.staff,
        )
    series = assessment_series(group.group)
    assert [a.period for a in series] == ["2025H2", "2026H1"]
    assert [assessment_mean(a) for a in series] == [
        (Decimal(2 * 5 + 5) / 6).quantize(Decimal("0.01")),
        (Decimal(3 * 5 + 5) / 6).quantize(Decimal("0.01")),
    ]
    svg = str(score_lines(series, GROUP_DIMENSIONS))
    assert svg.startswith("<svg")
    assert "2025H2" in svg
    assert "2026H1" in svg
    # The same period again replaces the scores.
    assessment_record(
        group=group.group,
        kind="group",
        period="2026h1",
        scores=dict.fromkeys(GROUP_DIMENSIONS, 4),
        actor=world.staff,
    )
    assert assessment_mean(assessment_series(group.group)[-1]) == Decimal("4.00")


def test_a_leader_assessment_needs_a_leader_of_the_group(
    world: World, group: Group, registry
) -> None:
    scores = {
        "organising": 3,
        "communication": 4,
        "deliberation": 2,
        "learning": 5,
        "public_spirit": 4,
    }
    assessment_record(
        group=group.group,
        kind="leader",
        leader=group.leader,
        period="2026",
        scores=scores,
        actor=world.staff,
    )
    with pytest.raises(GroupError, match="Choose a leader"):
        assessment_record(
            group=group.group,
            kind="leader",
            leader=registry.foreign_resident,
            period="2026",
            scores=scores,
            actor=world.staff,
        )
    with pytest.raises(GroupError, match="score from 1 to 5"):
        assessment_record(
            group=group.group,
            kind="leader",
            leader=group.leader,
            period="2026",
            scores=scores | {"learning": 6},
            actor=world.staff,
        )


def test_periods_are_years_halves_or_quarters() -> None:
    assert period_clean(" 2026q3 ") == "2026Q3"
    for bad in ("26H1", "2026H3", "spring", ""):
        with pytest.raises(GroupError):
            period_clean(bad)
