from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.places.services import RegistryError, organisation_create


class Command(PeibanCommand):
    help = "Create an organisation (an NGO); prints its id and slug."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--slug", default="", help="short name used in URLs and commands")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        try:
            organisation = organisation_create(name=options["name"], slug=options["slug"])
        except RegistryError as error:
            raise InputError(str(error)) from None
        return {"id": organisation.pk, "slug": organisation.slug, "name": organisation.name}
