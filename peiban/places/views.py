"""Pages of the community registry. Each view asks its access helper first, then one selector."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import CommunityAccess, Need, get_community_access, signed_in
from peiban.core.masking import mask_id_number, mask_phone
from peiban.core.privacy import (
    PrivacyError,
    consent_record,
    consent_withdraw,
    resident_anonymise,
    resident_correct,
    resident_data,
    resident_data_workbook,
    resident_delete,
)
from peiban.places.access import get_building_for_user, get_dwelling_for_user, get_resident_for_user
from peiban.places.forms import (
    ConsentForm,
    ResidentForm,
    RightsActionForm,
    RosterConfirmForm,
    RosterUploadForm,
    UnmaskForm,
    upload_dir,
)
from peiban.places.models import Resident
from peiban.places.roster import RosterFileError, read_roster
from peiban.places.selectors import (
    building_grid,
    buildings_with_counts,
    community_summary,
    dwelling_people,
    resident_search,
)
from peiban.places.services import (
    RegistryError,
    RosterRejected,
    linkable_accounts,
    resident_link_account,
    resident_unmask,
    residents_workbook,
    roster_import,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def community_overview(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.AGGREGATES)
    return render(
        request,
        "places/community.html",
        {
            "access": access,
            "community": access.community,
            "summary": community_summary(access.community),
            "buildings": list(buildings_with_counts(access.community)),
            "can_records": access.can(Need.RECORDS),
            "can_edit": access.can(Need.EDIT),
        },
    )


@login_required
def building_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, building = get_building_for_user(request.user, community, pk)
    return render(
        request,
        "places/building.html",
        {"community": access.community, "building": building, "grid": building_grid(building)},
    )


@login_required
def dwelling_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, dwelling = get_dwelling_for_user(request.user, community, pk)
    return render(
        request,
        "places/dwelling.html",
        {"community": access.community, "dwelling": dwelling, **dwelling_people(dwelling)},
    )


def _contact(
    access: CommunityAccess,
    resident: Resident,
    *,
    form: UnmaskForm | None = None,
    unmasked: bool = False,
) -> dict[str, object]:
    """The contact block: masked unless just unmasked, with the unmask form where allowed."""
    return {
        "community": access.community,
        "resident": resident,
        "phone": resident.phone if unmasked else mask_phone(resident.phone),
        "id_number": resident.id_number if unmasked else mask_id_number(resident.id_number),
        "unmasked": unmasked,
        "can_unmask": access.can(Need.UNMASK),
        "unmask_form": form or UnmaskForm(),
    }


@login_required
def resident_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, resident = get_resident_for_user(request.user, community, pk)
    context = _contact(access, resident)
    if access.can(Need.EDIT):
        context["accounts"] = linkable_accounts(resident)
    return render(request, "places/resident.html", context)


@login_required
@require_POST
def resident_account(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Link the resident's record to their own account, or unlink it (staff only)."""
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    chosen = request.POST.get("account", "")
    user = None
    if chosen:
        user = next((u for u in linkable_accounts(resident) if str(u.pk) == chosen), None)
        if user is None:
            messages.error(request, _("Choose an account from the list."))
            return redirect("places:resident", community=access.community.slug, pk=resident.pk)
    try:
        resident_link_account(resident=resident, user=user, actor=signed_in(request))
    except RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The account was linked.") if user else _("The account was unlinked."),
        )
    return redirect("places:resident", community=access.community.slug, pk=resident.pk)


@login_required
@require_POST
def resident_unmask_view(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.UNMASK)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        context = _contact(access, resident, form=form)
        return render(request, "places/resident.html#contact", context, status=400)
    resident_unmask(resident=resident, actor=signed_in(request), reason=form.cleaned_data["reason"])
    response = render(
        request, "places/resident.html#contact", _contact(access, resident, unmasked=True)
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def search(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.RECORDS)
    query = request.GET.get("q", "")[:50]
    results = resident_search(access.community, query)
    fragment = request.headers.get("HX-Request") == "true"
    template = "places/search.html#results" if fragment else "places/search.html"
    return render(
        request, template, {"community": access.community, "query": query, "results": results}
    )


def _stored_upload(token: str) -> Path:
    try:
        name = uuid.UUID(token).hex
    except ValueError:
        raise Http404 from None
    path = Path(upload_dir()) / name
    if not path.exists():
        raise Http404
    return path


@login_required
def roster_upload(request: HttpRequest, community: str) -> HttpResponse:
    """Upload a roster, see what it would do, then confirm: nothing is written before that."""
    access = get_community_access(request.user, community, need=Need.EDIT)
    user = signed_in(request)
    context: dict[str, object] = {"community": access.community}
    if request.method == "POST" and "upload" in request.POST:
        confirm = RosterConfirmForm(request.POST)
        if confirm.is_valid():
            path = _stored_upload(confirm.cleaned_data["upload"])
            reading = read_roster(path.read_bytes(), filename=path.name)
            try:
                result = roster_import(
                    community=access.community,
                    reading=reading,
                    actor=user,
                    partial=confirm.cleaned_data["partial"],
                )
            except RosterRejected as error:
                context.update(form=RosterUploadForm(), result=error.result, refused=True)
                return render(request, "places/roster_upload.html", context, status=400)
            path.unlink(missing_ok=True)
            messages.success(
                request,
                _(
                    "Roster imported: %(created)s dwellings created, %(updated)s updated, "
                    "%(residents)s residents created."
                )
                % {
                    "created": result.dwellings_created,
                    "updated": result.dwellings_updated,
                    "residents": result.residents_created,
                },
            )
            return redirect("places:community", community=access.community.slug)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            reading = read_roster(data, filename=upload.name)
        except RosterFileError as error:
            form.add_error("file", str(error))
            return render(request, "places/roster_upload.html", context, status=400)
        preview = roster_import(
            community=access.community, reading=reading, actor=user, dry_run=True
        )
        token = uuid.uuid4()
        Path(upload_dir()).mkdir(parents=True, exist_ok=True)
        (Path(upload_dir()) / token.hex).write_bytes(data)
        context.update(
            preview=preview,
            rows=reading.rows[:20],
            total_rows=len(reading.rows),
            columns=reading.columns,
            confirm=RosterConfirmForm(initial={"upload": token.hex}),
        )
    return render(request, "places/roster_upload.html", context)


@login_required
def rights_desk(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """A resident's data, consents and requests; actions for the rights desk (PIPL Art. 44–47)."""
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    return render(
        request,
        "places/rights.html",
        {
            "community": access.community,
            "resident": resident,
            "consents": list(resident.consents.order_by("-given_at")),
            "requests": list(resident.rights_requests.order_by("-received_at")),
            "consent_form": ConsentForm(),
            "action_form": RightsActionForm(),
        },
    )


@login_required
@require_POST
def consent_add(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Record a consent the resident gave on paper or in person (assisted participation)."""
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    form = ConsentForm(request.POST)
    if form.is_valid():
        consent_record(
            resident=resident,
            purpose=form.cleaned_data["purpose"],
            version=form.cleaned_data["version"],
            guardian=form.cleaned_data["guardian"],
            actor=signed_in(request),
        )
        messages.success(request, _("The consent was recorded."))
    else:
        messages.error(request, _("The consent could not be recorded: check the form."))
    return redirect("places:rights", community=access.community.slug, pk=resident.pk)


@login_required
@require_POST
def consent_end(request: HttpRequest, community: str, pk: int, consent: int) -> HttpResponse:
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    found = resident.consents.filter(pk=consent, withdrawn_at__isnull=True).first()
    if found is None:
        raise Http404
    consent_withdraw(consent=found, actor=signed_in(request))
    messages.success(request, _("The consent was withdrawn and the data it covered removed."))
    return redirect("places:rights", community=access.community.slug, pk=resident.pk)


@login_required
def resident_download(request: HttpRequest, community: str, pk: int, fmt: str) -> HttpResponse:
    """The resident's own data as JSON or Excel, for a copy at the rights desk (logged)."""
    if fmt not in {"json", "xlsx"}:
        raise Http404
    _access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    user = signed_in(request)
    reason = "rights desk: copy of the resident's data"
    if fmt == "json":
        data = resident_data(resident=resident, actor=user, reason=reason)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2, default=str),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(
            resident_data_workbook(resident=resident, actor=user, reason=reason),
            content_type=XLSX,
        )
    response["Content-Disposition"] = f'attachment; filename="resident-{resident.pk}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def resident_erase(request: HttpRequest, community: str, pk: int, how: str) -> HttpResponse:
    if how not in {"anonymise", "delete"}:
        raise Http404
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    form = RightsActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason before deleting or anonymising."))
        return redirect("places:rights", community=access.community.slug, pk=resident.pk)
    reason = form.cleaned_data["reason"]
    if how == "anonymise":
        resident_anonymise(resident=resident, actor=signed_in(request), reason=reason)
        messages.success(request, _("The resident's data was anonymised."))
    else:
        try:
            resident_delete(resident=resident, actor=signed_in(request), reason=reason)
        except PrivacyError as error:
            messages.error(request, str(error))
            return redirect("places:rights", community=access.community.slug, pk=resident.pk)
        messages.success(request, _("The resident's data was deleted."))
    return redirect("places:community", community=access.community.slug)


@login_required
def residents_export(request: HttpRequest, community: str) -> HttpResponse:
    """The resident list as Excel: masked unless `?full=1` by someone allowed to unmask (logged)."""
    full = request.GET.get("full") == "1"
    access = get_community_access(request.user, community, need=Need.UNMASK if full else Need.EDIT)
    content = residents_workbook(community=access.community, actor=signed_in(request), full=full)
    response = HttpResponse(content, content_type=XLSX)
    name = f"{access.community.slug}-residents{'-full' if full else ''}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def resident_edit(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Correct a resident's record, for them or at their request (every change logged)."""
    access, resident = get_resident_for_user(request.user, community, pk, need=Need.EDIT)
    initial = {name: getattr(resident, name) for name in ResidentForm.FIELDS}
    form = ResidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name]
            for name in ResidentForm.FIELDS
            if form.cleaned_data[name] != initial[name]
        }
        try:
            resident_correct(
                resident=resident,
                actor=signed_in(request),
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except PrivacyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The resident's record was saved."))
            return redirect("places:resident", community=access.community.slug, pk=resident.pk)
    return render(
        request,
        "places/resident_edit.html",
        {"community": access.community, "resident": resident, "form": form},
    )
