from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.surveys.selectors import Period, form_by_ref, survey_summary


class Command(PeibanCommand):
    help = "Per-question counts of a survey form: choices counted, numbers summarised."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("form", help="form id or slug")
        parser.add_argument(
            "--wave", type=int, action="append", help="only this wave (repeat for several)"
        )
        parser.add_argument(
            "--from",
            dest="start",
            default="",
            help="only responses submitted on or after this day (YYYY-MM-DD)",
        )
        parser.add_argument(
            "--to",
            dest="end",
            default="",
            help="only responses submitted on or before this day (YYYY-MM-DD)",
        )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        form = form_by_ref(options["form"])
        if form is None:
            raise InputError(f"There is no single form {options['form']!r}.")
        waves = None
        if options["wave"]:
            waves = list(form.waves.filter(number__in=options["wave"]))
            if len(waves) != len(set(options["wave"])):
                raise InputError("The form has no such wave.")
        try:
            period = Period.parse(options["start"], options["end"])
        except ValueError as error:
            raise InputError(str(error)) from None
        return survey_summary(form, waves=waves, period=period)

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"{result['title']}: {result['responses']} responses")
        for name, summary in result["questions"].items():
            if "counts" in summary:
                counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
                self.stdout.write(f"  {name}: {counts}")
            elif "mean" in summary:
                self.stdout.write(
                    f"  {name}: n {summary['n']}, mean {summary['mean']}, "
                    f"min {summary['min']}, max {summary['max']}"
                )
