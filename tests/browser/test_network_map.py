"""Staff open the relationship map of a small compound on a phone and on a laptop."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.network.services import snapshots_compute
from tests.browser.test_registry import sign_in
from tests.conftest import World
from tests.network.conftest import MONTH, Compound, make_compound

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def compound(world: World) -> Compound:
    return make_compound(world)


def open_map(page: Any, live_server: Any, world: World, password: str) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, live_server, "staff", password)
    page.goto(f"{live_server.url}/c/{world.community.slug}/network/?month=2026-03")
    page.wait_for_selector("[data-network-map][data-ready=true]", timeout=20_000)
    return problems


def test_staff_open_the_map_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    compound: Compound,
    password: str,
) -> None:
    snapshots_compute(community=world.community, last=MONTH, months=3)
    problems = open_map(phone, live_server, world, password)
    assert phone.locator("[data-network-map]").get_attribute("data-nodes") == "7"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows sideways
    phone.locator("[data-network-map]").scroll_into_view_if_needed()
    phone.screenshot(path=screenshot_path("network-map-phone"), full_page=True)
    phone.select_option("[data-colour]", "group")
    assert phone.locator("[data-legend] li").count() == 3
    assert problems == []


def test_staff_open_the_map_on_a_laptop(
    live_server: Any,
    browser: Any,
    screenshot_path: Any,
    world: World,
    compound: Compound,
    password: str,
) -> None:
    snapshots_compute(community=world.community, last=MONTH, months=3)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        problems = open_map(page, live_server, world, password)
        box = page.locator("[data-canvas]").bounding_box()
        canvas = page.locator("[data-canvas]")
        canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        page.screenshot(path=screenshot_path("network-map-laptop"), full_page=True)
        assert problems == []
    finally:
        context.close()
