"""Indicators and method progress through the API: aggregates only (government viewers may read
them), the same figures as the pages. GET /api/v1/communities/{ref}/indicators?from=&to=."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from peiban.api.errors import ApiError
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access
from peiban.indicators.figures import indicators_for
from peiban.indicators.progress import method_progress, thresholds_for
from peiban.needs.dashboard import local_midnight
from peiban.needs.dashboard_views import MAX_PERIOD_DAYS, default_period

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    key: str
    section: str
    unit: str
    measured: bool
    value: Decimal | None
    counts: list[int] | None = None


class IndicatorsOut(Schema):
    community: str
    start: date
    end: date
    indicators: list[IndicatorOut]


class MilestoneOut(Schema):
    key: str
    phase: str
    measurable: bool
    met: bool
    figure: Decimal | None
    threshold: Decimal | None
    evidence: str


class ProgressOut(Schema):
    community: str
    phase: str
    milestones: list[MilestoneOut]


@router.get(
    "/communities/{ref}/indicators", response=IndicatorsOut, url_name="community_indicators"
)
def community_indicators(
    request: HttpRequest, ref: str, start: date | None = None, end: date | None = None
) -> IndicatorsOut:
    """Every indicator of docs/indicators.md for local days `start` to `end` (both included;
    default the last twelve months); `measured` is false for areas not built yet."""
    access = get_community_access(request.user, ref, need=Can.AGGREGATES)
    default = default_period(timezone.localdate())
    start, end = start or default.start, end or default.end
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise ApiError(422, "bad_period", _("Choose a period of at most five years."))
    figures = indicators_for(
        [access.community.pk],
        since=local_midnight(start),
        until=local_midnight(end + timedelta(days=1)),
    )
    return IndicatorsOut(
        community=access.community.slug,
        start=start,
        end=end,
        indicators=[
            IndicatorOut(
                key=row.key,
                section=row.indicator.section,
                unit=row.indicator.unit,
                measured=row.measured,
                value=row.value,
                counts=list(row.ratings) if row.ratings is not None else None,
            )
            for row in figures.rows()
        ],
    )


@router.get("/communities/{ref}/progress", response=ProgressOut, url_name="community_progress")
def community_progress(request: HttpRequest, ref: str) -> ProgressOut:
    """The community's phase in the method and each milestone with its evidence."""
    access = get_community_access(request.user, ref, need=Can.AGGREGATES)
    progress = method_progress(
        [access.community.pk], thresholds=thresholds_for(access.community.organisation_id)
    )[access.community.pk]
    return ProgressOut(
        community=access.community.slug,
        phase=progress.phase,
        milestones=[
            MilestoneOut(
                key=m.key,
                phase=m.phase,
                measurable=m.measurable,
                met=m.met,
                figure=m.figure,
                threshold=m.threshold,
                evidence=m.evidence,
            )
            for m in progress.milestones
        ],
    )
