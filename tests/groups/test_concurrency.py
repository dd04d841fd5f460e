"""Concurrent writes that must not overspend: group funds, and two leaders saving the same plan.

On PostgreSQL the group row is locked (select_for_update) and the plan is saved by a guarded
UPDATE; on SQLite the database serialises the (IMMEDIATE) write transactions, and its in-memory
test database answers "locked" at once, so the threads retry. The outcome must be the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.db import OperationalError, connections
from django.utils import translation

from peiban.groups.models import FundEntry, IncubationPlan
from peiban.groups.selectors import fund_balance
from peiban.groups.services import GroupError, fund_record, plan_update
from tests.conftest import World
from tests.groups.conftest import Group

THREADS = 8


def _race(work: Callable[[int], None]) -> list[str]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        outcome = "not run"
        translation.activate("en")
        try:
            barrier.wait(timeout=30)
            for _attempt in range(200):
                try:
                    work(n)
                    outcome = "ok"
                except GroupError as refused:
                    outcome = f"refused: {refused}"
                except OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.01)
                    continue
                break
        finally:
            translation.deactivate()
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_spendings_never_take_the_funds_below_zero(
    world: World, group: Group
) -> None:
    fund_record(
        group=group.group,
        kind="income",
        amount="100",
        description="会费",
        occurred_on=date(2026, 1, 1),
        actor=world.staff,
    )

    def spend(_n: int) -> None:
        fund_record(
            group=group.group,
            kind="spending",
            amount="30",
            description="物资",
            occurred_on=date(2026, 1, 2),
            actor=world.leader,
        )

    outcomes = _race(spend)
    assert len(outcomes) == THREADS, outcomes
    assert outcomes.count("ok") == 3, outcomes
    assert all("below zero" in o for o in outcomes if o != "ok"), outcomes
    assert fund_balance(group.group) == Decimal("10.00")
    assert FundEntry.objects.filter(group=group.group).count() == 4


@pytest.mark.django_db(transaction=True)
def test_of_eight_editors_starting_from_the_same_plan_only_one_saves(
    world: World, group: Group
) -> None:
    version = IncubationPlan.objects.get(group=group.group).version

    def edit(n: int) -> None:
        plan_update(
            group=group.group,
            goals=f"目标{n}",
            without_staff="",
            version=version,
            actor=world.leader,
        )

    outcomes = _race(edit)
    assert outcomes.count("ok") == 1, outcomes
    assert all("Someone else saved" in o for o in outcomes if o != "ok"), outcomes
    assert IncubationPlan.objects.get(group=group.group).version == version + 1
