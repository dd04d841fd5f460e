from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.utils import translation

from peiban.core.commands import InputError, PeibanCommand
from peiban.indicators.reports import FORMATS, report_bytes, report_data
from peiban.places.selectors import community_by_ref


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (use YYYY-MM-DD).") from None


class Command(PeibanCommand):
    help = (
        "Write the period report of a community for funders and partners as Word, PDF or Excel: "
        "indicators, method progress, charts and highlights (--government: aggregates only)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--format", dest="fmt", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path, help="the file to write")
        parser.add_argument(
            "--government",
            action="store_true",
            help="the version for government partners: aggregates only, no highlights",
        )
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        community = community_by_ref(options["community"])
        if community is None:
            raise InputError(f"There is no community {options['community']!r}.")
        start, end = _day(options["start"], "--from"), _day(options["end"], "--to")
        if end < start:
            raise InputError("The period ends (--to) before it starts (--from).")
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise InputError(f"The folder {out.parent} does not exist.")
        with translation.override(options["language"]):
            self.progress(f"Computing the indicators of {community.name} from {start} to {end}…")
            data = report_data(community, start=start, end=end, government=options["government"])
            body = report_bytes(data, options["fmt"])
        partial = out.with_name(out.name + ".part")
        partial.write_bytes(body)
        partial.replace(out)  # nothing half-written under the name asked for
        self.progress(f"Wrote {out} ({len(body) / 1024:.0f} KB).")
        return {
            "path": str(out),
            "format": options["fmt"],
            "community": community.slug,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "government": bool(options["government"]),
            "bytes": len(body),
        }

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"{result['path']} ({result['format']})")
