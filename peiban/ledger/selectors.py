"""Balances and statements, always derived from the entries (never stored)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Sum, Value, When, Window
from django.db.models.functions import Coalesce

from peiban.ledger.models import HourEntry, HourStatus, PointsEntry, PointsRule
from peiban.places.models import Community, Resident

ZERO = Decimal("0.00")


def _sum(queryset: QuerySet[HourEntry] | QuerySet[PointsEntry], field: str) -> Decimal:
    total = queryset.aggregate(
        total=Coalesce(
            Sum(field), Value(ZERO), output_field=DecimalField(max_digits=12, decimal_places=2)
        )
    )["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def hours_balance(resident: Resident) -> Decimal:
    """Verified hours, net of reversals: the hours a certificate may state (one query)."""
    return _sum(HourEntry.objects.filter(resident=resident, status=HourStatus.VERIFIED), "hours")


def points_balance(resident: Resident) -> Decimal:
    """Points held: credits less redemptions, with reversals (one query)."""
    return _sum(PointsEntry.objects.filter(resident=resident), "amount")


def ledger_for(resident: Resident) -> QuerySet[PointsEntry]:
    """The resident's points entries in order, each annotated with ``running_balance`` computed by
    the database (a window SUM over created_at, id: SQLite ≥ 3.25 and PostgreSQL)."""
    return (
        PointsEntry.objects.filter(resident=resident)
        .select_related("rule", "hour_entry", "redemption", "redemption__reward")
        .annotate(
            running_balance=Window(
                Sum("amount"),
                order_by=["created_at", "id"],
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .order_by("created_at", "id")
    )


def hours_ledger_for(resident: Resident) -> QuerySet[HourEntry]:
    """The resident's hour entries in order, with ``running_hours``: verified hours so far."""
    return (
        HourEntry.objects.filter(resident=resident)
        .select_related("activity", "verified_by", "created_by")
        .annotate(
            running_hours=Window(
                Sum(Case(When(status=HourStatus.VERIFIED, then=F("hours")), default=Value(ZERO))),
                order_by=["created_at", "id"],
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .order_by("created_at", "id")
    )


def points_rule_current(community: Community) -> PointsRule | None:
    """The rules in force: the version published last."""
    return (
        PointsRule.objects.filter(community=community).order_by("-published_at", "-version").first()
    )
