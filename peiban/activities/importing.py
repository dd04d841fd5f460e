"""Import paper sign-in sheets (签到表) typed into Excel or CSV: who came to which activity.

Reading (`read_attendance`) touches no database. Headers are matched flexibly (活动 and 活动名称,
姓名 and 名字, 电话 and 手机 …); CSV files may be UTF-8, UTF-8 with a byte order mark or GBK; every
cell is checked as the roster reader checks it: the size is checked before anything is parsed,
formulas and HTML are rejected rather than stored, and row numbers are those the spreadsheet
program shows. Required columns: 活动, 日期, 姓名; a person is placed by 楼栋/单元/房号, by one
地址 or 房号 column (``3-2-301``), or by 电话 (whole number or last four digits). 志愿者 (是/否),
签到时间 and 签退时间 are optional.

Importing (`attendance_import`) finds each activity by its title and date in the community, or
creates it (a service, or a themed activity when the title says 主题, organised by staff, from
09:00 to 11:00 unless the sheet's times say otherwise). People are matched by dwelling and name,
then by phone, then by a name unique in the community. Someone not matched who gave a known room
and a name is registered there as a newcomer, unless the name is one character off a name in
that dwelling (then it is probably misspelt, and the row is rejected with the names found there).
Nobody is counted twice: a row for someone already counted is reported as a duplicate, which does
not stop the import. Otherwise all or nothing unless `partial`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from peiban.activities.models import Activity, ActivityKind, OrganiserKind
from peiban.activities.services import (
    ActivityError,
    activity_create,
    attendance_check_in,
    attendance_check_out,
    newcomer_register,
)
from peiban.core.crypto import lookup_hash, normalise_phone
from peiban.places.addresses import Address, AddressError, make_address, parse_address
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
from peiban.places.models import Community, Dwelling, Ownership, Resident
from peiban.places.services import contact_hashes
from peiban.places.tables import (
    HeaderMap,
    Layout,
    TableFileError,
    headers_found,
    open_table,
    read_rows,
)

__all__ = [
    "AttendanceFileError",
    "AttendanceImportResult",
    "AttendanceReading",
    "AttendanceRejected",
    "AttendanceRow",
    "attendance_import",
    "read_attendance",
]

MAX_BYTES = 20 * 2**20
MAX_ROWS = 20_000
DEFAULT_START = dt.time(9, 0)
DEFAULT_LENGTH = dt.timedelta(hours=2)
THEMED_WORD = "主题"


@dataclass(frozen=True)
class AttendanceRow:
    """One accepted line of a sign-in sheet, read but not yet matched."""

    row: int
    activity: str
    day: dt.date
    name: str
    building: str
    unit: str
    room: str
    address: str
    phone: str  # digits only: a whole number or the last four
    volunteer: bool
    check_in: dt.time | None
    check_out: dt.time | None


@dataclass
class AttendanceReading:
    rows: list[AttendanceRow]
    rejected: list[Rejection]
    columns: dict[str, str]  # field -> header as found
    encoding: str


class AttendanceFileError(TableFileError):
    """The whole file is unusable; the message says why."""


# --- Headers -------------------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "activity": ("活动", "活动名称", "活动主题", "活动标题", "活动内容", "activity"),
    "day": ("日期", "活动日期", "活动时间", "date"),
    "name": ("姓名", "名字", "居民姓名", "参加人", "参与人", "签名", "name"),
    "building": ("楼栋", "栋", "楼号", "栋号", "幢", "楼栋号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "室", "房间号", "门牌号", "户号", "room"),
    "address": ("地址", "住址", "家庭住址", "楼栋房号", "address"),
    "phone": ("电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "phone"),
    "volunteer": ("志愿者", "是否志愿者", "volunteer"),
    "check_in": ("签到时间", "签到", "到达时间", "check_in"),
    "check_out": ("签退时间", "签退", "离开时间", "check_out"),
}
_REQUIRED = (("activity", "活动 (activity)"), ("day", "日期 (date)"), ("name", "姓名 (name)"))
_HEADERS = HeaderMap(_SYNONYMS)
_recognised = _HEADERS.count
_Layout = Layout


def _layout(cells: Sequence[object]) -> _Layout:
    layout = _HEADERS.layout(cells, error=AttendanceFileError)
    headers = layout.headers
    missing = [label for name, label in _REQUIRED if name not in headers]
    if missing:
        present = headers_found(cells)
        raise AttendanceFileError(
            f"The file is missing the {' and '.join(missing)} column(s). Headers found: {present}."
        )
    return layout


# --- Values --------------------------------------------------------------------------------------

_MAX_LENGTH = {"activity": 120, "address": 200}
_DEFAULT_MAX_LENGTH = 50
_DATE = re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?")
_TIME = re.compile(r"(?P<H>\d{1,2})[:：时点](?P<M>\d{1,2})?分?(?::(?P<S>\d{1,2})(?:\.\d+)?)?")
_EARLIEST_YEAR = 2000
_DATE_HELP = "a date such as 2026-05-03, 2026/5/3 or 2026年5月3日"
_TIME_HELP = "a time such as 9:30 or 14:05"
_EXCEL_SERIAL = (10_000, 100_000)


def _problem(name: str, text: str) -> str | None:
    limit = _MAX_LENGTH.get(name, _DEFAULT_MAX_LENGTH)
    return text_problem(text, limit)


def _day(value: object, text: str, today: dt.date) -> dt.date | str:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and _EXCEL_SERIAL[0] <= value <= _EXCEL_SERIAL[1]
    ):
        from openpyxl.utils.datetime import from_excel

        converted = from_excel(value)
        if not isinstance(converted, dt.datetime):  # pragma: no cover
            return f"is {show(text)}, which is not {_DATE_HELP}"
        day = converted.date()
    else:
        folded = unicodedata.normalize("NFKC", text).strip()
        match = _DATE.match(folded)
        if match is None or (
            folded[match.end() :].strip() and not _TIME.fullmatch(folded[match.end() :].strip())
        ):
            return f"is {show(text)}, which is not {_DATE_HELP}"
        try:
            day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            return f"is {show(text)}, which is not {_DATE_HELP}"
    if day.year < _EARLIEST_YEAR:
        return f"is {show(text)}, which is before {_EARLIEST_YEAR}"
    if day > today:
        return f"is {show(text)}, which is in the future"
    return day


def _clock(value: object, text: str) -> dt.time | str:
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time of day
        seconds = round(value * 86400)
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60)
    folded = unicodedata.normalize("NFKC", text).strip()
    match = _TIME.fullmatch(folded)
    if match is None:
        return f"is {show(text)}, which is not {_TIME_HELP}"
    try:
        return dt.time(int(match["H"]), int(match["M"] or 0), int(match["S"] or 0))
    except ValueError:
        return f"is {show(text)}, which is not {_TIME_HELP}"


def _parse_row(
    number: int, cells: Sequence[object], layout: _Layout, today: dt.date
) -> AttendanceRow | list[str]:
    problems: list[tuple[int, str]] = []
    failed: set[str] = set()
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

    for name, what in (
        ("activity", "is empty; say which activity"),
        ("name", "is empty; every line needs the name of who came"),
    ):
        if not text[name] and name not in failed:
            say(name, what)

    day: dt.date | None = None
    if "day" not in failed:
        if is_blank(raw.get("day")):
            say("day", "is empty; give the date of the activity")
        else:
            parsed = _day(raw["day"], text["day"], today)
            if isinstance(parsed, str):
                say("day", parsed)
            else:
                day = parsed

    phone = ""
    if text["phone"]:
        phone = normalise_phone(text["phone"])
        if len(phone) != 4 and len(phone) < 7:
            say(
                "phone",
                f"is {show(text['phone'])}, which is neither a phone number nor its last 4 digits",
            )

    volunteer = False
    if text["volunteer"]:
        folded = fold(text["volunteer"])
        if folded in YES:
            volunteer = True
        elif folded not in NO:
            say("volunteer", f"is {show(text['volunteer'])}, which is not 是 or 否")

    times: dict[str, dt.time | None] = {"check_in": None, "check_out": None}
    for name in times:
        if name in layout.positions and name not in failed and not is_blank(raw.get(name)):
            parsed_time = _clock(raw[name], text[name])
            if isinstance(parsed_time, str):
                say(name, parsed_time)
            else:
                times[name] = parsed_time
    check_in, check_out = times["check_in"], times["check_out"]
    if check_in is not None and check_out is not None and check_out < check_in:
        say("check_out", f"is {show(text['check_out'])}, which is before the check-in time")

    if problems or day is None:
        return [message for _position, message in sorted(problems, key=lambda p: p[0])]
    return AttendanceRow(
        row=number,
        activity=text["activity"],
        day=day,
        name=text["name"],
        building=text["building"],
        unit=text["unit"],
        room=text["room"],
        address=text["address"],
        phone=phone,
        volunteer=volunteer,
        check_in=check_in,
        check_out=check_out,
    )


# --- Tables and files ----------------------------------------------------------------------------

_Rows = Iterable[tuple[int, Sequence[object]]]


def _read_table(
    rows: _Rows, layout: _Layout, max_rows: int, today: dt.date
) -> tuple[list[AttendanceRow], list[Rejection]]:
    return read_rows(
        rows,
        layout=layout,
        max_rows=max_rows,
        parse=lambda number, cells: _parse_row(number, cells, layout, today),
        error=AttendanceFileError,
        # A repeated line is reported, not a reason to refuse the file.
        duplicate=lambda n: f"duplicate: the row repeats row {n}",
    )


_SHEET_NAMES = ("签到", "考勤", "出勤", "attendance")


def read_attendance(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    today: dt.date | None = None,
) -> AttendanceReading:
    """Read a sign-in sheet from the bytes of an .xlsx or CSV file.

    Raises AttendanceFileError when the file as a whole cannot be used; rows with problems are
    returned in `rejected` and left out of `rows`.
    """
    with open_table(
        data,
        filename=filename,
        max_bytes=max_bytes,
        what="a sign-in sheet",
        part="the sheet",
        sheet_words=_SHEET_NAMES,
        recognise=_recognised,
        header_examples="活动, 日期, 姓名, 楼栋, 房号 or 电话",
        error=AttendanceFileError,
    ) as table:
        layout = _layout(table.header)
        accepted, rejected = _read_table(table, layout, max_rows, today or timezone.localdate())
    return AttendanceReading(accepted, rejected, dict(layout.headers), table.encoding)


# --- Importing -----------------------------------------------------------------------------------


@dataclass
class AttendanceImportResult:
    activities_created: int = 0
    attendance_created: int = 0
    residents_matched: int = 0
    residents_created: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "activities_created": self.activities_created,
            "attendance_created": self.attendance_created,
            "residents_matched": self.residents_matched,
            "residents_created": self.residents_created,
            "duplicates": self.duplicates,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "written": self.written,
        }


class AttendanceRejected(ActivityError):
    """Some rows were rejected and the import is all or nothing: nothing was written."""

    def __init__(self, result: AttendanceImportResult, blocking: int) -> None:
        super().__init__(f"{blocking} row(s) of the file have problems; nothing was imported.")
        self.result = result


class _RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _one_off(a: str, b: str) -> bool:
    """Whether two names differ by one character (changed, added or dropped)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return len(short) >= 2 and any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class _Context:
    """What rows are matched against: the community's activities, dwellings and residents."""

    def __init__(self, community: Community, actor: User | None) -> None:
        self.community = community
        self.actor = actor
        self.dwellings = {
            (d.building.label, d.unit, d.room): d
            for d in Dwelling.objects.filter(community=community).select_related("building")
        }
        self.residents: list[Resident] = list(
            Resident.objects.filter(community=community, anonymised_at__isnull=True)
            .select_related("household")
            .order_by("pk")
        )
        self.owned: dict[int, set[int]] = {}
        for resident_id, dwelling_id in Ownership.objects.filter(
            dwelling__community=community
        ).values_list("resident_id", "dwelling_id"):
            self.owned.setdefault(resident_id, set()).add(dwelling_id)
        self.activities: dict[tuple[str, dt.date], Activity] = {}
        for activity in Activity.objects.filter(community=community).order_by("pk"):
            key = (activity.title, timezone.localtime(activity.starts_at).date())
            self.activities.setdefault(key, activity)
        self.spans: dict[tuple[str, dt.date], tuple[dt.datetime, dt.datetime]] = {}

    # Places and people

    def address(self, row: AttendanceRow, headers: dict[str, str]) -> Address | None:
        if not (row.building or row.room or row.address):
            return None
        named = " / ".join(
            headers[f] for f in ("building", "unit", "room", "address") if f in headers
        )
        try:
            if row.room or row.building:
                return make_address(building=row.building, unit=row.unit, room=row.room)
            return parse_address(row.address)
        except AddressError as error:
            raise _RowRejected(f"{named}: {error}") from None

    def living_in(self, dwelling: Dwelling) -> list[Resident]:
        return [
            r
            for r in self.residents
            if (r.household is not None and r.household.dwelling_id == dwelling.pk)
            or dwelling.pk in self.owned.get(r.pk, set())
        ]

    def by_phone(self, phone: str, name: str) -> Resident | None:
        if len(phone) == 4:
            wanted, attribute = lookup_hash(phone, kind="phone_last4"), "phone_last4_hash"
        else:
            wanted = contact_hashes(phone=phone, id_number="")["phone_hash"]
            attribute = "phone_hash"
        found = [
            r
            for r in self.residents
            if wanted and getattr(r, attribute) == wanted and r.name == name
        ]
        return found[0] if len(found) == 1 else None

    def person(self, row: AttendanceRow, headers: dict[str, str]) -> tuple[Resident, bool]:
        """The resident a row names, and whether they were registered just now."""
        address = self.address(row, headers)
        dwelling = self.dwellings.get(address.key()) if address is not None else None
        if dwelling is not None:
            here = [r for r in self.living_in(dwelling) if r.name == row.name]
            if len(here) == 1:
                return here[0], False
        if row.phone:
            found = self.by_phone(row.phone, row.name)
            if found is not None:
                return found, False
        if address is not None and dwelling is None:
            raise _RowRejected(
                f"could not match {row.name}: there is no dwelling {address.label()} in "
                f"{self.community.name}"
            )
        named = [r for r in self.residents if r.name == row.name]
        if len(named) == 1:
            return named[0], False
        if dwelling is None:
            if len(named) > 1:
                raise _RowRejected(
                    f"could not match {row.name}: {len(named)} residents have that name; "
                    "add the room or the phone number"
                )
            if row.phone:
                raise _RowRejected(
                    f"could not match {row.name} (the phone number is not known and no room "
                    "is given)"
                )
            raise _RowRejected(f"could not match {row.name} (no room or phone)")
        names = sorted({r.name for r in self.living_in(dwelling)})
        if any(_one_off(row.name, other) for other in names):
            raise _RowRejected(
                f"could not match {row.name} at {dwelling.label}; the residents there are "
                f"{'、'.join(names)}: correct the name, or register the newcomer first"
            )
        try:
            resident = newcomer_register(
                community=self.community,
                name=row.name,
                room_text=address.label() if address else "",
                phone=row.phone if len(row.phone) > 4 else "",
                actor=self.actor,
            )
        except ActivityError as error:
            raise _RowRejected(str(error)) from None
        self.residents.append(resident)
        return resident, True

    # Activities

    def activity(self, row: AttendanceRow) -> tuple[Activity, bool]:
        key = (row.activity, row.day)
        found = self.activities.get(key)
        if found is not None:
            return found, False
        starts_at, ends_at = self.spans[key]
        try:
            activity = activity_create(
                community=self.community,
                title=row.activity,
                kind=ActivityKind.THEMED if THEMED_WORD in row.activity else ActivityKind.SERVICE,
                starts_at=starts_at,
                ends_at=ends_at,
                organiser_kind=OrganiserKind.STAFF,
                actor=self.actor,
            )
        except ActivityError as error:
            raise _RowRejected(str(error)) from None
        self.activities[key] = activity
        return activity, True

    def plan_spans(self, rows: list[AttendanceRow]) -> None:
        """When activities not yet recorded took place: 09:00 to 11:00 unless the sheet's
        check-in and check-out times say otherwise."""
        times: dict[tuple[str, dt.date], list[dt.time]] = {}
        for row in rows:
            seen = times.setdefault((row.activity, row.day), [])
            seen.extend(t for t in (row.check_in, row.check_out) if t is not None)
        for (title, day), clock in times.items():
            start = _aware(day, min(clock) if clock else DEFAULT_START)
            end = max([start + DEFAULT_LENGTH, *(_aware(day, t) for t in clock)])
            self.spans[(title, day)] = (start, end)


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _import_row(
    row: AttendanceRow, context: _Context, headers: dict[str, str], result: AttendanceImportResult
) -> tuple[int, int]:
    """Record one row; returns (resident id, 1 if the resident was registered just now)."""
    resident, created = context.person(row, headers)
    activity, activity_created = context.activity(row)
    at = _aware(row.day, row.check_in) if row.check_in else activity.starts_at
    try:
        attendance, new = attendance_check_in(
            activity=activity,
            resident=resident,
            actor=context.actor,
            source="sheet",
            volunteer=row.volunteer,
            at=at,
        )
        if not new:
            raise _Duplicate(
                f"duplicate: {resident.name} was already counted at {activity.title} on "
                f"{row.day.isoformat()}"
            )
        if row.check_out is not None:
            attendance_check_out(
                attendance=attendance, actor=context.actor, at=_aware(row.day, row.check_out)
            )
    except ActivityError as error:
        raise _RowRejected(str(error)) from None
    result.activities_created += int(activity_created)
    result.attendance_created += 1
    return resident.pk, int(created)


class _Duplicate(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def attendance_import(
    *,
    community: Community,
    reading: AttendanceReading,
    actor: User | None = None,
    partial: bool = False,
) -> AttendanceImportResult:
    """Import the rows of a reading: all or nothing unless `partial`.

    Rows for someone already counted at that activity (earlier in the file or in an earlier
    import) are reported in `rejected` as duplicates; they do not stop the import.
    """
    result = AttendanceImportResult(rejected=list(reading.rejected))
    duplicates = {r.row for r in reading.rejected if r.reason.startswith("duplicate:")}
    matched: set[int] = set()
    with transaction.atomic():
        context = _Context(community, actor)
        context.plan_spans(reading.rows)
        for row in reading.rows:
            counts = (result.activities_created, result.attendance_created)
            try:
                with transaction.atomic():
                    resident_id, created = _import_row(row, context, reading.columns, result)
            except _Duplicate as duplicate:
                duplicates.add(row.row)
                result.rejected.append(Rejection(row=row.row, reason=duplicate.reason))
                continue
            except _RowRejected as rejection:
                result.activities_created, result.attendance_created = counts
                _forget(context, community)
                result.rejected.append(Rejection(row=row.row, reason=rejection.reason))
                continue
            if created:
                result.residents_created += 1
            else:
                matched.add(resident_id)
        result.residents_matched = len(matched)
        result.duplicates = len(duplicates)
        result.rejected.sort(key=lambda r: r.row)
        blocking = len(result.rejected) - len(duplicates)
        if blocking and not partial:
            result.activities_created = result.attendance_created = 0
            result.residents_matched = result.residents_created = 0
            raise AttendanceRejected(result, blocking)
    result.written = True
    return result


def _forget(context: _Context, community: Community) -> None:
    """Drop cached records that a rolled-back row may have created."""
    context.activities = {
        key: activity
        for key, activity in context.activities.items()
        if Activity.objects.filter(pk=activity.pk).exists()
    }
    alive = set(
        Resident.objects.filter(pk__in=[r.pk for r in context.residents]).values_list(
            "pk", flat=True
        )
    )
    context.residents = [r for r in context.residents if r.pk in alive]
