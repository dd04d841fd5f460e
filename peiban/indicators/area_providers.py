"""Indicators of the areas that landed after the first providers: self-organisations (groups),
social capital (the relationship network and its survey waves), survey coverage, and the
decisions of councils and owners' votes (councils).

Same contract as peiban.indicators.providers: keyword arguments `community_ids`, `since`,
`until`; a measure per community that adds up exactly across communities; a fixed number of
queries (PROVIDER_QUERIES) whatever the number of communities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from peiban.councils.models import Resolution, ResolutionStatus
from peiban.groups.models import GroupMember, Meeting, SelfOrganisation
from peiban.indicators.measures import Count as Tally
from peiban.indicators.measures import Mean, Median, Share, days
from peiban.indicators.providers import Figures, every_community, put_measure
from peiban.network.models import Snapshot as NetworkSnapshot
from peiban.network.models import SurveyAnswer
from peiban.network.social_capital import BY_KEY, COGNITIVE, RELATIONAL
from peiban.places.models import Household
from peiban.surveys.models import Recommendation, Response, ResponseStatus


def _months(since: datetime, until: datetime) -> int:
    """Whole calendar months the period spans, at least one."""
    start, end = timezone.localtime(since), timezone.localtime(until)
    return max(1, (end.year - start.year) * 12 + end.month - start.month)


def self_organisations(
    *, community_ids: Sequence[int], since: datetime, until: datetime
) -> Figures:
    """self_organisations: groups founded before the end of the period; self_organisation_members:
    residents who were members at the end; self_organisation_meetings: meetings held in the
    period per month (per community when several are counted). Three queries."""
    return group_figures(
        SelfOrganisation.objects.filter(community__in=community_ids),
        community_ids=community_ids,
        since=since,
        until=until,
    )


def group_figures(
    chosen: QuerySet[SelfOrganisation],
    *,
    community_ids: Sequence[int],
    since: datetime,
    until: datetime,
) -> Figures:
    """The self-organisation measures of these groups (self_organisations's, for any groups of
    the communities). Three queries."""
    end = timezone.localtime(until).date()
    groups = dict(
        chosen.filter(founded_on__lt=end)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    members = dict(
        GroupMember.objects.filter(group__in=chosen.values("pk"), joined_on__lt=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=end))
        .order_by()
        .values(community=F("group__community"))
        .annotate(n=Count("resident", distinct=True))
        .values_list("community", "n")
    )
    meetings = dict(
        Meeting.objects.filter(
            group__in=chosen.values("pk"), starts_at__gte=since, starts_at__lt=until
        )
        .order_by()
        .values(community=F("group__community"))
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    months = _months(since, until)
    figures: Figures = {}
    for pk in every_community(figures, community_ids):
        put_measure(figures, pk, "self_organisations", Tally(groups.get(pk, 0)))
        put_measure(figures, pk, "self_organisation_members", Tally(members.get(pk, 0)))
        put_measure(figures, pk, "self_organisation_meetings", Mean(meetings.get(pk, 0), months))
    return figures


def social_capital(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """Structural measures from each community's latest network snapshot of a month that began
    before the end of the period (density as ties of possible pairs; ties per resident as the
    mean degree), and the relational and cognitive dimensions as the mean answer (1–5) to their
    items in the survey waves held in the period. Communities without a snapshot or a wave are
    left out, so their indicators read "not measured yet". Two queries."""
    end = timezone.localtime(until).date()
    latest = (
        NetworkSnapshot.objects.filter(community=OuterRef("community"), month__lt=end)
        .order_by("-month")
        .values("pk")[:1]
    )
    figures: Figures = {}
    every_community(figures, community_ids)
    for snapshot in NetworkSnapshot.objects.filter(
        community__in=community_ids, pk=Subquery(latest)
    ).only("community", "nodes", "edges", "components", "with_tie", "bridging"):
        pk, nodes = snapshot.community_id, snapshot.nodes
        put_measure(figures, pk, "network_density", Share(snapshot.edges, nodes * (nodes - 1) // 2))
        put_measure(figures, pk, "network_components", Tally(snapshot.components))
        put_measure(figures, pk, "ties_per_resident", Mean(2 * snapshot.edges, nodes))
        put_measure(figures, pk, "bridging_ties", Tally(snapshot.bridging))
        put_measure(figures, pk, "residents_with_tie", Share(snapshot.with_tie, nodes))
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for community, item, total, n in (
        SurveyAnswer.objects.filter(
            wave__community__in=community_ids,
            wave__held_on__gte=timezone.localtime(since).date(),
            wave__held_on__lt=end,
        )
        .order_by()
        .values("item", community=F("wave__community"))
        .annotate(total=Sum("score"), n=Count("pk"))
        .values_list("community", "item", "total", "n")
    ):
        found = BY_KEY.get(item)
        if found is None:
            continue
        cell = sums[(community, found.dimension)]
        cell[0] += int(total)
        cell[1] += int(n)
    for (pk, dimension), (total, n) in sums.items():
        key = {RELATIONAL: "relational_trust", COGNITIVE: "cognitive_belonging"}[dimension]
        put_measure(figures, pk, key, Mean(total, n))
    return figures


def surveys(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """survey_coverage: lived-in dwellings (with at least one household) that have a submitted
    survey response by the end of the period, of all lived-in dwellings; recommendations_issued:
    recommendations written on the community's forms in the period. Three queries."""
    lived_in = Household.objects.filter(dwelling=OuterRef("dwelling"))
    surveyed = dict(
        Response.objects.filter(
            form__community__in=community_ids,
            status=ResponseStatus.SUBMITTED,
            submitted_at__lt=until,
            dwelling__isnull=False,
        )
        .filter(Exists(lived_in))
        .order_by()
        .values(community=F("form__community"))
        .annotate(n=Count("dwelling", distinct=True))
        .values_list("community", "n")
    )
    dwellings = dict(
        Household.objects.filter(community__in=community_ids, dwelling__isnull=False)
        .order_by()
        .values("community")
        .annotate(n=Count("dwelling", distinct=True))
        .values_list("community", "n")
    )
    recommendations = dict(
        Recommendation.objects.filter(
            form__community__in=community_ids, created_at__gte=since, created_at__lt=until
        )
        .order_by()
        .values(community=F("form__community"))
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    figures: Figures = {}
    for pk in every_community(figures, community_ids):
        put_measure(
            figures, pk, "survey_coverage", Share(surveyed.get(pk, 0), dwellings.get(pk, 0))
        )
        put_measure(figures, pk, "recommendations_issued", Tally(recommendations.get(pk, 0)))
    return figures


def decided_at() -> Coalesce:
    """When a decision was taken: the vote on its motion, else the close of its owners' vote,
    else when it was recorded."""
    return Coalesce(
        "motion__voted_at", "assembly__closed_at", "created_at", output_field=DateTimeField()
    )


def decisions_taken(
    community_ids: Sequence[int], since: datetime, until: datetime
) -> QuerySet[Any]:
    """The decisions (Resolution rows, annotated with `decided`) of the communities taken in
    [since, until)."""
    return Resolution.objects.annotate(decided=decided_at()).filter(
        community__in=community_ids, decided__gte=since, decided__lt=until
    )


def councils(*, community_ids: Sequence[int], since: datetime, until: datetime) -> Figures:
    """Of the decisions taken in the period: decisions_made; decisions_carried_out, those that
    residents checked as carried out (verified) before the end of the period, and their share
    decisions_carried_out_share; decision_days_carried_out, the median days from the decision to
    the residents' check. One query."""
    made: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    gaps: dict[int, list[Decimal]] = defaultdict(list)
    for community, decided, status, verified_at in (
        decisions_taken(community_ids, since, until)
        .order_by()
        .values_list("community_id", "decided", "status", "verified_at")
    ):
        made[community] += 1
        if status == ResolutionStatus.VERIFIED and verified_at is not None and verified_at < until:
            done[community] += 1
            gaps[community].append(max(days((verified_at - decided).total_seconds()), Decimal(0)))
    figures: Figures = {}
    for pk in every_community(figures, community_ids):
        put_measure(figures, pk, "decisions_made", Tally(made[pk]))
        put_measure(figures, pk, "decisions_carried_out", Tally(done[pk]))
        put_measure(figures, pk, "decisions_carried_out_share", Share(done[pk], made[pk]))
        put_measure(figures, pk, "decision_days_carried_out", Median(tuple(sorted(gaps[pk]))))
    return figures
