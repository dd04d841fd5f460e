from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.places.selectors import community_by_ref
from peiban.surveys.services import form_import
from peiban.surveys.xlsform import FormFileError, read_xlsform

NOTHING: dict[str, Any] = {"form": None, "slug": None, "questions": 0}


class Command(PeibanCommand):
    help = (
        "Import an XLSForm (.xlsx with the sheets survey, choices and settings) as a survey form "
        "of a community; a form id seen before adds a new version. Prints the form's id."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--sensitive",
            action="store_true",
            help="only staff see the responses, and each response records consent",
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
        try:
            parsed = read_xlsform(data, filename=path.name)
        except FormFileError as error:
            raise InputError(str(error), **NOTHING) from None
        for warning in parsed.warnings:
            self.progress(f"pyxform: {warning}")
        imported = form_import(
            community=community,
            parsed=parsed,
            filename=path.name,
            sensitive=True if options["sensitive"] else None,
        )
        return {
            "form": imported.form.pk,
            "slug": imported.form.slug,
            "questions": parsed.question_count,
            "version": imported.version.number,
            "created": imported.created,
        }

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(str(result["form"]))
        self.progress(
            f"form {result['slug']} version {result['version']}: {result['questions']} questions"
        )
