"""`peiban tally-ballots`: an Article 278 count from a roster and a paper ballot sheet."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from peiban.councils.paper import paper_tally
from tests.councils.test_tally import reference

ROSTER = [
    ["楼栋", "单元", "房号", "面积", "业主", "业主编号", "未售"],
    ["1", "1", "101", "90.50", "张伟", "", ""],
    ["1", "1", "102", "80", "李娜", "B7", ""],
    ["1", "1", "201", "70.25", "李娜", "B7", ""],
    ["1", "1", "202", "100", "开发商", "", "是"],
    ["1", "1", "301", "100", "开发商", "", "是"],
    ["1", "1", "302", "60", "王芳", "", ""],
]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def csv_file(tmp_path: Path, name: str, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes("\n".join(",".join(row) for row in rows).encode(encoding) + b"\n")
    return path


def xlsx_file(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def run(roster: Path, ballots: Path, matter: int = 4) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "tally_ballots",
        "--roster",
        str(roster),
        "--ballots",
        str(ballots),
        "--matter",
        str(matter),
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def fail(roster: Path, ballots: Path, matter: int = 4) -> tuple[CommandError, dict[str, Any]]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "tally_ballots",
            "--roster",
            str(roster),
            "--ballots",
            str(ballots),
            "--matter",
            str(matter),
            "--json",
            stdout=out,
            stderr=io.StringIO(),
        )
    return caught.value, json.loads(out.getvalue())


def test_it_counts_with_buyer_and_developer_merges(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [
            ["楼栋", "单元", "房号", "业主编号", "意见"],
            ["1", "1", "101", "", "赞成"],
            ["", "", "", "B7", "赞成"],
            ["1", "1", "202", "", "反对"],
        ],
    )
    result = run(roster, ballots)
    assert result["matter"] == 4
    # Heads: 张伟, 李娜 (two dwellings, one owner number), the developer (two unsold), 王芳.
    assert result["total_heads"] == 4
    assert result["total_area"] == "500.75"
    assert result["voted_area"] == "440.75"
    assert result["voted_heads"] == 3
    assert result["yes_area"] == "240.75"
    assert result["yes_heads"] == 2
    assert result["quorum"] is True
    assert result["passed"] is True
    assert result["rejected"] == []


def test_it_rejects_and_lists_a_second_ballot_from_the_same_owner(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [
            ["地址", "意见"],
            ["1-1-102", "赞成"],
            ["1栋1单元201室", "反对"],  # the same buyer (B7) again
            ["1-1-301", "弃权"],
            ["1-1-202", "赞成"],  # the developer again
        ],
    )
    result = run(roster, ballots)
    assert result["voted_heads"] == 2
    assert result["yes_area"] == "150.25"
    assert result["abstain_area"] == "200.00"
    assert [r["row"] for r in result["rejected"]] == [3, 5]
    assert all("second ballot" in r["reason"] for r in result["rejected"])
    assert all(r["file"] == "ballots" for r in result["rejected"])


def test_it_names_the_row_of_each_bad_ballot(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [
            ["楼栋", "单元", "房号", "业主编号", "意见"],
            ["1", "1", "999", "", "赞成"],
            ["", "", "", "X1", "赞成"],
            ["1", "1", "302", "", "好"],
            ["1", "1", "302", "", ""],
            ["1", "1", "101", "B7", "赞成"],
        ],
    )
    result = run(roster, ballots)
    reasons = {r["row"]: r["reason"] for r in result["rejected"]}
    assert "not a dwelling of the roster" in reasons[2]
    assert "'X1' is not in the roster" in reasons[3]
    assert "not 赞成, 反对 or 弃权" in reasons[4]
    assert "is empty" in reasons[5]
    assert "is not the owner of" in reasons[6]
    assert result["voted_heads"] == 0
    assert result["passed"] is False


def test_it_reads_gbk_files(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER, encoding="gbk")
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [["楼栋", "单元", "房号", "意见"], ["1", "1", "101", "同意"], ["1", "1", "302", "不同意"]],
        encoding="gbk",
    )
    result = run(roster, ballots)
    assert result["yes_area"] == "90.50"
    assert result["voted_heads"] == 2


def test_it_reads_workbooks_and_refuses_formula_cells(tmp_path: Path) -> None:
    roster = xlsx_file(tmp_path, "roster.xlsx", [list(r) for r in ROSTER])
    ballots = xlsx_file(
        tmp_path,
        "ballots.xlsx",
        [
            ["楼栋", "单元", "房号", "意见"],
            [1, 1, 101, "赞成"],
            [1, 1, 302, '=IF(1,"赞成")'],
        ],
    )
    result = run(roster, ballots)
    assert result["yes_heads"] == 1
    assert result["rejected"][0]["row"] == 3
    assert "formula" in result["rejected"][0]["reason"]


def test_it_refuses_a_roster_with_a_formula_area_naming_the_row(tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in ROSTER]
    rows[3][3] = "=B2*2"
    roster = xlsx_file(tmp_path, "roster.xlsx", rows)
    ballots = csv_file(tmp_path, "ballots.csv", [["地址", "意见"], ["1-1-101", "赞成"]])
    error, payload = fail(roster, ballots)
    assert error.returncode == 1
    assert payload["rejected"][0]["row"] == 4
    assert payload["rejected"][0]["file"] == "roster"
    assert "formula" in payload["rejected"][0]["reason"]


def test_it_refuses_a_roster_dwelling_without_an_area(tmp_path: Path) -> None:
    rows = [list(r) for r in ROSTER]
    rows[6][3] = ""
    roster = csv_file(tmp_path, "roster.csv", rows)
    ballots = csv_file(tmp_path, "ballots.csv", [["地址", "意见"], ["1-1-101", "赞成"]])
    error, payload = fail(roster, ballots)
    assert error.returncode == 1
    assert payload["rejected"] == [
        {
            "row": 7,
            "reason": "no area is given for 1栋1单元302室; every dwelling needs its area to be "
            "counted",
            "file": "roster",
        }
    ]


def test_it_takes_the_registry_area_before_survey_and_contract(tmp_path: Path) -> None:
    roster = csv_file(
        tmp_path,
        "roster.csv",
        [
            ["地址", "面积", "面积来源", "业主"],
            ["1-1-101", "95", "合同", "张伟"],
            ["1-1-101", "91", "测绘", ""],
            ["1-1-101", "90", "登记", ""],
            ["1-1-102", "80", "合同", "李娜"],
        ],
    )
    ballots = csv_file(tmp_path, "ballots.csv", [["地址", "意见"], ["1-1-101", "赞成"]])
    result = run(roster, ballots)
    assert result["total_area"] == "170.00"
    assert result["yes_area"] == "90.00"


def test_it_refuses_conflicting_areas_of_one_source(tmp_path: Path) -> None:
    roster = csv_file(
        tmp_path,
        "roster.csv",
        [["地址", "面积", "业主"], ["1-1-101", "95", "张伟"], ["1-1-101", "96", "张强"]],
    )
    ballots = csv_file(tmp_path, "ballots.csv", [["地址", "意见"], ["1-1-101", "赞成"]])
    _error, payload = fail(roster, ballots)
    assert payload["rejected"][0]["row"] == 3
    assert "differs from 95.00 given on row 2" in payload["rejected"][0]["reason"]


def test_it_refuses_a_ballot_sheet_without_an_opinion_column(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    ballots = csv_file(tmp_path, "ballots.csv", [["楼栋", "房号"], ["1", "101"]])
    error, payload = fail(roster, ballots)
    assert error.returncode == 1
    assert "意见" in payload["error"]


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    error, _payload = fail(roster, tmp_path / "nothing.csv")
    assert error.returncode == 1


def test_a_matter_outside_one_to_nine_is_a_usage_error(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    with pytest.raises(CommandError, match="invalid choice"):
        call_command(
            "tally_ballots",
            "--roster",
            str(roster),
            "--ballots",
            str(roster),
            "--matter",
            "10",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_matter_six_needs_three_quarters(tmp_path: Path) -> None:
    roster = csv_file(
        tmp_path,
        "roster.csv",
        [["地址", "面积", "业主"]] + [[f"1-1-{100 + i}", "100", f"业主{i}"] for i in range(1, 9)],
    )
    votes = ["赞成"] * 6 + ["反对"] * 2  # exactly 3/4
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [["地址", "意见"]] + [[f"1-1-{100 + i}", v] for i, v in enumerate(votes, start=1)],
    )
    assert run(roster, ballots, matter=6)["passed"] is True
    votes[5] = "弃权"
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [["地址", "意见"]] + [[f"1-1-{100 + i}", v] for i, v in enumerate(votes, start=1)],
    )
    assert run(roster, ballots, matter=6)["passed"] is False
    assert run(roster, ballots, matter=5)["passed"] is True


def test_the_human_report_says_peiban_is_not_a_certified_voting_system(tmp_path: Path) -> None:
    roster = csv_file(tmp_path, "roster.csv", ROSTER)
    ballots = csv_file(tmp_path, "ballots.csv", [["地址", "意见"], ["1-1-101", "赞成"]])
    out = io.StringIO()
    call_command(
        "tally_ballots",
        "--roster",
        str(roster),
        "--ballots",
        str(ballots),
        "--matter",
        "1",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "NOT PASSED" in out.getvalue()
    assert "not a certified electronic voting system" in out.getvalue()


# --- The whole paper count against the reference -------------------------------------------------


@st.composite
def paper_assemblies(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]], Any]:
    """A roster (with owner numbers and unsold dwellings), a ballot sheet naming dwellings or
    owner numbers (with second ballots), and what the reference expects."""
    n = draw(st.integers(min_value=1, max_value=15))
    roster = [["楼栋", "单元", "房号", "面积", "业主", "业主编号", "未售"]]
    dwellings = []
    for i in range(n):
        room = f"{(i // 4) + 1}0{(i % 4) + 1}"
        area = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("300"), places=2))
        buyer = draw(st.sampled_from(["", "", "B1", "B2"]))
        unsold = draw(st.booleans()) and i % 4 == 0
        roster.append(["2", "1", room, str(area), f"业主{i}", buyer, "是" if unsold else ""])
        dwellings.append((room, area, buyer, unsold))
    ballots = [["楼栋", "单元", "房号", "业主编号", "意见"]]
    words = {"y": "赞成", "n": "反对", "a": "弃权"}
    first: dict[str, str] = {}
    for room, _area, buyer, unsold in draw(st.permutations(dwellings)):
        said = draw(st.sampled_from(["y", "n", "a", None]))
        if said is None:
            continue
        by_number = bool(buyer) and not unsold and draw(st.booleans())
        ballots.append(
            ["", "", "", buyer, words[said]] if by_number else ["2", "1", room, "", words[said]]
        )
        owner = "#dev" if unsold else (f"#b{buyer}" if buyer else f"#d{room}")
        first.setdefault(owner, f"{room}:{said}")
    votes = {key.split(":")[0]: key.split(":")[1] for key in first.values()}
    return roster, ballots, (dwellings, votes)


@settings(max_examples=60, deadline=None)
@given(paper_assemblies(), st.integers(min_value=1, max_value=9))
def test_the_paper_count_agrees_with_the_reference(
    assembly: tuple[list[list[str]], list[list[str]], Any], matter: int
) -> None:
    roster, ballots, (dwellings, votes) = assembly
    encode = lambda rows: ("\n".join(",".join(r) for r in rows) + "\n").encode()  # noqa: E731
    result = paper_tally(
        roster=encode(roster),
        roster_name="roster.csv",
        ballots=encode(ballots) if len(ballots) > 1 else "楼栋,房号,意见\n".encode(),
        ballots_name="ballots.csv",
        matter=matter,
    ).as_dict()
    expected = reference(
        [(f"2栋1单元{room}室", area, buyer, unsold) for room, area, buyer, unsold in dwellings],
        {f"2栋1单元{room}室": said for room, said in votes.items()},
        matter,
    )
    for key in ("total_heads", "voted_heads", "yes_heads", "quorum", "passed"):
        assert result[key] == expected[key], key
    for key in ("total_area", "voted_area", "yes_area"):
        assert Decimal(result[key]) == expected[key], key
    counted = result["ballots_counted"]
    assert counted == len(votes)
    assert len(result["rejected"]) == len(ballots) - 1 - counted


def test_co_owners_with_their_own_numbers_are_one_buyer(tmp_path: Path) -> None:
    roster = csv_file(
        tmp_path,
        "roster.csv",
        [
            ["地址", "面积", "业主", "业主编号"],
            ["1-1-101", "90", "张伟", "Z1"],
            ["1-1-101", "90", "李娜", "L1"],  # co-owners of 101
            ["1-1-102", "80", "张伟", "Z1"],
            ["1-1-102", "80", "李娜", "L1"],  # the same couple holds 102: one buyer
            ["1-1-201", "70", "张伟", "Z1"],  # 张伟 alone on 201: another buyer
            ["1-1-202", "60", "王芳", ""],
        ],
    )
    ballots = csv_file(
        tmp_path,
        "ballots.csv",
        [
            ["地址", "业主编号", "意见"],
            ["1-1-102", "", "赞成"],
            ["", "L1", "反对"],  # L1 is only in the couple: the same buyer again
            ["", "Z1", "赞成"],  # Z1 is in two owner groups: name the dwelling
            ["1-1-201", "Z1", "赞成"],
        ],
    )
    result = run(roster, ballots)
    assert result["total_heads"] == 3
    assert result["yes_heads"] == 2
    assert result["yes_area"] == "240.00"
    reasons = {r["row"]: r["reason"] for r in result["rejected"]}
    assert "second ballot" in reasons[3]
    assert "more than one owner" in reasons[4]
