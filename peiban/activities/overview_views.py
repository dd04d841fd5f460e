"""The participation overview of a community and one resident's participation history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from peiban.activities.overview import leader_candidates, participation_overview, resident_history
from peiban.activities.participation import STAGE_LABELS, STAGES
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access
from peiban.core.charts import Series, stacked_bars
from peiban.ledger.selectors import hours_balance
from peiban.places.access import get_resident_for_user


@login_required
def participation(request: HttpRequest, community: str) -> HttpResponse:
    """Counts and charts for everyone with aggregates; leader candidates for staff only."""
    access = get_community_access(request.user, community, need=Can.AGGREGATES)
    overview = participation_overview(access.community)
    labels = [str(STAGE_LABELS[stage]) for stage in STAGES]
    ladder_chart = stacked_bars(
        labels,
        [
            Series(
                label=_("residents whose highest stage this is"),
                values=[overview.counts.highest[stage] for stage in STAGES],
            )
        ],
        title=_("The participation ladder: residents by their highest stage"),
    )
    series_charts = [
        (
            growth,
            stacked_bars(
                [f"{step.activity.starts_at:%m-%d} {step.activity.title}" for step in growth.steps],
                [
                    Series(label=_("first time"), values=[step.newcomers for step in growth.steps]),
                    Series(
                        label=_("came before"), values=[step.returning for step in growth.steps]
                    ),
                ],
                title=_("Residents at each activity of “%(series)s”")
                % {"series": growth.series.name},
            ),
        )
        for growth in overview.series
        if growth.steps
    ]
    return render(
        request,
        "activities/participation.html",
        {
            "community": access.community,
            "overview": overview,
            "conversions": [
                (STAGE_LABELS[c.from_stage], STAGE_LABELS[c.to_stage], c)
                for c in overview.conversions
            ],
            "ladder_chart": ladder_chart,
            "series_charts": series_charts,
            "candidates": [(c, STAGE_LABELS[c.stage]) for c in leader_candidates(access.community)]
            if access.can(Can.EDIT)
            else None,
        },
    )


@login_required
def resident_participation(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, resident = get_resident_for_user(request.user, community, pk)
    history = resident_history(resident)
    return render(
        request,
        "activities/resident_history.html",
        {
            "community": access.community,
            "resident": resident,
            "history": history,
            "stage_label": STAGE_LABELS[history.stage],
            "stages": [(stage, STAGE_LABELS[stage], date) for stage, date in history.stages],
            "hours": hours_balance(resident),
        },
    )
