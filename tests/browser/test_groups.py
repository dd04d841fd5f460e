"""A group leader runs their self-organisation and a micro-project from a phone."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from peiban.groups.models import Expense, GroupMember, Meeting, MicroProject
from peiban.groups.services import group_create, member_add, microproject_approve
from peiban.places.models import Resident
from tests.browser.test_registry import sign_in
from tests.conftest import Registry, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def test_a_group_leader_runs_the_group_and_a_micro_project_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    registry: Registry,
    password: str,
    tmp_path: Path,
) -> None:
    group = group_create(
        community=world.community,
        name="广场舞队",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=world.staff,
    )
    leader = Resident.objects.create(
        community=world.community, household=registry.household, name="彭女士", user=world.leader
    )
    member_add(group=group, resident=leader, role="leader", actor=world.staff)
    newcomer = Resident.objects.create(
        community=world.community, household=registry.household, name="李阿姨"
    )

    sign_in(phone, live_server, "leader", password)
    phone.goto(f"{live_server.url}/c/{world.community.slug}/groups/")
    phone.click(f"[data-my-group='{group.pk}']")
    phone.wait_for_selector("[data-group-name]")
    phone.click("[data-tab=members]")
    phone.fill("#q", "李阿姨")
    phone.click("[data-search]")
    phone.click(f"[data-add='{newcomer.pk}']")
    phone.wait_for_selector(f"[data-member='{newcomer.pk}']")
    assert GroupMember.objects.filter(group=group, resident=newcomer, left_on__isnull=True).exists()

    phone.goto(f"{live_server.url}/c/{world.community.slug}/groups/{group.pk}/meetings/")
    phone.click("[data-meeting-form-box] summary")
    phone.fill("[data-meeting-form] input[name=date]", "2026-05-01")
    phone.fill("[data-meeting-form] input[name=time]", "19:30")
    phone.fill("[data-meeting-form] input[name=topic]", "五月例会：排练新曲目")
    phone.fill("[data-meeting-form] input[name=attendees]", "14")
    phone.click("[data-meeting-form] button[type=submit]")
    phone.wait_for_selector("[data-meeting]")
    assert Meeting.objects.get(group=group).attendees == 14
    phone.screenshot(path=screenshot_path("groups-meetings-phone"), full_page=True)

    phone.goto(f"{live_server.url}/c/{world.community.slug}/groups/{group.pk}/")
    phone.click("[data-new-project]")
    phone.fill("input[name=title]", "楼道绿植角")
    phone.fill("textarea[name=goal]", "把3栋楼道变成有绿植的邻里角")
    phone.select_option("select[name=funding_source]", "community_fund")
    phone.select_option("select[name=group]", str(group.pk))
    phone.click("[data-form] button[type=submit]")
    phone.wait_for_selector("[data-project-title]")
    project = MicroProject.objects.get(title="楼道绿植角")
    assert project.group == group

    phone.fill("[data-line-form] input[name=description]", "私人花盆")
    phone.fill("[data-line-form] input[name=amount]", "80")
    phone.click("[data-line-form] button[type=submit]")
    phone.wait_for_selector(".message.error")
    assert not project.lines.exists()
    phone.fill("[data-line-form] input[name=description]", "绿萝和花盆")
    phone.fill("[data-line-form] input[name=amount]", "300")
    phone.click("[data-line-form] button[type=submit]")
    phone.wait_for_selector("[data-line]")

    # A council (or the staff, until councils decide) approves it.
    microproject_approve(
        project=project,
        approved_by="和平里居民议事会",
        approval_ref="2026-05 第2号",
        decided_on=date(2026, 5, 3),
        actor=world.staff,
    )
    phone.reload()
    receipt = tmp_path / "小票.png"
    receipt.write_bytes(PNG)
    phone.click("[data-expense-box] summary")
    phone.fill("[data-expense-form] input[name=amount]", "268.50")
    phone.fill("[data-expense-form] input[name=description]", "绿萝十盆")
    phone.fill("[data-expense-form] input[name=paid_on]", "2026-05-04")
    phone.set_input_files("[data-expense-form] input[name=receipt]", str(receipt))
    phone.click("[data-expense-form] button[type=submit]")
    phone.wait_for_selector("[data-receipt]")
    expense = Expense.objects.get(project=project)
    assert expense.amount == 268.5
    assert expense.receipt_type == "image/png"

    phone.click("[data-complete-box] summary")
    phone.fill("[data-complete-form] textarea[name=report]", "楼道绿植角建成，十位邻居认领照料。")
    phone.click("[data-complete-form] button[type=submit]")
    phone.wait_for_selector("[data-status=completed]")
    phone.screenshot(path=screenshot_path("groups-project-phone"), full_page=True)
    project.refresh_from_db()
    assert project.status == "completed"
