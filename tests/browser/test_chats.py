"""Staff paste a month of the compound's group chat on a phone and confirm a proposal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from peiban.chats.demo_chat import demo_chat_text
from peiban.needs.models import Channel, Need
from peiban.places.models import Building
from tests.browser.test_registry import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_paste_the_demo_chat_and_confirm_a_proposal_into_the_register(
    live_server: Any, phone: Any, screenshot_path: Any, world: World, password: str
) -> None:
    for label in ("1", "2"):
        Building.objects.create(community=world.community, label=label)
    chat = demo_chat_text(buildings=2, start=timezone.localdate() - timedelta(days=30))
    sign_in(phone, live_server, "staff", password)
    phone.goto(f"{live_server.url}/c/{world.community.slug}/chats/")
    phone.fill("textarea[name=text]", chat)
    phone.click("[data-chat-intake] button[type=submit]")
    phone.wait_for_selector("[data-proposals]")
    assert phone.locator("[data-proposal]").count() >= 10
    phone.screenshot(path=screenshot_path("chats-proposals"), full_page=True)

    card = phone.locator("[data-proposal]", has_text="电梯").first
    card.locator("summary").click()
    card.locator("input[name$=title]").fill("电梯坏了，老人下不了楼")
    with phone.expect_navigation():
        card.locator("[data-confirm] button[type=submit]").click()
    phone.wait_for_selector("[data-proposals]")
    need = Need.objects.get(title="电梯坏了，老人下不了楼")
    assert need.channel == Channel.GROUP_CHAT
    assert need.category.name == "物业服务"
    assert need.building is not None
    assert need.chat_messages.count() >= 1  # type: ignore[attr-defined]
