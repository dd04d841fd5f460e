"""Survey waves of the relational and cognitive items: import, scores, refusals."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from peiban.network.models import SurveyAnswer, SurveyWave
from peiban.network.social_capital import (
    ITEMS,
    WaveFileError,
    read_wave,
    wave_import,
    wave_scores,
)
from peiban.network.tasks import network_snapshots_refresh

pytestmark = pytest.mark.django_db

SHEET = (
    "编号,小区里的大多数邻居是可以信任的,trust_keys,reciprocity_help,belonging_home,efficacy_solve\n"
    "1,4,5,4,5,3\n"
    "2,2,3,,4,3\n"
    ",,,,,\n"
    "3,3,3,5,5,2\n"
)


def test_a_sheet_is_read_by_key_or_chinese_wording() -> None:
    rows = read_wave(SHEET.encode("utf-8"), filename="wave.csv")
    assert [r for r, _ in rows] == ["1", "2", "3"]
    assert rows[0][1]["trust_neighbours"] == 4
    assert "reciprocity_help" not in rows[1][1]


def test_a_gbk_sheet_is_read() -> None:
    rows = read_wave(SHEET.encode("gbk"), filename="wave.csv")
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ("编号,trust_keys\n1,6\n", "Row 2, column 'trust_keys'"),
        ("编号,trust_keys\n1,很好\n", "not a whole number"),
        ("编号,trust_keys\n1,3\n1,4\n", "already answered on row 2"),
        ("trust_keys,belonging_home\n3,4\n", "respondent number"),
    ],
)
def test_a_bad_sheet_is_refused_naming_the_row(sheet: str, message: str) -> None:
    with pytest.raises(WaveFileError, match=message):
        read_wave(sheet.encode(), filename="wave.csv")


def test_scores_per_construct_and_dimension_are_kept_apart(world: Any) -> None:
    rows = read_wave(SHEET.encode(), filename="wave.csv")
    wave = wave_import(
        community=world.community, name="2026春", held_on=date(2026, 3, 1), rows=rows, actor=None
    )
    scores = wave_scores([wave])[0]
    assert scores.respondents == 3
    assert scores.constructs["trust"] == pytest.approx(round((4 + 5 + 2 + 3 + 3 + 3) / 6, 2))
    assert scores.constructs["reciprocity"] == pytest.approx(4.5)
    assert scores.dimensions["relational"] == pytest.approx(round(29 / 8, 2))
    assert scores.dimensions["cognitive"] == pytest.approx(round(22 / 6, 2))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=len(ITEMS), max_size=len(ITEMS)), min_size=1))
def test_a_dimension_score_is_the_mean_of_its_answers(answers: list[list[int]]) -> None:
    from tests.factories import CommunityFactory

    community: Any = CommunityFactory()
    rows = [
        (str(i), {item.key: a[j] for j, item in enumerate(ITEMS)}) for i, a in enumerate(answers)
    ]
    wave = wave_import(
        community=community, name="w", held_on=date(2026, 1, 1), rows=rows, actor=None
    )
    scores = wave_scores([wave])[0]
    relational = [
        a[j] for a in answers for j, item in enumerate(ITEMS) if item.dimension == "relational"
    ]
    assert scores.dimensions["relational"] == pytest.approx(
        round(sum(relational) / len(relational), 2)
    )
    assert 1 <= (scores.dimensions["cognitive"] or 0) <= 5


def test_the_command_imports_a_wave_all_or_nothing(world: Any, tmp_path: Path) -> None:
    good = tmp_path / "wave.csv"
    good.write_text(SHEET, encoding="utf-8")
    out = StringIO()
    call_command(
        "import_social_capital",
        "heping",
        str(good),
        "--wave",
        "2026春",
        "--date",
        "2026-03-01",
        "--json",
        stdout=out,
        stderr=StringIO(),
    )
    result = json.loads(out.getvalue())
    assert result["respondents"] == 3
    assert set(result["dimensions"]) == {"relational", "cognitive"}
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,trust_keys\n1,3\n2,9\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_social_capital",
            "heping",
            str(bad),
            "--wave",
            "秋",
            "--date",
            "2026-09-01",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert refused.value.returncode == 1
    assert not SurveyWave.objects.filter(name="秋").exists()
    assert SurveyAnswer.objects.count() == 14


def test_the_daily_task_refreshes_this_months_snapshots(world: Any, compound: Any) -> None:
    result = network_snapshots_refresh.call()
    assert "heping" in result
