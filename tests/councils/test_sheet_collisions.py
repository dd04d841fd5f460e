"""A ballot sheet and online ballots for the same owner: whichever comes first counts, the other
is refused, and the message names the row of the sheet."""

from __future__ import annotations

from typing import Any

import pytest

from peiban.councils import services
from peiban.councils.models import BallotReceipt, Voter
from peiban.councils.selectors import assembly_tally
from peiban.councils.services import (
    AlreadyVoted,
    ballot_cast_online,
    ballot_enter_paper,
    ballots_import,
)
from tests.councils.conftest import Compound, open_vote

pytestmark = pytest.mark.django_db

SHEET = "地址,意见\n1-1-302,赞成\n1-1-101,反对\n1-1-201,弃权\n".encode()


def test_a_sheet_row_for_an_owner_who_voted_online_is_rejected_by_row(
    world: Any, compound: Compound
) -> None:
    assembly, codes = open_vote(world)
    ballot_cast_online(assembly=assembly, code=codes["102"], opinion="yes")  # 李娜, by 102
    imported = ballots_import(assembly=assembly, data=SHEET, filename="票.csv", actor=world.staff)
    assert imported.counted == 2
    assert imported.rejected == [
        {
            "row": 4,
            "reason": "a second ballot from the same owner, who already voted online with a "
            "paper code",
        }
    ]
    tally = assembly_tally(assembly)
    assert tally.voted_heads == 3
    assert tally.yes_heads == 2  # 李娜 online (yes) and 王芳 on the sheet; not her abstention
    assert tally.abstain_heads == 0


def test_a_sheet_row_for_an_owner_entered_on_paper_says_so(world: Any, compound: Compound) -> None:
    assembly, _codes = open_vote(world)
    voter = Voter.objects.get(assembly=assembly, label__contains="101")
    ballot_enter_paper(assembly=assembly, voter=voter, opinion="yes", actor=world.staff)
    imported = ballots_import(assembly=assembly, data=SHEET, filename="票.csv", actor=world.staff)
    assert imported.rejected[0]["row"] == 3
    assert imported.rejected[0]["reason"].endswith("on a paper ballot entered by staff")


def test_an_owner_on_an_imported_sheet_cannot_vote_online_again(
    world: Any, compound: Compound
) -> None:
    assembly, codes = open_vote(world)
    ballots_import(assembly=assembly, data=SHEET, filename="票.csv", actor=world.staff)
    with pytest.raises(AlreadyVoted, match="only the first ballot counts"):
        ballot_cast_online(assembly=assembly, code=codes["102"], opinion="yes")  # 李娜's other home
    again = ballots_import(assembly=assembly, data=SHEET, filename="票.csv", actor=world.staff)
    assert again.counted == 0
    assert {r["row"] for r in again.rejected} == {2, 3, 4}
    assert all("on a ballot sheet imported before" in r["reason"] for r in again.rejected)
    assert BallotReceipt.objects.filter(assembly=assembly).count() == 3
    assert assembly_tally(assembly).voted_heads == 3


def test_an_owner_voting_online_while_the_sheet_is_read_stops_the_import_by_row(
    world: Any, compound: Compound, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the sheet was matched before 王芳's online ballot was written. The unique
    receipt refuses the whole import, naming her row; importing again leaves that row out.
    (The real race, with two connections, needs PostgreSQL: see test_concurrency.)"""
    assembly, codes = open_vote(world)
    matching = services.ballots_match

    def match_then_vote(*args: Any, **kwargs: Any) -> Any:
        found = matching(*args, **kwargs)
        ballot_cast_online(assembly=assembly, code=codes["302"], opinion="no")
        return found

    monkeypatch.setattr(services, "ballots_match", match_then_vote)
    with pytest.raises(AlreadyVoted) as refused:
        ballots_import(assembly=assembly, data=SHEET, filename="票.csv", actor=world.staff)
    assert "The owner on row 2 of this sheet voted while it was being imported" in str(
        refused.value
    )
    assert "nothing was imported" in str(refused.value)
    assert not BallotReceipt.objects.filter(assembly=assembly, channel="import").exists()
    # Here her ballot ran inside the import's transaction and went back with it; in a real
    # race it is committed on its own. Cast it again, as it stands after such a race.
    ballot_cast_online(assembly=assembly, code=codes["302"], opinion="no")
    monkeypatch.setattr(services, "ballots_match", matching)
    again = ballots_import(assembly=assembly, data=SHEET, filename="票.csv", actor=world.staff)
    assert again.counted == 2
    assert again.rejected[0]["row"] == 2
    tally = assembly_tally(assembly)
    assert (tally.voted_heads, tally.no_heads) == (3, 2)  # 王芳 once (online), 张伟 on the sheet
