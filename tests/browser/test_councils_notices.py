"""On a phone: staff record owners' signatures for an interim owners' assembly until 20% is
reached, and download the voting-code notices of an owners' vote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from peiban.core.models import AuditEntry
from peiban.councils.models import Assembly, AssemblyStatus
from peiban.councils.services import assembly_create, requisition_create
from tests.browser.test_registry import sign_in
from tests.conftest import World
from tests.councils.conftest import Compound, compound  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_collect_signatures_until_twenty_percent(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    compound: Compound,  # noqa: F811
    password: str,
) -> None:
    requisition = requisition_create(
        community=world.community, purpose="讨论解聘现物业公司", actor=world.staff
    )
    page = phone
    sign_in(page, live_server, "staff", password)
    page.goto(f"{live_server.url}/c/{world.community.slug}/councils/requisitions/{requisition.pk}/")
    page.fill("input[name=home]", "1-1-302")
    page.fill("input[name=signed_by]", "王芳")
    page.click("[data-signature-form] button[type=submit]")
    page.wait_for_selector("[data-requisition-count][data-reached=no]")
    page.fill("input[name=home]", "1-1-102")
    page.fill("input[name=signed_by]", "李娜")
    page.click("[data-signature-form] button[type=submit]")
    page.wait_for_selector("[data-requisition-count][data-reached=yes]")
    assert page.inner_text("[data-signed-area]") == "210.25"
    page.screenshot(path=screenshot_path("councils-requisition-reached"), full_page=True)


def test_staff_download_the_code_notices_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    compound: Compound,  # noqa: F811
    password: str,
) -> None:
    now = timezone.now()
    assembly = assembly_create(
        community=world.community,
        title="更换物业公司",
        matter=4,
        question="是否解聘现物业公司？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        actor=world.staff,
    )
    page = phone
    sign_in(page, live_server, "staff", password)
    page.goto(
        f"{live_server.url}/c/{world.community.slug}/councils/assemblies/{assembly.pk}/codes/"
    )
    page.wait_for_selector("[data-notice-opens]")
    page.screenshot(path=screenshot_path("councils-code-notices"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-issue-codes]")
    assert download.value.suggested_filename == f"voting-codes-{assembly.pk}.pdf"
    assert Assembly.objects.get(pk=assembly.pk).status == AssemblyStatus.OPEN
    assert AuditEntry.objects.filter(reason="code notices downloaded").count() == 1
