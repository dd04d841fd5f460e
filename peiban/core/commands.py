"""The base of Peiban's own commands: `--json` prints one object on stdout, progress goes to stderr.

Exit status: 0 success, 1 bad input (a CommandError), 2 usage error (argparse).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class InputError(CommandError):
    """Bad input: exit status 1 and, with --json, the details (such as rejected rows)."""

    def __init__(self, message: str, **payload: Any) -> None:
        super().__init__(message, returncode=1)
        self.payload = payload


class PeibanCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand.replace("_", "-"), **kwargs)
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print exactly one JSON object on stdout; progress still goes to stderr.",
        )
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        self.as_json = bool(options.get("as_json"))
        try:
            result = self.run(*args, **options)
        except CommandError as error:
            if self.as_json:
                payload = {"error": str(error), **getattr(error, "payload", {})}
                self.stdout.write(json.dumps(payload, ensure_ascii=False, default=str))
            raise
        if self.as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            self.report(result)

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        """Do the work and return the result; raise InputError for bad input."""
        raise NotImplementedError

    def report(self, result: dict[str, Any]) -> None:
        """Print the result for people; commands override this for nicer output."""
        for key, value in result.items():
            self.stdout.write(f"{key}: {value}")

    def progress(self, message: str) -> None:
        self.stderr.write(message)
