"""Eight redemptions at once of the last item a resident can afford: exactly one succeeds.

On PostgreSQL the PointsAccount and Reward rows are locked (select_for_update); on SQLite the
database serialises the (IMMEDIATE) write transactions. The test is the same for both, except that
SQLite's in-memory test database reports a lock at once instead of waiting, and the thread retries.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connections
from django.db.models import Sum
from django.utils import translation

from peiban.ledger.models import PointsEntry, Redemption, Reward
from peiban.ledger.selectors import points_balance
from peiban.ledger.services import (
    LedgerError,
    hours_enter,
    hours_verify,
    points_credit_for_hours,
    points_rule_publish,
    reward_redeem,
)

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_eight_concurrent_redemptions_through(world, registry) -> None:
    points_rule_publish(
        community=world.community,
        hours_to_points="1",
        weights={},
        cap=None,
        text="1小时=1积分",
        approved_by="居民议事会",
        actor=world.staff,
    )
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="3",
        service="巡楼",
        actor=world.staff,
    )
    points_credit_for_hours(entry=hours_verify(entry=entry, actor=world.staff), actor=world.staff)
    lamp = Reward.objects.create(
        community=world.community, name="台灯", kind="goods", cost=Decimal(2), stock=1
    )
    resident = registry.resident
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def redeem() -> None:
        outcome = "not run"
        # A thread does not inherit the test's active language: read the refusals in English too.
        translation.activate("en")
        try:
            barrier.wait(timeout=30)
            for _attempt in range(200):
                try:
                    reward_redeem(resident=resident, reward=lamp, quantity=1, actor=world.staff)
                    outcome = "ok"
                except LedgerError as refused:
                    outcome = f"refused: {refused}"
                except OperationalError as error:
                    # SQLite's in-memory test database (shared cache) answers "table is locked"
                    # at once instead of waiting: nothing was written, so try again.
                    if "locked" not in str(error):
                        raise
                    outcome = f"error: {error}"
                    time.sleep(0.01)
                    continue
                break
        finally:
            translation.deactivate()
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=redeem) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == THREADS, outcomes
    assert outcomes.count("ok") == 1, outcomes
    # The others waited (or retried) and were refused for the right reason.
    assert all("Not enough points" in o or "in stock" in o for o in outcomes if o != "ok")
    lamp.refresh_from_db()
    assert lamp.stock == 0
    assert Redemption.objects.count() == 1
    balance = points_balance(resident)
    total = PointsEntry.objects.filter(resident=resident).aggregate(total=Sum("amount"))["total"]
    assert balance == total == Decimal("1.00")
    assert balance >= 0
