"""Owners' votes under Art. 278: electorate from the registry, paper codes, one ballot per owner,
secret ballots, staff entry, sheet import, closing and the count."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from peiban.core.models import AuditEntry
from peiban.councils.models import Assembly, Ballot, BallotReceipt, Voter
from peiban.councils.selectors import assembly_tally, assembly_turnout
from peiban.councils.services import (
    AlreadyVoted,
    CouncilError,
    ForgedCode,
    IssuedCode,
    VotingClosed,
    assembly_close,
    assembly_create,
    assembly_open,
    ballot_cast_online,
    ballot_enter_paper,
    ballots_import,
)
from peiban.councils.tally import DEVELOPER
from tests.councils.conftest import ROSTER_ROWS, Compound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def prepare(world: Any, *, secret: bool = False, matter: int = 4) -> Assembly:
    now = timezone.now()
    return assembly_create(
        community=world.community,
        title="更换物业公司",
        matter=matter,
        question="是否解聘现物业公司并选聘新物业公司？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        secret=secret,
        notice_given_at=now - timedelta(days=16),
        actor=world.staff,
    )


def codes_by_room(issued: list[IssuedCode]) -> dict[str, str]:
    return {item.dwelling.room: item.code for item in issued}


def end_voting(assembly: Assembly) -> None:
    Assembly.objects.filter(pk=assembly.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assembly.refresh_from_db()


def test_it_builds_the_electorate_from_the_registry(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    issued = assembly_open(assembly=assembly, actor=world.staff)
    assert len(issued) == 6  # one code per dwelling
    assembly.refresh_from_db()
    assert assembly.total_heads == 4  # 张伟, 李娜 (two dwellings), the developer, 王芳
    assert str(assembly.total_area) == "500.75"
    developer = Voter.objects.get(assembly=assembly, key=DEVELOPER)
    assert str(developer.area) == "200.00"


def test_it_refuses_to_open_with_a_dwelling_without_area(world: Any, compound: Compound) -> None:
    compound.dwellings["302"].area_registry = None
    compound.dwellings["302"].save()
    with pytest.raises(CouncilError, match="no area"):
        assembly_open(assembly=prepare(world), actor=world.staff)


def test_codes_are_stored_only_as_keyed_hashes(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    issued = assembly_open(assembly=assembly, actor=world.staff)
    stored = set(assembly.codes.values_list("code_hash", flat=True))
    assert all(item.code not in stored for item in issued)
    assert len(stored) == 6


def test_an_owner_votes_once_with_any_of_their_codes(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    codes = codes_by_room(assembly_open(assembly=assembly, actor=world.staff))
    ballot_cast_online(assembly=assembly, code=codes["102"], opinion="yes")
    with pytest.raises(AlreadyVoted):
        ballot_cast_online(assembly=assembly, code=codes["102"], opinion="no")
    with pytest.raises(AlreadyVoted):  # the same buyer's other dwelling
        ballot_cast_online(assembly=assembly, code=codes["201"], opinion="no")
    assert BallotReceipt.objects.filter(assembly=assembly).count() == 1
    tally = assembly_tally(assembly)
    assert (tally.yes_heads, str(tally.yes_area)) == (1, "150.25")


def test_codes_are_case_and_dash_insensitive(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    codes = codes_by_room(assembly_open(assembly=assembly, actor=world.staff))
    ballot_cast_online(
        assembly=assembly, code=" " + codes["101"].lower().replace("-", ""), opinion="yes"
    )
    assert assembly_tally(assembly).yes_heads == 1


def test_it_refuses_a_forged_code(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    assembly_open(assembly=assembly, actor=world.staff)
    with pytest.raises(ForgedCode):
        ballot_cast_online(assembly=assembly, code="AAAAA-BBBBB", opinion="yes")
    assert not Ballot.objects.exists()
    assert AuditEntry.objects.filter(reason="code refused").count() == 1


def test_a_code_of_another_vote_is_refused(world: Any, compound: Compound) -> None:
    first, second = prepare(world), prepare(world)
    codes = codes_by_room(assembly_open(assembly=first, actor=world.staff))
    assembly_open(assembly=second, actor=world.staff)
    with pytest.raises(ForgedCode):
        ballot_cast_online(assembly=second, code=codes["101"], opinion="yes")


def test_it_refuses_a_ballot_after_closing_time(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    codes = codes_by_room(assembly_open(assembly=assembly, actor=world.staff))
    end_voting(assembly)
    with pytest.raises(VotingClosed):
        ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes")
    assembly_close(assembly=assembly, actor=world.staff)
    voter = Voter.objects.filter(assembly=assembly).first()
    assert voter is not None
    with pytest.raises(VotingClosed):
        ballot_enter_paper(assembly=assembly, voter=voter, opinion="yes", actor=world.staff)


def test_a_secret_ballot_names_nobody(world: Any, compound: Compound) -> None:
    assembly = prepare(world, secret=True)
    codes = codes_by_room(assembly_open(assembly=assembly, actor=world.staff))
    ballot_cast_online(assembly=assembly, code=codes["101"], opinion="no")
    ballot = Ballot.objects.get(assembly=assembly)
    assert ballot.voter_id is None
    receipt = BallotReceipt.objects.get(assembly=assembly)
    assert receipt.voter.label == "1栋1单元101室"
    entry = AuditEntry.objects.get(reason="ballot cast")
    assert "opinion" not in entry.detail


def test_staff_enter_paper_ballots_and_the_count_is_kept_on_closing(
    world: Any, compound: Compound
) -> None:
    assembly = prepare(world)
    codes = codes_by_room(assembly_open(assembly=assembly, actor=world.staff))
    ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes")
    developer = Voter.objects.get(assembly=assembly, key=DEVELOPER)
    ballot_enter_paper(assembly=assembly, voter=developer, opinion="no", actor=world.staff)
    with pytest.raises(AlreadyVoted):
        ballot_enter_paper(assembly=assembly, voter=developer, opinion="yes", actor=world.staff)
    assert assembly_turnout(assembly) == {
        "voted_heads": 2,
        "by_channel": {"online": 1, "paper": 1},
    }
    with pytest.raises(CouncilError, match="still open"):
        assembly_close(assembly=assembly, actor=world.staff)
    end_voting(assembly)
    closed = assembly_close(assembly=assembly, actor=world.staff)
    assert closed.result["voted_heads"] == 2
    assert closed.result["quorum"] is False  # 2 of 4 heads
    assert closed.result["passed"] is False


def test_pages_api_and_cli_count_the_same(
    world: Any, compound: Compound, tmp_path: Path, login: Any
) -> None:
    """The sheet imported into a vote and the same sheet counted by `tally-ballots` agree."""
    sheet = [
        ["楼栋", "单元", "房号", "业主编号", "意见"],
        ["1", "1", "101", "", "赞成"],
        ["", "", "", "B7", "赞成"],
        ["1", "1", "202", "", "反对"],
        ["1", "1", "201", "", "反对"],  # a second ballot of B7
    ]
    data = "\n".join(",".join(row) for row in sheet).encode()
    assembly = prepare(world)
    assembly_open(assembly=assembly, actor=world.staff)
    imported = ballots_import(
        assembly=assembly, data=data, filename="ballots.csv", actor=world.staff
    )
    assert imported.counted == 3
    assert [r["row"] for r in imported.rejected] == [5]

    (tmp_path / "roster.csv").write_text("\n".join(",".join(r) for r in ROSTER_ROWS))
    (tmp_path / "ballots.csv").write_bytes(data)
    out = io.StringIO()
    call_command(
        "tally_ballots",
        "--roster",
        str(tmp_path / "roster.csv"),
        "--ballots",
        str(tmp_path / "ballots.csv"),
        "--matter",
        "4",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    cli = json.loads(out.getvalue())
    counted = assembly_tally(assembly).as_dict()
    api = (
        login(world.staff)
        .get(f"/api/v1/communities/{world.community.slug}/assemblies/{assembly.pk}/tally")
        .json()
    )
    page = login(world.staff).get(f"/c/{world.community.slug}/councils/assemblies/{assembly.pk}/")
    assert f'data-figure="yes_area">{cli["yes_area"]}<'.encode() in page.content
    for key in (
        "total_area",
        "total_heads",
        "voted_area",
        "voted_heads",
        "yes_area",
        "yes_heads",
        "quorum",
        "passed",
    ):
        assert counted[key] == cli[key] == api[key], key


def test_an_imported_sheet_cannot_add_a_second_ballot(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    codes = codes_by_room(assembly_open(assembly=assembly, actor=world.staff))
    ballot_cast_online(assembly=assembly, code=codes["101"], opinion="yes")
    data = "地址,意见\n1-1-101,反对\n1-1-302,赞成\n".encode()
    imported = ballots_import(
        assembly=assembly, data=data, filename="ballots.csv", actor=world.staff
    )
    assert imported.counted == 1
    assert imported.rejected[0]["row"] == 2
    assert "already voted" in imported.rejected[0]["reason"]
    assert assembly_tally(assembly).voted_heads == 2


def test_the_matter_must_be_one_to_nine(world: Any) -> None:
    now = timezone.now()
    with pytest.raises(CouncilError):
        assembly_create(
            community=world.community,
            title="x",
            matter=10,
            question="y",
            opens_at=now,
            closes_at=now + timedelta(days=1),
            actor=world.staff,
        )


def test_an_imported_sheet_in_a_secret_vote_names_nobody(world: Any, compound: Compound) -> None:
    assembly = prepare(world, secret=True)
    assembly_open(assembly=assembly, actor=world.staff)
    data = "地址,意见\n1-1-101,反对\n1-1-302,赞成\n".encode()
    imported = ballots_import(
        assembly=assembly, data=data, filename="ballots.csv", actor=world.staff
    )
    assert imported.counted == 2
    assert not Ballot.objects.filter(assembly=assembly, voter__isnull=False).exists()
    assert BallotReceipt.objects.filter(assembly=assembly, channel="import").count() == 2
    entry = AuditEntry.objects.get(reason="ballot sheet imported")
    assert entry.detail["counted"] == 2
