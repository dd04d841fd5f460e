from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model

from peiban.core.commands import InputError, PeibanCommand
from peiban.core.tokens import token_create


class Command(PeibanCommand):
    help = "Create an API token for USER and print it once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("user", help="username")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: options["user"]}).first()
        if user is None:
            raise InputError(f"There is no user named {options['user']!r}.")
        token, raw = token_create(user=user, name=options["name"])
        return {"token": raw, "id": token.pk, "user": user.get_username()}

    def report(self, result: dict[str, Any]) -> None:
        self.progress("This token is shown once. Keep it secret:")
        self.stdout.write(result["token"])
