from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.chats.labelled import LabelledFileError, read_labelled
from peiban.chats.services import classifier_train, examples_import
from peiban.core.commands import InputError, PeibanCommand
from peiban.places.selectors import organisation_by_ref

NOTHING: dict[str, Any] = {"imported": 0, "rejected": []}


class Command(PeibanCommand):
    help = (
        "Teach the organisation's need classifier from labelled text (columns: text, category; "
        "a category of 闲聊 marks chatter), retrain it and print its cross-validated quality. "
        "All or nothing: one bad row and nothing is imported."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("org", help="organisation id or slug")
        parser.add_argument("file", type=Path)

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        organisation = organisation_by_ref(options["org"])
        if organisation is None:
            raise InputError(f"There is no organisation {options['org']!r}.", **NOTHING)
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.", **NOTHING) from None
        try:
            rows, rejected = read_labelled(data, filename=path.name, organisation=organisation)
        except LabelledFileError as error:
            raise InputError(str(error), **NOTHING) from None
        if rejected:
            listed = [{"row": r.row, "reason": r.reason} for r in rejected]
            for r in rejected[:20]:
                self.progress(f"  row {r.row}: {r.reason}")
            raise InputError(
                f"{len(rejected)} row(s) rejected (first: row {rejected[0].row}, "
                f"{rejected[0].reason}); nothing was imported.",
                imported=0,
                rejected=listed,
            )
        if not rows:
            raise InputError("The file has no labelled rows.", **NOTHING)
        self.progress(f"{len(rows)} examples read; training…")
        examples_import(organisation=organisation, rows=rows, actor=None)
        model = classifier_train(organisation=organisation, actor=None)
        quality = model.quality
        return {
            "imported": len(rows),
            "rejected": [],
            "examples": model.examples,
            "staff_examples": model.staff_examples,
            "accuracy": quality.get("accuracy"),
            "macro_f1": quality.get("macro_f1"),
            "need_accuracy": quality.get("need_accuracy"),
            "folds": quality.get("folds"),
            "per_category": quality.get("per_category", {}),
        }

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"imported: {result['imported']}, examples: {result['examples']}, "
            f"cross-validated accuracy: {result['accuracy']}, macro-F1: {result['macro_f1']}"
        )
        for name, figures in result["per_category"].items():
            self.stdout.write(
                f"  {name}: precision {figures['precision']}, recall {figures['recall']}, "
                f"F1 {figures['f1']} ({figures['support']})"
            )
