"""Cells of uploaded tables: how a value reads as text, and what makes it unsafe to keep.

Shared by every importer (rosters, needs ledgers, sign-in sheets, ballot sheets, survey responses,
chat exports): a cell becomes text the way a person sees it in the spreadsheet (301.0 is '301'),
formulas and HTML are refused rather than stored (they could run when the data is exported again
or shown on a page), control and bidirectional-override characters are refused, and values are
quoted in messages with invisible characters made visible. No database access.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "BIDI_CONTROLS",
    "INVISIBLE",
    "MARKUP",
    "NO",
    "YES",
    "Rejection",
    "cell_text",
    "decode_text",
    "fold",
    "is_blank",
    "is_formula",
    "show",
    "size_text",
    "strip_invisible",
    "text_problem",
]

INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
_PLAIN_TYPES = (str, int, float, Decimal, dt.date, dt.time, dt.timedelta)
# "=..." is a formula; "+", "-" and "@" start one when a letter or "(" follows ("-3" is a number).
_FORMULA = re.compile(r"=.|[+\-@][A-Za-z(]", re.DOTALL)
MARKUP = re.compile(r"<[A-Za-z/!?]")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
YES = frozenset({"是", "y", "yes", "1", "true", "√", "✓", "✔", "对"})
NO = frozenset({"否", "n", "no", "0", "false", "×", "✗", "✘"})


@dataclass(frozen=True)
class Rejection:
    """A line left out of a reading, with the reason in one English sentence."""

    row: int
    reason: str


def strip_invisible(text: str) -> str:
    return text.strip().strip(INVISIBLE).strip()


def cell_text(value: object) -> str:
    """A cell as text: whole floats lose their '.0' (301.0 -> '301'), None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_invisible(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)  # the shortest text that reads back as the same float
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return strip_invisible(str(value))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not strip_invisible(value))


def is_formula(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return _FORMULA.match(strip_invisible(value)) is not None
    # openpyxl gives array and data-table formulas as objects of their own.
    return not isinstance(value, _PLAIN_TYPES)


def show(value: object, limit: int = 40) -> str:
    """A value quoted for a message: shortened, with invisible characters escaped."""
    text = str(getattr(value, "text", value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    shown = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
    return f"'{shown}'"


def fold(text: str) -> str:
    """Text folded for matching words: NFKC, lower case, no spaces."""
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


def text_problem(text: str, limit: int, *, multiline: bool = False) -> str | None:
    """What is wrong with the text of a cell (control characters, markup, length), or None.

    The answer completes a sentence that names the column: "is '<b>', which looks like HTML
    markup". `multiline` lets tabs and line breaks through (descriptions, notes).
    """
    allowed = "\t\n\r" if multiline else ""
    for ch in text:
        if (unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in BIDI_CONTROLS:
            return f"is {show(text)}, which contains a control character"
    if MARKUP.search(text):
        return f"is {show(text)}, which looks like HTML markup"
    if len(text) > limit:
        return f"is {len(text)} characters long; the limit is {limit}"
    return None


def size_text(n: int, *, exact: bool = False) -> str:
    """A number of bytes for a message: '1.5 MB', '100 bytes'. With `exact`, a whole number of
    units drops its '.0' ('20 MB'), as limits are written."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            if exact and not n % scale:
                return f"{n // scale} {unit}"
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def decode_text(data: bytes, *, error: type[ValueError] = ValueError) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, GBK
    (GB 18030 where GBK does not cover it). Undecodable bytes raise `error`."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"  # Excel's "Unicode text" export
    except UnicodeDecodeError as exc:
        raise error("The file starts like Unicode text but is not valid text.") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise error(
            "The file is neither an Excel workbook (.xlsx) nor a CSV file in UTF-8 or GBK."
        ) from exc
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return text, "gb18030"
    return text, "gbk"
