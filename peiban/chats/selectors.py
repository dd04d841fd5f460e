"""Reads of the chats area: proposals to review, a need's source messages, emerging issues, the
community's group channels."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from peiban.chats.models import (
    Channel,
    ChannelKind,
    ChatMessage,
    ClassifierModel,
    Proposal,
    ProposalStatus,
)
from peiban.core.access import CommunityAccess
from peiban.core.access import Need as Can
from peiban.core.masking import mask_name
from peiban.core.models import Organisation
from peiban.needs.models import Need, Urgency
from peiban.places.models import Community


def pending_proposals(community: Community) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(community=community, status=ProposalStatus.PENDING)
        .select_related("category", "building")
        .prefetch_related(Prefetch("messages", queryset=ChatMessage.objects.order_by("sent_at")))
        .annotate(
            rank=Case(
                When(urgency=Urgency.DANGER, then=Value(0)),
                When(urgency=Urgency.HIGH, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "first_at", "id")
    )


def sender_shown(access: CommunityAccess, sender: str) -> str:
    """The sender's name, masked for roles that may not see names in clear."""
    if not sender:
        return "—"
    return sender if access.can(Can.UNMASK) else mask_name(sender)


def need_source_messages(need: Need) -> QuerySet[ChatMessage]:
    return ChatMessage.objects.filter(need=need).order_by("sent_at", "id")


def community_channels(community: Community) -> QuerySet[Channel]:
    """The community's group channels: open ones first, the leaders' group first, then by name."""
    return (
        Channel.objects.filter(community=community)
        .select_related("building")
        .annotate(
            closed=Case(
                When(closed_on__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            rank=Case(
                *(When(kind=kind, then=Value(i)) for i, kind in enumerate(ChannelKind.values)),
                default=Value(len(ChannelKind.values)),
                output_field=IntegerField(),
            ),
        )
        .order_by("closed", "rank", "name", "id")
    )


def classifier_stored(organisation: Organisation) -> ClassifierModel | None:
    return ClassifierModel.objects.filter(organisation=organisation).first()


# --- Emerging issues ---------------------------------------------------------------------------

RECENT = timedelta(days=7)
BASELINE_WEEKS = 8
MIN_RECENT = 3
SURPRISE = 0.01  # alert when a count this high had less than a 1% chance at the baseline rate


@dataclass(frozen=True)
class Alert:
    kind: str  # "category" or "building"
    key: int
    label: str
    recent: int  # needs raised in the last 7 days
    baseline: float  # mean per week over the 8 weeks before
    query: str  # filter for the needs list and dashboard drill-down

    @property
    def ratio(self) -> float | None:
        return self.recent / self.baseline if self.baseline else None


def _poisson_tail(k: int, rate: float) -> float:
    """P(X >= k) for X ~ Poisson(rate)."""
    term = math.exp(-rate)
    below = 0.0
    for i in range(k):
        below += term
        term *= rate / (i + 1)
    return max(0.0, 1.0 - below)


def emerging_issues(community: Community, *, now: datetime | None = None) -> list[Alert]:
    """Categories and buildings whose needs in the last 7 days rise well above their own baseline.

    The baseline is the mean weekly count in the eight weeks before; the alert rises when at least
    three needs came in and so many would have had less than a 1% chance at the baseline rate (a
    Poisson tail, with the rate floored at a quarter need a week so that new topics can alert).
    One query; aggregates only, no personal data.
    """
    now = now or timezone.now()
    recent_from = now - RECENT
    since = recent_from - BASELINE_WEEKS * RECENT
    rows = Need.objects.filter(
        community=community, raised_at__gte=since, raised_at__lt=now
    ).values_list("category_id", "category__name", "building_id", "building__label", "raised_at")
    counts: dict[tuple[str, int], list[int]] = {}
    labels: dict[tuple[str, int], str] = {}
    for category_id, category_name, building_id, building_label, raised_at in rows:
        is_recent = raised_at >= recent_from
        for key, label in (
            (("category", category_id), category_name),
            (("building", building_id), f"{building_label}栋" if building_label else ""),
        ):
            if key[1] is None:
                continue
            tally = counts.setdefault(key, [0, 0])
            tally[0 if is_recent else 1] += 1
            labels[key] = label
    alerts = []
    for (kind, ref), (recent, before) in counts.items():
        baseline = before / BASELINE_WEEKS
        if recent < MIN_RECENT or recent < 2 * baseline:
            continue
        if _poisson_tail(recent, max(baseline, 0.25)) >= SURPRISE:
            continue
        query = f"category={ref}" if kind == "category" else f"building={ref}"
        alerts.append(Alert(kind, ref, labels[(kind, ref)], recent, round(baseline, 2), query))
    alerts.sort(key=lambda a: (-(a.recent - a.baseline), a.label))
    return alerts
