from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.places.roster import RosterFileError, read_roster
from peiban.places.selectors import community_by_ref
from peiban.places.services import RosterRejected, roster_import


class Command(PeibanCommand):
    help = (
        "Import dwellings, owners and residents from an Excel or CSV roster. All or nothing "
        "unless --partial; importing again updates instead of duplicating."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows and list the rejected"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        community = community_by_ref(options["community"])
        if community is None:
            raise InputError(f"There is no community {options['community']!r}.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.") from None
        self.progress(f"Reading {path.name} ({len(data) / 2**20:.1f} MB)…")
        try:
            reading = read_roster(data, filename=path.name)
        except RosterFileError as error:
            raise InputError(str(error), rejected=[]) from None
        self.progress(f"{len(reading.rows)} rows read; saving…")
        try:
            result = roster_import(
                community=community,
                reading=reading,
                actor=None,
                partial=options["partial"],
                dry_run=options["dry_run"],
            )
        except RosterRejected as error:
            for rejection in error.result.rejected[:20]:
                self.progress(f"  row {rejection.row}: {rejection.reason}")
            raise InputError(str(error), **error.result.as_dict()) from None
        return result.as_dict()

    def report(self, result: dict[str, Any]) -> None:
        r = result
        self.stdout.write(
            f"dwellings: {r['dwellings_created']} created, {r['dwellings_updated']} updated; "
            f"residents: {r['residents_created']} created, {r['residents_updated']} updated; "
            f"owners: {r['owners']}"
        )
        for rejection in result["rejected"]:
            self.stdout.write(f"  rejected row {rejection['row']}: {rejection['reason']}")
