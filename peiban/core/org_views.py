"""Pages an organisation's admin uses to set it up. Only its admins reach them; others get 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core import members
from peiban.core.access import signed_in
from peiban.core.members import OrganisationError, get_organisation_for_admin
from peiban.core.models import AuditAction, Membership, Organisation, Role
from peiban.core.names import user_display_name
from peiban.core.org_forms import CommunityForm, MemberAddForm, MemberChangeForm, PartnerForm
from peiban.core.selectors import audit_entries
from peiban.places.services import RegistryError, community_create

# The session remembers whose password link to show, once, on the next visit to the home page.
# Only ids are kept: the link itself is made when it is shown.
NEW_ACCOUNT_KEY = "org_new_account"


def _password_link(request: HttpRequest, user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return request.build_absolute_uri(path)


def _new_account(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    """The password link for the account just made here, taken from the session (so only once)."""
    remembered = request.session.get(NEW_ACCOUNT_KEY)
    if not isinstance(remembered, dict) or remembered.get("organisation") != organisation.pk:
        return None
    del request.session[NEW_ACCOUNT_KEY]
    user_id = remembered.get("user")
    if not isinstance(user_id, int):
        return None
    membership = (
        Membership.objects.filter(organisation=organisation, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None or membership.user.has_usable_password():
        return None
    return {
        "user": membership.user,
        "url": _password_link(request, membership.user),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }


@login_required
def home(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    new_account = _new_account(request, organisation)
    response = render(
        request,
        "core/org/home.html",
        {
            "organisation": organisation,
            "communities": list(members.organisation_communities(organisation)),
            "members": list(members.organisation_members(organisation)),
            "new_account": new_account,
            "org_admin": Role.ORG_ADMIN,
        },
    )
    if new_account is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def community_new(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = community_create(
                organisation=organisation,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                city=form.cleaned_data["city"],
                grid_code=form.cleaned_data["grid_code"],
                actor=signed_in(request),
            )
        except RegistryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The community “%(name)s” was created.") % {"name": community.name}
            )
            return redirect("org:home", org=organisation.slug)
    return render(
        request, "core/org/community_form.html", {"organisation": organisation, "form": form}
    )


@login_required
def partner_new(request: HttpRequest, org: str, community: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    place = members.get_community_in(organisation, community)
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = members.partner_create(
                community=place,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
                note=form.cleaned_data["note"],
                actor=signed_in(request),
            )
        except OrganisationError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                _("%(partner)s was added to the partners of %(community)s.")
                % {"partner": partner.name, "community": place.name},
            )
            return redirect("org:home", org=organisation.slug)
    return render(
        request,
        "core/org/partner_form.html",
        {"organisation": organisation, "community": place, "form": form},
    )


@login_required
def member_new(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    form = MemberAddForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            membership, created = members.member_add(
                organisation=organisation,
                username=form.cleaned_data["username"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                communities=form.cleaned_data["communities"],
                actor=signed_in(request),
            )
        except OrganisationError as error:
            form.add_error(error.field, str(error))
        else:
            name = user_display_name(membership.user)
            if created:
                request.session[NEW_ACCOUNT_KEY] = {
                    "organisation": organisation.pk,
                    "user": membership.user_id,
                }
                text = _("An account was made for %(name)s, who is now a member.")
            else:
                text = _("%(name)s already had an account and is now a member.")
            messages.success(request, text % {"name": name})
            return redirect("org:home", org=organisation.slug)
    return render(request, "core/org/member_add.html", {"organisation": organisation, "form": form})


@login_required
def member_edit(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    membership = members.get_membership_in(organisation, pk)
    user = signed_in(request)
    initial = {"role": membership.role, "communities": list(membership.communities.all())}
    form = MemberChangeForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            members.member_change(
                membership=membership,
                role=form.cleaned_data["role"],
                communities=form.cleaned_data["communities"],
                actor=user,
            )
        except OrganisationError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                _("The role and communities of %(name)s were saved.")
                % {"name": user_display_name(membership.user)},
            )
            if membership.user_id == user.pk and membership.role != Role.ORG_ADMIN:
                return redirect("core:dashboard")
            return redirect("org:home", org=organisation.slug)
    return render(
        request,
        "core/org/member_edit.html",
        {
            "organisation": organisation,
            "membership": membership,
            "form": form,
            "is_self": membership.user_id == user.pk,
        },
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    organisation = get_organisation_for_admin(request.user, org)
    membership = members.get_membership_in(organisation, pk)
    user = signed_in(request)
    name = user_display_name(membership.user)
    try:
        members.member_remove(membership=membership, actor=user)
    except OrganisationError as error:
        messages.error(request, str(error))
        return redirect("org:member-edit", org=organisation.slug, pk=pk)
    messages.success(request, _("%(name)s was removed from the organisation.") % {"name": name})
    if membership.user_id == user.pk:
        return redirect("core:dashboard")
    return redirect("org:home", org=organisation.slug)


AUDIT_PAGE_SIZE = 50


@login_required
def audit_log(request: HttpRequest, org: str) -> HttpResponse:
    """The organisation's audit log, newest first, filterable by action."""
    organisation = get_organisation_for_admin(request.user, org)
    action = request.GET.get("action", "")
    entries = audit_entries(organisation, action=action if action in AuditAction.values else "")
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/org/audit.html",
        {
            "organisation": organisation,
            "page": page,
            "action": action,
            "actions": AuditAction.choices,
        },
    )
