"""The councils API: owners' votes with paper codes, the count, the board, a motion vote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from peiban.councils.models import Assembly, BodyKind, Voter
from peiban.councils.services import (
    body_create,
    meeting_schedule,
    motion_propose,
    resolution_create,
)
from peiban.councils.tally import DEVELOPER
from tests.councils.conftest import Compound, open_vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def cast(client: Client, assembly: Assembly, code: str, opinion: str) -> Any:
    return client.post(
        f"/api/v1/assemblies/{assembly.pk}/ballots",
        {"code": code, "opinion": opinion},
        content_type="application/json",
    )


def test_an_owner_votes_with_a_paper_code(world: Any, compound: Compound, login: Any) -> None:
    client = login(world.resident)
    assembly, codes = open_vote(world)
    response = cast(client, assembly, codes["101"], "yes")
    assert response.status_code == 200, response.content
    assert response.json()["counted"] is True
    again = cast(client, assembly, codes["101"], "no")
    assert again.status_code == 409
    assert again.json()["code"] == "already_voted"
    forged = cast(client, assembly, "ZZZZZ-ZZZZZ", "yes")
    assert forged.status_code == 403
    assert forged.json()["code"] == "invalid_code"


def test_a_ballot_after_closing_is_refused(world: Any, compound: Compound, login: Any) -> None:
    client = login(world.resident)
    assembly, codes = open_vote(world)
    Assembly.objects.filter(pk=assembly.pk).update(closes_at=timezone.now())
    response = cast(client, assembly, codes["101"], "yes")
    assert response.status_code == 409
    assert response.json()["code"] == "voting_closed"


def test_the_count_is_for_staff_while_open_and_for_all_once_closed(
    world: Any, compound: Compound, login: Any, django_assert_max_num_queries: Any
) -> None:
    assembly, codes = open_vote(world)
    url = f"/api/v1/communities/{world.community.slug}/assemblies/{assembly.pk}/tally"
    client = login(world.staff)
    cast(client, assembly, codes["101"], "yes")
    developer = Voter.objects.get(assembly=assembly, key=DEVELOPER)
    paper = client.post(
        f"/api/v1/communities/{world.community.slug}/assemblies/{assembly.pk}/paper-ballots",
        {"voter": developer.pk, "opinion": "yes"},
        content_type="application/json",
    )
    assert paper.status_code == 200, paper.content
    with django_assert_max_num_queries(10):
        counted = client.get(url).json()
    assert counted["yes_area"] == "290.50"
    assert counted["yes_heads"] == 2
    assert login(world.viewer).get(url).status_code == 404
    Assembly.objects.filter(pk=assembly.pk).update(closes_at=timezone.now())
    closed = login(world.staff).post(
        f"/api/v1/communities/{world.community.slug}/assemblies/{assembly.pk}/close"
    )
    assert closed.status_code == 200, closed.content
    public = login(world.viewer).get(url).json()
    assert public == counted
    listing = login(world.resident).get(f"/api/v1/communities/{world.community.slug}/assemblies")
    assert listing.json()[0]["result"]["yes_area"] == "290.50"
    assert "not a legally certified" in listing.json()[0]["notice"]


def test_outsiders_do_not_see_votes(world: Any, compound: Compound, login: Any) -> None:
    assembly, _codes = open_vote(world)
    for persona in ("outsider", "other_staff"):
        response = login(world.persona(persona)).get(
            f"/api/v1/communities/{world.community.slug}/assemblies/{assembly.pk}"
        )
        assert response.status_code == 404


def test_the_board_and_a_motion_vote(
    world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    body = body_create(
        community=world.community, kind=BodyKind.RESIDENT_COUNCIL, name="议事会", actor=world.staff
    )
    meeting = meeting_schedule(
        body=body, title="五月议事会", starts_at=timezone.now(), actor=world.staff
    )
    motion = motion_propose(meeting=meeting, action="清理3栋楼道堆物", actor=world.staff)
    voted = login(world.leader).post(
        f"/api/v1/communities/{world.community.slug}/motions/{motion.pk}/vote",
        {"votes_for": 4, "votes_against": 3, "abstentions": 2},
        content_type="application/json",
    )
    assert voted.status_code == 200, voted.content
    assert voted.json()["passed"] is True
    motion.refresh_from_db()
    resolution_create(
        community=world.community,
        motion=motion,
        action="清理3栋楼道堆物",
        responsible="楼长",
        due_on=date(2026, 6, 1),
        actor=world.staff,
    )
    client = login(world.resident)
    with django_assert_max_num_queries(8):
        board = client.get(f"/api/v1/communities/{world.community.slug}/decisions").json()
    assert board[0]["action"] == "清理3栋楼道堆物"
    refused = client.post(
        f"/api/v1/communities/{world.community.slug}/motions/{motion.pk}/vote",
        {"votes_for": 1, "votes_against": 0, "abstentions": 0},
        content_type="application/json",
    )
    assert refused.status_code == 404
