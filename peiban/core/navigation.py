"""The page shell's navigation: only entries that exist and that this user may open."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Membership, Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool


def navigation_for(request: HttpRequest) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    entries: list[tuple[str | Promise, str]] = [(_("Workbench"), reverse("core:dashboard"))]
    administered = list(
        Membership.objects.filter(user_id=user.pk, role=Role.ORG_ADMIN).values_list(
            "organisation__slug", "organisation__name"
        )
    )
    for slug, name in administered:
        label = _("Organisation") if len(administered) == 1 else name
        entries.append((label, reverse("org:home", kwargs={"org": slug})))
    unread = user.notifications.filter(read_at__isnull=True).count()
    label = _("Notifications (%(n)s)") % {"n": unread} if unread else _("Notifications")
    entries.append((label, reverse("needs:notifications")))
    if user.is_staff:
        entries.append((_("Administration"), reverse("admin:index")))
    path = request.path
    return [
        NavItem(label=label, url=url, active=path == url or (url != "/" and path.startswith(url)))
        for label, url in entries
    ]
