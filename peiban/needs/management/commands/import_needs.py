from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q

from peiban.core.commands import InputError, PeibanCommand
from peiban.core.models import Membership, Role
from peiban.needs.importing import NeedsFileError, NeedsRejected, needs_import, read_needs
from peiban.places.models import Community
from peiban.places.selectors import community_by_ref

NOTHING: dict[str, Any] = {"imported": 0, "rejected": []}  # the JSON of a refused import


class Command(PeibanCommand):
    help = (
        "Import need records from an Excel or CSV file (标题, 描述, 类别, 楼栋, 渠道, 提出人, "
        "日期, 状态 …). All or nothing unless --partial; rows imported before are skipped as "
        "rejected."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows and list the rejected"
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="the staff member entering the records; leads needs whose raiser is not known",
        )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        community = community_by_ref(options["community"])
        if community is None:
            raise InputError(f"There is no community {options['community']!r}.", **NOTHING)
        actor = self._actor(options["by"], community)
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path} cannot be read: {error.strerror}.", **NOTHING) from None
        self.progress(f"Reading {path.name} ({len(data) / 2**20:.1f} MB)…")
        try:
            reading = read_needs(data, filename=path.name)
        except NeedsFileError as error:
            raise InputError(str(error), **NOTHING) from None
        self.progress(f"{len(reading.rows)} rows read, {len(reading.rejected)} rejected; saving…")
        try:
            result = needs_import(
                community=community, reading=reading, actor=actor, partial=options["partial"]
            )
        except NeedsRejected as error:
            for rejection in error.result.rejected[:20]:
                self.progress(f"  row {rejection.row}: {rejection.reason}")
            raise InputError(str(error), **error.result.as_dict()) from None
        return result.as_dict()

    def _actor(self, username: str, community: Community) -> User | None:
        """The staff member (of this community) or organisation admin named by --by."""
        if not username:
            return None
        membership = (
            Membership.objects.filter(user__username=username, organisation=community.organisation)
            .filter(
                Q(role=Role.ORG_ADMIN) | Q(role=Role.STAFF, communities=community),
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise InputError(
                f"{username!r} is neither staff of {community.slug} nor an admin of its "
                "organisation.",
                **NOTHING,
            )
        return membership.user

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(f"imported: {result['imported']} needs")
        for note in result["notes"]:
            where = f"row {note['row']}: " if note["row"] else ""
            self.stdout.write(f"  note, {where}{note['note']}")
        for rejection in result["rejected"]:
            self.stdout.write(f"  rejected row {rejection['row']}: {rejection['reason']}")
