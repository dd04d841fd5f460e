"""Two staff confirming the same proposal at once: exactly one need is created.

The proposal row is locked (select_for_update) and its status checked inside the transaction.
PostgreSQL only: SQLite's in-memory test database cannot show row locks waiting.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from peiban.chats.models import Proposal
from peiban.chats.parsing import parse_chat
from peiban.chats.services import ChatError, Edit, chat_intake, proposal_confirm
from peiban.needs.models import Need
from tests.conftest import World

THREADS = 4


@pytest.mark.django_db(transaction=True)
def test_only_one_of_four_concurrent_confirmations_makes_a_need(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite's test database cannot show them")
    chat = "2026-05-03 08:12 张阿姨: 3栋的电梯又坏了，老人下不了楼"
    chat_intake(community=world.community, messages=parse_chat(chat), actor=world.staff)
    proposal = Proposal.objects.get()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def confirm() -> None:
        outcome = "not run"
        translation.activate("en")
        try:
            barrier.wait(timeout=30)
            proposal_confirm(
                proposal=proposal,
                actor=world.staff,  # type: ignore[arg-type]
                edit=Edit(
                    title="电梯坏了", category=proposal.category, building=None, urgency="high"
                ),
            )
            outcome = "ok"
        except ChatError as refused:
            outcome = f"refused: {refused}"
        finally:
            translation.deactivate()
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=confirm) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count("ok") == 1, outcomes
    assert all("already been reviewed" in o for o in outcomes if o != "ok"), outcomes
    assert Need.objects.count() == 1
