from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.surveys.importing import (
    FORMATS,
    ResponsesFileError,
    ResponsesRejected,
    responses_import,
    stream_responses,
)
from peiban.surveys.selectors import form_by_ref, latest_version

NOTHING: dict[str, Any] = {"imported": 0, "duplicates": 0, "linked": 0, "rejected": []}


class Command(PeibanCommand):
    help = (
        "Import survey responses from a KoboToolbox, ODK Central or 问卷星 export or a plain "
        "CSV/Excel file whose headers are the question names. A KoboToolbox XLSX export brings "
        "its repeat sheets; ODK Central's repeat files (FORM-REPEAT.csv) follow the main file, "
        "or give Central's zip export as it is. Each response is linked to its dwelling when the "
        "file names one; duplicates are listed and skipped. All or nothing unless --partial."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("form", help="form id or slug")
        parser.add_argument("file", type=Path, help="the export (.csv, .xlsx, or ODK's .zip)")
        parser.add_argument(
            "repeats",
            type=Path,
            nargs="*",
            help="ODK Central repeat files (FORM-REPEAT.csv) that go with the main file",
        )
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt")
        parser.add_argument("--wave", type=int, help="wave number (default: the latest)")
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows and list the rejected"
        )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        form = form_by_ref(options["form"])
        if form is None:
            raise InputError(f"There is no single form {options['form']!r}.", **NOTHING)
        wave = None
        if options["wave"] is not None:
            wave = form.waves.filter(number=options["wave"]).first()
            if wave is None:
                raise InputError(f"The form has no wave {options['wave']}.", **NOTHING)
        files: list[tuple[str, bytes]] = []
        for path in [options["file"], *options["repeats"]]:
            try:
                files.append((path.name, path.read_bytes()))
            except OSError as error:
                raise InputError(f"{path} cannot be read: {error.strerror}.", **NOTHING) from None
        size = sum(len(data) for _name, data in files)
        self.progress(f"Reading {', '.join(n for n, _d in files)} ({size / 2**20:.1f} MB)…")
        (name, data), *extra = files
        try:
            reading = stream_responses(
                data,
                filename=name,
                definition=latest_version(form).definition,
                fmt=options["fmt"],
                extra=extra,
            )
            self.progress(
                f"{reading.format}: "
                + ", ".join(f"{t.label or name}: {len(t.mapped)} columns" for t in reading.tables)
            )
            result = responses_import(
                form=form, reading=reading, wave=wave, partial=options["partial"]
            )
        except ResponsesRejected as error:
            for rejection in error.result.rejected[:20]:
                self.progress(f"  row {rejection.row}: {rejection.reason}")
            raise InputError(str(error), **error.result.as_dict()) from None
        except ResponsesFileError as error:
            raise InputError(str(error), **NOTHING) from None
        self.progress(f"{result.imported} responses imported, {len(result.rejected)} rows rejected")
        return result.as_dict()

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"imported: {result['imported']}, linked to dwellings: {result['linked']}, "
            f"duplicates skipped: {result['duplicates']}"
        )
        if result.get("repeat_rows"):
            self.stdout.write(f"repeat rows: {result['repeat_rows']}")
        for duplicate in result["duplicate_rows"]:
            self.stdout.write(f"  duplicate row {duplicate['row']}: {duplicate['reason']}")
        for rejection in result["rejected"]:
            self.stdout.write(f"  rejected row {rejection['row']}: {rejection['reason']}")
