"""Repeat groups in imports: KoboToolbox XLSX repeat sheets and ODK Central repeat files (and
Central's zip), stored the way the web form stores them; bad links refused by sheet and row."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from peiban.surveys import importing
from peiban.surveys.importing import read_responses, responses_import, stream_responses
from peiban.surveys.models import Answer, Form, Response
from peiban.surveys.questionnaires import _row, xlsform_bytes
from peiban.surveys.selectors import latest_version
from peiban.surveys.services import form_import, response_save
from peiban.surveys.xlsform import read_xlsform
from tests.conftest import World
from tests.surveys import files

MEMBERS_SURVEY = [
    _row("integer", "hh_size", "Household size", "家庭人数", required="yes"),
    _row("begin_group", "household", "Household", "家庭"),
    _row("begin_repeat", "members", "Members", "家庭成员"),
    _row("text", "member_name", "Name", "姓名", required="yes"),
    _row(
        "integer",
        "member_age",
        "Age",
        "年龄",
        constraint=". < 120",
        message=("Under 120.", "小于 120。"),
    ),
    _row("select_multiple help", "member_needs", "Needs", "需要"),
    _row("begin_repeat", "jobs", "Jobs", "工作"),
    _row("text", "job_title", "Job", "职业"),
    _row("end_repeat", ""),
    _row("end_repeat", ""),
    _row("end_group", ""),
    _row("select_one yes_no", "pets", "Pets?", "养宠物吗？"),
]
MEMBERS_CHOICES = [
    ["help", "care", "Care", "照护"],
    ["help", "health", "Health", "健康"],
    ["help", "study", "Study", "学习"],
    ["yes_no", "yes", "Yes", "是"],
    ["yes_no", "no", "No", "否"],
]
HELP = ["care", "health", "study"]
LABELS = {"care": "照护", "health": "健康", "study": "学习"}
KOBO_META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status"]
KOBO_META += ["_submitted_by", "__version__", "_tags", "_index"]
KOBO_REPEAT_META = ["_index", "_parent_table_name", "_parent_index", "_submission__id"]
KOBO_REPEAT_META += ["_submission__uuid", "_submission__submission_time"]
KOBO_REPEAT_META += ["_submission__validation_status", "_submission__notes"]
KOBO_REPEAT_META += ["_submission__status", "_submission__submitted_by"]
KOBO_REPEAT_META += ["_submission___version__", "_submission__tags"]

# Households as a collection tool holds them: members with their needs and jobs.
HOUSEHOLDS: list[dict[str, Any]] = [
    {
        "hh_size": "3",
        "pets": "no",
        "members": [
            {
                "member_name": "王芳",
                "member_age": "67",
                "member_needs": "care health",
                "jobs": [{"job_title": "退休教师"}],
            },
            {
                "member_name": "李强",
                "member_age": "40",
                "member_needs": "",
                "jobs": [{"job_title": "司机"}, {"job_title": "保安"}],
            },
            {"member_name": "王小明", "member_age": "9", "member_needs": "study", "jobs": []},
        ],
    },
    {"hh_size": "1", "pets": "yes", "members": []},
    {
        "hh_size": "2",
        "pets": "no",
        "members": [
            {"member_name": "赵敏", "member_age": "35", "member_needs": "health", "jobs": []},
            {"member_name": "孙杰", "member_age": "36", "member_needs": "", "jobs": []},
        ],
    },
]


def members_xlsform() -> bytes:
    return xlsform_bytes(MEMBERS_SURVEY, MEMBERS_CHOICES, title="家庭成员登记", form_id="members")


@pytest.fixture
def members_form(world: World) -> Form:
    parsed = read_xlsform(members_xlsform())
    return form_import(community=world.community, parsed=parsed, actor=world.staff).form


def sheet_bytes(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def size(text: str) -> object:
    """A number as Excel holds it; anything else as typed."""
    return int(text) if text.isdigit() else text


def kobo_xlsx(
    households: list[dict[str, Any]],
    *,
    labels: bool = False,
    link: str = "index",
    extra_sheet: tuple[str, list[list[object]]] | None = None,
) -> bytes:
    """A KoboToolbox XLSX export: the main sheet, then one sheet per repeat."""
    main: list[list[object]] = [["hh_size", "pets", *KOBO_META]]
    members: list[list[object]] = [
        [
            "household/members/member_name",
            "household/members/member_age",
            "household/members/member_needs",
            *[f"household/members/member_needs/{c}" for c in HELP],
            *KOBO_REPEAT_META,
        ]
    ]
    jobs: list[list[object]] = [["household/members/jobs/job_title", *KOBO_REPEAT_META]]
    member_index = job_index = 0
    for number, household in enumerate(households, start=1):
        uuid = household.get("_uuid", f"uuid-{number}")
        pets = {"yes": "是", "no": "否"}[household["pets"]] if labels else household["pets"]
        main.append(
            [
                size(household["hh_size"]),
                pets,
                100 + number,
                uuid,
                "2026-03-05T10:00:00",
                "",
                "",
                "submitted_via_web",
                "",
                "v1",
                "",
                number,
            ]
        )
        for member in household["members"]:
            member_index += 1
            chosen = member["member_needs"].split()
            needs = " ".join(LABELS[c] for c in chosen) if labels else member["member_needs"]
            members.append(
                [
                    member["member_name"],
                    int(member["member_age"]),
                    needs,
                    *[1 if c in chosen else 0 for c in HELP],
                    member_index,
                    "家庭成员登记",
                    number if link == "index" else None,
                    100 + number,
                    uuid,
                    "2026-03-05T10:00:00",
                    "",
                    "",
                    "",
                    "",
                    "v1",
                    "",
                ]
            )
            for job in member["jobs"]:
                job_index += 1
                jobs.append(
                    [
                        job["job_title"],
                        job_index,
                        "members",
                        member_index,
                        100 + number,
                        uuid,
                        "2026-03-05T10:00:00",
                        "",
                        "",
                        "",
                        "",
                        "v1",
                        "",
                    ]
                )
    sheets = [("家庭成员登记", main), ("members", members), ("jobs", jobs)]
    if extra_sheet is not None:
        sheets.append(extra_sheet)
    return sheet_bytes(sheets)


def odk_files(households: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """ODK Central's CSV export: members.csv, members-members.csv, members-jobs.csv."""
    main: list[list[object]] = [
        [
            "SubmissionDate",
            "hh_size",
            "pets",
            "meta-instanceID",
            "KEY",
            "SubmitterID",
            "SubmitterName",
            "AttachmentsPresent",
            "AttachmentsExpected",
            "Status",
            "ReviewState",
            "DeviceID",
            "Edits",
            "FormVersion",
        ]
    ]
    members: list[list[object]] = [
        ["member_name", "member_age", "member_needs", "PARENT_KEY", "KEY"]
    ]
    jobs: list[list[object]] = [["job_title", "PARENT_KEY", "KEY"]]
    for number, household in enumerate(households, start=1):
        key = f"uuid:{number:04d}"
        main.append(
            [
                "2026-03-05T10:00:00.000Z",
                household["hh_size"],
                household["pets"],
                key,
                key,
                "7",
                "张社工",
                "0",
                "0",
                "",
                "",
                "",
                "0",
                "1",
            ]
        )
        for m, member in enumerate(household["members"], start=1):
            member_key = f"{key}/household/members[{m}]"
            members.append(
                [
                    member["member_name"],
                    member["member_age"],
                    member["member_needs"],
                    key,
                    member_key,
                ]
            )
            for j, job in enumerate(member["jobs"], start=1):
                jobs.append([job["job_title"], member_key, f"{member_key}/jobs[{j}]"])
    return [
        ("members.csv", files.csv_bytes(main)),
        ("members-members.csv", files.csv_bytes(members)),
        ("members-jobs.csv", files.csv_bytes(jobs)),
    ]


def zipped(parts: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts:
            archive.writestr(name, data)
        archive.writestr("media/photo.jpg", b"\xff\xd8\xff")
    return out.getvalue()


def run(form: Form, parts: list[tuple[str, bytes]], *args: str) -> tuple[dict[str, Any], int]:
    folder = Path(tempfile.mkdtemp())
    paths = []
    for name, data in parts:
        path = folder / name
        path.write_bytes(data)
        paths.append(str(path))
    out = StringIO()
    try:
        call_command(
            "import_responses",
            str(form.pk),
            *paths,
            "--json",
            *args,
            stdout=out,
            stderr=StringIO(),
        )
        code = 0
    except CommandError as error:
        code = error.returncode
    return json.loads(out.getvalue()), code


def expected(household: dict[str, Any]) -> dict[str, Any]:
    """What the web form stores for the same household."""
    from peiban.surveys.answers import check_answers

    definition = read_xlsform(members_xlsform()).definition
    return check_answers(definition, household).answers


def stored(form: Form) -> list[dict[str, Any]]:
    return [r.answers for r in Response.objects.filter(form=form).order_by("pk")]


def answer_rows(form: Form) -> list[tuple[Any, ...]]:
    rows = Answer.objects.filter(form=form).order_by("response_id", "pk")
    return sorted((r.question, r.instance, r.choice, r.number, r.text) for r in rows)


@pytest.mark.parametrize("labels", [False, True])
def test_a_kobo_workbook_brings_its_repeat_sheets(members_form: Form, labels: bool) -> None:
    result, code = run(members_form, [("kobo.xlsx", kobo_xlsx(HOUSEHOLDS, labels=labels))])
    assert code == 0, result
    assert (result["imported"], result["format"], result["repeat_rows"]) == (3, "kobo", 8)
    assert stored(members_form) == [expected(h) for h in HOUSEHOLDS]
    first = stored(members_form)[0]
    assert [m["member_name"] for m in first["members"]] == ["王芳", "李强", "王小明"]
    assert first["members"][0]["member_needs"] == "care health"
    assert [j["job_title"] for j in first["members"][1]["jobs"]] == ["司机", "保安"]
    ages = Answer.objects.filter(form=members_form, question="member_age")
    assert sorted(ages.values_list("instance", "number")) == [
        (1, 35.0),
        (1, 67.0),
        (2, 36.0),
        (2, 40.0),
        (3, 9.0),
    ]


def test_repeat_rows_are_stored_as_the_web_form_stores_them(
    world: World, members_form: Form
) -> None:
    result, code = run(members_form, [("kobo.xlsx", kobo_xlsx(HOUSEHOLDS[:1]))])
    assert code == 0, result
    imported = answer_rows(members_form)
    Response.objects.all().delete()
    response_save(
        form=members_form,
        wave=members_form.waves.get(),
        answers=HOUSEHOLDS[0],
        actor=world.staff,
    )
    assert stored(members_form) == [expected(HOUSEHOLDS[0])]
    assert answer_rows(members_form) == imported


def test_kobo_repeat_rows_link_by_submission_uuid_without_parent_index(
    members_form: Form,
) -> None:
    data = kobo_xlsx(HOUSEHOLDS, link="uuid")
    reading = read_responses(
        data, filename="k.xlsx", definition=latest_version(members_form).definition
    )
    assert reading.rejected == []
    assert [r.answers for r in reading.rows] == [expected(h) for h in HOUSEHOLDS]


def test_odk_central_repeat_files_are_joined_by_parent_key(members_form: Form) -> None:
    result, code = run(members_form, odk_files(HOUSEHOLDS))
    assert code == 0, result
    assert (result["imported"], result["format"], result["repeat_rows"]) == (3, "odk", 8)
    assert stored(members_form) == [expected(h) for h in HOUSEHOLDS]
    assert Response.objects.filter(form=members_form, submission_id="uuid:0001").exists()


def test_odk_centrals_zip_export_is_read_as_it_comes(members_form: Form) -> None:
    result, code = run(members_form, [("members.zip", zipped(odk_files(HOUSEHOLDS)))])
    assert code == 0, result
    assert stored(members_form) == [expected(h) for h in HOUSEHOLDS]
    tables = stream_responses(
        zipped(odk_files(HOUSEHOLDS)),
        filename="members.zip",
        definition=latest_version(members_form).definition,
    )
    tables.rows = list(tables.rows)
    assert [(t.label, t.repeat, t.rows) for t in tables.tables] == [
        ("'members.csv'", "", 3),
        ("file 'members-members.csv'", "members", 5),
        ("file 'members-jobs.csv'", "jobs", 3),
    ]


def test_a_repeat_row_without_its_parent_stops_the_import(members_form: Form) -> None:
    parts = odk_files(HOUSEHOLDS)
    name, data = parts[1]
    parts[1] = (name, data + "陈静,50,,uuid:9999,uuid:9999/household/members[1]\n".encode())
    result, code = run(members_form, parts)
    assert code == 1
    assert result["imported"] == 0
    assert result["rejected"] == [
        {
            "row": 7,
            "reason": "file 'members-members.csv' row 7: no row of the main table has KEY "
            "uuid:9999; the row was not read",
        }
    ]
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_a_kobo_repeat_row_pointing_at_a_missing_row_names_the_sheet(members_form: Form) -> None:
    workbook = load_workbook(io.BytesIO(kobo_xlsx(HOUSEHOLDS)))
    workbook["家庭成员登记"].delete_rows(
        4
    )  # the third household: its two members lose their parent
    out = io.BytesIO()
    workbook.save(out)
    result, code = run(members_form, [("kobo.xlsx", out.getvalue())])
    assert code == 1
    assert [r["reason"] for r in result["rejected"]] == [
        "sheet 'members' row 5: no row of the main table has _index 3; the row was not read",
        "sheet 'members' row 6: no row of the main table has _index 3; the row was not read",
    ]
    assert not Response.objects.exists()


def test_a_sheet_for_no_repeat_of_the_form_is_refused(members_form: Form) -> None:
    pets = ("pets", [["pets/pet_name", "_index", "_parent_index"], ["旺财", 1, 1]])
    result, code = run(members_form, [("kobo.xlsx", kobo_xlsx(HOUSEHOLDS, extra_sheet=pets))])
    assert code == 1
    assert (
        "The sheet 'pets' holds repeat rows, but it matches no repeat of the form"
        in (result["error"])
    )
    assert "(the form's repeats: members, jobs)" in result["error"]
    assert not Response.objects.exists()


def test_a_repeat_column_matching_nothing_names_the_sheet(members_form: Form) -> None:
    workbook = load_workbook(io.BytesIO(kobo_xlsx(HOUSEHOLDS[1:2])))
    del workbook["jobs"]
    sheet = workbook.create_sheet("jobs")
    sheet.append(["household/members/jobs/job_title", "salary", "_index", "_parent_index"])
    sheet.append(["司机", "5000", 1, 1])
    out = io.BytesIO()
    workbook.save(out)
    result, code = run(members_form, [("kobo.xlsx", out.getvalue())])
    assert code == 1
    assert result["error"].startswith(
        "The header row of sheet 'jobs' has columns Peiban cannot place: column B ('salary') "
        "matches no question of the form."
    )
    assert not Response.objects.exists()


def test_bad_values_in_repeat_rows_name_the_sheet_row_and_column(members_form: Form) -> None:
    households = json.loads(json.dumps(HOUSEHOLDS))
    households[0]["members"][1]["member_age"] = "130"
    households[2]["members"][0]["member_needs"] = "dance"
    result, code = run(members_form, [("kobo.xlsx", kobo_xlsx(households))])
    assert code == 1
    reasons = {r["row"]: r["reason"] for r in result["rejected"]}
    assert reasons[2] == (
        "sheet 'members' row 3, column B ('household/members/member_age'): 小于 120。"
    )
    assert reasons[4] == (
        "sheet 'members' row 5, column C ('household/members/member_needs'): 'dance' is not a "
        "choice of question member_needs"
    )
    assert not Response.objects.exists()
    result, code = run(members_form, [("kobo.xlsx", kobo_xlsx(households))], "--partial")
    assert (code, result["imported"]) == (0, 1)
    assert stored(members_form) == [expected(households[1])]


def test_a_late_rejection_rolls_back_batches_already_written(
    members_form: Form, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 2)
    households = [dict(HOUSEHOLDS[1], members=[]) for _ in range(7)]
    households[6] = dict(households[6], hh_size="三")
    for number, household in enumerate(households, start=1):
        household["_uuid"] = f"u{number}"
    data = kobo_xlsx(households)
    definition = latest_version(members_form).definition
    reading = stream_responses(data, filename="k.xlsx", definition=definition)
    with pytest.raises(importing.ResponsesRejected) as refused:
        responses_import(form=members_form, reading=reading)
    assert [r.row for r in refused.value.result.rejected] == [8]
    assert not Response.objects.exists()
    reading = stream_responses(data, filename="k.xlsx", definition=definition)
    result = responses_import(form=members_form, reading=reading, partial=True)
    assert result.imported == 6
    assert Response.objects.count() == 6


def test_repeat_files_without_their_main_file_are_refused(members_form: Form) -> None:
    main, members, _jobs = odk_files(HOUSEHOLDS)
    result, code = run(members_form, [members])
    assert code == 1
    assert result["error"].startswith("Every file holds repeat rows")
    result, code = run(members_form, [main, ("again.csv", main[1]), members])
    assert code == 1
    assert "Both 'members.csv' and 'again.csv' look like the main table" in result["error"]
    assert not Response.objects.exists()
