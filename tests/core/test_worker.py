"""Background work goes through the database queue and `peiban worker` runs it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from peiban.core.models import LoginFailure
from peiban.core.tasks import login_failures_prune


@pytest.mark.django_db(transaction=True)
def test_it_queues_tasks_in_the_database_and_the_worker_runs_them(settings) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    LoginFailure.objects.create(username="x")
    LoginFailure.objects.update(created_at="2000-01-01T00:00:00Z")
    result = login_failures_prune.enqueue()
    assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
    call_command("worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    assert not LoginFailure.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_schedules_the_daily_retention_run_once_and_again_after_each_run(settings) -> None:
    from django.utils import timezone

    from peiban.core.tasks import DAILY_JOBS, daily_jobs_schedule, retention_enforce_all

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    path = retention_enforce_all.module_path
    assert daily_jobs_schedule() == len(DAILY_JOBS)
    assert daily_jobs_schedule() == 0  # one is already waiting
    call_command("worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())
    done = DBTaskResult.objects.filter(task_path=path, status="SUCCESSFUL")
    waiting = DBTaskResult.objects.get(task_path=path, status="READY")
    assert done.count() == 1
    assert waiting.run_after > timezone.now() + timedelta(hours=23)
