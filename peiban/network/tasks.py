"""Background work of the network area (run by `peiban worker`; immediately in tests)."""

from __future__ import annotations

from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
from django.utils import timezone

from peiban.network.services import snapshot_compute
from peiban.places.models import Community


@task()
def network_snapshots_refresh() -> dict[str, int]:
    """Recompute this month's snapshot of every community that has one or any attendance or tie.

    Meant for the daily jobs (peiban.core.tasks.DAILY_JOBS); a month's snapshot is final once the
    month is over, so only the current month changes. Returns the edges per community slug.
    """
    month = timezone.localdate().replace(day=1)
    communities = Community.objects.filter(
        pk__in=Community.objects.filter(ties__isnull=False)
        .values("pk")
        .union(Community.objects.filter(activities__attendance__isnull=False).values("pk"))
    ).order_by("pk")
    return {
        community.slug: snapshot_compute(community=community, month=month).edges
        for community in communities
    }
