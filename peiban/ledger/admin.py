"""Read-only admin for the ledgers: entries are written by the services only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from peiban.ledger.models import (
    Certificate,
    HourEntry,
    PointsEntry,
    PointsRule,
    Redemption,
    Reward,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HourEntry)
class HourEntryAdmin(ReadOnlyAdmin):
    list_display = ("resident", "service", "hours", "kind", "status", "created_at")
    list_filter = ("kind", "status", "community")


@admin.register(PointsRule)
class PointsRuleAdmin(ReadOnlyAdmin):
    list_display = ("community", "version", "hours_to_points", "cap", "published_at")


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ("resident", "amount", "kind", "created_at")
    list_filter = ("kind", "community")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("resident", "reward", "quantity", "points", "created_at", "cancelled_at")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "resident", "hours", "issued_on")


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "kind", "cost", "stock", "active")
