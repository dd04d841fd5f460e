from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.ledger.models import (
    AppendOnlyError,
    PointsEntry,
    PointsKind,
    PointsRule,
    Reward,
)
from peiban.ledger.selectors import ledger_for, points_balance, points_rule_current
from peiban.ledger.services import (
    AlreadyCredited,
    InsufficientPoints,
    LedgerError,
    OutOfStock,
    hours_credit_from_attendance,
    hours_enter,
    hours_reverse,
    hours_verify,
    points_credit_for_hours,
    points_reverse,
    points_rule_publish,
    redemption_cancel,
    reward_redeem,
)


def publish(world, **overrides) -> PointsRule:
    values = {
        "community": world.community,
        "hours_to_points": "1",
        "weights": {},
        "cap": None,
        "text": "每服务1小时积1分",
        "approved_by": "居民议事会 2026-03-02 决议",
        "actor": world.staff,
    }
    values.update(overrides)
    return points_rule_publish(**values)


def reward(world, cost: str = "2", stock: int | None = 5) -> Reward:
    return Reward.objects.create(
        community=world.community, name="大米5斤", kind="goods", cost=Decimal(cost), stock=stock
    )


def verified_hours(world, registry, hours: str = "2", activity=None):
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=activity,
        hours=hours,
        service="巡楼",
        actor=world.staff,
    )
    return hours_verify(entry=entry, actor=world.staff)


def test_it_versions_rules_and_never_edits_them(world) -> None:
    first = publish(world)
    second = publish(world, hours_to_points="2", cap="50")
    assert (first.version, second.version) == (1, 2)
    assert points_rule_current(world.community) == second
    second.text = "changed"
    with pytest.raises(AppendOnlyError):
        second.save()
    with pytest.raises(LedgerError):
        publish(world, weights={"party": "2"})
    with pytest.raises(LedgerError):
        publish(world, actor=world.leader)


def test_it_credits_points_only_for_verified_hours_once(world, registry) -> None:
    publish(world, weights={"training": "1.5"})
    pending = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="2",
        service="巡楼",
        actor=world.staff,
    )
    with pytest.raises(LedgerError, match="verified"):
        points_credit_for_hours(entry=pending, actor=world.staff)
    entry = hours_verify(entry=pending, actor=world.staff)
    credit = points_credit_for_hours(entry=entry, actor=world.staff)
    assert credit.amount == Decimal("2.00")
    assert points_balance(registry.resident) == Decimal("2.00")
    with pytest.raises(AlreadyCredited):
        points_credit_for_hours(entry=entry, actor=world.staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            community=world.community,
            resident=registry.resident,
            amount=Decimal(2),
            kind=PointsKind.CREDIT,
            rule=credit.rule,
            hour_entry=entry,
        )


def test_it_weighs_activity_kinds(world, registry, make_activity, make_attendance) -> None:
    publish(world, hours_to_points="2", weights={"training": "1.5"})
    attendance = make_attendance(make_activity("training"), minutes=90)
    entry = hours_credit_from_attendance(attendance=attendance, actor=world.staff)
    entry = hours_verify(entry=entry, actor=world.staff)
    assert points_credit_for_hours(entry=entry, actor=world.staff).amount == Decimal("4.50")


def test_it_applies_the_cap(world, registry) -> None:
    publish(world, cap="5")
    assert points_credit_for_hours(
        entry=verified_hours(world, registry, "4"), actor=world.staff
    ).amount == Decimal("4.00")
    capped = points_credit_for_hours(entry=verified_hours(world, registry, "3"), actor=world.staff)
    assert capped.amount == Decimal("1.00")
    assert "2.00 of 3.00 points not credited" in capped.reason
    full = points_credit_for_hours(entry=verified_hours(world, registry, "1"), actor=world.staff)
    assert full.amount == 0
    assert points_balance(registry.resident) == Decimal("5.00")


def test_it_redeems_within_balance_and_stock(world, registry) -> None:
    publish(world)
    points_credit_for_hours(entry=verified_hours(world, registry, "5"), actor=world.staff)
    rice = reward(world, cost="2", stock=2)
    with pytest.raises(InsufficientPoints, match=r"holds 5.00 points.*costs 6.00"):
        reward_redeem(resident=registry.resident, reward=rice, quantity=3, actor=world.staff)
    redemption = reward_redeem(
        resident=registry.resident, reward=rice, quantity=2, actor=world.staff
    )
    assert redemption.points == Decimal("4.00")
    rice.refresh_from_db()
    assert rice.stock == 0
    assert points_balance(registry.resident) == Decimal("1.00")
    cheap = reward(world, cost="0.5", stock=0)
    with pytest.raises(OutOfStock):
        reward_redeem(resident=registry.resident, reward=cheap, quantity=1, actor=world.staff)
    haircut = Reward.objects.create(
        community=world.community, name="理发", kind="service", cost=Decimal("0.5"), stock=None
    )
    reward_redeem(resident=registry.resident, reward=haircut, quantity=2, actor=world.staff)
    assert points_balance(registry.resident) == 0
    cancelled = redemption_cancel(redemption=redemption, reason="库存登记错误", actor=world.staff)
    assert cancelled.cancelled_at is not None
    rice.refresh_from_db()
    assert rice.stock == 2
    assert points_balance(registry.resident) == Decimal("4.00")
    with pytest.raises(LedgerError, match="already been cancelled"):
        redemption_cancel(redemption=redemption, reason="again", actor=world.staff)


def test_it_reverses_points_but_never_below_zero(world, registry) -> None:
    publish(world)
    entry = verified_hours(world, registry, "3")
    credit = points_credit_for_hours(entry=entry, actor=world.staff)
    reward_redeem(
        resident=registry.resident, reward=reward(world, "2"), quantity=1, actor=world.staff
    )
    with pytest.raises(InsufficientPoints, match="below zero"):
        points_reverse(entry=credit, reason="错记", actor=world.staff)
    with pytest.raises(InsufficientPoints):
        hours_reverse(entry=entry, reason="错记", actor=world.staff)  # the points were spent
    assert points_balance(registry.resident) == Decimal("1.00")
    other = points_credit_for_hours(entry=verified_hours(world, registry, "1"), actor=world.staff)
    reversal = points_reverse(entry=other, reason="重复", actor=world.staff)
    assert reversal.amount == Decimal("-1.00")
    with pytest.raises(LedgerError, match="already been reversed"):
        points_reverse(entry=other, reason="重复", actor=world.staff)


def test_it_reverses_the_points_with_the_hours(world, registry) -> None:
    publish(world)
    entry = verified_hours(world, registry, "2")
    points_credit_for_hours(entry=entry, actor=world.staff)
    hours_reverse(entry=entry, reason="活动取消", actor=world.staff)
    assert points_balance(registry.resident) == 0
    kinds = [e.kind for e in PointsEntry.objects.filter(resident=registry.resident)]
    assert kinds == ["credit", "reversal"]


def test_it_gives_a_running_balance_in_sql(world, registry) -> None:
    publish(world)
    for hours in ("1", "2", "3"):
        points_credit_for_hours(entry=verified_hours(world, registry, hours), actor=world.staff)
    reward_redeem(
        resident=registry.resident, reward=reward(world, "4"), quantity=1, actor=world.staff
    )
    rows = list(ledger_for(registry.resident))
    assert [row.running_balance for row in rows] == [
        Decimal(1),
        Decimal(3),
        Decimal(6),
        Decimal(2),
    ]


operation = st.one_of(
    st.tuples(st.just("credit"), st.integers(min_value=1, max_value=8)),
    st.tuples(st.just("redeem"), st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=10)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=10)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, max_size=12))
def test_it_keeps_balance_the_sum_of_entries_and_never_negative(world, registry, ops) -> None:
    with transaction.atomic():
        publish(world)
        shop = reward(world, cost="1.5", stock=None)
        credits: list[PointsEntry] = []
        redemptions = []
        for kind, value in ops:
            try:
                if kind == "credit":
                    entry = verified_hours(world, registry, f"{value / 4:.2f}")
                    credits.append(points_credit_for_hours(entry=entry, actor=world.staff))
                elif kind == "redeem":
                    redemptions.append(
                        reward_redeem(
                            resident=registry.resident,
                            reward=shop,
                            quantity=value,
                            actor=world.staff,
                        )
                    )
                elif kind == "reverse" and credits:
                    points_reverse(
                        entry=credits[value % len(credits)], reason="test", actor=world.staff
                    )
                elif kind == "cancel" and redemptions:
                    redemption_cancel(
                        redemption=redemptions[value % len(redemptions)],
                        reason="test",
                        actor=world.staff,
                    )
            except LedgerError:
                pass
            balance = points_balance(registry.resident)
            total = PointsEntry.objects.filter(resident=registry.resident).aggregate(
                total=Sum("amount")
            )["total"] or Decimal(0)
            assert balance == total
            assert balance >= 0
        transaction.set_rollback(True)


def test_a_resident_redeems_their_own_points_but_not_a_neighbours(world, registry) -> None:
    from peiban.places.models import Resident

    publish(world)
    points_credit_for_hours(entry=verified_hours(world, registry, "3"), actor=world.staff)
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    towel = reward(world, cost="1", stock=5)
    reward_redeem(resident=registry.resident, reward=towel, quantity=1, actor=world.resident)
    assert points_balance(registry.resident) == Decimal("2.00")
    neighbour = Resident.objects.create(community=world.community, name="邻居")
    with pytest.raises(LedgerError, match="may not redeem"):
        reward_redeem(resident=neighbour, reward=towel, quantity=1, actor=world.resident)
