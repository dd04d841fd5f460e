"""The 聚人 milestone: enough leaders known and a leaders' group (骨干群) open to gather them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from peiban.activities.models import Activity
from peiban.chats.models import Channel
from peiban.chats.services import ChannelFields, channel_close, channel_record
from peiban.indicators.progress import method_progress, thresholds_for
from peiban.places.models import Resident
from tests.conftest import World


def leaders(world: World, n: int) -> None:
    """`n` residents who each organised an activity last month: `n` leaders known."""
    at = timezone.now() - timedelta(days=30)
    for i in range(n):
        resident = Resident.objects.create(community=world.community, name=f"骨干{i}")
        Activity.objects.create(
            community=world.community,
            title=f"居民组织的活动{i}",
            kind="themed",
            organiser_kind="resident",
            organiser_resident=resident,
            starts_at=at,
            ends_at=at + timedelta(hours=2),
        )


def gathering(world: World, *, leaders_known: int, now: Any = None) -> Any:
    row = thresholds_for(world.organisation)
    row.leaders_known = leaders_known
    progress = method_progress([world.community.pk], thresholds=row, now=now)
    return next(m for m in progress[world.community.pk].milestones if m.key == "group_channel")


def group(world: World, name: str, kind: str) -> Channel:
    return channel_record(
        community=world.community,
        fields=ChannelFields(name=name, kind=kind, started_on=date(2026, 1, 5)),
        actor=world.staff,
    )


def test_met_exactly_when_the_leaders_threshold_and_a_leaders_group_both_hold(
    world: World,
) -> None:
    leaders(world, 3)
    assert not gathering(world, leaders_known=3).met  # leaders, no group
    group(world, "幸福里骨干群", "leaders")
    found = gathering(world, leaders_known=3)
    assert found.measurable
    assert found.met
    assert found.figure == Decimal(1)
    assert "幸福里骨干群" in found.evidence
    assert "3" in found.evidence  # the leaders counted
    assert not gathering(world, leaders_known=4).met  # a group, one leader short


def test_a_building_group_alone_does_not_count(world: World) -> None:
    leaders(world, 2)
    group(world, "3栋邻里群", "building")
    group(world, "幸福里业主群", "residents")
    found = gathering(world, leaders_known=2)
    assert not found.met
    assert found.figure == Decimal(0)


def test_a_closed_leaders_group_does_not_count(world: World) -> None:
    leaders(world, 2)
    channel = group(world, "幸福里骨干群", "leaders")
    assert gathering(world, leaders_known=2).met
    channel_close(channel=channel, actor=world.staff)
    assert not gathering(world, leaders_known=2).met


def test_a_group_recorded_after_the_end_of_the_period_does_not_count(world: World) -> None:
    leaders(world, 1)
    group(world, "幸福里骨干群", "leaders")
    earlier = timezone.now() - timedelta(days=1)
    assert not gathering(world, leaders_known=1, now=earlier).met
    assert gathering(world, leaders_known=1).met


def test_another_communitys_leaders_group_does_not_count(world: World) -> None:
    leaders(world, 1)
    channel_record(
        community=world.foreign_community,
        fields=ChannelFields(name="别的小区骨干群", kind="leaders"),
        actor=None,
    )
    assert not gathering(world, leaders_known=1).met
