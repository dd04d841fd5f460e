"""`peiban import-needs`: flexible headers, stage histories, rejections by row, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from peiban.needs.importing import IMPORT_NOTE, NeedsFileError, read_needs, stage_path
from peiban.needs.models import Channel, Need, Stage, StageChange, Urgency, Visibility
from peiban.places.models import Building, Dwelling, Household, Resident
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db

HEADER = "标题,描述,类别,楼栋,单元,房号,渠道,提出人,日期,状态,紧急程度,公开\n"
GOOD = (
    HEADER + "3栋电梯异响,电梯运行时有异响，老人害怕,物业服务,3,2,301,走访,张伟,2025-05-03,"
    "已关闭,紧急,是\n"
    "楼道灯不亮,,物业服务,3号楼,,,电话,,2025/5/3,,,否\n"
    "小区北门摊贩占道,早市堵门,占道与摊贩,,,,群聊,,2025年5月3日,已转介,,\n"
)
LOOP = [
    Stage.RAISED,
    Stage.ACCOMPANIED,
    Stage.DELIBERATING,
    Stage.DECIDED,
    Stage.ACTING,
    Stage.RESOLVED,
    Stage.VERIFIED,
    Stage.CLOSED,
]


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "needs.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("import_needs", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def refused(*args: str) -> dict[str, Any]:
    """Run an import that must fail with exit status 1; return its JSON."""
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_needs", *args, "--json", stdout=out, stderr=StringIO())
    assert raised.value.returncode == 1
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def history(need: Need) -> list[str]:
    return list(need.stage_changes.values_list("to_stage", flat=True))


def test_it_imports_a_gbk_csv(world: World, registry: Registry, tmp_path: Path) -> None:
    result = run(world.community.slug, write(tmp_path, GOOD, encoding="gbk"))
    assert result["imported"] == 3
    assert result["rejected"] == []

    lift = Need.objects.get(title="3栋电梯异响")
    assert lift.community == world.community
    assert lift.category.name == "物业服务"
    assert lift.dwelling == registry.dwelling
    assert lift.building == registry.building
    assert lift.raised_by == registry.resident  # matched by name in the dwelling
    assert lift.lead == registry.resident
    assert lift.channel == Channel.VISIT
    assert lift.urgency == Urgency.HIGH
    assert lift.visibility == Visibility.PUBLIC
    assert timezone.localtime(lift.raised_at).date() == dt.date(2025, 5, 3)
    assert lift.stage == Stage.CLOSED
    assert lift.source_type == "import"

    lights = Need.objects.get(title="楼道灯不亮")
    assert (lights.building, lights.dwelling, lights.raised_by) == (registry.building, None, None)
    assert (lights.channel, lights.stage, lights.visibility) == (
        Channel.PHONE,
        Stage.RAISED,
        Visibility.PRIVATE,
    )
    stalls = Need.objects.get(title="小区北门摊贩占道")
    assert (stalls.building, stalls.stage, stalls.channel) == (
        None,
        Stage.REFERRED,
        Channel.GROUP_CHAT,
    )
    assert timezone.localtime(stalls.raised_at).date() == dt.date(2025, 5, 3)


def test_it_reads_utf8_with_a_byte_order_mark_and_other_headers(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    text = "\ufeff事项,详情,分类,地址,来源,反映人,反映时间\n漏水,楼上漏水,邻里关系,3栋2单元301室,来访,张伟,2025-06-01 14:30\n"
    result = run(world.community.slug, write(tmp_path, text))
    assert result["imported"] == 1
    need = Need.objects.get()
    assert need.dwelling == registry.dwelling
    assert need.channel == Channel.WALK_IN
    assert need.raised_by == registry.resident
    assert timezone.localtime(need.raised_at).replace(tzinfo=None) == dt.datetime(
        2025, 6, 1, 14, 30
    )


def test_it_reads_an_excel_workbook(world: World, registry: Registry, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["梧桐里小区居民需求台账"])  # a title line above the headers
    sheet.append(["问题", "内容", "分类", "栋", "房号", "渠道", "反映人", "时间", "状态"])
    sheet.append(
        [
            "电梯停运",
            "停了两天",
            "物业服务",
            3,
            "2-301",
            "问卷",
            "张伟",
            dt.datetime(2025, 4, 2),
            "行动中",
        ]
    )
    sheet.append(["健身器材坏了", "", "公共设施与空间", "", "", "会议", "", 45700, "已提出"])
    sheet.append(["合计", "", "", "", "", "", "", "", "=COUNTA(A3:A4)"])
    path = tmp_path / "needs.xlsx"
    workbook.save(path)

    result = run(world.community.slug, str(path), "--partial")
    assert result["imported"] == 2
    assert result["rejected"] == [
        {
            "row": 5,
            "reason": "时间 is empty; give the date the need was raised; "
            "状态 is '=COUNTA(A3:A4)', which is a spreadsheet formula",
        }
    ]
    lift = Need.objects.get(title="电梯停运")
    assert lift.dwelling == registry.dwelling
    assert lift.channel == Channel.SURVEY
    assert timezone.localtime(lift.raised_at).date() == dt.date(2025, 4, 2)
    assert history(lift) == LOOP[:5]
    fitness = Need.objects.get(title="健身器材坏了")
    assert timezone.localtime(fitness.raised_at).date() == dt.date(2025, 2, 12)  # Excel day 45700


@pytest.mark.parametrize(
    ("stage", "path"),
    [
        ("已提出", LOOP[:1]),
        ("陪伴中", LOOP[:2]),
        ("议事中", LOOP[:3]),
        ("已决定", LOOP[:4]),
        ("行动中", LOOP[:5]),
        ("已解决", LOOP[:6]),
        ("已验证", LOOP[:7]),
        ("已关闭", LOOP),
        ("已转介", [Stage.RAISED, Stage.REFERRED]),
        ("不予处理", [Stage.RAISED, Stage.DECLINED]),
    ],
)
def test_each_stage_is_reached_step_by_step(
    world: World, registry: Registry, tmp_path: Path, stage: str, path: list[str]
) -> None:
    text = "标题,类别,楼栋,单元,房号,提出人,日期,状态,办结日期\n"
    text += f"一件事,其他,3,2,301,张伟,2025-05-03,{stage},2025-05-20\n"
    run(world.community.slug, write(tmp_path, text))
    need = Need.objects.get()
    assert need.stage == path[-1]
    assert history(need) == path
    moves = StageChange.objects.filter(need=need).exclude(to_stage=Stage.RAISED)
    assert all(change.note == IMPORT_NOTE for change in moves)
    assert all(timezone.localtime(c.at).date() == dt.date(2025, 5, 20) for c in moves)
    if Stage.VERIFIED in path:
        assert moves.get(to_stage=Stage.VERIFIED).by_resident == registry.resident


def test_a_referral_and_a_decline_keep_where_and_why(world: World, tmp_path: Path) -> None:
    text = "标题,类别,日期,状态,原因\n摊贩,占道与摊贩,2025-05-03,已转介,街道城管\n私事,其他,2025-05-03,不予处理,家庭内部事务\n"
    run(world.community.slug, write(tmp_path, text))
    assert Need.objects.get(title="摊贩").referred_to == "街道城管（导入）"
    assert Need.objects.get(title="私事").decline_reason == "家庭内部事务（导入）"


def test_without_a_known_raiser_nobody_verifies(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    text = "标题,类别,楼栋,提出人,日期,状态\n楼道堆物,安全,3,无名氏,2025-05-03,已验证\n"
    result = run(world.community.slug, write(tmp_path, text))
    need = Need.objects.get()
    assert need.stage == Stage.RAISED  # without a lead it cannot be accompanied
    assert need.category.name == "安全/治安"  # a part of the name is enough when it fits one
    notes = [n["note"] for n in result["notes"]]
    assert any("not a resident" in n for n in notes)
    assert any("stays 已提出" in n for n in notes)

    Need.objects.all().delete()
    result = run(world.community.slug, write(tmp_path, text), "--by", "staff")
    need = Need.objects.get()
    assert need.stage == Stage.RESOLVED
    assert need.lead_staff == world.staff
    assert need.lead_staff_reason
    assert history(need) == LOOP[:6]
    assert any("stays 已解决" in n["note"] for n in result["notes"])


def test_a_name_shared_by_two_residents_is_left_empty(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    for room in ("401", "402"):
        dwelling = Dwelling.objects.create(
            community=world.community, building=registry.building, unit="2", room=room
        )
        household = Household.objects.create(community=world.community, dwelling=dwelling)
        Resident.objects.create(community=world.community, household=household, name="王芳")
    text = "标题,类别,楼栋,单元,房号,提出人,日期\n噪音,邻里关系,3,2,401,王芳,2025-05-03\n噪音,邻里关系,,,,王芳,2025-05-04\n"
    result = run(world.community.slug, write(tmp_path, text))
    first, second = Need.objects.order_by("raised_at")
    assert first.raised_by is not None
    assert first.raised_by.name == "王芳"
    assert second.raised_by is None
    assert result["notes"] == [
        {
            "row": 3,
            "note": "提出人 '王芳' matches 2 residents of 和平里小区; "
            "the need was recorded without a raiser",
        }
    ]


def test_an_unknown_dwelling_in_a_known_building_is_noted(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    text = "标题,类别,楼栋,单元,房号,日期\n漏水,邻里关系,3,1,909,2025-05-03\n"
    result = run(world.community.slug, write(tmp_path, text))
    need = Need.objects.get()
    assert (need.building, need.dwelling) == (registry.building, None)
    assert "3栋1单元909室" in result["notes"][0]["note"]


def test_each_rejection_names_the_row_and_the_reason(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    long_title = "长" * 121
    long_text = "长" * 5001
    text = (
        "标题,描述,类别,楼栋,渠道,日期\n"
        "好的一行,,物业服务,3,走访,2025-05-03\n"  # 2
        ",没有标题,物业服务,3,走访,2025-05-03\n"  # 3
        f"{long_title},,物业服务,3,走访,2025-05-03\n"  # 4
        f"描述太长,{long_text},物业服务,3,走访,2025-05-03\n"  # 5
        "天气不好,,天气,3,走访,2025-05-03\n"  # 6
        '=HYPERLINK("http://x"),,物业服务,3,走访,2025-05-03\n'  # 7
        "<img src=x onerror=alert(1)>,,物业服务,3,走访,2025-05-03\n"  # 8
        "未来的事,,物业服务,3,走访,2999-01-01\n"  # 9
        "日期乱写,,物业服务,3,走访,去年夏天\n"  # 10
        "没有这栋楼,,物业服务,99,走访,2025-05-03\n"  # 11
        "渠道不明,,物业服务,3,飞鸽传书,2025-05-03\n"  # 12
        "没有日期,,物业服务,3,走访,\n"  # 13
    )
    result = run(world.community.slug, write(tmp_path, text), "--partial")
    assert result["imported"] == 1
    reasons = {r["row"]: r["reason"] for r in result["rejected"]}
    assert sorted(reasons) == list(range(3, 14))
    assert reasons[3] == "标题 is empty; every need needs a title"
    assert reasons[4] == "标题 is 121 characters long; the limit is 120"
    assert reasons[5] == "描述 is 5001 characters long; the limit is 5000"
    assert reasons[6].startswith("类别 is '天气', which is not a category of 同行社区发展中心")
    assert "物业服务" in reasons[6]
    assert "邻里关系" in reasons[6]
    assert "spreadsheet formula" in reasons[7]
    assert "HTML markup" in reasons[8]
    assert reasons[9] == "日期 is '2999-01-01', which is in the future"
    assert "which is not a date" in reasons[10]
    assert "there is no building 99栋 in 和平里小区" in reasons[11]
    assert "渠道 is '飞鸽传书', which is not one of 走访" in reasons[12]
    assert "日期 is empty" in reasons[13]
    assert list(Need.objects.values_list("title", flat=True)) == ["好的一行"]


def test_it_is_all_or_nothing_without_partial(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    bad = GOOD + "天气不好,,天气,3,,,走访,,2025-05-03,,,\n"
    payload = refused(world.community.slug, write(tmp_path, bad))
    assert payload["imported"] == 0
    assert [r["row"] for r in payload["rejected"]] == [5]
    assert not Need.objects.exists()
    assert not StageChange.objects.exists()

    result = run(world.community.slug, write(tmp_path, bad), "--partial")
    assert result["imported"] == 3
    assert Need.objects.count() == 3


def test_importing_the_same_file_again_adds_nothing(
    world: World, registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path, GOOD)
    run(world.community.slug, path)
    payload = refused(world.community.slug, path)
    assert [r["row"] for r in payload["rejected"]] == [2, 3, 4]
    assert all("imported before" in r["reason"] for r in payload["rejected"])
    assert Need.objects.count() == 3


def test_a_row_repeated_in_the_file_is_rejected(world: World, tmp_path: Path) -> None:
    text = (
        "标题,类别,日期\n垃圾满溢,环境卫生与绿化,2025-05-03\n垃圾满溢,环境卫生与绿化,2025-05-03\n"
    )
    payload = refused(world.community.slug, write(tmp_path, text))
    assert payload["rejected"] == [{"row": 3, "reason": "The row duplicates row 2"}]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04garbage", "needs.xlsx", "cannot be read"),
        (b"not a workbook", "needs.xlsx", "cannot be read"),
        ("类别,楼栋\n物业服务,3\n".encode(), "needs.csv", "missing the 标题"),
        ("随便写写\n".encode(), "needs.csv", "No header row"),
        (b"   ", "needs.csv", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "needs.xls", "old-style"),
    ],
)
def test_it_exits_1_for_a_file_it_cannot_use(
    world: World, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    payload = refused(world.community.slug, str(path))
    assert message in payload["error"]
    assert payload["imported"] == 0
    assert payload["rejected"] == []
    assert not Need.objects.exists()


def test_the_size_is_checked_before_reading() -> None:
    with pytest.raises(NeedsFileError, match="the limit is 1 KB"):
        read_needs(b"x" * 2048, filename="needs.csv", max_bytes=1024)
    with pytest.raises(NeedsFileError, match="the limit is 20 MB"):
        read_needs(b"x" * (20 * 2**20 + 1), filename="needs.csv")


def test_it_exits_1_for_an_unknown_community_or_user(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert "no community" in refused("nowhere", path)["error"]
    assert "neither staff" in refused(world.community.slug, path, "--by", "outsider")["error"]
    assert not Need.objects.exists()


def test_the_stage_paths_are_the_shortest_legal_ones() -> None:
    assert stage_path(Stage.RAISED) == []
    assert stage_path(Stage.CLOSED) == LOOP[1:]  # round the loop, not out through a referral
    assert stage_path(Stage.REFERRED) == [Stage.REFERRED]
    assert stage_path(Stage.DECLINED) == [Stage.DECLINED]


def test_a_building_column_alone_finds_the_building(world: World, tmp_path: Path) -> None:
    Building.objects.create(community=world.community, label="12")
    text = "标题,类别,栋,日期\n路灯坏了,公共设施,十二栋,2025-05-03\n"
    run(world.community.slug, write(tmp_path, text))
    need = Need.objects.get()
    assert need.building is not None
    assert need.building.label == "12"
    assert need.category.name == "公共设施与空间"
