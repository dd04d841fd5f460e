"""The rooster case on phone-sized pages: a resident raises it, staff accompany, the resident verifies."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.needs.models import Need, Stage
from tests.browser.test_registry import sign_in
from tests.conftest import Registry, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def move(page: Any, stage: str) -> None:
    page.click(f"[data-move={stage}]")
    page.wait_for_selector(f"[data-stage={stage}]")


def test_a_resident_and_staff_carry_the_rooster_case_to_verified(
    live_server: Any,
    browser: Any,
    screenshot_path: Any,
    world: World,
    registry: Registry,
    password: str,
) -> None:
    from peiban.needs.services import categories_ensure

    categories_ensure(world.organisation)
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    phone = {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
    }

    resident = browser.new_context(**phone).new_page()
    sign_in(resident, live_server, "resident", password)
    resident.click("text=和平里小区")  # residents land on the needs list
    resident.click("text=提出需求")
    resident.fill("input[name=title]", "3栋清晨鸡鸣扰民")
    resident.fill("textarea[name=description]", "每天凌晨四点公鸡打鸣，<b>睡不好</b>。")
    resident.select_option("select[name=category]", label="邻里关系")
    resident.fill("input[name=place]", "3栋")
    resident.click("[data-need-form] button[type=submit]")
    resident.wait_for_selector("[data-stage=raised]")
    assert "<b>睡不好</b>" in resident.locator(".card").first.inner_text()  # shown escaped
    need = Need.objects.get(title="3栋清晨鸡鸣扰民")
    assert need.raised_by == registry.resident
    assert need.lead == registry.resident

    staff = browser.new_context(**phone).new_page()
    sign_in(staff, live_server, "staff", password)
    staff.goto(f"{live_server.url}/c/{world.community.slug}/needs/{need.pk}/")
    move(staff, "accompanied")
    staff.fill(
        "[data-action-form] textarea[name=description]", "和居民一起找到了鸡的主人，当面沟通"
    )
    staff.click("[data-action-form] button[type=submit]")
    staff.wait_for_selector("text=一起找到了鸡的主人")
    move(staff, "deliberating")
    move(staff, "decided")
    staff.goto(
        f"{live_server.url}/c/{world.community.slug}/needs/{need.pk}/letters/new/?template=pets"
    )
    staff.click("[data-letter-form] button[type=submit]")
    staff.wait_for_selector("[data-letter]")
    staff.fill("[data-letter] input[name=where]", "3栋一单元门口公告栏")
    staff.click("[data-letter] button[type=submit]")
    staff.wait_for_selector("text=3栋一单元门口公告栏")
    move(staff, "acting")
    move(staff, "resolved")
    staff.screenshot(path=screenshot_path("rooster-staff-zh"), full_page=True)

    resident.goto(f"{live_server.url}/c/{world.community.slug}/needs/{need.pk}/")
    resident.click("[data-move=verified]")
    resident.wait_for_selector("[data-stage=verified]")
    resident.screenshot(path=screenshot_path("rooster-verified-zh"), full_page=True)
    need.refresh_from_db()
    assert need.stage == Stage.VERIFIED
    assert need.stage_changes.last().by_resident == registry.resident
    assert need.actions.filter(by_resident__isnull=False).count() == 1
