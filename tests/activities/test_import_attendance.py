"""`peiban import-attendance`: paper sign-in sheets into activities and attendance."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from openpyxl import Workbook

from peiban.activities.importing import read_attendance
from peiban.activities.models import Activity, Attendance
from peiban.places.models import Dwelling, Resident

pytestmark = pytest.mark.django_db

DAY = (timezone.localdate() - timedelta(days=3)).isoformat()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def sheet_world(world: Any, registry: Any) -> Any:
    """张伟 at 3-2-301 (phone 13800138000), an empty dwelling 3-2-302, and 李娜 without a room."""
    Dwelling.objects.create(
        community=world.community, building=registry.building, unit="2", room="302"
    )
    Resident.objects.create(community=world.community, name="李娜")
    return registry


def run(world: Any, path: Path, *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "import_attendance",
        world.community.slug,
        str(path),
        "--json",
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def fail(world: Any, path: Path, *extra: str) -> tuple[CommandError, dict[str, Any]]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_attendance",
            world.community.slug,
            str(path),
            "--json",
            *extra,
            stdout=out,
            stderr=io.StringIO(),
        )
    return caught.value, json.loads(out.getvalue())


def xlsx(tmp_path: Path, rows: list[list[object]], name: str = "签到表.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def csv_file(tmp_path: Path, text: str, encoding: str, name: str = "签到表.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


HEADER = ["活动名称", "日期", "姓名", "楼栋", "单元", "房号", "电话", "志愿者", "签到时间"]


def test_xlsx_happy_path(world: Any, sheet_world: Any, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        [
            ["和平里小区 重阳节签到表"],
            HEADER,
            ["重阳节主题活动", DAY, "张伟", "3", "2", "301", "", "是", "09:30"],
            ["重阳节主题活动", DAY, "王芳", "3栋", "2单元", "302室", "13900139000", "", ""],
            ["重阳节主题活动", DAY, "李娜", "", "", "", "", "否", ""],
            ["义诊", DAY, "张伟", "", "", "", "8000", "", "14:00"],
        ],
    )
    result = run(world, path)
    assert result["activities_created"] == 2
    assert result["attendance_created"] == 4
    assert result["residents_matched"] == 2  # 张伟 (twice) and 李娜
    assert result["residents_created"] == 1  # 王芳, a newcomer at 3-2-302
    assert result["rejected"] == []
    themed = Activity.objects.get(title="重阳节主题活动")
    assert themed.kind == "themed"
    assert themed.organiser_kind == "staff"
    assert timezone.localtime(themed.starts_at).hour == 9
    service = Activity.objects.get(title="义诊")
    assert service.kind == "service"
    assert timezone.localtime(service.starts_at).hour == 14
    zhang = Attendance.objects.get(activity=themed, resident=sheet_world.resident)
    assert zhang.volunteer
    assert zhang.source == "sheet"
    wang = Resident.objects.get(name="王芳")
    assert wang.household is not None
    assert wang.household.dwelling.room == "302"

    # Importing the same sheet again counts nobody twice, and is no error.
    again = run(world, path)
    assert again["attendance_created"] == 0
    assert again["activities_created"] == 0
    assert {r["row"] for r in again["rejected"]} == {3, 4, 5, 6}
    assert all(r["reason"].startswith("duplicate") for r in again["rejected"])
    assert Attendance.objects.count() == 4


def test_gbk_csv_with_address_column(world: Any, sheet_world: Any, tmp_path: Path) -> None:
    text = (
        "活动,日期,姓名,地址,手机\r\n"
        f"读书会,{DAY.replace('-', '/')},张伟,3-2-301,\r\n"
        f"读书会,{DAY},李娜,,\r\n"
        f"读书会,{DAY},李娜,,\r\n"
    )
    result = run(world, csv_file(tmp_path, text, "gbk"))
    assert result["attendance_created"] == 2
    assert result["rejected"] == [{"row": 4, "reason": "duplicate: the row repeats row 3"}]


def test_unknown_rooms_and_misspelt_names(world: Any, sheet_world: Any, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        [
            HEADER,
            ["读书会", DAY, "张伟", "3", "2", "301", "", "", ""],
            ["读书会", DAY, "张玮", "3", "2", "301", "", "", ""],
            ["读书会", DAY, "赵六", "9", "1", "101", "", "", ""],
            ["读书会", DAY, "钱七", "", "", "", "", "", ""],
            ["读书会", DAY, "<b>x</b>", "", "", "", "", "", ""],
            ["读书会", DAY, "=1+1", "", "", "", "", "", ""],
        ],
    )
    error, payload = fail(world, path)
    assert error.returncode == 1
    reasons = {r["row"]: r["reason"] for r in payload["rejected"]}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "张伟" in reasons[3]
    assert "张玮" in reasons[3]
    assert "9栋1单元101室" in reasons[4]
    assert reasons[5] == "could not match 钱七 (no room or phone)"
    assert "HTML" in reasons[6]
    assert "formula" in reasons[7]
    assert payload["attendance_created"] == 0
    assert not Activity.objects.exists()
    assert not Attendance.objects.exists()

    partial = run(world, path, "--partial")
    assert partial["attendance_created"] == 1
    assert partial["activities_created"] == 1
    assert {r["row"] for r in partial["rejected"]} == {3, 4, 5, 6, 7}
    assert Attendance.objects.get().resident == sheet_world.resident


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04broken", "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
        ("姓名,楼栋\n张伟,3\n".encode(), "missing"),
        ("活动,日期,姓名\n".encode("utf-16-le"), "neither|binary|header"),
    ],
)
def test_bad_files(world: Any, tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(data)
    error, payload = fail(world, path)
    assert error.returncode == 1
    assert payload["attendance_created"] == 0
    assert payload["rejected"] == []

    assert re.search(message, payload["error"])


def test_size_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        read_attendance(b"x" * 2000, filename="a.csv", max_bytes=1000)


def test_future_dates_and_bad_times(world: Any, tmp_path: Path) -> None:
    future = (date.today() + timedelta(days=30)).isoformat()
    text = f"活动,日期,姓名,签到时间\n读书会,{future},张伟,\n读书会,{DAY},张伟,25:99\n"
    reading = read_attendance(text.encode("utf-8-sig"), filename="a.csv")
    reasons = {r.row: r.reason for r in reading.rejected}
    assert "future" in reasons[2]
    assert "time" in reasons[3]


def test_unknown_community(world: Any, tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"活动,日期,姓名\n读书会,{DAY},张伟\n", "utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_attendance", "nowhere", str(path), "--json", stdout=out)
    assert caught.value.returncode == 1
