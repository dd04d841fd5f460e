"""Open an uploaded table file (.xlsx workbook or CSV) and find its header row.

The file-level mechanics shared by the importers (needs ledgers, sign-in sheets): the size is
checked before anything is parsed, a workbook that would unpack to far more than its size is
refused, damaged or old-style (.xls) workbooks and binary data are refused with a message that
says what to do, CSV text may be UTF-8, UTF-8 with a byte order mark, UTF-16 or GBK, the CSV
delimiter is the one under which the headers are best recognised, and the header row is the first
of the first ten non-blank rows with at least two recognised headers.

What the columns mean is the importer's business: it passes a `recognise` function that counts
the recognised headers in a row, and reads the rows that follow the header. No database access.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from peiban.places.cells import (
    INVISIBLE,
    Rejection,
    cell_text,
    decode_text,
    fold,
    is_blank,
    size_text,
)

__all__ = [
    "HEADER_ROWS_SCANNED",
    "HeaderMap",
    "Layout",
    "Row",
    "TableFileError",
    "TableSource",
    "headers_found",
    "normalise_header",
    "open_table",
]

HEADER_ROWS_SCANNED = 10
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (",", ";", "\t")

Row = tuple[int, Sequence[object]]  # (row number as the spreadsheet program shows it, cells)
Recognise = Callable[[Sequence[object]], int]


class TableFileError(ValueError):
    """The whole file is unusable; the message says why."""


class TableSource:
    """The rows after the header row of a table file; iterate once, then close (or use `with`)."""

    def __init__(
        self,
        *,
        header: Sequence[object],
        header_row: int,
        encoding: str,
        rows: Iterator[Row],
        close: Callable[[], None] | None = None,
    ) -> None:
        self.header = header
        self.header_row = header_row
        self.encoding = encoding  # "xlsx", "utf-8", "utf-8-sig", "gbk", ...
        self._rows = rows
        self._close = close

    def __iter__(self) -> Iterator[Row]:
        return self._rows

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> TableSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _find_header(rows: Iterator[Row], recognise: Recognise) -> Row | None:
    """Consume rows up to and including the header: the first of the first ten non-blank rows
    with at least two recognised headers."""
    seen = 0
    for number, cells in rows:
        if all(is_blank(cell) for cell in cells):
            continue
        if recognise(cells) >= 2:
            return number, cells
        seen += 1
        if seen >= HEADER_ROWS_SCANNED:
            break
    return None


def _damaged(error: type[TableFileError]) -> TableFileError:
    return error(
        "The file looks like an Excel workbook (.xlsx) but cannot be read; it may be damaged or "
        "only partly uploaded. Open it in Excel or WPS, save it again and use the new copy."
    )


def _guarded(
    rows: Iterable[Row], wrap: Callable[[Exception], TableFileError], error: type[TableFileError]
) -> Iterator[Row]:
    """The rows, with a reader's own errors turned into a file error."""
    try:
        yield from rows
    except error:
        raise
    except Exception as exc:
        raise wrap(exc) from exc


def _open_xlsx(
    data: bytes,
    *,
    max_bytes: int,
    what: str,
    part: str,
    sheet_words: tuple[str, ...],
    recognise: Recognise,
    no_header: Callable[[], TableFileError],
    error: type[TableFileError],
) -> TableSource:
    # Imported here so that reading CSV files does not pay for loading openpyxl.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(error) from exc
    if unpacked > max(16 * max_bytes, 64 * 2**20):
        raise error(
            f"The workbook unpacks to {size_text(unpacked)}, which is far more than {what} "
            f"takes; save {part} alone in a new workbook and use that."
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise _damaged(error) from exc

    def damaged(_exc: Exception) -> TableFileError:
        return _damaged(error)

    try:
        sheets: list[Any] = list(workbook.worksheets)
        named = [s for s in sheets if any(w in fold(s.title) for w in sheet_words)]
        for sheet in named + [s for s in sheets if s not in named]:
            sheet.reset_dimensions()  # some programs write wrong dimensions; read what is there
            rows = _guarded(enumerate(sheet.iter_rows(values_only=True), start=1), damaged, error)
            header = _find_header(rows, recognise)
            if header is None:
                continue
            return TableSource(
                header=header[1],
                header_row=header[0],
                encoding="xlsx",
                rows=rows,
                close=workbook.close,
            )
    except error:
        workbook.close()
        raise
    except Exception as exc:  # damage inside a sheet shows only while reading it
        workbook.close()
        raise _damaged(error) from exc
    workbook.close()
    raise no_header()


def _sniff_delimiter(text: str, recognise: Recognise) -> str:
    """The delimiter among , ; and tab under which the header row is best recognised."""
    sample = text[: 64 * 1024]
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    best, best_score = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        recognised = 0
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            for _n, cells in zip(range(HEADER_ROWS_SCANNED * 2), reader, strict=False):
                recognised = max(recognised, recognise(cells))
        except csv.Error:
            pass
        score = (recognised, first_line.count(delimiter))
        if score > best_score:
            best, best_score = delimiter, score
    return best


_LINE_END = re.compile(r"\r\n|\r|\n")


def text_lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings (\\n, \\r\\n or a lone \\r), one at a time, for
    csv.reader: the lines io.StringIO(text, newline="") gives, without the copy StringIO makes
    (four bytes a character for Chinese text, most of the memory of a large import)."""
    start = 0
    for ending in _LINE_END.finditer(text):
        yield text[start : ending.end()]
        start = ending.end()
    if start < len(text):
        yield text[start:]


def _open_csv(
    data: bytes,
    *,
    recognise: Recognise,
    no_header: Callable[[], TableFileError],
    error: type[TableFileError],
) -> TableSource:
    text, encoding = decode_text(data, error=error)
    if "\x00" in text:
        raise error("The file contains binary data; use an Excel workbook (.xlsx) or a CSV file.")

    def unreadable(exc: Exception) -> TableFileError:
        return error(f"The CSV file cannot be read: {exc}.")

    reader = csv.reader(text_lines(text), delimiter=_sniff_delimiter(text, recognise))
    rows = _guarded(enumerate(reader, start=1), unreadable, error)
    header = _find_header(rows, recognise)
    if header is None:
        raise no_header()
    return TableSource(header=header[1], header_row=header[0], encoding=encoding, rows=rows)


def open_table(
    data: bytes,
    *,
    filename: str,
    max_bytes: int,
    what: str,
    part: str,
    sheet_words: tuple[str, ...],
    recognise: Recognise,
    header_examples: str,
    error: type[TableFileError] = TableFileError,
) -> TableSource:
    """Open the bytes of an .xlsx or CSV file and read up to and including its header row.

    `what` and `part` name the kind of table in messages ("a sign-in sheet", "the sheet");
    `sheet_words` are words in the name of the worksheet to try first; `recognise` counts the
    recognised headers in a row; `header_examples` lists header names for the message given when
    no header row is found ("活动, 日期, 姓名"). Every file error is raised as `error`, a subclass
    of TableFileError, so that an importer keeps its own exception class.
    """

    def no_header() -> TableFileError:
        return error(
            f"No header row found: none of the first {HEADER_ROWS_SCANNED} rows has at least two "
            f"column names such as {header_examples}."
        )

    if len(data) > max_bytes:
        raise error(
            f"The file is {size_text(len(data))}; the limit is {size_text(max_bytes, exact=True)}."
        )
    if not data.strip():
        raise error("The file is empty.")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(_ZIP_MAGIC):
        return _open_xlsx(
            data,
            max_bytes=max_bytes,
            what=what,
            part=part,
            sheet_words=sheet_words,
            recognise=recognise,
            no_header=no_header,
            error=error,
        )
    if data.startswith(_OLE_MAGIC):
        raise error(
            "This is an old-style Excel file (.xls) or a password-protected workbook; remove "
            "any password and save it as .xlsx or CSV, then try again."
        )
    if suffix in ("xlsx", "xlsm"):
        raise _damaged(error)
    return _open_csv(data, recognise=recognise, no_header=no_header, error=error)


# --- Headers -------------------------------------------------------------------------------------

_BRACKETED = re.compile(r"[(\[【〔].*?[)\]】〕]")


def normalise_header(value: object) -> str:
    """Fold a header for matching: NFKC, lower case, no spaces, no bracketed units, no colon."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    text = "".join(ch for ch in text if not ch.isspace() and ch not in INVISIBLE)
    return _BRACKETED.sub("", text).lstrip("*※").rstrip(":")


@dataclass(frozen=True)
class Layout:
    """Where each recognised field stands, and the header it was found under."""

    positions: dict[str, int]
    headers: dict[str, str]


class HeaderMap:
    """Recognise an importer's columns from its synonyms (栋/楼栋/楼号 … all mean building)."""

    def __init__(self, synonyms: dict[str, tuple[str, ...]]) -> None:
        self._by_header = {
            normalise_header(synonym): name for name, words in synonyms.items() for synonym in words
        }

    def recognise(self, cells: Sequence[object]) -> list[tuple[int, str, str]]:
        found = []
        for position, cell in enumerate(cells):
            name = self._by_header.get(normalise_header(cell))
            if name is not None:
                found.append((position, name, cell_text(cell)))
        return found

    def count(self, cells: Sequence[object]) -> int:
        return len(self.recognise(cells))

    def layout(self, cells: Sequence[object], *, error: type[TableFileError]) -> Layout:
        """The layout of a header row; two columns for one field raise `error`."""
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position, name, header in self.recognise(cells):
            if name in headers:
                raise error(
                    f"Two columns, '{headers[name]}' and '{header}', both hold the {name} field; "
                    "keep one of them and remove or rename the other."
                )
            positions[name] = position
            headers[name] = header
        return Layout(positions=positions, headers=headers)


def headers_found(cells: Sequence[object]) -> str:
    """The non-empty headers of a row, for a message about missing columns."""
    return ", ".join(f"'{h}'" for h in (cell_text(c) for c in cells) if h) or "none"


# --- Rows ----------------------------------------------------------------------------------------


def read_rows[RowT](
    rows: Iterable[tuple[int, Sequence[object]]],
    *,
    layout: Layout,
    max_rows: int,
    parse: Callable[[int, Sequence[object]], RowT | list[str]],
    error: type[TableFileError],
    duplicate: Callable[[int], str],
) -> tuple[list[RowT], list[Rejection]]:
    """Parse the data rows: skip blank ones, reject bad and repeated ones with their row number.

    `parse` returns a row (a dataclass with a `row` field) or the list of its problems;
    `duplicate(n)` words the rejection of a row that repeats row n.
    """
    accepted: list[RowT] = []
    rejected: list[Rejection] = []
    first_seen: dict[Any, int] = {}
    positions = tuple(layout.positions.values())
    count = 0
    for number, cells in rows:
        if all(is_blank(cells[p]) for p in positions if p < len(cells)):
            continue
        count += 1
        if count > max_rows:
            raise error(f"The file has more than {max_rows} rows; split it into smaller files.")
        parsed = parse(number, cells)
        if isinstance(parsed, list):
            rejected.append(Rejection(row=number, reason="; ".join(parsed)))
            continue
        key = replace(parsed, row=0)  # type: ignore[type-var]
        if key in first_seen:
            rejected.append(Rejection(row=number, reason=duplicate(first_seen[key])))
            continue
        first_seen[key] = number
        accepted.append(parsed)
    return accepted, rejected
