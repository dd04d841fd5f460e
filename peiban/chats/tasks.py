"""Background tasks of the chats area (run by `peiban worker`; immediately in tests)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
from django.utils import timezone

from peiban.chats.services import chats_purge


@task()
def chats_purge_daily() -> dict[str, int]:
    """Purge chat messages whose review window has closed, then queue tomorrow's run.

    To run daily, add it to peiban.core.tasks.DAILY_JOBS.
    """
    counts = chats_purge()
    from peiban.core.tasks import daily_jobs_schedule

    daily_jobs_schedule(after=timezone.now() + timedelta(days=1))
    return counts


@task()
def classifier_retrain(organisation_id: int) -> int:
    """Retrain an organisation's classifier (queued after every RETRAIN_EVERY staff decisions)."""
    from peiban.chats.services import classifier_train
    from peiban.core.models import Organisation

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    return classifier_train(organisation=organisation, actor=None).examples
