"""Pages of the relationship network: measures over time, the map, ties, survey dimensions.

Government viewers see the aggregate page only; resident leaders see the map with masked names;
staff see names, conflict ties, and may record ties and recompute the snapshots.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import Need as Can
from peiban.core.access import signed_in
from peiban.core.masking import mask_name
from peiban.network.charts import Value, picture, trend
from peiban.network.forms import TieForm
from peiban.network.models import Snapshot
from peiban.network.selectors import (
    aggregates,
    conflicts_at,
    get_network_for_user,
    leaders,
    map_data,
    outreach,
    shows_names,
    snapshot_for,
    snapshots_for,
    ties_for,
    waves_for,
)
from peiban.network.services import TieError, month_end, snapshots_compute, tie_record
from peiban.network.social_capital import wave_scores
from peiban.places.models import Community

TIES_SHOWN = 100


def _month(text: str | None) -> date | None:
    if not text:
        return None
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def _chosen(community: Community, request: HttpRequest) -> Snapshot | None:
    return snapshot_for(community, _month(request.GET.get("month")))


@login_required
def overview(request: HttpRequest, community: str) -> HttpResponse:
    access = get_network_for_user(request.user, community, need=Can.AGGREGATES)
    months = list(
        snapshots_for(access.community).defer("residents", "groups", "ties").order_by("month")
    )
    snapshot = _chosen(access.community, request)
    see_people = access.can(Can.RECORDS)
    clear = shows_names(access)
    charts = {}
    if months:
        label = [m.month.strftime("%Y-%m") for m in months]
        charts = {
            "ties": trend(
                [
                    Value(lab, m.average_degree, f"{m.average_degree:.2f}")
                    for lab, m in zip(label, months, strict=True)
                ],
                title=_("Ties per resident, per month"),
            ),
            "share": trend(
                [
                    Value(lab, share, f"{share * 100:.1f}%")
                    for lab, m in zip(label, months, strict=True)
                    for share in [m.with_tie / m.nodes if m.nodes else 0.0]
                ],
                title=_("Share of residents with at least one tie, per month"),
            ),
            "density": trend(
                [
                    Value(lab, m.density, f"{m.density:.4f}")
                    for lab, m in zip(label, months, strict=True)
                ],
                title=_("Network density, per month"),
            ),
        }
    context = {
        "community": access.community,
        "months": months,
        "snapshot": snapshot,
        "figures": aggregates(snapshot) if snapshot else None,
        "charts": charts,
        "waves": wave_scores(list(waves_for(access.community))),
        "see_people": see_people,
        "can_edit": access.can(Can.EDIT),
    }
    if snapshot and see_people:
        month = snapshot.month.strftime("%Y-%m")
        context.update(
            leaders=leaders(snapshot, clear=clear),
            outreach=outreach(snapshot, clear=clear),
            graph_url=reverse("network:graph", args=[access.community.slug]) + f"?month={month}",
            picture_url=reverse("network:picture", args=[access.community.slug])
            + f"?month={month}",
        )
    return render(request, "network/overview.html", context)


@login_required
def graph_json(request: HttpRequest, community: str) -> HttpResponse:
    access = get_network_for_user(request.user, community, need=Can.RECORDS)
    snapshot = _chosen(access.community, request)
    if snapshot is None:
        return JsonResponse({"month": None, "nodes": [], "links": [], "truncated": False})
    staff = access.can(Can.EDIT)
    conflicts = conflicts_at(access.community, month_end(snapshot.month)) if staff else []
    data = map_data(snapshot, clear=shows_names(access), staff=staff, conflicts=conflicts)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
def picture_svg(request: HttpRequest, community: str) -> HttpResponse:
    access = get_network_for_user(request.user, community, need=Can.RECORDS)
    snapshot = _chosen(access.community, request)
    colour_by = "group" if request.GET.get("colour") == "group" else "building"
    data: dict[str, Any] = (
        map_data(snapshot, clear=shows_names(access), staff=False, conflicts=[])
        if snapshot
        else {"nodes": [], "links": [], "month": ""}
    )
    svg = picture(
        data["nodes"],
        data["links"],
        colour_by=colour_by,
        title=_("Relationship network of %(community)s, %(month)s")
        % {"community": access.community.name, "month": data["month"]},
        legend_title=_("Colour: building") if colour_by == "building" else _("Colour: group"),
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="network.svg"'
    return response


@login_required
@require_POST
def refresh(request: HttpRequest, community: str) -> HttpResponse:
    access = get_network_for_user(request.user, community, need=Can.EDIT)
    snapshots_compute(community=access.community)
    messages.success(request, _("The network was computed for the last twelve months."))
    return redirect("network:overview", community=access.community.slug)


@login_required
def tie_list(request: HttpRequest, community: str) -> HttpResponse:
    access = get_network_for_user(request.user, community, need=Can.RECORDS)
    ties = list(ties_for(access).order_by("-observed_on", "-pk")[:TIES_SHOWN])
    clear = shows_names(access)
    rows = [
        {
            "tie": tie,
            "one": tie.resident.name if clear else mask_name(tie.resident.name),
            "two": tie.other.name if clear else mask_name(tie.other.name),
        }
        for tie in ties
    ]
    return render(
        request,
        "network/ties.html",
        {"community": access.community, "rows": rows, "can_edit": access.can(Can.EDIT)},
    )


@login_required
def tie_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_network_for_user(request.user, community, need=Can.EDIT)
    form = TieForm(request.POST or None, community=access.community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tie_record(
                community=access.community,
                resident=data["resident"],
                other=data["other"],
                kind=data["kind"],
                source=data["source"],
                strength=data["strength"],
                observed_on=data["observed_on"],
                sensitive=data["sensitive"],
                note=data["note"],
                actor=signed_in(request),
            )
        except TieError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The tie was recorded."))
            return redirect("network:ties", community=access.community.slug)
    return render(request, "network/tie_new.html", {"community": access.community, "form": form})
