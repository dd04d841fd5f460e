"""A resident leader chairs a council meeting on a phone: presence, a motion, the speaking
order with its timer, and the vote."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from peiban.councils.models import BodyKind, Motion, MotionStatus, TurnStatus
from peiban.councils.services import body_create, meeting_schedule, member_elect
from peiban.places.models import Resident
from tests.browser.test_registry import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chair_runs_a_meeting_and_a_motion_vote_on_a_phone(
    live_server: Any, phone: Any, screenshot_path: Any, world: World, password: str
) -> None:
    body = body_create(
        community=world.community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="和平里居民议事会",
        actor=world.staff,
        turn_seconds=90,
    )
    people = [
        Resident.objects.create(community=world.community, name=name)
        for name in ["彭女士", "李叔", "王阿姨", "张伟", "赵姐"]
    ]
    for person in people:
        member_elect(body=body, resident=person, term_start=date(2026, 1, 1), actor=world.staff)
    meeting = meeting_schedule(
        body=body,
        title="五月居民议事会",
        starts_at=timezone.now(),
        agenda="楼道堆物",
        actor=world.staff,
    )
    page = phone
    sign_in(page, live_server, "leader", password)
    page.goto(f"{live_server.url}/c/{world.community.slug}/councils/meetings/{meeting.pk}/")
    page.click("[data-presence] summary")
    for person in people:
        page.check(f"[data-member='{person.pk}']")
    page.click("[data-save-presence]")
    page.wait_for_selector("[data-present='5']")

    page.fill("[data-motion-form] textarea[name=action]", "本周六上午由楼长组织清理3栋楼道堆物")
    page.click("[data-propose]")
    motion = Motion.objects.get(meeting=meeting)
    page.click(f"[data-chair='{motion.pk}']")
    page.wait_for_selector("[data-chair-reminder]")
    page.click("[data-open-debate]")
    page.wait_for_selector("[data-raise]")

    page.click(f"[data-raise-for='{people[0].pk}']")
    page.click(f"[data-raise-for='{people[1].pk}']")
    page.click(f"[data-raise-against='{people[2].pk}']")
    page.wait_for_selector(f"[data-waiting='{people[2].pk}']")
    order = [el.get_attribute("data-waiting") for el in page.query_selector_all("[data-waiting]")]
    assert order == [str(people[0].pk), str(people[2].pk), str(people[1].pk)]

    page.click(f"[data-call='{people[0].pk}']")
    page.wait_for_selector(f"[data-speaker='{people[0].pk}']")
    timer = page.locator("[data-timer]")
    page.wait_for_function(
        "() => /^1:2\\d$/.test(document.querySelector('[data-timer]').textContent)"
    )
    assert timer.is_visible()
    page.screenshot(path=screenshot_path("council-chair-speaking"), full_page=True)
    page.click("[data-end-turn]")
    page.wait_for_selector(f"[data-spoke='{people[0].pk}']")
    page.click(f"[data-call='{people[2].pk}']")
    page.wait_for_selector(f"[data-speaker='{people[2].pk}']")

    page.fill("input[name=votes_for]", "3")
    page.fill("input[name=votes_against]", "1")
    page.fill("input[name=abstentions]", "1")
    page.click("[data-record-vote]")
    page.wait_for_selector("[data-vote-result='passed']")
    page.screenshot(path=screenshot_path("council-chair-voted"), full_page=True)

    motion.refresh_from_db()
    assert motion.status == MotionStatus.VOTED
    assert (motion.votes_for, motion.votes_against, motion.abstentions, motion.present) == (
        3,
        1,
        1,
        5,
    )
    assert motion.passed is True
    spoke = list(
        motion.turns.filter(status=TurnStatus.DONE)
        .order_by("started_at")
        .values_list("resident_id", flat=True)
    )
    assert spoke == [people[0].pk, people[2].pk]
    # Nothing overflows the phone's width.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
