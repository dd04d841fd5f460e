from __future__ import annotations

from peiban.chats.demo import demo_load
from peiban.chats.models import ChatBatch, Proposal
from peiban.core.demo import DemoWorld
from peiban.places.models import Building
from tests.conftest import World


def test_the_demo_loader_takes_in_a_month_of_chat_once(world: World) -> None:
    for label in ("1", "2"):
        Building.objects.create(community=world.community, label=label)
    demo = DemoWorld(organisation=world.organisation, community=world.community)
    said: list[str] = []
    demo_load(world=demo, progress=said.append)
    proposals = Proposal.objects.filter(community=world.community).count()
    assert 10 <= proposals <= 20
    demo_load(world=demo, progress=said.append)
    assert ChatBatch.objects.count() == 1
    assert Proposal.objects.filter(community=world.community).count() == proposals
    assert "already" in said[-1]
