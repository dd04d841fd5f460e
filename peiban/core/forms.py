from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from peiban.core.logins import (
    client_address,
    login_failure_record,
    login_failures_clear,
    login_is_locked,
)


class RateLimitedAuthenticationForm(AuthenticationForm):
    error_messages = {  # noqa: RUF012 - Django reads it as a class attribute
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is not right. Both are case-sensitive; please try again."
        ),
        "locked": _(
            "Too many failed sign-ins. Please wait %(minutes)s minutes before trying again, "
            "or ask your organisation's admin to reset your password."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        address = client_address(self.request) if self.request is not None else None
        if username and login_is_locked(username=username, address=address):
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                login_failure_record(username=username, address=address)
            raise
        login_failures_clear(username=username)
        return cleaned


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("What is this token for?"),
        max_length=100,
        help_text=_("For example: the building sign-in phone, or the mini-program."),
    )
