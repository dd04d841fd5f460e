from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from peiban.activities.models import Activity
from peiban.groups.models import MemberRole, StageChange
from peiban.groups.selectors import group_figures, stage_history
from peiban.groups.services import (
    GroupError,
    coaching_record,
    fund_record,
    meeting_record,
    member_add,
    rules_adopt,
    stage_move,
)
from peiban.groups.stages import Figures, stage_check, stage_reached
from tests.conftest import World
from tests.groups.conftest import Group

TODAY = date(2026, 6, 30)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 19, 0))


def independent_stage(f: Figures) -> str:
    """The criteria of docs/groups.md, written out again by hand."""
    emerging = f.members >= 3 and f.leaders >= 1
    growing = emerging and f.members >= 8 and f.meetings_last_year >= 4
    established = (
        growing
        and f.members >= 12
        and f.leaders >= 2
        and f.meetings_last_year >= 8
        and f.rules_adopted
        and f.fund_income_entries >= 1
        and f.activities_without_staff >= 2
    )
    autonomous = (
        established
        and f.members >= 15
        and f.meetings_without_staff_last_year >= 10
        and f.fund_balance > 0
        and f.activities_without_staff >= 6
        and f.coaching_last_quarter <= 1
    )
    for name, met in (
        ("autonomous", autonomous),
        ("established", established),
        ("growing", growing),
    ):
        if met:
            return name
    return "emerging"


figures = st.builds(
    Figures,
    members=st.integers(0, 30),
    leaders=st.integers(0, 4),
    meetings_last_year=st.integers(0, 20),
    meetings_without_staff_last_year=st.integers(0, 20),
    rules_adopted=st.booleans(),
    fund_income_entries=st.integers(0, 3),
    fund_balance=st.decimals(min_value=0, max_value=1000, places=2),
    activities_without_staff=st.integers(0, 10),
    coaching_last_quarter=st.integers(0, 4),
)


@given(figures)
def test_the_stage_reached_equals_the_documented_criteria(f: Figures) -> None:
    assert stage_reached(f) == independent_stage(f)
    assert len(stage_check(f)) == 4


@pytest.mark.django_db
def test_figures_are_counted_from_the_records(world: World, group: Group, make_residents) -> None:
    g = group.group
    for resident in make_residents(10):
        member_add(group=g, resident=resident, joined_on=date(2025, 3, 1), actor=world.staff)
    member_add(
        group=g,
        resident=make_residents(1, "副队长")[0],
        role=MemberRole.DEPUTY,
        joined_on=date(2025, 3, 1),
        actor=world.staff,
    )
    for n in range(9):  # eight within the last year, one too old
        day = TODAY - timedelta(days=30 * n + 10) if n < 8 else TODAY - timedelta(days=400)
        meeting_record(
            group=g, starts_at=_at(day), topic=f"例会{n}", staff_present=n < 3, actor=world.leader
        )
    meeting_record(
        group=g, starts_at=_at(TODAY + timedelta(days=7)), topic="下次例会", actor=world.leader
    )
    rules_adopt(
        group=g,
        text="第一条 本队以健身娱乐为宗旨。",
        adopted_on=date(2025, 5, 1),
        actor=world.leader,
    )
    fund_record(
        group=g,
        kind="income",
        amount="200",
        description="会费",
        occurred_on=date(2025, 5, 2),
        actor=world.leader,
    )
    fund_record(
        group=g,
        kind="spending",
        amount="50",
        description="音响",
        occurred_on=date(2025, 6, 2),
        actor=world.leader,
    )
    for n in range(3):
        start = _at(TODAY - timedelta(days=20 * (n + 1)))
        Activity.objects.create(
            community=world.community,
            title=f"舞队展演{n}",
            kind="interest_group",
            organiser_kind="self_organisation",
            organiser_group=g,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
    coaching_record(
        group=g,
        held_on=TODAY - timedelta(days=5),
        minutes_spent=90,
        topic="财务公开",
        actor=world.staff,
    )

    f = group_figures(g, TODAY)
    assert f == Figures(
        members=13,
        leaders=2,
        meetings_last_year=8,
        meetings_without_staff_last_year=5,
        rules_adopted=True,
        fund_income_entries=1,
        fund_balance=Decimal("150.00"),
        activities_without_staff=3,
        coaching_last_quarter=1,
    )
    assert stage_reached(f) == "established"

    with pytest.raises(GroupError, match="does not meet the criteria"):
        stage_move(group=g, to_stage="autonomous", on=TODAY, actor=world.staff)
    change = stage_move(
        group=g, to_stage="established", note="章程通过", on=TODAY, actor=world.staff
    )
    assert change.evidence["members"] == 13
    assert change.evidence["reached"] == "established"
    assert change.evidence["fund_balance"] == "150.00"
    with pytest.raises(GroupError, match="Say why"):
        stage_move(group=g, to_stage="growing", on=TODAY, actor=world.staff)
    stage_move(group=g, to_stage="growing", note="骨干离开", on=TODAY, actor=world.staff)
    assert [(c.from_stage, c.to_stage) for c in stage_history(g)] == [
        ("", "emerging"),
        ("emerging", "established"),
        ("established", "growing"),
    ]
    assert StageChange.objects.filter(group=g).count() == 3
