"""Organisation-scale data for benchmarks: many communities, staff and memberships.

Later areas extend `generate` with their own records (buildings, residents, activities …).
Compounds (buildings, dwellings, residents) come from the demo's roster generator,
`peiban.places.demo.compound_rows`, so the benchmark measures the data the demo shows.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from peiban.core.models import Membership, Organisation, Role
from peiban.places.demo import (
    DEMO_BUILDINGS,
    DEMO_SEED,
    ROSTER_COLUMNS,
    compound_reading,
    compound_rows,
)
from peiban.places.models import Community
from peiban.places.roster import RosterReading, RosterRow
from peiban.places.services import RosterResult, roster_import

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强"
PLACES = [
    "梧桐",
    "和平",
    "安乐",
    "幸福",
    "康宁",
    "阳光",
    "锦绣",
    "翠苑",
    "枫林",
    "桃源",
    "春晖",
    "金色",
    "明珠",
    "长青",
    "东湖",
]


@dataclass
class Generated:
    organisation: Organisation
    communities: list[Community]
    staff: list[object]


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(GIVEN) + rng.choice(["", *GIVEN]), rng.choice(SURNAMES)


@transaction.atomic
def generate(
    *, slug: str, communities: int, staff_per_community: int = 3, seed: int = 1
) -> Generated:
    rng = random.Random(seed)
    organisation = Organisation.objects.create(name=f"{slug} 社区发展中心", slug=slug)
    made = Community.objects.bulk_create(
        Community(
            organisation=organisation,
            name=f"{rng.choice(PLACES)}{i + 1}号小区",
            slug=f"{slug}-c{i + 1}",
            city=rng.choice(["南京", "杭州", "上海", "苏州", "重庆"]),
        )
        for i in range(communities)
    )
    User = get_user_model()
    password = make_password(None)  # unusable: benchmark users never sign in
    users = []
    for i in range(communities * staff_per_community):
        first, last = person_name(rng)
        users.append(
            User(username=f"{slug}-u{i}", first_name=first, last_name=last, password=password)
        )
    users = User.objects.bulk_create(users)
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organisation=organisation, role=Role.STAFF) for user in users
    )
    through: Any = Membership.communities.through
    through.objects.bulk_create(
        through(membership_id=m.pk, community_id=made[i // staff_per_community].pk)
        for i, m in enumerate(memberships)
    )
    return Generated(organisation=organisation, communities=made, staff=users)


# --- Compounds -----------------------------------------------------------------------------------

_SOURCE_WORDS = {"registry": "登记", "survey": "测绘", "contract": "合同"}
_USE_WORDS = {"residential": "住宅", "commercial": "商业", "converted": "住改商"}


def generate_compound(*, buildings: int = DEMO_BUILDINGS, seed: int = DEMO_SEED) -> RosterReading:
    """A compound's roster as read from its file (the demo's at the default size and seed)."""
    return compound_reading(buildings=buildings, seed=seed)


def import_compound(
    *, community: Community, buildings: int = DEMO_BUILDINGS, seed: int = DEMO_SEED
) -> RosterResult:
    """Fill `community` with a generated compound through the real roster import."""
    return roster_import(
        community=community,
        reading=generate_compound(buildings=buildings, seed=seed),
        actor=None,
    )


def roster_table(rows: list[RosterRow]) -> list[list[object]]:
    """The rows as a spreadsheet would hold them: a header row, then one list of cells a row."""
    fields = list(ROSTER_COLUMNS)
    table: list[list[object]] = [[ROSTER_COLUMNS[f] for f in fields]]
    for row in rows:
        cells = {
            "building": row.building,
            "unit": row.unit,
            "room": row.room,
            "floor": row.floor,
            "area": row.area,
            "area_source": _SOURCE_WORDS.get(row.area_source, ""),
            "use": _USE_WORDS.get(row.use, ""),
            "name": row.name,
            "phone": row.phone,
            "relation": row.relation_text,
            "owner_number": row.owner_number,
            "unsold": "是" if row.unsold else "",
            "years": row.years,
            "tags": "、".join(row.tags),
            "note": row.note,
        }
        table.append([cells[f] for f in fields])
    return table


def roster_xlsx(rows: list[RosterRow]) -> bytes:
    """An .xlsx workbook holding the rows, written with openpyxl as an office program would."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    for cells in roster_table(rows):
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = [
    "Generated",
    "compound_rows",
    "generate",
    "generate_compound",
    "import_compound",
    "roster_table",
    "roster_xlsx",
]
