"""Staff get a daily digest of new, urgent and stuck needs in their communities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from peiban.core.tasks import needs_digests_send
from peiban.needs.digest import digest_for
from peiban.needs.services import action_add, need_raise
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


def test_it_lists_new_urgent_and_stuck_needs_for_each_staff_member(
    world: World, registry: Registry, category, mailoutbox
) -> None:
    now = timezone.now()
    fresh = need_raise(
        community=world.community,
        title="电梯困人",
        category=category,
        channel="phone",
        urgency="danger",
    )
    old = need_raise(
        community=world.community,
        title="路灯坏了",
        category=category,
        channel="visit",
        raised_at=now - timedelta(days=30),
    )
    moving = need_raise(
        community=world.community,
        title="楼道堆物",
        category=category,
        channel="visit",
        raised_at=now - timedelta(days=30),
    )
    action_add(
        need=moving, kind="talk", description="沟通", by_staff=world.staff, recorded_by=world.staff
    )
    need_raise(
        community=world.other_community, title="别的小区", category=category, channel="visit"
    )
    digest = digest_for(world.staff, now=now)
    assert [n.title for n in digest.new] == ["电梯困人"]
    assert [n.title for n in digest.urgent] == ["电梯困人"]
    assert [n.title for n in digest.stuck] == [old.title]
    assert digest.open_count == 3
    result = needs_digests_send.enqueue().return_value
    assert result["sent"] >= 1
    staff_mail = next(m for m in mailoutbox if m.to == ["staff@example.org"])
    assert "电梯困人" in staff_mail.body
    assert "别的小区" not in staff_mail.body
    assert fresh.pk
