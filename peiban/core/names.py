"""How people's names are shown: Chinese names family name first, without a space."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

CJK = re.compile(r"[\u3400-\u9fff]")


def full_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def user_display_name(user: AbstractBaseUser | AnonymousUser) -> str:
    first = getattr(user, "first_name", "") or ""
    last = getattr(user, "last_name", "") or ""
    return full_name(first, last) or user.get_username()
