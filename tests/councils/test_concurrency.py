"""Ballots racing on PostgreSQL: parallel requests for one owner count once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from peiban.councils.models import Ballot, BallotReceipt
from peiban.councils.selectors import assembly_tally
from peiban.councils.services import assembly_create, assembly_open

THREADS = 8

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Racing ballots need real concurrent transactions: run with DATABASE_URL on PostgreSQL.",
)


@pytest.mark.django_db(transaction=True)
def test_racing_ballots_of_one_owner_count_once(world: Any, compound: Any) -> None:
    now = timezone.now()
    assembly = assembly_create(
        community=world.community,
        title="更换物业公司",
        matter=4,
        question="是否解聘现物业公司？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        actor=world.staff,
    )
    codes = {i.dwelling.room: i.code for i in assembly_open(assembly=assembly, actor=world.staff)}
    # 李娜 holds 102 and 201: her two codes, each sent four times at once, and 张伟's code.
    requests = [codes["102"], codes["201"]] * (THREADS // 2) + [codes["101"]]
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []
    lock = threading.Lock()

    def vote(code: str) -> None:
        try:
            client = Client()
            client.force_login(world.resident)
            barrier.wait(timeout=30)
            response = client.post(
                f"/api/v1/assemblies/{assembly.pk}/ballots",
                {"code": code, "opinion": "yes"},
                content_type="application/json",
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(code,)) for code in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200, 200] + [409] * (THREADS - 1), statuses
    assert BallotReceipt.objects.filter(assembly=assembly).count() == 2
    assert Ballot.objects.filter(assembly=assembly).count() == 2
    tally = assembly_tally(assembly)
    assert (tally.yes_heads, str(tally.yes_area)) == (2, "240.75")
