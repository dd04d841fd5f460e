from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.network.models import SurveyWave
from peiban.network.social_capital import ITEMS, WaveFileError, read_wave, wave_import, wave_scores
from peiban.places.selectors import community_by_ref


class Command(PeibanCommand):
    help = (
        "Import one wave of the social-capital items (trust, reciprocity, belonging, collective "
        "efficacy; answers 1–5) from Excel or CSV: a respondent number column (编号) and one "
        "column per item, headed by its key or its Chinese wording. All or nothing. Items: "
        + ", ".join(item.key for item in ITEMS)
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--wave", required=True, help="the wave's name, such as 2026年春季")
        parser.add_argument("--date", required=True, help="when it was held, YYYY-MM-DD")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        community = community_by_ref(options["community"])
        if community is None:
            raise InputError(f"There is no community {options['community']!r}.")
        try:
            held_on = date.fromisoformat(options["date"])
        except ValueError:
            raise InputError(f"{options['date']!r} is not a date; write YYYY-MM-DD.") from None
        if SurveyWave.objects.filter(community=community, name=options["wave"]).exists():
            raise InputError(f"The wave {options['wave']!r} was imported already.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.") from None
        try:
            rows = read_wave(data, filename=path.name)
        except WaveFileError as error:
            raise InputError(str(error)) from None
        wave = wave_import(
            community=community, name=options["wave"], held_on=held_on, rows=rows, actor=None
        )
        scores = wave_scores([wave])[0]
        return {
            "wave": wave.pk,
            "respondents": scores.respondents,
            "constructs": scores.constructs,
            "dimensions": scores.dimensions,
        }
