"""Import need records kept elsewhere: an Excel workbook or CSV ledger (台账) of residents' needs.

Reading (`read_needs`) touches no database: it finds the header row, matches headers flexibly
(标题, 事项 and 问题 all mean "title"), reads CSV files in UTF-8, UTF-8 with a byte order mark or
GBK, and checks every cell the way the roster reader does: the size is checked before anything is
parsed, formulas and HTML are rejected rather than stored, and row numbers are those the
spreadsheet program shows. Dates may be written 2026-05-03, 2026/5/3 or 2026年5月3日, or be Excel
dates; none may lie in the future.

Importing (`needs_import`) resolves each row against the community: the category must be one of
the organisation's, the building and dwelling must exist, and the raiser is matched by name to a
resident of that dwelling or, failing that, of the community when the name is unique (otherwise
the need is recorded without a raiser, and a note says so). Each need is raised through the needs
services and then moved stage by stage along the shortest legal path to its recorded stage, with
the note "导入", so that its history of stage changes exists. All or nothing unless `partial`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from peiban.needs.models import Category, Channel, Need, Stage, Urgency, Visibility
from peiban.needs.services import (
    TRANSITIONS,
    NeedError,
    categories_ensure,
    need_move,
    need_raise,
    need_set_lead,
)
from peiban.places.addresses import AddressError, make_address, normalise_building, parse_address

# The roster reader's cell helpers: the same care with untrusted spreadsheets.
from peiban.places.cells import (
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
from peiban.places.models import Building, Community, Dwelling, Ownership, Resident
from peiban.places.tables import (
    HeaderMap,
    Layout,
    TableFileError,
    headers_found,
    open_table,
    read_rows,
)

__all__ = [
    "IMPORT_NOTE",
    "NeedRow",
    "NeedsFileError",
    "NeedsImportResult",
    "NeedsReading",
    "NeedsRejected",
    "needs_import",
    "read_needs",
]

MAX_BYTES = 20 * 2**20
MAX_ROWS = 20_000
IMPORT_NOTE = "导入"
SOURCE_TYPE = "import"
STAFF_LEAD_REASON = "导入：提出人不详，由导入人暂代牵头"


@dataclass(frozen=True)
class NeedRow:
    """One accepted line of a needs ledger, with its values read but not yet matched."""

    row: int
    title: str
    description: str
    category: str
    building: str
    unit: str
    room: str
    address: str
    channel: str  # a Channel value
    raiser: str
    raised_at: dt.datetime | None  # None when the file has no date column
    stage: str  # a Stage value
    urgency: str  # an Urgency value
    public: bool
    reason: str  # where it was referred, or why it was declined
    done_at: dt.datetime | None  # when it reached its stage, if the file says


@dataclass
class NeedsReading:
    rows: list[NeedRow]
    rejected: list[Rejection]
    columns: dict[str, str]  # field -> header as found
    encoding: str  # "xlsx", "utf-8", "utf-8-sig", "gbk", ...


class NeedsFileError(TableFileError):
    """The whole file is unusable; the message says why."""


# --- Headers -------------------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "事项", "问题", "需求", "诉求", "主题", "事项名称", "问题标题", "title"),
    "description": (
        "描述",
        "详情",
        "内容",
        "问题描述",
        "详细内容",
        "具体内容",
        "情况说明",
        "诉求内容",
        "需求描述",
        "description",
    ),
    "category": ("类别", "分类", "问题类别", "问题分类", "需求类别", "事项类别", "category"),
    "building": ("楼栋", "栋", "楼号", "栋号", "幢", "楼栋号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "室", "房间号", "门牌号", "户号", "room"),
    "address": ("地址", "住址", "房屋地址", "address"),
    "channel": ("渠道", "来源", "反映渠道", "反映方式", "收集渠道", "channel"),
    "raiser": ("提出人", "反映人", "提出者", "反映居民", "姓名", "居民", "raised_by"),
    "raised_at": (
        "日期",
        "时间",
        "反映时间",
        "反映日期",
        "提出时间",
        "提出日期",
        "登记日期",
        "登记时间",
        "date",
    ),
    "stage": ("状态", "进展", "处理状态", "阶段", "当前状态", "stage"),
    "urgency": ("紧急程度", "紧急", "缓急", "优先级", "urgency"),
    "public": ("公开", "是否公开", "public"),
    "reason": ("原因", "转介至", "转介单位", "转介给", "不予处理原因", "reason"),
    "done_at": ("办结日期", "办结时间", "完成日期", "解决日期", "结束日期"),
}
_LABELS = {
    "title": "标题 (title)",
    "category": "类别 (category)",
}
_HEADERS = HeaderMap(_SYNONYMS)
_recognised = _HEADERS.count
_Layout = Layout


def _layout(cells: Sequence[object]) -> _Layout:
    layout = _HEADERS.layout(cells, error=NeedsFileError)
    headers = layout.headers
    if "title" not in headers:
        present = headers_found(cells)
        raise NeedsFileError(
            f"The file is missing the {_LABELS['title']} column (also 事项 or 问题). "
            f"Headers found: {present}."
        )
    return layout


# --- Values --------------------------------------------------------------------------------------

_MAX_LENGTH = {"title": 120, "description": 5000, "address": 200, "reason": 100}
_DEFAULT_MAX_LENGTH = 50
_MULTILINE = frozenset({"description"})

_CHANNELS: dict[str, str] = {
    **dict.fromkeys(("走访", "入户", "入户走访", "上门走访", "visit"), Channel.VISIT),
    **dict.fromkeys(("问卷", "问卷调查", "调查", "调研", "survey"), Channel.SURVEY),
    **dict.fromkeys(
        ("群聊", "微信群", "业主群", "楼栋群", "微信", "group_chat"), Channel.GROUP_CHAT
    ),
    **dict.fromkeys(("电话", "来电", "热线", "电话反映", "phone"), Channel.PHONE),
    **dict.fromkeys(("会议", "议事会", "居民议事会", "座谈会", "meeting"), Channel.MEETING),
    **dict.fromkeys(("来访", "到访", "上门来访", "来访登记", "walk_in"), Channel.WALK_IN),
    **dict.fromkeys(("其他", "其它", "other"), Channel.OTHER),
}
_CHANNEL_WORDS = "走访, 问卷, 群聊, 电话, 会议, 来访 or 其他"

_STAGES: dict[str, str] = {
    **dict.fromkeys(("已提出", "提出", "待处理", "未处理", "新提出"), Stage.RAISED),
    **dict.fromkeys(("陪伴中", "陪伴", "已陪伴"), Stage.ACCOMPANIED),
    **dict.fromkeys(("议事中", "协商中", "商议中"), Stage.DELIBERATING),
    **dict.fromkeys(("已决定", "已议定"), Stage.DECIDED),
    **dict.fromkeys(("行动中", "处理中", "办理中", "进行中"), Stage.ACTING),
    **dict.fromkeys(("已解决", "已处理"), Stage.RESOLVED),
    **dict.fromkeys(("已验证", "已回访", "居民已确认"), Stage.VERIFIED),
    **dict.fromkeys(("已关闭", "关闭", "已办结", "办结", "已完成"), Stage.CLOSED),
    **dict.fromkeys(("已转介", "转介"), Stage.REFERRED),
    **dict.fromkeys(("不予处理", "不予受理", "已拒绝"), Stage.DECLINED),
    **{value: value for value in Stage.values},
}
_STAGE_WORDS = "已提出, 陪伴中, 议事中, 已决定, 行动中, 已解决, 已验证, 已关闭, 已转介 or 不予处理"
_STAGE_NAMES: dict[str, str] = {
    Stage.RAISED: "已提出",
    Stage.ACCOMPANIED: "陪伴中",
    Stage.DELIBERATING: "议事中",
    Stage.DECIDED: "已决定",
    Stage.ACTING: "行动中",
    Stage.RESOLVED: "已解决",
    Stage.VERIFIED: "已验证",
    Stage.CLOSED: "已关闭",
    Stage.REFERRED: "已转介",
    Stage.DECLINED: "不予处理",
}

_URGENCIES: dict[str, str] = {
    **dict.fromkeys(("不急", "可缓", "低", "可以等", "low"), Urgency.LOW),
    **dict.fromkeys(("一般", "普通", "正常", "中", "normal"), Urgency.NORMAL),
    **dict.fromkeys(("紧急", "急", "高", "加急", "high"), Urgency.HIGH),
    **dict.fromkeys(("危险", "特急", "非常紧急", "危及人身安全", "danger"), Urgency.DANGER),
}
_URGENCY_WORDS = "不急, 一般, 紧急 or 危险"

_PUBLIC = YES | {"公开"}
_PRIVATE = NO | {"不公开", "私密", "保密"}

_DATE = re.compile(
    r"(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m2>\d{2})(?P<d2>\d{2}))"
    r"(?:(?:\s+|T)?(?P<H>\d{1,2})[:时点](?P<M>\d{1,2})?分?(?::(?P<S>\d{1,2})(?:\.\d+)?)?)?"
)
_EARLIEST_YEAR = 2000
_DATE_HELP = "a date such as 2026-05-03, 2026/5/3 or 2026年5月3日"
_EXCEL_SERIAL = (10_000, 100_000)  # 1927 … 2173: plausible Excel day numbers


def _problem(name: str, text: str) -> str | None:
    limit = _MAX_LENGTH.get(name, _DEFAULT_MAX_LENGTH)
    return text_problem(text, limit, multiline=name in _MULTILINE)


def _date(value: object, text: str, now: dt.datetime) -> dt.datetime | str:
    """The moment a cell names, or what is wrong with it.

    A date without a time is taken as nine in the morning (or now, if that is later today).
    """
    timed = True
    if isinstance(value, dt.datetime):
        moment = value
        timed = (value.hour, value.minute, value.second) != (0, 0, 0)
    elif isinstance(value, dt.date):
        moment, timed = dt.datetime(value.year, value.month, value.day), False
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and _EXCEL_SERIAL[0] <= value <= _EXCEL_SERIAL[1]
    ):
        from openpyxl.utils.datetime import from_excel

        converted = from_excel(value)
        if not isinstance(converted, dt.datetime):  # pragma: no cover - serials give datetimes
            return f"is {show(text)}, which is not {_DATE_HELP}"
        moment = converted
        timed = not float(value).is_integer()
    else:
        folded = unicodedata.normalize("NFKC", text).strip()
        match = _DATE.fullmatch(folded)
        if match is None:
            return f"is {show(text)}, which is not {_DATE_HELP}"
        try:
            moment = dt.datetime(
                int(match["y"]),
                int(match["m"] or match["m2"]),
                int(match["d"] or match["d2"]),
                int(match["H"] or 0),
                int(match["M"] or 0),
                int(match["S"] or 0),
            )
        except ValueError:
            return f"is {show(text)}, which is not {_DATE_HELP}"
        timed = match["H"] is not None
    if moment.year < _EARLIEST_YEAR:
        return f"is {show(text)}, which is before {_EARLIEST_YEAR}"
    local_now = timezone.localtime(now)
    if moment.date() > local_now.date():
        return f"is {show(text)}, which is in the future"
    if not timed:
        moment = moment.replace(hour=9, minute=0, second=0, microsecond=0)
    aware = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    if aware > now:
        if timed and aware > now + dt.timedelta(minutes=5):
            return f"is {show(text)}, which is in the future"
        aware = now
    return aware


def _choice(text: str, table: dict[str, str]) -> str | None:
    return table.get(fold(text))


# --- Rows ----------------------------------------------------------------------------------------


def _parse_row(
    number: int, cells: Sequence[object], layout: _Layout, now: dt.datetime
) -> NeedRow | list[str]:
    problems: list[tuple[int, str]] = []
    failed: set[str] = set()  # fields whose cell was already found wrong
    raw: dict[str, object] = {}
    text: dict[str, str] = dict.fromkeys(_SYNONYMS, "")
    for name, position in layout.positions.items():
        value = cells[position] if position < len(cells) else None
        header = layout.headers[name]
        raw[name] = value
        if is_formula(value):
            problems.append(
                (position, f"{header} is {show(value)}, which is a spreadsheet formula")
            )
            failed.add(name)
            continue
        value_text = cell_text(value)
        problem = _problem(name, value_text)
        if problem is not None:
            problems.append((position, f"{header} {problem}"))
            failed.add(name)
            continue
        text[name] = value_text

    def say(name: str, what: str) -> None:
        problems.append((layout.positions[name], f"{layout.headers[name]} {what}"))

    if not text["title"] and "title" not in failed:
        say("title", "is empty; every need needs a title")

    channel = str(Channel.OTHER)
    if text["channel"]:
        found = _choice(text["channel"], _CHANNELS)
        if found is None:
            say("channel", f"is {show(text['channel'])}, which is not one of {_CHANNEL_WORDS}")
        else:
            channel = found

    stage = str(Stage.RAISED)
    if text["stage"]:
        found = _choice(text["stage"], _STAGES)
        if found is None:
            say("stage", f"is {show(text['stage'])}, which is not one of {_STAGE_WORDS}")
        else:
            stage = found

    urgency = str(Urgency.NORMAL)
    if text["urgency"]:
        found = _choice(text["urgency"], _URGENCIES)
        if found is None:
            say("urgency", f"is {show(text['urgency'])}, which is not one of {_URGENCY_WORDS}")
        else:
            urgency = found

    public = False
    if text["public"]:
        folded = fold(text["public"])
        if folded in _PUBLIC:
            public = True
        elif folded not in _PRIVATE:
            say("public", f"is {show(text['public'])}, which is not 是 or 否")

    moments: dict[str, dt.datetime | None] = {"raised_at": None, "done_at": None}
    for name in moments:
        if name not in layout.positions or name in failed:
            continue
        if is_blank(raw.get(name)):
            if name == "raised_at":
                say(name, "is empty; give the date the need was raised")
            continue
        parsed = _date(raw[name], text[name], now)
        if isinstance(parsed, str):
            say(name, parsed)
        else:
            moments[name] = parsed
    raised_at, done_at = moments["raised_at"], moments["done_at"]
    if raised_at is not None and done_at is not None and done_at < raised_at:
        say("done_at", f"is {show(text['done_at'])}, which is before the need was raised")

    if problems:
        return [message for _position, message in sorted(problems, key=lambda p: p[0])]
    return NeedRow(
        row=number,
        title=text["title"],
        description=text["description"],
        category=text["category"],
        building=text["building"],
        unit=text["unit"],
        room=text["room"],
        address=text["address"],
        channel=channel,
        raiser=text["raiser"],
        raised_at=raised_at,
        stage=stage,
        urgency=urgency,
        public=public,
        reason=text["reason"],
        done_at=done_at,
    )


_Rows = Iterable[tuple[int, Sequence[object]]]


def _read_table(
    rows: _Rows, layout: _Layout, max_rows: int, now: dt.datetime
) -> tuple[list[NeedRow], list[Rejection]]:
    return read_rows(
        rows,
        layout=layout,
        max_rows=max_rows,
        parse=lambda number, cells: _parse_row(number, cells, layout, now),
        error=NeedsFileError,
        # A repeated line is reported, not a reason to refuse the file.
        duplicate=lambda n: f"The row duplicates row {n}",
    )


# --- Files ---------------------------------------------------------------------------------------

_SHEET_NAMES = ("需求", "诉求", "台账", "问题", "needs")


def read_needs(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    now: dt.datetime | None = None,
) -> NeedsReading:
    """Read need records from the bytes of an .xlsx or CSV file.

    Raises NeedsFileError when the file as a whole cannot be used; rows with problems are
    returned in `rejected` and left out of `rows`.
    """
    with open_table(
        data,
        filename=filename,
        max_bytes=max_bytes,
        what="a list of needs",
        part="the list",
        sheet_words=_SHEET_NAMES,
        recognise=_recognised,
        header_examples="标题, 描述, 类别, 楼栋, 渠道, 提出人, 日期 or 状态",
        error=NeedsFileError,
    ) as table:
        layout = _layout(table.header)
        accepted, rejected = _read_table(table, layout, max_rows, now or timezone.now())
    return NeedsReading(accepted, rejected, dict(layout.headers), table.encoding)


# --- Importing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportNote:
    """Something done differently from what the row said, and why."""

    row: int
    note: str


@dataclass
class NeedsImportResult:
    imported: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[ImportNote] = field(default_factory=list)
    needs: list[int] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "notes": [{"row": n.row, "note": n.note} for n in self.notes],
            "needs": list(self.needs),
            "written": self.written,
        }


class NeedsRejected(NeedError):
    """Some rows were rejected and the import is all or nothing: nothing was written."""

    def __init__(self, result: NeedsImportResult) -> None:
        super().__init__(
            f"{len(result.rejected)} row(s) of the file have problems; nothing was imported."
        )
        self.result = result


class _RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SIDE_EXITS = frozenset({Stage.REFERRED, Stage.DECLINED})


def stage_path(target: str) -> list[str]:
    """The stages a new need passes through to reach `target`, along the shortest legal path.

    The side exits (referred, declined) are passed through only when they are the target, so that
    a closed need has gone round the loop rather than out through a referral.
    """
    if target == Stage.RAISED:
        return []
    previous: dict[str, str] = {}
    queue = deque([str(Stage.RAISED)])
    while queue:
        stage = queue.popleft()
        if stage == target:
            break
        if stage in _SIDE_EXITS and stage != Stage.RAISED:
            continue
        for following in sorted(TRANSITIONS[stage]):
            if following not in previous and following != Stage.RAISED:
                previous[following] = stage
                queue.append(following)
    if target not in previous:  # pragma: no cover - every stage is reachable from raised
        raise ValueError(f"no path to {target}")
    path = [target]
    while path[-1] in previous and previous[path[-1]] != Stage.RAISED:
        path.append(previous[path[-1]])
    return path[::-1]


def _source_id(row: NeedRow, raised_at: dt.datetime, place: str) -> str:
    """A fingerprint of the record, so that importing the same file again adds nothing."""
    key = "|".join((row.title, raised_at.isoformat(), place, row.raiser, row.category))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


class _Context:
    """What rows are matched against: the community's categories, places and residents."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self.categories = categories_ensure(community.organisation)
        self.buildings = {b.label: b for b in Building.objects.filter(community=community)}
        self.dwellings = {
            (d.building_id, d.unit, d.room): d
            for d in Dwelling.objects.filter(community=community).select_related("building")
        }
        self.by_name: dict[str, list[Resident]] = {}
        for resident in Resident.objects.filter(
            community=community, anonymised_at__isnull=True
        ).select_related("household"):
            self.by_name.setdefault(resident.name.strip(), []).append(resident)
        self.owned: dict[int, set[int]] = {}
        for resident_id, dwelling_id in Ownership.objects.filter(
            dwelling__community=community
        ).values_list("resident_id", "dwelling_id"):
            self.owned.setdefault(resident_id, set()).add(dwelling_id)

    def category(self, text: str, header: str) -> Category:
        names = ", ".join(c.name for c in self.categories)
        if not text:
            other = next((c for c in self.categories if c.name == "其他"), None)
            if other is None:
                raise _RowRejected(f"{header} is empty; the categories are: {names}")
            return other
        folded = fold(text)
        for category in self.categories:
            if fold(category.name) == folded:
                return category
        # A part or a beginning that fits one category only (治安 for 安全/治安).
        fitting = [
            c
            for c in self.categories
            if folded in {fold(part) for part in re.split(r"[/／与和、]", c.name)}
            or fold(c.name).startswith(folded)
        ]
        if len(fitting) == 1:
            return fitting[0]
        raise _RowRejected(
            f"{header} is {show(text)}, which is not a category of "
            f"{self.community.organisation.name}; the categories are: {names}"
        )

    def place(
        self, row: NeedRow, headers: dict[str, str]
    ) -> tuple[Building | None, Dwelling | None, str | None]:
        """The building and dwelling a row names, and a note when the dwelling is unknown."""
        if not (row.building or row.room or row.address):
            return None, None, None
        named = " / ".join(
            headers[f] for f in ("building", "unit", "room", "address") if f in headers
        )
        try:
            if row.room:
                address = make_address(building=row.building, unit=row.unit, room=row.room)
                label, key = address.building, (address.unit, address.room)
            elif row.building:
                label, key = normalise_building(row.building), None
            else:
                address = parse_address(row.address)
                label, key = address.building, (address.unit, address.room)
        except AddressError as error:
            raise _RowRejected(f"{named}: {error}") from None
        building = self.buildings.get(label)
        if building is None:
            raise _RowRejected(f"{named}: there is no building {label}栋 in {self.community.name}")
        if key is None:
            return building, None, None
        dwelling = self.dwellings.get((building.pk, *key))
        if dwelling is None:
            unit = f"{key[0]}单元" if key[0] else ""
            return (
                building,
                None,
                f"there is no dwelling {label}栋{unit}{key[1]}室 in the register; "
                "the need was recorded for the building",
            )
        return building, dwelling, None

    def raiser(
        self, name: str, dwelling: Dwelling | None, header: str
    ) -> tuple[Resident | None, str | None]:
        if not name:
            return None, None
        candidates = self.by_name.get(name, [])
        if dwelling is not None:
            at_home = [
                r
                for r in candidates
                if (r.household is not None and r.household.dwelling_id == dwelling.pk)
                or dwelling.pk in self.owned.get(r.pk, set())
            ]
            if len(at_home) == 1:
                return at_home[0], None
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            return None, (
                f"{header} {show(name)} is not a resident of {self.community.name}; "
                "the need was recorded without a raiser"
            )
        return None, (
            f"{header} {show(name)} matches {len(candidates)} residents of "
            f"{self.community.name}; the need was recorded without a raiser"
        )


def _import_row(
    *,
    row: NeedRow,
    context: _Context,
    headers: dict[str, str],
    actor: User | None,
    now: dt.datetime,
    notes: list[ImportNote],
) -> Need:
    category = context.category(row.category, headers.get("category", "类别"))
    building, dwelling, place_note = context.place(row, headers)
    raiser, raiser_note = context.raiser(row.raiser, dwelling, headers.get("raiser", "提出人"))
    raised_at = row.raised_at or now
    place = dwelling.label if dwelling else (str(building) if building else "")
    source_id = _source_id(row, raised_at, place)
    earlier = Need.objects.filter(
        community=context.community, source_type=SOURCE_TYPE, source_id=source_id
    ).first()
    if earlier is not None:
        raise _RowRejected(f"The need was imported before (need {earlier.pk})")
    for note in (place_note, raiser_note):
        if note:
            notes.append(ImportNote(row=row.row, note=note))
    try:
        need = need_raise(
            community=context.community,
            title=row.title,
            description=row.description,
            category=category,
            channel=row.channel,
            raised_by=raiser,
            raised_at=raised_at,
            recorded_by=actor,
            building=building,
            dwelling=dwelling,
            urgency=row.urgency,
            visibility=Visibility.PUBLIC if row.public else Visibility.PRIVATE,
            source_type=SOURCE_TYPE,
            source_id=source_id,
        )
        _walk(
            need=need,
            row=row,
            raiser=raiser,
            actor=actor,
            at=row.done_at or raised_at,
            notes=notes,
        )
    except NeedError as error:
        raise _RowRejected(str(error)) from None
    return need


def _walk(
    *,
    need: Need,
    row: NeedRow,
    raiser: Resident | None,
    actor: User | None,
    at: dt.datetime,
    notes: list[ImportNote],
) -> None:
    """Move the new need stage by stage to the stage the row records."""
    path = stage_path(row.stage)
    if raiser is None and Stage.ACCOMPANIED in path:
        if actor is None:
            notes.append(
                ImportNote(
                    row=row.row,
                    note=(
                        f"nobody leads the need (no raiser is known), so it stays "
                        f"{_STAGE_NAMES[Stage.RAISED]} instead of {_STAGE_NAMES[row.stage]}"
                    ),
                )
            )
            return
        need_set_lead(need=need, actor=actor, staff=actor, reason=STAFF_LEAD_REASON)
    for stage in path:
        if stage == Stage.VERIFIED and raiser is None:
            notes.append(
                ImportNote(
                    row=row.row,
                    note=(
                        "only a resident can verify a resolution and no raiser is known, so it "
                        f"stays {_STAGE_NAMES[Stage.RESOLVED]} instead of "
                        f"{_STAGE_NAMES[row.stage]}"
                    ),
                )
            )
            return
        note = IMPORT_NOTE
        if stage in _SIDE_EXITS and row.reason:
            note = f"{row.reason}（{IMPORT_NOTE}）"
        need_move(
            need=need,
            to_stage=stage,
            actor=actor,
            by_resident=raiser if stage == Stage.VERIFIED else None,
            note=note,
            at=at,
        )


def needs_import(
    *,
    community: Community,
    reading: NeedsReading,
    actor: User | None = None,
    partial: bool = False,
    now: dt.datetime | None = None,
) -> NeedsImportResult:
    """Import the rows of a reading: all or nothing unless `partial`.

    With `partial`, the good rows are imported and the others listed in `rejected`. Rows imported
    before (the same title, date, place, raiser and category) are rejected rather than duplicated.
    `actor`, if given, is recorded as having entered the needs and leads those whose raiser is not
    known, with a reason.
    """
    now = now or timezone.now()
    result = NeedsImportResult(rejected=list(reading.rejected))
    with transaction.atomic():
        context = _Context(community)
        if "raised_at" not in reading.columns and reading.rows:
            result.notes.append(
                ImportNote(row=0, note="the file has no date column; the needs are dated now")
            )
        for row in reading.rows:
            notes: list[ImportNote] = []
            try:
                with transaction.atomic():
                    need = _import_row(
                        row=row,
                        context=context,
                        headers=reading.columns,
                        actor=actor,
                        now=now,
                        notes=notes,
                    )
            except _RowRejected as rejection:
                result.rejected.append(Rejection(row=row.row, reason=rejection.reason))
                continue
            result.notes.extend(notes)
            result.needs.append(need.pk)
            result.imported += 1
        result.rejected.sort(key=lambda r: r.row)
        if result.rejected and not partial:
            result.imported = 0
            result.needs = []
            raise NeedsRejected(result)
    result.written = True
    return result
