from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from peiban.chats.labelled import LabelledFileError, read_texts
from peiban.chats.services import classifier_for
from peiban.core.commands import InputError, PeibanCommand
from peiban.places.selectors import organisation_by_ref

NOTHING: dict[str, Any] = {"predictions": []}


class Command(PeibanCommand):
    help = (
        "Label new text with the organisation's need classifier: a CSV/.xlsx with a text column, "
        "or a plain text file with one message a line. Prints the category, whether the text "
        "raises a need, and how sure the classifier is."
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
            texts = read_texts(data, filename=path.name)
        except LabelledFileError as error:
            raise InputError(str(error), **NOTHING) from None
        classifier = classifier_for(organisation)
        predictions = []
        for row, text in texts:
            is_need, p_need, category, confidence = classifier.classify(text)
            predictions.append(
                {
                    "row": row,
                    "category": category,
                    "confidence": round(confidence, 4),
                    "is_need": is_need,
                    "need_confidence": round(p_need, 4),
                    "text": text,
                }
            )
        return {"predictions": predictions}

    def report(self, result: dict[str, Any]) -> None:
        for p in result["predictions"]:
            mark = p["category"] if p["is_need"] else f"(闲聊) {p['category']}"
            self.stdout.write(f"{p['row']}\t{mark}\t{p['confidence']:.2f}\t{p['text'][:40]}")
