"""The demo compound 梧桐里小区: a fictional roster of buildings, dwellings, households and people.

`compound_rows` writes the roster as a property company would hand it over (one line per person,
or per dwelling when nobody is known), from a seeded random generator so that every run gives the
same compound. `demo_load` imports it through the real roster import and then adds what a roster
never holds: who lives elsewhere, and the skills, interests and time residents offer.

Everything here is invented. The phone numbers follow the 1xx0000xxxx pattern, the names are
common ones put together at random, and no ID numbers are generated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings

from peiban.places.models import Dwelling, Resident
from peiban.places.roster import RosterReading, RosterRow
from peiban.places.services import roster_import

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_BUILDINGS = 20
DEMO_SEED = 20240501

# The note on a roster line whose owner does not live in that dwelling (rented out).
NOT_LIVING_HERE = "业主不在本户居住"

# Columns of the roster as the demo writes it (canonical field -> header).
ROSTER_COLUMNS = {
    "building": "楼栋",
    "unit": "单元",
    "room": "房号",
    "floor": "楼层",
    "area": "面积",
    "area_source": "面积来源",
    "use": "用途",
    "name": "姓名",
    "phone": "联系电话",
    "relation": "身份",
    "owner_number": "业主编号",
    "unsold": "开发商持有",
    "years": "居住年限",
    "tags": "标签",
    "note": "备注",
}

# Surnames roughly in order of frequency; earlier ones are drawn more often.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = [1 / (rank + 6) for rank in range(len(SURNAMES))]

# Given names by generation (born before 1965, 1965-1995, after 1995) and sex.
GIVEN = {
    ("old", "m"): "建国 建华 国强 德明 福生 志刚 国庆 卫东 永福 树林 振华 长顺 文华 保国 德胜 玉成",
    ("old", "f"): "秀英 桂英 秀兰 玉兰 淑珍 桂芳 凤英 玉珍 秀珍 翠花 美华 素芬 兰芳 金凤 淑华 丽华",
    ("mid", "m"): "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 斌 志强 海涛 晓东 建军 国平 立新 永刚",
    ("mid", "f"): "芳 娜 敏 静 丽 艳 娟 霞 萍 红 玲 燕 丹 洁 海燕 晓燕 丽娟 春梅 雪梅 晓红 慧 颖",
    ("young", "m"): "子轩 浩然 宇轩 俊杰 文博 梓豪 一鸣 宇航 睿 晨 昊 皓轩 博文 天佑 思远 嘉俊",
    (
        "young",
        "f",
    ): "欣怡 梓涵 诗涵 雨桐 子涵 一诺 思琪 雅琪 可馨 语嫣 佳怡 若曦 梦瑶 心怡 静怡 婉清",
}
_GIVEN = {key: value.split() for key, value in GIVEN.items()}

# Forms of address a roster often holds instead of a full name.
ADDRESS_FORMS = {
    ("old", "m"): ("大爷", "爷爷", "老伯"),
    ("old", "f"): ("奶奶", "阿婆", "阿姨"),
    ("mid", "m"): ("先生", "师傅", "老师"),
    ("mid", "f"): ("女士", "阿姨", "老师"),
}

PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
]

SKILLS = (
    "理发",
    "维修水电",
    "医护",
    "编程",
    "家电维修",
    "烹饪",
    "缝纫",
    "法律咨询",
    "心理咨询",
    "会计",
    "辅导功课",
    "摄影",
    "开车",
    "电脑维修",
    "手语",
)
INTERESTS = (
    "书法",
    "广场舞",
    "太极拳",
    "合唱",
    "园艺",
    "象棋",
    "乒乓球",
    "钓鱼",
    "读书会",
    "手工编织",
    "戏曲",
    "摄影",
    "跑步",
    "绘画",
)
TIME_OFFERED = (
    "周末上午",
    "周六全天",
    "工作日晚上七点以后",
    "每周二、周四下午",
    "退休了，白天都有空",
    "每月一次",
    "节假日",
    "周日下午两点到五点",
    "看情况，提前一天约",
    "寒暑假",
)


@dataclass(frozen=True)
class _Shape:
    kind: str
    floors: int
    units: int
    rooms: int  # rooms per floor in each unit


def building_shape(number: int) -> _Shape:
    """The shape of building `number` (1-based): mostly 18-storey towers of three units with four
    rooms a floor, an old six-storey block and an eleven-storey one in every ten."""
    if number % 10 == 1:
        return _Shape("多层", floors=6, units=3, rooms=2)
    if number % 10 == 6:
        return _Shape("小高层", floors=11, units=3, rooms=4)
    return _Shape("高层", floors=18, units=3, rooms=4)


@dataclass
class _Dwelling:
    building: str
    unit: str
    room: str
    floor: int
    area: Decimal
    area_source: str
    use: str
    unsold: bool = False


@dataclass(frozen=True)
class _Person:
    name: str
    generation: str  # "old" | "mid" | "young"
    sex: str
    child: bool = False


class _Names:
    """Names, forms of address and phone numbers drawn from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    def person(
        self,
        generation: str,
        sex: str,
        taken: set[str],
        *,
        surname: str = "",
        child: bool = False,
        form_of_address: float = 0.04,
    ) -> _Person:
        """A person whose name is not yet in `taken` (names are unique within a dwelling)."""
        for _attempt in range(50):
            family = surname or self.surname()
            forms = ADDRESS_FORMS.get((generation, sex))
            if forms and self.rng.random() < form_of_address:
                name = family + self.rng.choice(forms)
            else:
                name = family + self.rng.choice(_GIVEN[(generation, sex)])
            if name not in taken:
                taken.add(name)
                return _Person(name, generation, sex, child)
            surname = ""  # a clash: let the family name vary too
        raise RuntimeError("no free name")  # pragma: no cover - 50 clashes do not happen

    def phone(self) -> str:
        while True:
            number = f"{self.rng.choice(PHONE_PREFIXES)}0000{self.rng.randrange(10_000):04d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


def _dwellings(rng: random.Random, buildings: int) -> list[_Dwelling]:
    out = []
    for number in range(1, buildings + 1):
        shape = building_shape(number)
        # Floor plans: the end rooms are larger; old blocks are smaller throughout.
        plan = [rng.uniform(88, 158) for _n in range(shape.rooms)]
        if shape.rooms >= 3:
            plan[1:-1] = [rng.uniform(50, 98) for _n in range(shape.rooms - 2)]
        if shape.kind == "多层":
            plan = [p * 0.75 for p in plan]
        for unit in range(1, shape.units + 1):
            for floor in range(1, shape.floors + 1):
                for n in range(1, shape.rooms + 1):
                    base = plan[n - 1] + rng.uniform(-1.5, 1.5)
                    area = Decimal(f"{min(max(base, 50.0), 160.0):.2f}")
                    draw = rng.random()
                    source = "registry" if draw < 0.85 else "survey" if draw < 0.95 else "contract"
                    use = "converted" if floor == 1 and rng.random() < 0.05 else "residential"
                    out.append(
                        _Dwelling(
                            str(number), str(unit), f"{floor}{n:02d}", floor, area, source, use
                        )
                    )
    return out


def compound_rows(*, buildings: int = DEMO_BUILDINGS, seed: int = DEMO_SEED) -> list[RosterRow]:
    """The roster of a fictional compound of `buildings` buildings, the same for the same seed.

    One line per person, and one line without a name for a dwelling nobody is known in (vacant,
    or held by the developer). About 80 % of dwellings are lived in, 15 % of those by tenants;
    about 15 % of owned dwellings have two owners and about 2 % of owners hold two or three
    dwellings under one owner number (the others are let); about 1.5 % of the dwellings, in the
    newest buildings, are still held by the developer.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    names = _Names(rng)
    dwellings = _dwellings(rng, buildings)

    # Developer-held: the upper floors of the newest building, then of the one before …
    unsold_count = max(1, round(len(dwellings) * 0.015))
    newest_first = sorted(dwellings, key=lambda d: (-int(d.building), -d.floor, d.unit, d.room))
    for dwelling in newest_first[:unsold_count]:
        dwelling.unsold = True
        dwelling.area_source = "contract"  # never registered to a buyer
    sold = [d for d in dwellings if not d.unsold]
    order = sold[:]
    rng.shuffle(order)
    occupied_count = round(len(order) * 0.80)
    occupied, vacant = order[:occupied_count], order[occupied_count:]
    rented_count = max(1, round(len(occupied) * 0.15))
    rented, lived_in = occupied[:rented_count], occupied[rented_count:]

    # Owners who hold several dwellings: they live in one and let the others.
    investors = max(1, round(len(lived_in) * 0.025))
    extra_dwellings: dict[int, list[_Dwelling]] = {}
    spare = rented[:]
    for index in range(min(investors, len(lived_in))):
        take = min(rng.choice((1, 1, 2)), len(spare))
        if take:
            extra_dwellings[index], spare = spare[:take], spare[take:]

    owner_numbers = iter(range(1, 10**7))
    row_args: list[tuple[_Dwelling, dict[str, object]]] = []

    def line(dwelling: _Dwelling, **fields: object) -> None:
        row_args.append((dwelling, fields))

    def owner_number() -> str:
        return f"YZ{next(owner_numbers):05d}"

    def tags_for(person: _Person, *, alone: bool, age_over_80: bool) -> tuple[str, ...]:
        tags: list[str] = []
        if person.child:
            tags.append("儿童")
        elif person.generation == "old":
            tags.append("老人")
            if age_over_80:
                tags.append("高龄")
            if alone:
                tags.append("独居")
        return tuple(tags)

    def owner_household(dwelling: _Dwelling, index: int) -> None:
        taken: set[str] = set()
        draw = rng.random()
        generation = "old" if draw < 0.28 else "mid" if draw < 0.93 else "young"
        sex = rng.choice("mf")
        head = names.person(generation, sex, taken, form_of_address=0.06)
        family_name = head.name[0]
        number = owner_number()
        phone = names.phone()
        years = rng.randint(8, 30) if generation == "old" else rng.randint(0, 15)
        size_draw = rng.random()
        if generation == "old":
            alone = size_draw < 0.30
            spouse = not alone and size_draw < 0.90
            children_n = 0 if size_draw < 0.90 else 1
            parent = False
        else:
            alone = size_draw < 0.06
            spouse = not alone and size_draw < 0.88
            children_n = 0 if alone else rng.choice((0, 1, 1, 1, 2, 2, 2, 3))
            parent = not alone and rng.random() < 0.3
        over_80 = generation == "old" and rng.random() < 0.25
        line(
            dwelling,
            name=head.name,
            phone=phone,
            relation="owner",
            relation_text="业主",
            owner_number=number,
            years=years,
            tags=tags_for(head, alone=alone, age_over_80=over_80),
        )
        for extra in extra_dwellings.get(index, []):  # the same buyer, the same number
            line(
                extra,
                name=head.name,
                phone=phone,
                relation="owner",
                relation_text="业主",
                owner_number=number,
                note=NOT_LIVING_HERE,
            )
        if spouse:
            partner = names.person(
                generation, "f" if sex == "m" else "m", taken, form_of_address=0.03
            )
            co_owner = rng.random() < 0.21  # with the single owners of let flats, about 15 %
            line(
                dwelling,
                name=partner.name,
                phone=names.phone() if rng.random() < 0.9 else "",
                relation="owner" if co_owner else "family",
                relation_text="业主" if co_owner else "配偶",
                owner_number=owner_number() if co_owner else "",
                years=years,
                tags=tags_for(partner, alone=False, age_over_80=over_80),
            )
        for _n in range(children_n):
            young = generation == "mid" and rng.random() < 0.75
            child = names.person(
                "young" if generation != "old" else "mid",
                rng.choice("mf"),
                taken,
                surname=family_name,
                child=young,
                form_of_address=0.0,
            )
            line(
                dwelling,
                name=child.name,
                phone="" if young else names.phone(),
                relation="family",
                relation_text="子女",
                years=min(years, rng.randint(0, 17)) if young else years,
                tags=tags_for(child, alone=False, age_over_80=False),
            )
        if parent:
            elder = names.person("old", rng.choice("mf"), taken, form_of_address=0.12)
            line(
                dwelling,
                name=elder.name,
                phone=names.phone() if rng.random() < 0.6 else "",
                relation="family",
                relation_text="父母",
                years=rng.randint(0, years) if years else 0,
                tags=tags_for(elder, alone=False, age_over_80=rng.random() < 0.3),
            )

    def tenant_household(dwelling: _Dwelling, *, with_owner: bool) -> None:
        taken: set[str] = set()
        if with_owner:  # the landlord, often known only as 彭女士
            landlord_sex = rng.choice("mf")
            landlord = names.person(
                rng.choice(("mid", "old")), landlord_sex, taken, form_of_address=0.35
            )
            line(
                dwelling,
                name=landlord.name,
                phone=names.phone(),
                relation="owner",
                relation_text="业主",
                owner_number=owner_number(),
                note=NOT_LIVING_HERE,
            )
            if rng.random() < 0.15:
                co = names.person("mid", "f" if landlord_sex == "m" else "m", taken)
                line(
                    dwelling,
                    name=co.name,
                    phone=names.phone(),
                    relation="owner",
                    relation_text="业主",
                    owner_number=owner_number(),
                    note=NOT_LIVING_HERE,
                )
        years = rng.randint(0, 5)
        draw = rng.random()
        if draw < 0.25:  # flat-sharers
            for _n in range(rng.choice((2, 2, 3))):
                mate = names.person("young", rng.choice("mf"), taken)
                line(
                    dwelling,
                    name=mate.name,
                    phone=names.phone(),
                    relation="tenant",
                    relation_text="租户",
                    years=years,
                )
            return
        sex = rng.choice("mf")
        head = names.person("mid", sex, taken)
        alone = draw < 0.40
        line(
            dwelling,
            name=head.name,
            phone=names.phone(),
            relation="tenant",
            relation_text="租户",
            years=years,
        )
        if alone:
            return
        partner = names.person("mid", "f" if sex == "m" else "m", taken)
        line(
            dwelling,
            name=partner.name,
            phone=names.phone() if rng.random() < 0.8 else "",
            relation="family",
            relation_text="租户家属",
            years=years,
        )
        if rng.random() < 0.6:
            child = names.person("young", rng.choice("mf"), taken, surname=head.name[0], child=True)
            line(
                dwelling,
                name=child.name,
                phone="",
                relation="family",
                relation_text="租户子女",
                years=years,
                tags=("儿童",),
            )

    for index, dwelling in enumerate(lived_in):
        owner_household(dwelling, index)
    extras = {id(d) for taken in extra_dwellings.values() for d in taken}
    for dwelling in rented:
        tenant_household(dwelling, with_owner=id(dwelling) not in extras)
    for dwelling in vacant:
        line(dwelling, note="空置")
    for dwelling in dwellings:
        if dwelling.unsold:
            line(dwelling, note="未售")

    # One roster, in building order as a property company would sort it.
    position = {id(d): i for i, d in enumerate(dwellings)}
    row_args.sort(key=lambda item: position[id(item[0])])
    rows = []
    for number, (dwelling, fields) in enumerate(row_args, start=2):  # row 1 holds the headers
        row = RosterRow(
            row=number,
            building=dwelling.building,
            unit=dwelling.unit,
            room=dwelling.room,
            address="",
            floor=dwelling.floor,
            area=dwelling.area,
            area_source=dwelling.area_source,
            use=dwelling.use,
            name=str(fields.get("name", "")),
            phone=str(fields.get("phone", "")),
            id_number="",
            relation=str(fields.get("relation", "")),
            relation_text=str(fields.get("relation_text", "")),
            owner_number=str(fields.get("owner_number", "")),
            unsold=dwelling.unsold,
            years=fields.get("years"),  # type: ignore[arg-type]
            tags=fields.get("tags", ()),  # type: ignore[arg-type]
            note=str(fields.get("note", "")),
        )
        rows.append(row)
    return rows


def compound_reading(
    *, buildings: int = DEMO_BUILDINGS, seed: int = DEMO_SEED, rows: list[RosterRow] | None = None
) -> RosterReading:
    """The compound's roster as `read_roster` would return it for the file."""
    return RosterReading(
        rows=rows if rows is not None else compound_rows(buildings=buildings, seed=seed),
        rejected=[],
        columns=dict(ROSTER_COLUMNS),
        encoding="utf-8",
    )


def demo_extras(*, community_id: int, rows: list[RosterRow], seed: int) -> int:
    """What a roster does not hold: owners who live elsewhere, and about a quarter of the adult
    residents' skills, interests and the time they offer. Returns how many residents changed."""
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible fiction, not secrets
    elsewhere = {(r.building, r.unit, r.room, r.name) for r in rows if r.note == NOT_LIVING_HERE}
    residents = list(
        Resident.objects.filter(community_id=community_id)
        .select_related("household__dwelling__building")
        .order_by("pk")
    )
    changed = []
    for resident in residents:
        dwelling: Dwelling | None = resident.household.dwelling if resident.household else None
        touched = False
        if dwelling is not None and (
            (dwelling.building.label, dwelling.unit, dwelling.room, resident.name) in elsewhere
        ):
            resident.lives_here = False
            touched = True
        if "儿童" not in resident.tags and resident.lives_here and rng.random() < 0.25:
            if rng.random() < 0.7:
                resident.skills = rng.sample(SKILLS, rng.choice((1, 1, 2)))
            resident.interests = rng.sample(INTERESTS, rng.choice((1, 1, 2, 3)))
            if resident.skills or rng.random() < 0.5:
                resident.time_offered = rng.choice(TIME_OFFERED)
            touched = True
        if touched:
            changed.append(resident)
    Resident.objects.bulk_update(
        changed, ["lives_here", "skills", "interests", "time_offered"], batch_size=500
    )
    return len(changed)


def demo_load(
    *,
    world: DemoWorld,
    progress: Callable[[str], None],
    buildings: int | None = None,
    seed: int = DEMO_SEED,
) -> None:
    """Fill the demo compound through the roster import; do nothing if it already has dwellings.

    The size is `buildings`, else the DEMO_BUILDINGS setting (test suites may set it lower),
    else 20 buildings.
    """
    if buildings is None:
        buildings = int(getattr(settings, "DEMO_BUILDINGS", DEMO_BUILDINGS))
    community = world.community
    if Dwelling.objects.filter(community=community).exists():
        progress(f"{community.name} already has its buildings and residents.")
        return
    rows = compound_rows(buildings=buildings, seed=seed)
    result = roster_import(community=community, reading=compound_reading(rows=rows), actor=None)
    extras = demo_extras(community_id=community.pk, rows=rows, seed=seed)
    progress(
        f"{community.name}: {buildings} buildings, {result.dwellings_created} dwellings, "
        f"{result.residents_created} residents ({result.owners} owners) from a roster of "
        f"{len(rows)} lines; skills and interests for {extras}."
    )
