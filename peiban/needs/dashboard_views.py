"""Pages of the dynamic-needs dashboard: one community's, and an organisation's across its own.

The community page needs only AGGREGATES (government viewers see it), so it shows counts,
categories and building labels only, never a need's title or a person; its drill-down links to
the needs list appear only for those who may edit (who see every need there). The organisation
page is for the organisation's admins.

The period comes from `?from=YYYY-MM-DD&to=YYYY-MM-DD` (local days, both included); by default
the last twelve months: from the first day of the month eleven months ago to today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from peiban.chats.selectors import emerging_issues
from peiban.core.access import Need as Needs
from peiban.core.access import get_community_access
from peiban.core.charts import (
    CATEGORICAL,
    FONT,
    Cell,
    Point,
    Series,
    heat_grid,
    line,
    stacked_bars,
    text_width,
)
from peiban.core.members import get_organisation_for_admin
from peiban.needs.dashboard import (
    DashboardFigures,
    community_table,
    dashboard_figures,
    local_midnight,
)
from peiban.places.models import Community

MAX_PERIOD_DAYS = 5 * 366
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """Local days `start` to `end`, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        return local_midnight(self.end + timedelta(days=1))


def default_period(today: date) -> Period:
    """The last twelve months: whole months back to eleven months ago, and this month so far."""
    months_back = today.year * 12 + today.month - 1 - 11
    return Period(date(months_back // 12, months_back % 12 + 1, 1), today)


def _parse(value: str) -> date:
    if not _DAY.match(value):
        raise ValueError(value)
    day = date.fromisoformat(value)
    if not 1990 <= day.year <= 2100:
        raise ValueError(value)
    return day


def period_from(request: HttpRequest) -> Period:
    """The period the request asks for; the default one, with a message, if it cannot be used."""
    default = default_period(timezone.localdate())
    raw_from = request.GET.get("from", "").strip()
    raw_to = request.GET.get("to", "").strip()
    if not raw_from and not raw_to:
        return default
    try:
        start = _parse(raw_from) if raw_from else default.start
        end = _parse(raw_to) if raw_to else default.end
    except ValueError:
        messages.warning(
            request,
            _("Those dates could not be read (use YYYY-MM-DD); showing the last twelve months."),
        )
        return default
    if end < start:
        messages.warning(
            request, _("The period ends before it starts; showing the last twelve months.")
        )
        return default
    if (end - start).days > MAX_PERIOD_DAYS:
        messages.warning(
            request,
            _("Choose a period of at most five years; showing the last twelve months."),
        )
        return default
    return Period(start, end)


def month_labels(months: list[date]) -> list[str]:
    """Month names for the charts: "2026年5月"; "Sep 2026" where the full names are too long."""
    labels = [date_format(m, "YEAR_MONTH_FORMAT") for m in months]
    if max((text_width(label, FONT) for label in labels), default=0) > 120:
        labels = [date_format(m, "M Y") for m in months]
    return labels


def dashboard_charts(figures: DashboardFigures, list_url: str | None) -> dict[str, SafeString]:
    """The SVG charts for the figures; marks link to the needs list when `list_url` is given."""
    months = month_labels(figures.months)
    rows = figures.categories
    shown = rows if len(rows) <= len(CATEGORICAL) else rows[: len(CATEGORICAL) - 1]
    series = [
        Series(
            row.name,
            [cell.n for cell in row.cells],
            [f"{list_url}{cell.query}" if list_url else None for cell in row.cells],
        )
        for row in shown
    ]
    rest = rows[len(shown) :]
    if rest:
        series.append(
            Series(
                _("Other categories"),
                [sum(row.cells[i].n for row in rest) for i in range(len(months))],
            )
        )
    charts = {
        "categories": stacked_bars(months, series),
        "coach": line(
            [
                Point(
                    label,
                    m.ratio,
                    _("%(residents)s of %(total)s steps")
                    % {"residents": m.residents, "total": m.total},
                )
                for label, m in zip(months, figures.coach.months, strict=True)
            ]
        ),
    }
    if figures.buildings is not None:
        charts["buildings"] = heat_grid(
            [
                Cell(
                    _("Building %(label)s") % {"label": b.label},
                    b.needs.n,
                    f"{list_url}{b.needs.query}" if list_url else None,
                )
                for b in figures.buildings
            ]
        )
    return charts


@login_required
def community_dashboard(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Needs.AGGREGATES)
    period = period_from(request)
    figures = dashboard_figures(
        communities=Community.objects.filter(pk=access.community.pk),
        since=period.since,
        until=period.until,
    )
    # The needs list shows every need only to those who may edit (others see their own and the
    # public ones), so only they get drill-downs: following one lists exactly the needs counted.
    list_url = (
        reverse("needs:list", kwargs={"community": access.community.slug})
        if access.can(Needs.EDIT)
        else None
    )
    return render(
        request,
        "needs/dashboard.html",
        {
            "community": access.community,
            "period": period,
            "figures": figures,
            "charts": dashboard_charts(figures, list_url),
            "list_url": list_url,
            "alerts": emerging_issues(access.community),
        },
    )


@login_required
def organisation_dashboard(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    period = period_from(request)
    communities = Community.objects.filter(organisation=organisation)
    figures = dashboard_figures(communities=communities, since=period.since, until=period.until)
    return render(
        request,
        "needs/dashboard.html",
        {
            "organisation": organisation,
            "period": period,
            "figures": figures,
            "charts": dashboard_charts(figures, None),
            "list_url": None,
            "community_rows": community_table(
                communities=communities, since=period.since, until=period.until
            ),
            "period_query": urlencode(figures.period),
        },
    )
