from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from peiban.core.commands import InputError, PeibanCommand
from peiban.places.selectors import organisation_by_ref
from peiban.places.services import RegistryError, community_create


class Command(PeibanCommand):
    help = "Create a community (小区) in organisation ORG; prints its id and slug."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("org", help="organisation id or slug")
        parser.add_argument("name")
        parser.add_argument("--slug", default="")
        parser.add_argument("--city", default="")
        parser.add_argument("--grid-code", default="")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        organisation = organisation_by_ref(options["org"])
        if organisation is None:
            raise InputError(f"There is no organisation {options['org']!r}.")
        try:
            community = community_create(
                organisation=organisation,
                name=options["name"],
                slug=options["slug"],
                city=options["city"],
                grid_code=options["grid_code"],
            )
        except RegistryError as error:
            raise InputError(str(error)) from None
        return {"id": community.pk, "slug": community.slug, "name": community.name}
