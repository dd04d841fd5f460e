from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.utils import timezone

from peiban.core.commands import InputError, PeibanCommand
from peiban.network.selectors import snapshot_for, summary
from peiban.network.services import snapshot_compute
from peiban.places.selectors import community_by_ref


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise InputError(
            f"{text!r} is not a month; write it as YYYY-MM, such as 2026-03."
        ) from None


class Command(PeibanCommand):
    help = (
        "The relationship network of a community at the end of a month: its measures (density, "
        "components, ties per resident, bridging ties), the groups found, likely leaders and "
        "residents who need outreach. Computes the month's snapshot if it is missing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("community", help="community id or slug")
        parser.add_argument("--month", help="YYYY-MM (default: this month)")
        parser.add_argument(
            "--refresh", action="store_true", help="recompute the snapshot even if it exists"
        )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        community = community_by_ref(options["community"])
        if community is None:
            raise InputError(f"There is no community {options['community']!r}.")
        month = (
            _month(options["month"]) if options["month"] else timezone.localdate().replace(day=1)
        )
        snapshot = snapshot_for(community, month)
        if snapshot is None or options["refresh"]:
            self.progress(f"Computing the network of {community.slug} for {month:%Y-%m}…")
            snapshot = snapshot_compute(community=community, month=month)
        return summary(snapshot, clear=True)

    def report(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"{result['month']}: {result['nodes']} residents, {result['edges']} ties, "
            f"density {result['density']:.4f}, {result['components']} components "
            f"(largest {result['largest_component']}), {result['average_ties']} ties per resident, "
            f"clustering {result['clustering']}, {result['share_with_tie'] * 100:.1f}% with a tie, "
            f"{result['bridging_ties']} ties bridge buildings, {result['isolated']} isolated"
        )
        for number, group in enumerate(result["groups"][:10], start=1):
            shown = "、".join(group[:12]) + ("…" if len(group) > 12 else "")
            self.stdout.write(f"group {number} ({len(group)}): {shown}")
        for leader in result["leaders"]:
            self.stdout.write(
                f"likely leader: {leader['name']} ({leader['building'] or '-'}), "
                f"{leader['degree']} ties, betweenness {leader['betweenness']:.4f}, "
                f"reaches {leader['groups_reached']} groups, stage {leader['stage']}"
            )
        for person in result["outreach"]:
            self.stdout.write(
                f"needs outreach: {person['name']} ({person['building'] or '-'})"
                + (", elderly, lives alone" if person["elderly"] else ", lives alone")
            )
