"""Pages of indicators, method progress, projects and reports.

Community pages need AGGREGATES (government viewers see them): figures only, and drill-down
links to the records behind a figure only for those who may edit. Organisation pages are for the
organisation's admins. The period is `?from=YYYY-MM-DD&to=YYYY-MM-DD` as on the needs dashboard.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from peiban.activities.participation import STAGE_LABELS
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.core.audit import audit_record
from peiban.core.charts import Series, stacked_bars
from peiban.core.members import get_organisation_for_admin
from peiban.core.models import AuditAction
from peiban.indicators.definitions import BY_KEY
from peiban.indicators.figures import Indicators, Row, indicators_for
from peiban.indicators.forms import CoverForm, LinkForm, ProjectForm, ThresholdsForm, TimeLogForm
from peiban.indicators.portfolio import (
    KINDS,
    coverage_in,
    get_record_in,
    linked_counts,
    project_progress,
)
from peiban.indicators.progress import BEGINNING, method_progress, thresholds_for
from peiban.indicators.providers import LADDER_STAGES
from peiban.indicators.reports import (
    CONTENT_TYPES,
    FORMATS,
    report_bytes,
    report_data,
    report_filename,
)
from peiban.indicators.selectors import (
    RECORD_KINDS,
    get_project_covering,
    get_project_in,
    linkable_projects,
    projects_covering,
    projects_of,
    records_behind,
    shared_people,
    time_by_community,
    time_total,
)
from peiban.indicators.services import (
    ProjectError,
    project_create,
    project_link,
    project_uncover,
    project_unlink,
    thresholds_update,
    time_log_add,
)
from peiban.indicators.services import project_cover as project_cover_service
from peiban.needs.dashboard_views import Period, period_from
from peiban.places.models import Community

# The figures of the organisation's table, one column each.
TABLE_KEYS = (
    "activities_held",
    "person_times",
    "persons",
    "volunteer_hours",
    "coach_actions",
    "needs_raised",
)


def period_query(period: Period) -> str:
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def drill_url(row: Row, community: Community, query: str) -> str | None:
    """Where the records behind a figure are listed, for someone who may see them."""
    drill = row.indicator.drill
    if not drill or not row.measured:
        return None
    if drill == "participation":
        return reverse("activities:participation", kwargs={"community": community.slug})
    if drill.startswith("needs?"):
        more = drill.removeprefix("needs?")
        url = reverse("needs:list", kwargs={"community": community.slug})
        return f"{url}?{query}{'&' + more if more else ''}"
    url = reverse("indicators:records", kwargs={"community": community.slug, "what": drill})
    return f"{url}?{query}"


@login_required
def community_indicators(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.AGGREGATES)
    period = period_from(request)
    indicators = indicators_for([access.community.pk], since=period.since, until=period.until)
    query = period_query(period)
    can_edit = access.can(Can.EDIT)
    sections = [
        (
            section,
            [(row, drill_url(row, access.community, query) if can_edit else None) for row in rows],
        )
        for section, rows in indicators.sections()
    ]
    return render(
        request,
        "indicators/community.html",
        {
            "community": access.community,
            "period": period,
            "sections": sections,
            "query": query,
            "can_edit": can_edit,
            "formats": FORMATS,
            "charts": indicator_charts(indicators),
        },
    )


def indicator_charts(indicators: Indicators) -> list[SafeString]:
    """The ladder by highest stage and the rating distribution, as server-side SVG."""
    ladder = [
        (str(STAGE_LABELS[stage]), int(indicators.value(f"ladder_{stage}") or 0))
        for stage in LADDER_STAGES
    ]
    measure = indicators.measure("feedback_ratings")
    ratings = list(getattr(measure, "counts", (0, 0, 0, 0, 0)))
    return [
        stacked_bars(
            [label for label, _n in ladder],
            [Series(_("residents whose highest stage this is"), [n for _label, n in ladder])],
            title=_("Residents by their highest stage on the participation ladder"),
        ),
        stacked_bars(
            [f"{n}★" for n in range(1, 6)],
            [Series(_("ratings"), ratings)],
            title=_("Activity ratings given, from 1 to 5"),
        ),
    ]


@login_required
def records(request: HttpRequest, community: str, what: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    if what not in RECORD_KINDS:
        raise Http404
    period = period_from(request)
    rows = list(records_behind(what, access.community, period.since, period.until))
    return render(
        request,
        "indicators/records.html",
        {
            "community": access.community,
            "period": period,
            "what": what,
            "rows": rows,
            "query": period_query(period),
        },
    )


@login_required
def community_progress(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.AGGREGATES)
    progress = method_progress(
        [access.community.pk], thresholds=thresholds_for(access.community.organisation_id)
    )[access.community.pk]
    return render(
        request,
        "indicators/progress.html",
        {"community": access.community, "progress": progress, "can_edit": access.can(Can.EDIT)},
    )


@login_required
def report(request: HttpRequest, community: str) -> HttpResponse:
    """The report form, and the file when a format is asked for. Those who may not see records
    get the government-facing version only."""
    access = get_community_access(request.user, community, need=Can.AGGREGATES)
    period = period_from(request)
    fmt = request.GET.get("format", "")
    full_allowed = access.can(Can.RECORDS) and access.can(Can.EDIT)
    if fmt not in FORMATS:
        return render(
            request,
            "indicators/report.html",
            {
                "community": access.community,
                "period": period,
                "formats": FORMATS,
                "full_allowed": full_allowed,
            },
        )
    government = not full_allowed or request.GET.get("version") == "government"
    data = report_data(access.community, start=period.start, end=period.end, government=government)
    body = report_bytes(data, fmt)
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        subject=access.community,
        organisation=access.community.organisation,
        detail={"report": fmt, "government": government, "from": str(period.start)},
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report_filename(data, fmt)}"'
    return response


@login_required
def time_log(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    projects = projects_covering(access.community)
    form = TimeLogForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        try:
            time_log_add(
                project=form.cleaned_data["project"],
                community=access.community,
                user=signed_in(request),
                day=form.cleaned_data["day"],
                hours=form.cleaned_data["hours"],
                note=form.cleaned_data["note"],
                actor=signed_in(request),
            )
        except ProjectError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your time is logged."))
            return redirect("indicators:time-log", community=access.community.slug)
    return render(
        request,
        "indicators/time_log.html",
        {"community": access.community, "form": form, "projects": list(projects)},
    )


# --- organisation pages ----------------------------------------------------------------------


@login_required
def organisation_indicators(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    period = period_from(request)
    communities = list(
        Community.objects.filter(organisation=organisation).order_by("name").only("name", "slug")
    )
    ids = [c.pk for c in communities]
    indicators = indicators_for(ids, since=period.since, until=period.until)
    progress = method_progress(
        ids, thresholds=thresholds_for(organisation), indicators=_whole_history(ids, period)
    )
    table = [
        (
            community,
            progress[community.pk],
            [_cell(indicators, key, community.pk) for key in TABLE_KEYS],
        )
        for community in communities
    ]
    phases: dict[str, int] = {}
    for item in progress.values():
        phases[item.phase_label] = phases.get(item.phase_label, 0) + 1
    return render(
        request,
        "indicators/organisation.html",
        {
            "organisation": organisation,
            "period": period,
            "sections": [
                (section, [(row, None) for row in rows]) for section, rows in indicators.sections()
            ],
            "columns": [BY_KEY[key] for key in TABLE_KEYS],
            "table": table,
            "phases": sorted(phases.items()),
            "query": period_query(period),
        },
    )


def _whole_history(ids: list[int], period: Period) -> Indicators:
    """Milestones count everything up to the end of the period."""
    return indicators_for(ids, since=BEGINNING, until=period.until)


def _cell(indicators: Indicators, key: str, community: int) -> str:
    row = Row(BY_KEY[key], indicators.measure(key, community))
    return row.display if row.measured and row.value is not None else "–"


@login_required
def thresholds(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    current = thresholds_for(organisation)
    form = ThresholdsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            thresholds_update(
                organisation=organisation,
                values={k: v for k, v in form.cleaned_data.items() if v is not None},
                actor=signed_in(request),
            )
        except ProjectError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The thresholds are saved."))
            return redirect("indicators:thresholds", org=organisation.slug)
    return render(
        request, "indicators/thresholds.html", {"organisation": organisation, "form": form}
    )


@login_required
def projects(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    return render(
        request,
        "indicators/projects.html",
        {"organisation": organisation, "projects": list(projects_of(organisation))},
    )


@login_required
def project_new(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    form = ProjectForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = project_create(
                organisation=organisation,
                name=data["name"],
                funder=data["funder"],
                contract_number=data["contract_number"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                communities=data["communities"],
                targets=form.targets(),
                actor=signed_in(request),
            )
        except ProjectError as error:
            form.add_error(None, str(error))
        else:
            return redirect("indicators:project", org=organisation.slug, pk=project.pk)
    return render(
        request, "indicators/project_new.html", {"organisation": organisation, "form": form}
    )


@login_required
def project_detail(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    project = get_project_in(organisation, pk)
    counts = linked_counts(project)
    progress = project_progress(project, counts=counts)
    return render(
        request,
        "indicators/project.html",
        {
            "organisation": organisation,
            "project": project,
            "communities": list(project.communities.order_by("name")),
            "progress": progress,
            "covered": [(kind, KIND_LABELS[kind], counts[kind]) for kind in KINDS],
            "time": time_by_community(project),
            "time_total": time_total(project),
            "linked": list(project.linked.order_by("name")),
            "linkable": list(linkable_projects(project)),
            "shared_people": shared_people(project),
        },
    )


@login_required
@require_POST
def project_link_view(
    request: HttpRequest, org: str, pk: int, unlink: bool = False
) -> HttpResponse:
    """Mark another project of the organisation as sharing people and effort, or no longer."""
    organisation = get_organisation_for_admin(request.user, org)
    project = get_project_in(organisation, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a project."))
    other = get_project_in(organisation, form.cleaned_data["other"])
    try:
        (project_unlink if unlink else project_link)(
            project=project, other=other, actor=signed_in(request)
        )
    except ProjectError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The projects are no longer linked.") if unlink else _("The projects are linked."),
        )
    return redirect("indicators:project", org=organisation.slug, pk=project.pk)


# --- what a project covers in a community ----------------------------------------------------

KIND_LABELS = {
    "needs": _lazy("Needs"),
    "recommendations": _lazy("Recommendations"),
    "activities": _lazy("Activities"),
    "self_organisations": _lazy("Self-organisations"),
}


@login_required
def project_coverage(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """The needs, recommendations, activities and groups of the community the project covers,
    and the community's other records to link (staff and admins)."""
    access = get_community_access(request.user, community, need=Can.EDIT)
    project = get_project_covering(access.community, pk)
    coverage = coverage_in(project, access.community)
    return render(
        request,
        "indicators/project_coverage.html",
        {
            "community": access.community,
            "project": project,
            "kinds": [
                (kind, KIND_LABELS[kind], coverage.linked[kind], coverage.choices[kind])
                for kind in KINDS
            ],
        },
    )


@login_required
@require_POST
def project_cover(
    request: HttpRequest, community: str, pk: int, unlink: bool = False
) -> HttpResponse:
    """Link one of the community's records to the project, or unlink it."""
    access = get_community_access(request.user, community, need=Can.EDIT)
    project = get_project_covering(access.community, pk)
    form = CoverForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a record to link."))
    kind = form.cleaned_data["kind"]
    record = get_record_in(kind, access.community, form.cleaned_data["record"])
    try:
        (project_uncover if unlink else project_cover_service)(
            project=project,
            community=access.community,
            kind=kind,
            record=record,
            actor=signed_in(request),
        )
    except ProjectError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The project no longer covers it.") if unlink else _("The project covers it now."),
        )
    return redirect("indicators:project-coverage", community=access.community.slug, pk=project.pk)
