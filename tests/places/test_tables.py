"""The shared table reader splits CSV text into lines exactly as io.StringIO would."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from peiban.places.tables import open_table, text_lines

# Text made of the pieces that matter to a CSV reader: line endings of every kind, quotes,
# delimiters, Chinese and ASCII.
PIECES = st.sampled_from(["\n", "\r\n", "\r", '"', ",", ";", "\t", "楼", "栋", "a", "1", " ", ""])
TEXT = st.lists(PIECES, max_size=60).map("".join)


@given(TEXT)
def test_text_lines_are_the_lines_stringio_gives(text: str) -> None:
    assert list(text_lines(text)) == list(io.StringIO(text, newline=""))


def _rows(lines: object) -> list[list[str]] | str:
    """The rows csv reads from an iterable of lines, or its error message."""
    try:
        return list(csv.reader(lines))  # type: ignore[call-overload]
    except csv.Error as error:
        return str(error)


@given(TEXT)
def test_csv_reads_the_same_rows_from_text_lines_as_from_stringio(text: str) -> None:
    assert _rows(text_lines(text)) == _rows(io.StringIO(text, newline=""))


def test_a_windows_csv_with_quoted_line_breaks_keeps_them_in_the_cell() -> None:
    data = '楼栋,房号,备注\r\n3,101,"第一行\r\n第二行"\r\n4,202,无\r\n'.encode("gbk")
    with open_table(
        data,
        filename="roster.csv",
        max_bytes=2**20,
        what="a roster",
        part="the roster",
        sheet_words=(),
        recognise=lambda cells: sum(1 for c in cells if c in ("楼栋", "房号")),
        header_examples="楼栋, 房号",
    ) as table:
        rows = list(table)
    assert table.encoding == "gbk"
    assert rows == [(2, ["3", "101", "第一行\r\n第二行"]), (3, ["4", "202", "无"])]
