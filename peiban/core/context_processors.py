from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peiban.core.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs on every page: the navigation this user may follow."""
    return {"nav_items": navigation_for(request)}
