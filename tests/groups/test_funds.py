from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.groups.models import AppendOnlyError, FundEntry
from peiban.groups.selectors import fund_balance
from peiban.groups.services import GroupError, fund_record, fund_reverse
from tests.conftest import World
from tests.groups.conftest import Group

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 1)


def test_it_keeps_the_balance_as_the_sum_of_entries(world: World, group: Group) -> None:
    fund_record(
        group=group.group,
        kind="income",
        amount="300",
        description="会费",
        occurred_on=DAY,
        actor=world.leader,
    )
    fund_record(
        group=group.group,
        kind="spending",
        amount="120.50",
        description="音响电池",
        occurred_on=DAY,
        actor=world.leader,
    )
    assert fund_balance(group.group) == Decimal("179.50")


def test_it_refuses_spending_more_than_the_balance_and_records_nothing(
    world: World, group: Group
) -> None:
    fund_record(
        group=group.group,
        kind="income",
        amount="50",
        description="会费",
        occurred_on=DAY,
        actor=world.leader,
    )
    with pytest.raises(GroupError, match="below zero"):
        fund_record(
            group=group.group,
            kind="spending",
            amount="50.01",
            description="服装",
            occurred_on=DAY,
            actor=world.leader,
        )
    assert FundEntry.objects.count() == 1


def test_it_refuses_amounts_that_are_not_money(world: World, group: Group) -> None:
    for bad in ("abc", "0", "-5", "1.005", "NaN"):
        with pytest.raises(GroupError):
            fund_record(
                group=group.group,
                kind="income",
                amount=bad,
                description="会费",
                occurred_on=DAY,
                actor=world.leader,
            )


def test_a_correction_is_a_reversing_entry_with_a_reason(world: World, group: Group) -> None:
    income = fund_record(
        group=group.group,
        kind="income",
        amount="100",
        description="会费",
        occurred_on=DAY,
        actor=world.leader,
    )
    with pytest.raises(GroupError, match="cannot be empty"):
        fund_reverse(entry=income, reason=" ", actor=world.staff)
    reversal = fund_reverse(entry=income, reason="重复录入", actor=world.staff)
    assert reversal.amount == Decimal("-100.00")
    assert fund_balance(group.group) == 0
    with pytest.raises(GroupError, match="already been corrected"):
        fund_reverse(entry=income, reason="再次", actor=world.staff)
    with pytest.raises(GroupError, match="not corrected again"):
        fund_reverse(entry=reversal, reason="撤销更正", actor=world.staff)


def test_undoing_income_that_was_spent_is_refused(world: World, group: Group) -> None:
    income = fund_record(
        group=group.group,
        kind="income",
        amount="100",
        description="会费",
        occurred_on=DAY,
        actor=world.leader,
    )
    fund_record(
        group=group.group,
        kind="spending",
        amount="80",
        description="服装",
        occurred_on=DAY,
        actor=world.leader,
    )
    with pytest.raises(GroupError, match="below zero"):
        fund_reverse(entry=income, reason="录错", actor=world.staff)


def test_entries_cannot_be_changed_or_deleted(world: World, group: Group) -> None:
    entry = fund_record(
        group=group.group,
        kind="income",
        amount="10",
        description="会费",
        occurred_on=DAY,
        actor=world.leader,
    )
    entry.amount = Decimal(1000)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


operations = st.lists(
    st.tuples(
        st.sampled_from(["income", "spending", "reverse"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2),
    ),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations)
def test_the_balance_equals_an_independent_sum_and_never_goes_below_zero(
    world: World, group: Group, steps: list[tuple[str, Decimal]]
) -> None:
    start = fund_balance(group.group)
    expected = start
    kept: list[tuple[FundEntry, Decimal]] = []
    for kind, amount in steps:
        if kind == "reverse":
            if not kept:
                continue
            entry, value = kept.pop(0)
            if expected - value < 0:
                with pytest.raises(GroupError):
                    fund_reverse(entry=entry, reason="更正", actor=world.staff)
                continue
            fund_reverse(entry=entry, reason="更正", actor=world.staff)
            expected -= value
            continue
        if kind == "spending" and amount > expected:
            with pytest.raises(GroupError):
                fund_record(
                    group=group.group,
                    kind=kind,
                    amount=amount,
                    description="x",
                    occurred_on=DAY,
                    actor=world.leader,
                )
            continue
        entry = fund_record(
            group=group.group,
            kind=kind,
            amount=amount,
            description="x",
            occurred_on=DAY,
            actor=world.leader,
        )
        value = amount if kind == "income" else -amount
        expected += value
        kept.append((entry, value))
        assert fund_balance(group.group) >= 0
    assert fund_balance(group.group) == expected
