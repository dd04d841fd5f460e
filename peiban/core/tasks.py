"""Background tasks of the core area (run by `peiban worker`; immediately in tests)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
from django.utils import timezone

from peiban.core.models import LoginFailure, Organisation
from peiban.core.privacy import retention_enforce


@task()
def login_failures_prune() -> int:
    """Delete failed sign-ins older than the lockout window; return how many went."""
    cutoff = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    deleted, _by_model = LoginFailure.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@task()
def retention_enforce_all() -> dict[str, dict[str, int]]:
    """Enforce every organisation's retention rules; return the counts by organisation slug.

    Run it daily (cron, or the worker's schedule); `peiban enforce-retention` runs it at once.
    """
    return {
        organisation.slug: retention_enforce(organisation=organisation)
        for organisation in Organisation.objects.order_by("pk")
    }
