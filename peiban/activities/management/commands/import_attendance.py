from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.activities.importing import (
    AttendanceFileError,
    AttendanceRejected,
    attendance_import,
    read_attendance,
)
from peiban.core.commands import InputError, PeibanCommand
from peiban.places.selectors import community_by_ref

# The JSON of a refused import.
NOTHING: dict[str, Any] = {
    "activities_created": 0,
    "attendance_created": 0,
    "residents_matched": 0,
    "residents_created": 0,
    "rejected": [],
}


class Command(PeibanCommand):
    help = (
        "Import paper sign-in sheets typed into Excel or CSV (活动, 日期, 姓名, 楼栋/单元/房号 or "
        "地址 or 电话, 志愿者, 签到时间, 签退时间). All or nothing unless --partial; a row for "
        "someone already counted is reported as a duplicate and does not stop the import."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows and list the rejected"
        )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        community = community_by_ref(options["community"])
        if community is None:
            raise InputError(f"There is no community {options['community']!r}.", **NOTHING)
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.", **NOTHING) from None
        self.progress(f"Reading {path.name} ({len(data) / 2**20:.1f} MB)…")
        try:
            reading = read_attendance(data, filename=path.name)
        except AttendanceFileError as error:
            raise InputError(str(error), **NOTHING) from None
        self.progress(f"{len(reading.rows)} rows read, {len(reading.rejected)} rejected; saving…")
        try:
            result = attendance_import(
                community=community, reading=reading, partial=options["partial"]
            )
        except AttendanceRejected as error:
            for rejection in error.result.rejected[:20]:
                self.progress(f"  row {rejection.row}: {rejection.reason}")
            raise InputError(str(error), **error.result.as_dict()) from None
        return result.as_dict()

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"activities created: {result['activities_created']}, attendance recorded: "
            f"{result['attendance_created']}, residents matched: {result['residents_matched']}, "
            f"newcomers registered: {result['residents_created']}"
        )
        for rejection in result["rejected"]:
            self.stdout.write(f"  rejected row {rejection['row']}: {rejection['reason']}")
