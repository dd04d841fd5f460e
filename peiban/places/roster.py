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

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from peiban.places.cells import (
    INVISIBLE,
    NO,
    YES,
    Rejection,
    cell_text,
    fold,
    is_blank,
    is_formula,
    show,
    text_problem,
)
from peiban.places.tables import Layout, TableFileError, open_table, read_rows

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


@dataclass
class RosterReading:
    """What a roster file holds: accepted rows, rejected rows, and how the file was read."""

    rows: list[RosterRow]
    rejected: list[Rejection]
    columns: dict[str, str]  # canonical field -> header as found
    encoding: str  # "xlsx", "utf-8", "utf-8-sig", "gbk" (or "gb18030", "utf-16")


class RosterFileError(TableFileError):
    """The whole file is unusable; the message says why, for the person who uploaded it."""


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

_BRACKETED = re.compile(r"[(\[【〔].*?[)\]】〕]")
_HEADER_UNIT = re.compile(r"(?<=.)/?(m2|m\^2|平方米|平米)$")


def _normalise_header(value: object) -> str:
    """Fold a header to the form the synonym table uses: '面积（㎡）：' -> '面积'."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    text = "".join(ch for ch in text if not ch.isspace() and ch not in INVISIBLE)
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
            found.append((position, field, cell_text(cell)))
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
        present = ", ".join(f"'{h}'" for h in (cell_text(c) for c in cells) if h) or "none"
        raise RosterFileError(
            f"The roster is missing columns: {'; '.join(missing)}. Headers found: {present}."
        )
    implied = "registry"
    if "area" in headers:
        implied = _IMPLIED_SOURCE.get(_normalise_header(headers["area"]), "registry")
    return _Layout(positions=positions, headers=headers, implied_source=implied)


# --- Checks and conversions ----------------------------------------------------------------------

_MAX_LENGTH = {
    "address": 200,
    "name": 50,
    "relation": 50,
    "tags": 200,
    "note": 1000,
}
_DEFAULT_MAX_LENGTH = 50


def _text_problem(field: str, text: str) -> str | None:
    """What is wrong with text in any column (control characters, markup, length), or None."""
    limit = _MAX_LENGTH.get(field, _DEFAULT_MAX_LENGTH)
    return text_problem(text, limit, multiline=field == "note")


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
_PLACEHOLDERS = frozenset(
    {"无", "暂无", "没有", "不详", "未知", "/", "-", "--", "—", "——", "n/a", "na", "none", "null"}
)
_TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")


def _relation(text: str) -> str:
    folded = fold(text)
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
        if is_formula(value):
            problems.append(
                (position, f"{header} is {show(value)}, which is a spreadsheet formula")
            )
            continue
        value_text = cell_text(value)
        problem = _text_problem(field, value_text)
        if problem is not None:
            problems.append((position, f"{header} {problem}"))
            continue
        text[field] = value_text

    def say(field: str, what: str) -> None:
        message = f"{layout.headers[field]} is {show(text[field])}, {what}"
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
        source = _AREA_SOURCES.get(fold(text["area_source"]))
        if source is None:
            say("area_source", "which is not one of 登记, 测绘 or 合同")
        else:
            area_source = source

    use = ""
    if text["use"]:
        use = _USES.get(fold(text["use"]), "")
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
    if fold(phone) in _PLACEHOLDERS:
        phone = ""
    elif any(ch.isalpha() for ch in phone):
        say("phone", "which contains letters")

    id_number = text["id_number"]
    if fold(id_number) in _PLACEHOLDERS:
        id_number = ""
    elif (
        isinstance(id_raw := raw.get("id_number"), float) and abs(id_raw) >= 1e15
    ) or _SCIENTIFIC.fullmatch(fold(id_number)):
        say(
            "id_number",
            "which Excel stored as a number and so lost its last digits; "
            "format the column as text and enter it again",
        )

    unsold = False
    if text["unsold"]:
        folded = fold(text["unsold"])
        if folded in YES:
            unsold = True
        elif folded not in NO:
            say("unsold", "which is not 是 or 否")

    if is_blank(raw.get("room")) and is_blank(raw.get("address")):
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


_SHEET_NAMES = ("名册", "roster")  # 名册 also matches 花名册


def read_roster(
    data: bytes, *, filename: str, max_bytes: int = 20 * 2**20, max_rows: int = 100_000
) -> RosterReading:
    """Read a roster from the bytes of an uploaded .xlsx or CSV file.

    Raises RosterFileError when the file as a whole cannot be used; rows with problems are
    returned in `rejected` and left out of `rows`.
    """
    with open_table(
        data,
        filename=filename,
        max_bytes=max_bytes,
        what="a roster",
        part="the roster",
        sheet_words=_SHEET_NAMES,
        recognise=lambda cells: len(_recognise(cells)),
        header_examples="楼栋, 单元, 房号, 地址, 姓名 or 面积",
        error=RosterFileError,
    ) as table:
        layout = _layout(table.header)
        accepted, rejected = read_rows(
            table,
            layout=Layout(positions=layout.positions, headers=layout.headers),
            max_rows=max_rows,
            parse=lambda number, cells: _parse_row(number, cells, layout),
            error=RosterFileError,
            duplicate=lambda n: f"The row duplicates row {n}",
        )
    return RosterReading(accepted, rejected, dict(layout.headers), table.encoding)
