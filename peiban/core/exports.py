"""Spreadsheet and CSV exports that cannot smuggle formulas into the reader's spreadsheet program.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or their full-width forms ``＝＋－＠``,
which Chinese input methods type and spreadsheet programs accept), or with a tab or carriage return,
may be run as a formula when the file is opened (CSV injection, OWASP). Such text gets a leading
apostrophe, so it is shown as the text it is. Numbers, dates and booleans are written as themselves,
so negative amounts stay numbers; text that is just a plain number (``"-12.5"``) cannot be a formula
and is kept as it is too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
QUOTE = "'"
SHEET_TITLE_MAX = 31

_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Leading blanks do not protect: some programs trim them before reading a formula.
_LEADING_BLANKS = " \u3000"

type Sheet = tuple[str, list[str], Iterable[Sequence[object]]]


def _neutralised(text: str) -> str:
    stripped = text.lstrip(_LEADING_BLANKS)
    if not stripped.startswith(FORMULA_STARTS):
        return text
    if _PLAIN_NUMBER.fullmatch(stripped):
        return text
    return QUOTE + text


def csv_safe(value: str) -> str:
    """Return text safe for a CSV cell: formula-like text gets a leading apostrophe."""
    return _neutralised(value)


def safe_cell(value: object) -> object:
    """Return a value safe to write into a spreadsheet cell.

    ``None``, booleans, numbers (``int``, ``float``, ``Decimal``), dates and times pass through;
    time-zone-aware date-times become naive local time (Excel has no time zones). Lists are joined
    with ``", "``, dictionaries written as JSON, anything else as its text; text that a spreadsheet
    could read as a formula gets a leading apostrophe.
    """
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return timezone.make_naive(value)
        return value
    if isinstance(value, date | time):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return _neutralised(text)


def _xlsx_cell(value: object) -> object:
    value = safe_cell(value)
    if isinstance(value, str):
        # Control characters other than tab and line breaks are not allowed in .xlsx files.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _sheet_title(wanted: str, taken: set[str]) -> str:
    base = _SHEET_TITLE_FORBIDDEN.sub("_", wanted).strip("'") or "Sheet"
    base = base[:SHEET_TITLE_MAX]
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """Build an .xlsx file: one sheet per ``(title, header, rows)``, the header row in bold.

    The workbook is written in openpyxl's write-only mode, so long lists stream through without
    being held as cell objects; ``rows`` may be any iterable, such as a generator. Every cell goes
    through ``safe_cell``.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    for title, header, rows in sheets or [("Sheet", [], [])]:
        sheet: WriteOnlyWorksheet = workbook.create_sheet(title=_sheet_title(title, taken))
        if header:
            cells = []
            for name in header:
                cell = WriteOnlyCell(sheet, value=_xlsx_cell(name))
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
