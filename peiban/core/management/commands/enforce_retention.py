"""`peiban enforce-retention`: apply every organisation's retention rules now."""

from __future__ import annotations

from typing import Any

from peiban.core.commands import PeibanCommand
from peiban.core.models import DataKind
from peiban.core.tasks import retention_enforce_all


class Command(PeibanCommand):
    help = (
        "Delete or anonymise data kept longer than each organisation's retention rules allow "
        "(residents who moved away, withdrawn consents, old audit entries, failed sign-ins), "
        "and print the counts. Runs at once, queueing nothing; have cron or the worker's "
        "schedule run it daily."
    )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        organisations: dict[str, dict[str, int]] = retention_enforce_all.call()
        total = dict.fromkeys((str(kind) for kind in DataKind), 0)
        for counts in organisations.values():
            for kind, n in counts.items():
                total[kind] = total.get(kind, 0) + n
        return {"organisations": organisations, "total": total}

    def report(self, result: dict[str, Any]) -> None:
        for slug, counts in result["organisations"].items():
            summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
            self.stdout.write(f"{slug}: {summary}")
        summary = ", ".join(f"{kind} {n}" for kind, n in result["total"].items())
        self.stdout.write(f"total: {summary}")
