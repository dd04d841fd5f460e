"""Background tasks of the core area (run by `peiban worker`; immediately in tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
from django.utils import timezone

from peiban.chats.tasks import chats_purge_daily
from peiban.core.models import LoginFailure, Organisation
from peiban.core.privacy import retention_enforce
from peiban.network.tasks import network_snapshots_refresh


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
    counts = {
        organisation.slug: retention_enforce(organisation=organisation)
        for organisation in Organisation.objects.order_by("pk")
    }
    daily_jobs_schedule(after=timezone.now() + DAILY)
    return counts


@task()
def needs_digests_send() -> dict[str, int]:
    """E-mail staff their daily needs digest, then queue tomorrow's."""
    from peiban.needs.digest import digests_send

    counts = digests_send()
    daily_jobs_schedule(after=timezone.now() + DAILY)
    return counts


DAILY = timedelta(days=1)
DAILY_JOBS = (
    retention_enforce_all,
    needs_digests_send,
    chats_purge_daily,
    network_snapshots_refresh,
)


def daily_jobs_schedule(*, after: datetime | None = None) -> int:
    """Queue each daily job unless one is already waiting; return how many were queued.

    `peiban worker` calls this when it starts, and each run queues its successor a day later, so
    retention is enforced daily for as long as a worker runs. Backends that cannot defer work
    (the immediate one used in tests) are left alone.
    """
    from django_tasks_db.models import DBTaskResult

    queued = 0
    for job in DAILY_JOBS:
        backend = job.get_backend()
        if not backend.supports_defer:
            continue
        waiting = DBTaskResult.objects.filter(task_path=job.module_path, status="READY")
        if waiting.exists():
            continue
        job.using(run_after=after or timezone.now()).enqueue()
        queued += 1
    return queued
