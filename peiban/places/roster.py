"""Read and check roster files (花名册) without touching the database.

A roster is an Excel workbook (.xlsx) or a CSV file that an NGO gets from the property company or
the community committee: one line per dwelling or per person, with the building, unit and room,
the floor area, and the owners and residents. Every source lays it out a little differently, so
headers are matched flexibly (栋, 楼栋, 楼号 … all mean "building"), CSV files may be UTF-8, UTF-8
with a byte order mark or GBK, and the delimiter may be a comma, a semicolon or a tab.

`read_roster` turns the uploaded bytes into `RosterRow` values and `Rejection` notes. It keeps the
strings as written (only stripped); turning "3号楼" and "3栋" into the same building is done
elsewhere. A problem with the whole file (wrong type, damaged workbook, missing columns, too big)
raises `RosterFileError`; a problem with one line rejects that line only, with a reason in English
that names the column and the value, and the row number as the spreadsheet program shows it.

Untrusted input is treated with care: the size is checked before anything is parsed, a workbook
that would unpack to far more than its size is refused, formulas and HTML are rejected rather than
stored (they could run when the data is exported again or shown on a page), and areas are parsed
as `Decimal`, never through float arithmetic.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["Rejection", "RosterFileError", "RosterReading", "RosterRow", "read_roster"]


@dataclass(frozen=True)
class RosterRow:
    """One accepted line of a roster; strings are as written, only stripped."""

    row: int
    building: str
    unit: str
    room: str
    address: str
    floor: int | None
    area: Decimal | None
    area_source: str  # "registry" | "survey" | "contract"
    use: str  # "residential" | "commercial" | "converted" | ""
    name: str
    phone: str
    id_number: str
    relation: str  # "owner" | "tenant" | "family" | ""
    relation_text: str
    owner_number: str
    unsold: bool
    years: int | None
    tags: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Rejection:
    """A line left out of the reading, with the reason in one English sentence."""

    row: int
    reason: str


@dataclass
class RosterReading:
    """What a roster file holds: accepted rows, rejected rows, and how the file was read."""

    rows: list[RosterRow]
    rejected: list[Rejection]
    columns: dict[str, str]  # canonical field -> header as found
    encoding: str  # "xlsx", "utf-8", "utf-8-sig", "gbk" (or "gb18030", "utf-16")


class RosterFileError(ValueError):
    """The whole file is unusable; the message says why, for the person who uploaded it."""


# --- Cell values ---------------------------------------------------------------------------------

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def _strip(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def _text(value: object) -> str:
    """A cell as text: whole floats lose their '.0' (301.0 -> '301'), None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _strip(value)
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
    return _strip(str(value))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not _strip(value))


# --- Headers -------------------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "building": (
        "栋",
        "楼栋",
        "楼号",
        "栋号",
        "幢",
        "楼",
        "座",
        "building",
        "楼栋号",
        "幢号",
        "楼座",
    ),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "室", "房间号", "门牌号", "户号", "room", "房间", "室号"),
    "address": ("地址", "房屋", "住址", "房屋地址", "门牌", "address", "房屋坐落", "坐落"),
    "floor": ("楼层", "层", "floor", "所在楼层"),
    "area": (
        "面积",
        "建筑面积",
        "专有面积",
        "产权面积",
        "房屋面积",
        "area",
        "登记面积",
        "测绘面积",
        "实测面积",
        "合同面积",
    ),
    "area_source": ("面积来源",),
    "use": ("用途", "房屋用途"),
    "name": (
        "姓名",
        "业主",
        "业主姓名",
        "居民姓名",
        "住户",
        "户主",
        "name",
        "住户姓名",
        "户主姓名",
    ),
    "phone": ("电话", "手机", "手机号", "联系电话", "联系方式", "phone", "手机号码", "电话号码"),
    "id_number": ("身份证", "身份证号", "证件号码", "id", "身份证号码", "证件号"),
    "relation": ("身份", "类型", "人员类型", "居住类型", "关系", "与户主关系"),
    "owner_number": ("业主编号",),
    "unsold": ("未售", "是否未售", "开发商持有"),
    "years": ("居住年限", "入住年限"),
    "tags": ("标签", "备注标签"),
    "note": ("备注",),
}

# How a roster names the fields in messages about missing columns.
_LABELS = {
    "building": "楼栋 (building)",
    "room": "房号 (room)",
    "address": "地址 (address)",
    "name": "姓名 (name)",
    "area": "面积 (area)",
}

# An area header may say where the figure comes from.
_IMPLIED_SOURCE = {
    "产权面积": "registry",
    "登记面积": "registry",
    "测绘面积": "survey",
    "实测面积": "survey",
    "合同面积": "contract",
}

_HEADER_ROWS_SCANNED = 10
_BRACKETED = re.compile(r"[(\[【〔].*?[)\]】〕]")
_HEADER_UNIT = re.compile(r"(?<=.)/?(m2|m\^2|平方米|平米)$")


def _normalise_header(value: object) -> str:
    """Fold a header to the form the synonym table uses: '面积（㎡）：' -> '面积'."""
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    text = "".join(ch for ch in text if not ch.isspace() and ch not in _INVISIBLE)
    text = _BRACKETED.sub("", text).lstrip("*※").rstrip(":")
    return _HEADER_UNIT.sub("", text)


_FIELD_BY_HEADER = {
    _normalise_header(synonym): field
    for field, synonyms in _SYNONYMS.items()
    for synonym in synonyms
}


@dataclass(frozen=True)
class _Layout:
    """Where each recognised field sits in the header row."""

    positions: dict[str, int]
    headers: dict[str, str]
    implied_source: str


def _recognise(cells: Sequence[object]) -> list[tuple[int, str, str]]:
    """(position, field, header as found) for each header cell the synonym table knows."""
    found = []
    for position, cell in enumerate(cells):
        field = _FIELD_BY_HEADER.get(_normalise_header(cell))
        if field is not None:
            found.append((position, field, _text(cell)))
    return found


def _layout(cells: Sequence[object]) -> _Layout:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, field, header in _recognise(cells):
        if field in headers:
            raise RosterFileError(
                f"Two columns, '{headers[field]}' and '{header}', both hold the {field} "
                "field; keep one of them and remove or rename the other."
            )
        positions[field] = position
        headers[field] = header
    missing = []
    if "address" not in headers and not ("building" in headers and "room" in headers):
        lacking = " and ".join(_LABELS[f] for f in ("building", "room") if f not in headers)
        missing.append(f"{lacking}, or {_LABELS['address']}")
    if "name" not in headers and "area" not in headers:
        missing.append(f"{_LABELS['name']} or {_LABELS['area']}")
    if missing:
        present = ", ".join(f"'{h}'" for h in (_text(c) for c in cells) if h) or "none"
        raise RosterFileError(
            f"The roster is missing columns: {'; '.join(missing)}. Headers found: {present}."
        )
    implied = "registry"
    if "area" in headers:
        implied = _IMPLIED_SOURCE.get(_normalise_header(headers["area"]), "registry")
    return _Layout(positions=positions, headers=headers, implied_source=implied)


# --- Checks and conversions ----------------------------------------------------------------------

_PLAIN_TYPES = (str, int, float, Decimal, dt.date, dt.time, dt.timedelta)
# "=..." is a formula; "+", "-" and "@" start one when a letter or "(" follows ("-3" is a number).
_FORMULA = re.compile(r"=.|[+\-@][A-Za-z(]", re.DOTALL)
_MARKUP = re.compile(r"<[A-Za-z/!?]")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MAX_LENGTH = {
    "address": 200,
    "name": 50,
    "relation": 50,
    "tags": 200,
    "note": 1000,
}
_DEFAULT_MAX_LENGTH = 50


def _is_formula(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return _FORMULA.match(_strip(value)) is not None
    # openpyxl gives array and data-table formulas as objects of their own.
    return not isinstance(value, _PLAIN_TYPES)


def _show(value: object, limit: int = 40) -> str:
    """A value quoted for a message: shortened, with invisible characters escaped."""
    text = str(getattr(value, "text", value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    shown = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
    return f"'{shown}'"


def _text_problem(field: str, text: str) -> str | None:
    """What is wrong with text in any column (control characters, markup, length), or None."""
    allowed = "\t\n\r" if field == "note" else ""
    for ch in text:
        if (unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in _BIDI_CONTROLS:
            return f"is {_show(text)}, which contains a control character"
    if _MARKUP.search(text):
        return f"is {_show(text)}, which looks like HTML markup"
    limit = _MAX_LENGTH.get(field, _DEFAULT_MAX_LENGTH)
    if len(text) > limit:
        return f"is {len(text)} characters long; the limit is {limit}"
    return None


_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
_AREA_UNIT = re.compile(r"(m2|m\^2|平方米|平米|平方)$")
_WHOLE = re.compile(r"([+-]?[0-9]{1,6})(\.0*)?")
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?e\+[0-9]+")  # '1.10101E+17', as Excel writes it
_CENT = Decimal("0.01")
_MAX_AREA = Decimal(10000)


def _decimal(text: str) -> Decimal | None:
    """Parse '89.5', '1,234.56', '89.5㎡' or '８９．５' as a Decimal; None if not a number."""
    folded = unicodedata.normalize("NFKC", text).lower().replace(" ", "")
    folded = _AREA_UNIT.sub("", folded)
    if _THOUSANDS.fullmatch(folded):
        folded = folded.replace(",", "")
    if not _NUMBER.fullmatch(folded):
        return None
    try:
        number = Decimal(folded)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None
    return number if number.is_finite() else None


def _whole(text: str, suffixes: tuple[str, ...]) -> int | None:
    """Parse a whole number such as '3', '第3层', '3F', '5年' or '3.0'; None otherwise."""
    folded = unicodedata.normalize("NFKC", text).lower().replace(" ", "").removeprefix("第")
    for suffix in suffixes:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            folded = folded[: -len(suffix)]
            break
    match = _WHOLE.fullmatch(folded)
    return int(match.group(1)) if match else None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


_AREA_SOURCES = {
    "登记": "registry",
    "不动产登记": "registry",
    "产权": "registry",
    "registry": "registry",
    "测绘": "survey",
    "实测": "survey",
    "survey": "survey",
    "合同": "contract",
    "预售": "contract",
    "购房合同": "contract",
    "contract": "contract",
}
_USES = {
    "住宅": "residential",
    "residential": "residential",
    "商业": "commercial",
    "商铺": "commercial",
    "底商": "commercial",
    "commercial": "commercial",
    "住改商": "converted",
    "converted": "converted",
}
# Checked in this order, so that "业主配偶" is family rather than owner.
_RELATION_WORDS = (
    ("family", ("家属", "家庭成员", "配偶", "子女", "父母", "family")),
    ("tenant", ("租户", "租客", "承租人", "tenant")),
    ("owner", ("业主", "产权人", "owner")),
)
_YES = frozenset({"是", "y", "yes", "1", "true", "√", "✓", "✔", "对"})
_NO = frozenset({"否", "n", "no", "0", "false", "×", "✗", "✘"})
_PLACEHOLDERS = frozenset(
    {"无", "暂无", "没有", "不详", "未知", "/", "-", "--", "—", "——", "n/a", "na", "none", "null"}
)
_TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")


def _relation(text: str) -> str:
    folded = _fold(text)
    for relation, words in _RELATION_WORDS:
        if any(word in folded for word in words):
            return relation
    return ""


# --- Rows ----------------------------------------------------------------------------------------


def _parse_row(number: int, cells: Sequence[object], layout: _Layout) -> RosterRow | list[str]:
    """The row as a RosterRow, or the list of its problems."""
    problems: list[tuple[int, str]] = []  # (column position, problem), to list them in order
    raw: dict[str, object] = {}
    text: dict[str, str] = dict.fromkeys(_SYNONYMS, "")
    for field, position in layout.positions.items():
        value = cells[position] if position < len(cells) else None
        header = layout.headers[field]
        raw[field] = value
        if _is_formula(value):
            problems.append(
                (position, f"{header} is {_show(value)}, which is a spreadsheet formula")
            )
            continue
        value_text = _text(value)
        problem = _text_problem(field, value_text)
        if problem is not None:
            problems.append((position, f"{header} {problem}"))
            continue
        text[field] = value_text

    def say(field: str, what: str) -> None:
        message = f"{layout.headers[field]} is {_show(text[field])}, {what}"
        problems.append((layout.positions[field], message))

    area: Decimal | None = None
    if text["area"]:
        parsed_area = _decimal(text["area"])
        if parsed_area is None:
            say("area", "which is not a number")
        elif parsed_area <= 0:
            say("area", "which is not more than zero")
        elif parsed_area > _MAX_AREA:
            say("area", "which is more than 10000 m²")
        else:
            area = parsed_area.quantize(_CENT, rounding=ROUND_HALF_UP)
            if area <= 0:
                say("area", "which rounds to 0.00")
                area = None

    area_source = layout.implied_source
    if text["area_source"]:
        source = _AREA_SOURCES.get(_fold(text["area_source"]))
        if source is None:
            say("area_source", "which is not one of 登记, 测绘 or 合同")
        else:
            area_source = source

    use = ""
    if text["use"]:
        use = _USES.get(_fold(text["use"]), "")
        if not use:
            say("use", "which is not one of 住宅, 商业 or 住改商")

    floor: int | None = None
    if text["floor"]:
        # "3/18" is the 3rd of 18 floors.
        floor = _whole(text["floor"].partition("/")[0], ("层", "楼", "f"))
        if floor is None:
            say("floor", "which is not a whole number")
        elif not 1 <= floor <= 200:
            say("floor", "which is not a floor between 1 and 200")
            floor = None

    years: int | None = None
    if text["years"]:
        years = _whole(text["years"], ("年",))
        if years is None:
            say("years", "which is not a whole number of years")
        elif not 0 <= years <= 120:
            say("years", "which is not between 0 and 120 years")
            years = None

    phone = text["phone"]
    if _fold(phone) in _PLACEHOLDERS:
        phone = ""
    elif any(ch.isalpha() for ch in phone):
        say("phone", "which contains letters")

    id_number = text["id_number"]
    if _fold(id_number) in _PLACEHOLDERS:
        id_number = ""
    elif (
        isinstance(id_raw := raw.get("id_number"), float) and abs(id_raw) >= 1e15
    ) or _SCIENTIFIC.fullmatch(_fold(id_number)):
        say(
            "id_number",
            "which Excel stored as a number and so lost its last digits; "
            "format the column as text and enter it again",
        )

    unsold = False
    if text["unsold"]:
        folded = _fold(text["unsold"])
        if folded in _YES:
            unsold = True
        elif folded not in _NO:
            say("unsold", "which is not 是 or 否")

    if _is_blank(raw.get("room")) and _is_blank(raw.get("address")):
        named = [layout.headers[f] for f in ("room", "address") if f in layout.headers]
        verb = "are" if len(named) > 1 else "is"
        problems.append(
            (len(cells), f"{' and '.join(named)} {verb} empty, so the row names no dwelling")
        )

    if problems:
        return [message for _, message in sorted(problems, key=lambda problem: problem[0])]
    tags = tuple(dict.fromkeys(t for t in _TAG_SEPARATORS.split(text["tags"]) if t))
    return RosterRow(
        row=number,
        building=text["building"],
        unit=text["unit"],
        room=text["room"],
        address=text["address"],
        floor=floor,
        area=area,
        area_source=area_source,
        use=use,
        name=text["name"],
        phone=phone,
        id_number=id_number,
        relation=_relation(text["relation"]) if text["relation"] else "",
        relation_text=text["relation"],
        owner_number=text["owner_number"],
        unsold=unsold,
        years=years,
        tags=tags,
        note=text["note"],
    )


_Rows = Iterator[tuple[int, Sequence[object]]]


def _find_header(rows: _Rows) -> tuple[int, Sequence[object]] | None:
    """Consume rows up to and including the header: the first of the first ten non-blank rows
    with at least two recognised headers."""
    seen = 0
    for number, cells in rows:
        if all(_is_blank(cell) for cell in cells):
            continue
        if len(_recognise(cells)) >= 2:
            return number, cells
        seen += 1
        if seen >= _HEADER_ROWS_SCANNED:
            break
    return None


def _no_header() -> RosterFileError:
    return RosterFileError(
        f"No header row found: none of the first {_HEADER_ROWS_SCANNED} rows has at least two "
        "column names such as 楼栋, 单元, 房号, 地址, 姓名 or 面积."
    )


def _read_table(
    rows: _Rows, layout: _Layout, max_rows: int
) -> tuple[list[RosterRow], list[Rejection]]:
    accepted: list[RosterRow] = []
    rejected: list[Rejection] = []
    first_seen: dict[RosterRow, int] = {}
    count = 0
    positions = tuple(layout.positions.values())
    for number, cells in rows:
        if all(_is_blank(cells[p]) for p in positions if p < len(cells)):
            continue
        count += 1
        if count > max_rows:
            raise RosterFileError(
                f"The roster has more than {max_rows} rows; split it into smaller files."
            )
        parsed = _parse_row(number, cells, layout)
        if isinstance(parsed, list):
            rejected.append(Rejection(row=number, reason="; ".join(parsed)))
            continue
        key = replace(parsed, row=0)
        if key in first_seen:
            rejected.append(
                Rejection(row=number, reason=f"The row duplicates row {first_seen[key]}")
            )
            continue
        first_seen[key] = number
        accepted.append(parsed)
    return accepted, rejected


# --- Files ---------------------------------------------------------------------------------------


def _size(n: int) -> str:
    """'50.0 MB', '20 MB', '1.5 KB', '100 bytes' (trailing '.0' kept only when not exact)."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n % scale else f"{n // scale} {unit}"
    return f"{n} bytes"


def _file_size(n: int) -> str:
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHEET_NAMES = ("名册", "roster")  # 名册 also matches 花名册


def _damaged() -> RosterFileError:
    return RosterFileError(
        "The file looks like an Excel workbook (.xlsx) but cannot be read; it may be damaged or "
        "only partly uploaded. Open it in Excel or WPS, save it again and upload the new copy."
    )


def _read_xlsx(data: bytes, max_bytes: int, max_rows: int) -> RosterReading:
    # Imported here so that reading CSV files does not pay for loading openpyxl.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    if unpacked > max(16 * max_bytes, 64 * 2**20):
        raise RosterFileError(
            f"The workbook unpacks to {_file_size(unpacked)}, which is far more than a roster "
            "needs; save the roster alone in a new workbook and upload that."
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise _damaged() from exc
    try:
        sheets = list(workbook.worksheets)
        named = [s for s in sheets if any(w in _fold(s.title) for w in _SHEET_NAMES)]
        for sheet in named + [s for s in sheets if s not in named]:
            sheet.reset_dimensions()  # some programs write wrong dimensions; read what is there
            rows: _Rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            header = _find_header(rows)
            if header is None:
                continue
            layout = _layout(header[1])
            accepted, rejected = _read_table(rows, layout, max_rows)
            return RosterReading(accepted, rejected, dict(layout.headers), "xlsx")
    except RosterFileError:
        raise
    except Exception as exc:  # damage inside a sheet shows only while reading it
        raise _damaged() from exc
    finally:
        workbook.close()
    raise _no_header()


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, GBK."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"  # Excel's "Unicode text" export
    except UnicodeDecodeError as exc:
        raise RosterFileError("The file starts like Unicode text but is not valid text.") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            "The file is neither an Excel workbook (.xlsx) nor a CSV file in UTF-8 or GBK."
        ) from exc
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return text, "gb18030"
    return text, "gbk"


def _sniff_delimiter(text: str) -> str:
    """The delimiter among , ; and tab under which the header row is best recognised."""
    sample = text[: 64 * 1024]
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        recognised = 0
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            for _, cells in zip(range(_HEADER_ROWS_SCANNED * 2), reader, strict=False):
                recognised = max(recognised, len(_recognise(cells)))
        except csv.Error:
            pass
        score = (recognised, first_line.count(delimiter))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, max_rows: int) -> RosterReading:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise RosterFileError(
            "The file contains binary data; upload an Excel workbook (.xlsx) or a CSV file."
        )
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: _Rows = enumerate(reader, start=1)
    try:
        header = _find_header(rows)
        if header is None:
            raise _no_header()
        layout = _layout(header[1])
        accepted, rejected = _read_table(rows, layout, max_rows)
    except csv.Error as exc:
        raise RosterFileError(f"The CSV file cannot be read: {exc}.") from exc
    return RosterReading(accepted, rejected, dict(layout.headers), encoding)


def read_roster(
    data: bytes, *, filename: str, max_bytes: int = 20 * 2**20, max_rows: int = 100_000
) -> RosterReading:
    """Read a roster from the bytes of an uploaded .xlsx or CSV file.

    Raises RosterFileError when the file as a whole cannot be used; rows with problems are
    returned in `rejected` and left out of `rows`.
    """
    if len(data) > max_bytes:
        raise RosterFileError(
            f"The file is {_file_size(len(data))}; the limit is {_size(max_bytes)}."
        )
    if not data.strip():
        raise RosterFileError("The file is empty.")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, max_bytes, max_rows)
    if data.startswith(_OLE_MAGIC):
        raise RosterFileError(
            "This is an old-style Excel file (.xls) or a password-protected workbook; remove "
            "any password and save it as .xlsx or CSV, then upload it again."
        )
    if suffix in ("xlsx", "xlsm"):
        raise _damaged()
    return _read_csv(data, max_rows)
