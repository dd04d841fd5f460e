from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = (
        "Run Peiban's background worker: imports, reports and scheduled jobs (see docs/tasks.md)."
    )
