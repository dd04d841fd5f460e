from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from peiban.core.access import GRANTS, Need, communities_for_user, memberships_for_user, signed_in
from peiban.core.forms import TokenCreateForm
from peiban.core.models import Role
from peiban.core.selectors import get_token_for_user, tokens_for_user
from peiban.core.tokens import token_create, token_revoke

# What residents and leaders reach from the workbench (staff reach it from the community page).
PARTICIPANT_LINKS = (
    (gettext_lazy("Needs"), "needs:list"),
    (gettext_lazy("Activities"), "activities:list"),
    (gettext_lazy("Self-organisations"), "groups:list"),
    (gettext_lazy("My hours and points"), "ledger:mine"),
)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_for_user(request.user))
    roles = {m.organisation_id: Role(m.role) for m in memberships}
    communities = list(communities_for_user(request.user))
    for community in communities:
        grants = GRANTS[roles[community.organisation_id]]
        name = "places:community" if Need.AGGREGATES in grants else "needs:list"
        kwargs = {"community": community.slug}
        community.home_url = reverse(name, kwargs=kwargs)  # type: ignore[attr-defined]
        community.links = (  # type: ignore[attr-defined]
            [(label, reverse(url, kwargs=kwargs)) for label, url in PARTICIPANT_LINKS]
            if Need.PARTICIPATE in grants
            else []
        )
    return render(
        request,
        "core/dashboard.html",
        {"memberships": memberships, "communities": communities},
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = TokenCreateForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = token_create(user=user, name=form.cleaned_data["name"])
        form = TokenCreateForm()
    response = render(
        request,
        "core/tokens.html",
        {"form": form, "tokens": list(tokens_for_user(user)), "new_token": new_token},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    token = get_token_for_user(user, pk)
    token_revoke(token=token, actor=user)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("core:tokens")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
