"""A staff member signs in on a phone, sees the Chinese workbench, and switches to English."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.core.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_on_a_phone_and_switches_language(
    live_server: Any, phone: Any, screenshot_path: Any
) -> None:
    demo_load()
    page = phone
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "登录陪伴"
    page.fill("input[name=username]", "demo-staff")
    page.fill("input[name=password]", "peiban-demo-staff")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "工作台"
    assert page.locator("[data-communities]").inner_text().count("梧桐里小区") == 1
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 16
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshot_path("dashboard-zh"), full_page=True)

    page.click("[data-language-switch] button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Workbench"
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=screenshot_path("dashboard-en"), full_page=True)

    page.click(".user-menu summary")
    page.click("text=Sign out")
    page.wait_for_url("**/accounts/login/")
    assert page.locator("h1").inner_text() == "Sign in to Peiban"
