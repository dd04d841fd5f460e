from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command

from peiban.core.commands import PeibanCommand
from peiban.core.demo import DEMO_USERS, demo_load, demo_reset


class Command(PeibanCommand):
    help = "Set up the demo organisation and compound, print the demo logins, and serve Peiban."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="stop after loading")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (8000)")
        parser.add_argument("--reset", action="store_true", help="delete the demo data first")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        self.progress("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"]:
            self.progress("Deleting the previous demo…")
            demo_reset()
        world = demo_load(progress=self.progress)
        url = f"http://127.0.0.1:{options['port']}/"
        self.serve = not options["no_serve"]
        self.port = options["port"]
        return {
            "organisation": world.organisation.slug,
            "community": world.community.slug,
            "users": [
                {"username": u.username, "password": u.password, "role": str(u.role)}
                for u in DEMO_USERS
            ],
            "url": url,
        }

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        if self.serve:
            self.stdout.flush()
            call_command("collectstatic", interactive=False, verbosity=0)
            self.progress(
                f"Serving Peiban at http://127.0.0.1:{self.port}/ — press Ctrl+C to stop."
            )
            call_command(
                "runserver", f"127.0.0.1:{self.port}", use_reloader=False, skip_checks=True
            )

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write("")
        self.stdout.write("Peiban demo / 陪伴 演示")
        self.stdout.write(f"  {result['url']}")
        self.stdout.write(f"  data: {settings.DATA_DIR}")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<16} {'password':<24} role")
        for user in result["users"]:
            self.stdout.write(f"  {user['username']:<16} {user['password']:<24} {user['role']}")
        self.stdout.write("")
