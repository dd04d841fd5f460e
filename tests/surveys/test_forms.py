"""Importing XLSForms: what Peiban runs is stored, what it cannot run is refused by row."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peiban.core.models import AuditEntry
from peiban.surveys.answers import find_question
from peiban.surveys.models import Form, FormVersion, Wave
from peiban.surveys.questionnaires import (
    CHOICES_HEADER,
    NEEDS_CHOICES,
    NEEDS_SURVEY,
    SURVEY_HEADER,
    _row,
    needs_xlsform,
    xlsform_bytes,
)
from peiban.surveys.xlsform import FormFileError, read_xlsform
from tests.conftest import World

REPEAT_SURVEY = [
    _row("integer", "size", "Size", "人数", required="yes"),
    _row("begin_repeat", "members", "Members", "成员"),
    _row("text", "member_name", "Name", "姓名", required="yes"),
    _row("integer", "member_age", "Age", "年龄", constraint=". < 120"),
    _row("end_repeat", ""),
    _row("select_one district", "district", "District", "片区"),
    _row("select_one street", "street", "Street", "街道", choice_filter="district = ${district}"),
    _row("date", "visited_on", "Visit date", "走访日期"),
    _row("decimal", "rent", "Rent", "租金"),
]
REPEAT_CHOICES = [
    ["district", "east", "East", "东片"],
    ["district", "west", "West", "西片"],
]
FILTER_HEADER = [*CHOICES_HEADER, "district"]
FILTER_CHOICES = [
    *[[*row, ""] for row in REPEAT_CHOICES],
    ["street", "s1", "First street", "一街", "east"],
    ["street", "s2", "Second street", "二街", "west"],
]


def repeat_form() -> bytes:
    return xlsform_bytes(
        REPEAT_SURVEY,
        FILTER_CHOICES,
        title="户籍",
        form_id="members",
        choices_header=FILTER_HEADER,
    )


def test_the_needs_questionnaire_is_read_with_every_feature() -> None:
    parsed = read_xlsform(needs_xlsform())
    definition = parsed.definition
    assert definition["title"] == "居民情况和需求调查"
    assert definition["languages"] == ["English (en)", "中文 (zh)"]
    assert parsed.question_count == 16
    size = find_question(definition, "household_size")
    assert size is not None
    assert size["type"] == "integer"
    assert size["required"] is True
    assert size["label"] == {
        "English (en)": "How many people live here?",
        "中文 (zh)": "家里住几口人？",
    }
    assert size["hint"] == {"中文 (zh)": "包括长期居住的家人"}
    assert size["constraint_message"]["中文 (zh)"] == "请填 1 到 20 之间的数。"
    assert size["row"] == 4
    needs = find_question(definition, "needs")
    assert needs is not None
    assert needs["or_other"] is True
    other = find_question(definition, "needs_other")
    assert other is not None
    assert other["relevant"] == "selected(${needs}, 'other')"
    assert [c["name"] for c in definition["choices"]["needs"]][-1] == "other"
    calculate = find_question(definition, "needs_n")
    assert calculate is not None
    assert calculate["calculation"] == "count-selected(${needs})"
    group = definition["questions"][1]
    assert group["type"] == "group"
    assert group["name"] == "household"


def test_repeats_dates_decimals_and_choice_filters_are_read() -> None:
    definition = read_xlsform(repeat_form()).definition
    repeat = find_question(definition, "members")
    assert repeat is not None
    assert repeat["type"] == "repeat"
    assert [c["name"] for c in repeat["children"]] == ["member_name", "member_age"]
    street = find_question(definition, "street")
    assert street is not None
    assert street["choice_filter"] == "district = ${district}"
    assert definition["choices"]["street"][0]["columns"] == {"district": "east"}


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (
            ["geopoint", "where", "Where", "哪里"],
            "row 3, column type: the question type 'geopoint'",
        ),
        (["image", "photo", "Photo", "照片"], "the question type 'image' is not supported"),
        (
            ["integer", "n", "N", "数", "", "", "${a} >", ""],
            "row 3, column relevant (G): the expression '${a} >' cannot be used",
        ),
        (
            ["integer", "n", "N", "数", "", "", "", "pulldata('x')"],
            "column constraint (H): the expression 'pulldata('x')' cannot be used: the function "
            "pulldata()",
        ),
    ],
)
def test_an_unsupported_feature_is_refused_naming_sheet_row_and_column(
    row: list[str], words: str
) -> None:
    survey = [_row("text", "first", "First", "第一"), row]
    with pytest.raises(FormFileError) as caught:
        read_xlsform(xlsform_bytes(survey, NEEDS_CHOICES, title="t", form_id="t"))
    assert "sheet 'survey'" in str(caught.value)
    assert words in str(caught.value)


def test_an_unsupported_column_is_refused() -> None:
    survey = [
        ["begin_repeat", "kids", "Kids", "孩子", "", "", "", "", "", "", "", "", "3"],
        ["text", "kid", "Kid", "孩子"],
        ["end_repeat", ""],
    ]
    data = xlsform_bytes(
        survey, [], title="t", form_id="t", survey_header=[*SURVEY_HEADER, "repeat_count"]
    )
    with pytest.raises(FormFileError, match=r"row 2, column repeat_count \(M\)"):
        read_xlsform(data)


def test_pyxform_errors_are_reported() -> None:
    survey = [_row("begin_group", "g", "G", "组"), _row("text", "a", "A", "甲")]
    with pytest.raises(FormFileError, match=r"The XLSForm is not valid: .*Unmatched 'begin_group'"):
        read_xlsform(xlsform_bytes(survey, [], title="t", form_id="t"))


def test_a_reference_to_a_missing_question_is_refused_by_pyxform() -> None:
    survey = [_row("integer", "a", "A", "甲", relevant="${nowhere} > 1")]
    with pytest.raises(FormFileError, match="nowhere"):
        read_xlsform(xlsform_bytes(survey, [], title="t", form_id="t"))


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(FormFileError, match="not an Excel workbook"):
        read_xlsform(b"type,name\ntext,a\n", filename="form.csv")


def test_import_form_prints_the_id_and_keeps_versions(world: World, tmp_path: Path) -> None:
    path = tmp_path / "needs.xlsx"
    path.write_bytes(needs_xlsform())
    out = StringIO()
    call_command("import_form", "heping", str(path), "--json", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    form = Form.objects.get()
    assert result["form"] == form.pk
    assert result["slug"] == "peiban_needs" == form.slug
    assert result["questions"] == 16
    assert form.community == world.community
    assert form.organisation == world.organisation
    assert Wave.objects.filter(form=form).count() == 1
    path.write_bytes(needs_xlsform(version="2"))
    out = StringIO()
    call_command("import_form", "heping", str(path), "--json", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue())["version"] == 2
    assert Form.objects.count() == 1
    assert list(FormVersion.objects.values_list("number", "version")) == [(2, "2"), (1, "1")]
    assert AuditEntry.objects.filter(subject_type="surveys.form").count() == 2


def test_import_form_refuses_bad_input_with_exit_status_1(world: World, tmp_path: Path) -> None:
    survey = [*NEEDS_SURVEY, ["range", "score", "Score", "分数"]]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsform_bytes(survey, NEEDS_CHOICES, title="t", form_id="t"))
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_form", "heping", str(path), "--json", stdout=out, stderr=StringIO())
    assert caught.value.returncode == 1
    assert "the question type 'range' is not supported" in json.loads(out.getvalue())["error"]
    assert not Form.objects.exists()


def test_import_form_refuses_an_unknown_community(world: World, tmp_path: Path) -> None:
    path = tmp_path / "needs.xlsx"
    path.write_bytes(needs_xlsform())
    with pytest.raises(CommandError, match="There is no community 'nowhere'"):
        call_command("import_form", "nowhere", str(path), stdout=StringIO(), stderr=StringIO())
