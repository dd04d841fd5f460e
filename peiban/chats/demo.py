"""Demo: a month of the compound's group chat, taken in, its needs waiting for review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from peiban.chats.demo_chat import demo_chat_text
from peiban.chats.models import ChatBatch
from peiban.chats.parsing import parse_chat
from peiban.chats.services import chat_intake
from peiban.core.demo import DemoWorld
from peiban.places.models import Building

DEMO_SEED = 11


def demo_load(*, world: DemoWorld, progress: Callable[[str], None]) -> None:
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
