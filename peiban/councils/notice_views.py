"""Pages for printing voting codes and for requisitioning an interim owners' assembly.

- Code notices: staff issue codes and download them in one step, one page per dwelling, as PDF
  or Word. The plain codes exist only in that file: issuing again (for every dwelling or for the
  ones named) makes the earlier codes of those dwellings stop working. Each download is audited.
- Requisitions: staff record the owners who sign for an interim owners' assembly; the page says
  whether they hold 20% of the area and are 20% of the owners.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.core.typesetting import CJKFontMissing
from peiban.councils.access import get_assembly_for_user, get_requisition_for_user
from peiban.councils.models import AssemblyStatus
from peiban.councils.selectors import (
    dwelling_for_address,
    requisition_tally,
    requisitions_for,
)
from peiban.councils.services import (
    CouncilError,
    code_notices_issue,
    requisition_create,
    requisition_sign,
)
from peiban.places.models import Community, Dwelling

LIST_LIMIT = 50
HOMES_LIMIT = 200


class NoticeForm(forms.Form):
    fmt = forms.ChoiceField(
        label=gettext_lazy("File"),
        choices=[("pdf", "PDF"), ("docx", gettext_lazy("Word (.docx)"))],
        widget=forms.RadioSelect,
        initial="pdf",
    )
    homes = forms.CharField(
        label=gettext_lazy("Only these dwellings (optional)"),
        help_text=gettext_lazy(
            "One per line, as 3-2-301 or 3栋2单元301室, for owners who lost their paper. "
            "Leave empty to print new codes for every dwelling."
        ),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequisitionForm(forms.Form):
    purpose = forms.CharField(
        label=gettext_lazy("What the meeting is asked for"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignatureForm(forms.Form):
    home = forms.CharField(
        label=gettext_lazy("Dwelling"),
        help_text=gettext_lazy("As 3-2-301 or 3栋2单元301室."),
        max_length=60,
    )
    signed_by = forms.CharField(label=gettext_lazy("Signed by"), max_length=50)


def _homes(community: Community, text: str) -> tuple[list[Dwelling], list[str]]:
    """The dwellings named one per line, and the lines naming none of the community's."""
    found: list[Dwelling] = []
    unknown: list[str] = []
    for line in [line.strip() for line in text.splitlines() if line.strip()][:HOMES_LIMIT]:
        dwelling = dwelling_for_address(community, line)
        if dwelling is None:
            unknown.append(line)
        else:
            found.append(dwelling)
    return found, unknown


@login_required
def code_notices(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Issue codes and download them as notices to print: GET explains, POST issues."""
    access, found = get_assembly_for_user(request.user, community, pk, manage=True)
    if found.status == AssemblyStatus.CLOSED:
        raise Http404
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dwellings = None
        if form.cleaned_data["homes"].strip():
            dwellings, unknown = _homes(access.community, form.cleaned_data["homes"])
            if unknown:
                form.add_error(
                    "homes",
                    _("These are not dwellings of this community: %(lines)s")
                    % {"lines": "、".join(unknown[:10])},
                )
        if form.is_valid():
            try:
                notice = code_notices_issue(
                    assembly=found,
                    fmt=form.cleaned_data["fmt"],
                    vote_url=request.build_absolute_uri(reverse("councils:ballot", args=[pk])),
                    actor=signed_in(request),
                    dwellings=dwellings,
                )
            except (CouncilError, CJKFontMissing) as error:
                form.add_error(None, str(error))
            else:
                response = HttpResponse(notice.content, content_type=notice.content_type)
                response["Content-Disposition"] = f'attachment; filename="{notice.filename}"'
                response["Cache-Control"] = "no-store"
                return response
    return render(
        request,
        "councils/notices.html",
        {"community": access.community, "assembly": found, "form": form},
    )


@login_required
def requisitions(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = RequisitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = requisition_create(
                community=access.community,
                purpose=form.cleaned_data["purpose"],
                actor=signed_in(request),
            )
        except CouncilError as error:
            form.add_error(None, str(error))
        else:
            return redirect("councils:requisition", community=access.community.slug, pk=made.pk)
    return render(
        request,
        "councils/requisitions.html",
        {
            "community": access.community,
            "form": form,
            "requisitions": list(requisitions_for(access.community)[:LIST_LIMIT]),
        },
    )


@login_required
def requisition(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, found = get_requisition_for_user(request.user, community, pk)
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dwelling = dwelling_for_address(access.community, form.cleaned_data["home"])
        if dwelling is None:
            form.add_error("home", _("This is not a dwelling of this community."))
        else:
            try:
                requisition_sign(
                    requisition=found,
                    dwelling=dwelling,
                    signed_by=form.cleaned_data["signed_by"],
                    actor=signed_in(request),
                )
            except CouncilError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The signature has been recorded."))
                return redirect(
                    "councils:requisition", community=access.community.slug, pk=found.pk
                )
    return render(
        request,
        "councils/requisition.html",
        {
            "community": access.community,
            "requisition": found,
            "state": requisition_tally(found),
            "signatures": list(found.signatures.select_related("dwelling__building")[:500]),
            "form": form,
        },
    )
