"""A themed activity on phones: a resident leader plans it and checks people in at the door,
a resident registers and afterwards gives five stars."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from peiban.activities.models import Activity, Attendance, Feedback, Signup, SignupStatus
from peiban.places.models import Resident
from tests.browser.test_registry import sign_in
from tests.conftest import Registry, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def test_a_leader_runs_a_themed_activity_at_the_door(
    live_server: Any,
    browser: Any,
    screenshot_path: Any,
    world: World,
    registry: Registry,
    password: str,
) -> None:
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    organiser = Resident.objects.create(
        community=world.community, household=registry.household, name="彭女士", user=world.leader
    )
    base = f"{live_server.url}/c/{world.community.slug}/activities/"

    leader = browser.new_context(**PHONE).new_page()
    sign_in(leader, live_server, "leader", password)
    leader.goto(base)
    leader.click("[data-new-activity]")
    starts = timezone.localtime() - timedelta(minutes=30)  # it is under way
    leader.fill("input[name=title]", "重阳节敬老游园会")
    leader.select_option("select[name=kind]", "themed")
    leader.fill("input[name=date]", starts.strftime("%Y-%m-%d"))
    leader.fill("input[name=time]", starts.strftime("%H:%M"))
    leader.fill("input[name=hours]", "3")
    leader.fill("input[name=capacity]", "30")
    leader.check("input[name=registration][value=required]")
    leader.fill("input[name=place_text]", "3栋前广场")
    leader.fill("textarea[name=description]", "猜灯谜、包饺子，欢迎邻居们一起来。")
    leader.click("[data-activity-form] button[type=submit]")
    leader.wait_for_selector("[data-activity-title]")
    activity = Activity.objects.get(title="重阳节敬老游园会")
    assert activity.organiser_kind == "resident"
    assert activity.organiser_resident == organiser

    resident = browser.new_context(**PHONE).new_page()
    sign_in(resident, live_server, "resident", password)
    resident.goto(f"{base}{activity.pk}/")
    resident.click("[data-register]")
    resident.wait_for_selector("[data-signup-status=registered]")

    leader.click("[data-door]")
    leader.fill("#q", "8000")
    leader.click(f"[data-check-in='{registry.resident.pk}']")
    leader.wait_for_selector(f"[data-checked-in='{registry.resident.pk}']")
    leader.wait_for_selector("[data-present='1']")

    leader.fill("#q", "3-2-301")
    leader.click("[data-search]")
    leader.wait_for_selector(f"[data-result='{organiser.pk}']")
    if leader.locator("[data-newcomer]").get_attribute("open") is None:
        leader.click("[data-newcomer] summary")
    leader.fill("[data-newcomer-form] input[name=name]", "李阿姨")
    leader.fill("[data-newcomer-form] input[name=room]", "3-2-301")
    leader.fill("[data-newcomer-form] input[name=phone]", "13900139000")
    leader.click("[data-newcomer-form] button[type=submit]")
    leader.wait_for_selector("[data-present='2']")
    newcomer = Resident.objects.get(name="李阿姨")
    leader.wait_for_selector(f"[data-checked-in='{newcomer.pk}']")
    leader.screenshot(path=screenshot_path("activity-door-zh"), full_page=True)

    resident.goto(f"{base}{activity.pk}/")
    resident.check("[data-rating='5']")
    resident.fill("[data-feedback-form] textarea[name=comment]", "饺子很好吃，谢谢大家！")
    resident.click("[data-give-feedback]")
    resident.wait_for_selector("[data-my-feedback='5']")
    resident.screenshot(path=screenshot_path("activity-feedback-zh"), full_page=True)

    assert Attendance.objects.filter(activity=activity).count() == 2
    assert Signup.objects.filter(activity=activity, status=SignupStatus.REGISTERED).count() == 1
    feedback = Feedback.objects.get(activity=activity)
    assert feedback.rating == 5
    assert feedback.resident == registry.resident
