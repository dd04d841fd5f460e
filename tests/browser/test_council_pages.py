"""On a phone: the chair's floor follows hands raised on another device without reloading, and
its timer keeps running; staff elect a member, close a meeting with its minutes, and read a
closed poll's chart."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from peiban.councils.models import BodyKind, BodyMember, MeetingStatus, Poll
from peiban.councils.services import (
    body_create,
    hand_raise,
    meeting_schedule,
    member_elect,
    motion_debate,
    motion_propose,
    poll_answer,
    poll_create,
    turn_start,
)
from peiban.places.models import Resident
from tests.browser.test_registry import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_chairs_floor_follows_hands_raised_elsewhere(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    password: str,
) -> None:
    body = body_create(
        community=world.community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="和平里居民议事会",
        actor=world.staff,
        turn_seconds=90,
    )
    peng, li = (
        Resident.objects.create(community=world.community, name=n) for n in ["彭女士", "李叔"]
    )
    for person in (peng, li):
        member_elect(body=body, resident=person, term_start=date(2026, 1, 1), actor=world.staff)
    meeting = meeting_schedule(
        body=body, title="五月居民议事会", starts_at=timezone.now(), actor=world.staff
    )
    motion = motion_propose(meeting=meeting, action="周六上午清理3栋楼道堆物", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    turn = hand_raise(motion=motion, resident=peng, side="for", actor=world.staff)
    turn_start(turn=turn, actor=world.staff)

    page = phone
    sign_in(page, live_server, "leader", password)
    page.goto(f"{live_server.url}/c/{world.community.slug}/councils/motions/{motion.pk}/")
    page.wait_for_function(
        "() => /^1:[23]\\d$/.test(document.querySelector('[data-timer]').textContent)"
    )
    page.evaluate("() => { window.notReloaded = true; }")
    # A secretary records a hand on another phone.
    hand_raise(motion=motion, resident=li, side="against", actor=world.staff)
    page.wait_for_selector(f"[data-waiting='{li.pk}']", timeout=12000)
    assert page.evaluate("() => window.notReloaded === true")
    # The timer runs on in the redrawn floor.
    first = page.text_content("[data-timer]")
    page.wait_for_function(
        "(first) => document.querySelector('[data-timer]').textContent !== first", arg=first
    )
    page.screenshot(path=screenshot_path("council-chair-live-floor"), full_page=True)


def test_staff_elect_close_a_meeting_and_read_a_polls_chart_on_a_phone(
    live_server: Any,
    phone: Any,
    screenshot_path: Any,
    world: World,
    password: str,
) -> None:
    body = body_create(
        community=world.community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="和平里居民议事会",
        actor=world.staff,
    )
    wang = Resident.objects.create(community=world.community, name="王阿姨")
    meeting = meeting_schedule(
        body=body, title="五月居民议事会", starts_at=timezone.now(), actor=world.staff
    )
    motion_propose(meeting=meeting, action="周六上午清理3栋楼道堆物", actor=world.staff)
    poll = poll_create(
        community=world.community,
        question="活动室晚上开到几点？",
        options=["20:00", "21:00", "22:00"],
        closes_at=timezone.now() + timedelta(days=1),
        actor=world.staff,
    )
    options = list(poll.options.order_by("position"))
    for i in range(5):
        voter = Resident.objects.create(community=world.community, name=f"居民{i}")
        poll_answer(poll=poll, resident=voter, options=[options[i % 2]], actor=None)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))

    page = phone
    sign_in(page, live_server, "staff", password)
    base = f"{live_server.url}/c/{world.community.slug}/councils"
    page.goto(f"{base}/")
    page.click(f"[data-members='{body.pk}']")
    page.fill("[data-member-search] input[name=q]", "王阿姨")
    page.click("[data-member-search] button")
    page.check(f"[data-candidate='{wang.pk}']")
    page.select_option("[data-elect] select[name=role]", "chair")
    page.fill("[data-elect] input[name=term_end]", "2028-12-31")
    page.click("[data-elect-member]")
    page.wait_for_selector("[data-seat]")
    assert BodyMember.objects.get(body=body).resident == wang
    page.screenshot(path=screenshot_path("council-members"), full_page=True)

    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.click("[data-close-meeting]")
    minutes = page.locator("textarea[name=minutes]")
    assert "周六上午清理3栋楼道堆物" in minutes.input_value()
    page.screenshot(path=screenshot_path("council-minutes"), full_page=True)
    minutes.fill(minutes.input_value() + "\n散会。")
    page.click("[data-council-form] button[type=submit]")
    page.wait_for_selector("[data-minutes]")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED

    page.goto(f"{base}/polls/")
    chart = page.locator(f"[data-poll='{poll.pk}'] [data-poll-chart] svg")
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] <= 390
    page.screenshot(path=screenshot_path("council-poll-chart"), full_page=True)
