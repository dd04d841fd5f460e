"""API authentication: a bearer token for scripts, or the page session (with CSRF) for htmx."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from peiban.core.tokens import token_authenticate


class BearerToken(HttpBearer):
    openapi_description = "A Peiban API token: `Authorization: Bearer pb_…`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(raw=token)
        if found is None:
            return None
        request.user = found.user
        return found.user


API_AUTH = [BearerToken(), SessionAuth()]
