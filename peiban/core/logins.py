"""Sign-in rate limiting: too many failures for one username or one address lock both out."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from peiban.core.models import LoginFailure


def client_address(request: HttpRequest) -> str | None:
    # Behind a proxy REMOTE_ADDR is the proxy; deployments set it from X-Forwarded-For there.
    return request.META.get("REMOTE_ADDR") or None


def login_is_locked(*, username: str, address: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    match = Q(username=username.lower())
    if address:
        match |= Q(address=address)
    recent = LoginFailure.objects.filter(match, created_at__gte=since)
    return recent.count() >= settings.LOGIN_MAX_FAILURES


def login_failure_record(*, username: str, address: str | None) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], address=address)


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
