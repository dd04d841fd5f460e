"""Demo: the compound's group channels (its leaders' group and a few building groups, opened in
the first months of the demo year) and a month of its group chat, taken in, its needs waiting for
review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from django.contrib.auth.models import User
from django.utils import timezone

from peiban.chats.demo_chat import demo_chat_text
from peiban.chats.models import Channel as GroupChannel
from peiban.chats.models import ChannelKind, ChatBatch
from peiban.chats.parsing import parse_chat
from peiban.chats.services import ChannelFields, channel_record, chat_intake
from peiban.core.demo import DemoWorld
from peiban.core.models import Role
from peiban.places.models import Building

DEMO_SEED = 11
BUILDING_GROUPS = 3  # building groups for the first buildings of the registry


def _channels(world: DemoWorld, progress: Callable[[str], None]) -> None:
    community = world.community
    if GroupChannel.objects.filter(community=community).exists():
        progress(f"{community.name} already has its group channels.")
        return
    staff = cast(User | None, world.users.get(Role.STAFF))
    year_start = timezone.now().replace(second=0, microsecond=0) - timedelta(days=365)

    def at(days: int) -> datetime:
        return (year_start + timedelta(days=days)).replace(hour=10, minute=0)

    opened = at(40)
    channel_record(
        community=community,
        fields=ChannelFields(
            name=f"{community.name}骨干群",
            kind=ChannelKind.LEADERS,
            members=14,
            started_on=timezone.localdate(opened),
            keeper="社工小王",
        ),
        actor=staff,
        now=opened,
    )
    buildings = list(Building.objects.filter(community=community)[:BUILDING_GROUPS])
    for i, building in enumerate(buildings):
        opened = at(55 + 20 * i)
        channel_record(
            community=community,
            fields=ChannelFields(
                name=f"{building.label}栋邻里群",
                kind=ChannelKind.BUILDING,
                building=building,
                members=60 + 25 * i,
                started_on=timezone.localdate(opened),
                keeper=f"{building.label}栋楼长",
            ),
            actor=staff,
            now=opened,
        )
    progress(f"Group channels: a leaders' group and {len(buildings)} building groups.")


def demo_load(*, world: DemoWorld, progress: Callable[[str], None]) -> None:
    _channels(world, progress)
    community = world.community
    if ChatBatch.objects.filter(community=community).exists():
        progress(f"{community.name} already has its group chat.")
        return
    buildings = Building.objects.filter(community=community).count() or 3
    text = demo_chat_text(
        buildings=min(buildings, 20),
        start=timezone.localdate() - timedelta(days=30),
        seed=DEMO_SEED,
    )
    batch = chat_intake(
        community=community, messages=parse_chat(text), actor=None, source="demo group chat"
    )
    progress(
        f"Group chat: {batch.messages_read} messages read, {batch.proposals_made} needs proposed."
    )
