"""Staff open a community's indicators on a phone; a government viewer downloads the report."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_registry import sign_in
from tests.conftest import World
from tests.indicators.data import populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_read_the_indicators_on_a_phone(
    live_server: Any, phone: Any, screenshot_path: Any, world: World, password: str
) -> None:
    populate(world.community, seed=31)
    problems: list[str] = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(phone, live_server, "staff", password)
    phone.goto(
        f"{live_server.url}/c/{world.community.slug}/indicators/?from=2025-01-01&to=2026-12-31"
    )
    phone.wait_for_selector("[data-indicator=activities_held]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=screenshot_path("indicators-phone"), full_page=True)
    phone.click("[data-indicator=activities_held] [data-drill]")
    phone.wait_for_selector("[data-records=activities]")
    phone.goto(f"{live_server.url}/c/{world.community.slug}/progress/")
    phone.wait_for_selector("[data-current-phase]")
    phone.screenshot(path=screenshot_path("indicators-progress-phone"), full_page=True)
    assert problems == []
