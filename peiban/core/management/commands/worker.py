from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from peiban.core.tasks import daily_jobs_schedule


class Command(DatabaseWorker):
    help = (
        "Run Peiban's background worker: imports, reports and the daily jobs such as "
        "retention (see docs/tasks.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        daily_jobs_schedule()
        super().handle(*args, **options)
