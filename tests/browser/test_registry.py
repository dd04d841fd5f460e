"""Staff on a phone: community overview, building grid, search by phone digits, unmask with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.core.models import AuditEntry
from tests.conftest import Registry, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")


def test_staff_find_a_resident_and_see_the_number_in_full(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    registry: Registry,
    password: str,
) -> None:
    page = phone
    sign_in(page, live_server, "staff", password)
    page.click("text=和平里小区")
    page.wait_for_selector("[data-summary]")
    assert "1" in page.locator("[data-summary]").inner_text()
    page.screenshot(path=screenshot_path("community-zh"), full_page=True)

    page.click("[data-buildings] a")
    page.wait_for_selector("[data-room-grid]")
    page.screenshot(path=screenshot_path("building-zh"), full_page=True)

    page.goto(f"{live_server.url}/c/{world.community.slug}/search/")
    page.fill("#q", "8000")
    page.wait_for_selector("#results a")  # htmx swaps the results in as you type
    page.click("#results a")
    page.wait_for_selector("[data-contact]")
    assert page.locator("[data-phone]").inner_text() == "138****8000"
    page.fill("[data-contact] input[name=reason]", "电话沟通漏水")
    page.click("[data-contact] button[type=submit]")
    page.locator("[data-phone]", has_text="13800138000").wait_for()
    page.screenshot(path=screenshot_path("resident-unmasked-zh"), full_page=True)
    assert AuditEntry.objects.filter(action="unmask", reason="电话沟通漏水").count() == 1
