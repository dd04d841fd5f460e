"""A small compound for owners' votes: the same one the paper roster in test_tally_ballots
describes, so that pages, API and CLI can be checked to agree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from peiban.councils.models import Assembly
from peiban.councils.services import assembly_create, assembly_open
from peiban.places.models import Building, Dwelling, Ownership, Resident

# (room, area, owner, developer-held); 李娜 holds two dwellings.
COMPOUND = [
    ("101", "90.50", "张伟", False),
    ("102", "80", "李娜", False),
    ("201", "70.25", "李娜", False),
    ("202", "100", "", True),
    ("301", "100", "", True),
    ("302", "60", "王芳", False),
]
ROSTER_ROWS = [
    ["楼栋", "单元", "房号", "面积", "业主", "业主编号", "未售"],
    ["1", "1", "101", "90.50", "张伟", "", ""],
    ["1", "1", "102", "80", "李娜", "B7", ""],
    ["1", "1", "201", "70.25", "李娜", "B7", ""],
    ["1", "1", "202", "100", "开发商", "", "是"],
    ["1", "1", "301", "100", "开发商", "", "是"],
    ["1", "1", "302", "60", "王芳", "", ""],
]


@dataclass
class Compound:
    dwellings: dict[str, Dwelling]
    owners: dict[str, Resident]


@pytest.fixture
def compound(world: Any) -> Compound:
    building = Building.objects.create(community=world.community, label="1")
    dwellings: dict[str, Dwelling] = {}
    owners: dict[str, Resident] = {}
    for room, area, owner, developer in COMPOUND:
        dwelling = Dwelling.objects.create(
            community=world.community,
            building=building,
            unit="1",
            room=room,
            area_registry=Decimal(area),
            developer_held=developer,
        )
        dwellings[room] = dwelling
        if owner:
            if owner not in owners:
                owners[owner] = Resident.objects.create(
                    community=world.community,
                    name=owner,
                    kind="owner",
                    owner_number="B7" if owner == "李娜" else "",
                )
            Ownership.objects.create(dwelling=dwelling, resident=owners[owner])
    return Compound(dwellings=dwellings, owners=owners)


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Services' messages are asserted in English (the catalogue translates them for people)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_pages(settings: Any) -> None:
    """Pages are read in English here (a request without a language gets LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"


def open_vote(world: Any) -> tuple[Assembly, dict[str, str]]:
    """An owners' vote on replacing the property company (matter 4), open now for a week, with
    each dwelling's one-time code by room."""
    now = timezone.now()
    assembly = assembly_create(
        community=world.community,
        title="更换物业公司",
        matter=4,
        question="是否解聘现物业公司？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        actor=world.staff,
    )
    issued = assembly_open(assembly=assembly, actor=world.staff)
    return assembly, {i.dwelling.room: i.code for i in issued}
