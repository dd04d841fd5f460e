"""`peiban import-roster`: JSON keys, exit statuses, all or nothing, updates on re-import."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from peiban.core.crypto import lookup_hash
from peiban.places.models import Dwelling, Ownership, Resident
from tests.conftest import World

pytestmark = pytest.mark.django_db

ROSTER = (
    "楼栋,单元,房号,面积,面积来源,业主姓名,联系电话,身份,业主编号,未售\n"
    "3号楼,2,301,89.50,产权,张伟,13800138000,业主,A001,\n"
    "3栋,2单元,301室,,,李娜,13900139000,家属,,\n"
    "5幢,,302,120.30,测绘,张伟,13800138000,业主,A001,\n"
    "5,,303,100,合同,,,,,是\n"
)


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("import_roster", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_it_imports_dwellings_owners_and_residents(world: World, tmp_path: Path) -> None:
    result = run(world.community.slug, write(tmp_path, ROSTER))
    assert result["dwellings_created"] == 3
    assert result["residents_created"] == 2  # 张伟 holds two dwellings (owner number A001)
    assert result["owners"] == 1
    assert result["rejected"] == []
    zhang = Resident.objects.get(name="张伟")
    assert zhang.owner_number == "A001"
    assert sorted(zhang.owned_dwellings.values_list("room", flat=True)) == ["301", "302"]
    assert zhang.household is not None
    assert zhang.household.dwelling.room == "301"
    assert zhang.phone_hash == lookup_hash("13800138000", kind="phone")
    surveyed = Dwelling.objects.get(room="302")
    assert (surveyed.area_survey, surveyed.area_registry, surveyed.area_source) == (
        surveyed.area,
        None,
        "survey",
    )
    assert str(surveyed.area) == "120.30"
    assert Dwelling.objects.get(room="303").developer_held is True
    assert Ownership.objects.count() == 2


def test_it_updates_instead_of_duplicating_on_re_import(world: World, tmp_path: Path) -> None:
    run(world.community.slug, write(tmp_path, ROSTER))
    updated = ROSTER.replace("89.50", "90.00")
    result = run(world.community.slug, write(tmp_path, updated))
    assert (result["dwellings_created"], result["dwellings_updated"]) == (0, 3)
    assert (result["residents_created"], result["residents_updated"]) == (0, 2)
    assert Dwelling.objects.count() == 3
    assert str(Dwelling.objects.get(room="301").area) == "90.00"


def test_it_reads_gbk_and_excel_files_alike(world: World, tmp_path: Path) -> None:
    run(world.community.slug, write(tmp_path, ROSTER, encoding="gbk"))
    workbook = Workbook()
    sheet = workbook.active
    for line in ROSTER.splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    result = run(world.community.slug, str(path))
    assert result["dwellings_created"] == 0
    assert Resident.objects.filter(name="李娜").count() == 1


def test_it_writes_nothing_when_a_row_is_bad(world: World, tmp_path: Path) -> None:
    bad = ROSTER + "7,1,101,-3,,赵敏,,业主,,\n7,1,102,80,,<script>x</script>,,业主,,\n"
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_roster",
            world.community.slug,
            write(tmp_path, bad),
            "--json",
            stdout=out,
            stderr=StringIO(),
        )
    assert raised.value.returncode == 1
    payload = json.loads(out.getvalue())
    assert [r["row"] for r in payload["rejected"]] == [6, 7]
    assert not Dwelling.objects.exists()


def test_it_imports_the_good_rows_with_partial(world: World, tmp_path: Path) -> None:
    bad = ROSTER + "7,1,101,abc,,赵敏,,业主,,\n"
    result = run(world.community.slug, write(tmp_path, bad), "--partial")
    assert result["dwellings_created"] == 3
    assert result["rejected"] == [{"row": 6, "reason": "面积 is 'abc', which is not a number"}]


def test_it_rejects_an_unreadable_address(world: World, tmp_path: Path) -> None:
    text = "地址,姓名\n3-2-301,甲\n梧桐里小区,乙\n"
    result = run(world.community.slug, write(tmp_path, text), "--partial")
    assert result["rejected"][0]["row"] == 3
    assert "address" in result["rejected"][0]["reason"]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"PK\x03\x04garbage", "r.xlsx"),
        (b"\x00\x01\x02", "r.csv"),
        ("姓名\n甲\n".encode(), "r.csv"),
    ],
)
def test_it_exits_1_for_a_file_it_cannot_use(
    world: World, tmp_path: Path, content: bytes, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_roster", world.community.slug, str(path), stdout=StringIO(), stderr=StringIO()
        )
    assert raised.value.returncode == 1
    assert not Dwelling.objects.exists()


def test_it_exits_1_for_an_unknown_community(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no community"):
        call_command(
            "import_roster",
            "nowhere",
            write(tmp_path, ROSTER),
            stdout=StringIO(),
            stderr=StringIO(),
        )
