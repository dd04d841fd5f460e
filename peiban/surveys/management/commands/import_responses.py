from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.surveys.importing import (
    FORMATS,
    ResponsesFileError,
    ResponsesRejected,
    read_responses,
    responses_import,
)
from peiban.surveys.selectors import form_by_ref, latest_version

NOTHING: dict[str, Any] = {"imported": 0, "duplicates": 0, "linked": 0, "rejected": []}


class Command(PeibanCommand):
    help = (
        "Import survey responses from a KoboToolbox, ODK Central or 问卷星 export or a plain "
        "CSV/Excel file whose headers are the question names. Each response is linked to its "
        "dwelling when the file names one; duplicates are listed and skipped. All or nothing "
        "unless --partial."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("form", help="form id or slug")
        parser.add_argument("file", type=Path)
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
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.", **NOTHING) from None
        self.progress(f"Reading {path.name} ({len(data) / 2**20:.1f} MB)…")
        definition = latest_version(form).definition
        try:
            reading = read_responses(
                data, filename=path.name, definition=definition, fmt=options["fmt"]
            )
        except ResponsesFileError as error:
            raise InputError(str(error), **NOTHING) from None
        self.progress(
            f"{reading.format}: {len(reading.rows)} rows read, {len(reading.rejected)} rejected"
        )
        try:
            result = responses_import(
                form=form, reading=reading, wave=wave, partial=options["partial"]
            )
        except ResponsesRejected as error:
            for rejection in error.result.rejected[:20]:
                self.progress(f"  row {rejection.row}: {rejection.reason}")
            raise InputError(str(error), **error.result.as_dict()) from None
        except ResponsesFileError as error:
            raise InputError(str(error), **NOTHING) from None
        return result.as_dict()

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"imported: {result['imported']}, linked to dwellings: {result['linked']}, "
            f"duplicates skipped: {result['duplicates']}"
        )
        for duplicate in result["duplicate_rows"]:
            self.stdout.write(f"  duplicate row {duplicate['row']}: {duplicate['reason']}")
        for rejection in result["rejected"]:
            self.stdout.write(f"  rejected row {rejection['row']}: {rejection['reason']}")
