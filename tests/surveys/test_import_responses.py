"""Importing responses from KoboToolbox, ODK Central, 问卷星 and plain files."""

from __future__ import annotations

import json
import random
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from peiban.places.models import Dwelling
from peiban.surveys.importing import (
    ResponsesFileError,
    ResponsesRejected,
    read_responses,
    responses_import,
)
from peiban.surveys.models import Answer, Form, Response
from peiban.surveys.selectors import latest_version
from tests.surveys import files
from tests.surveys.files import NEEDS_NAMES


def sample(
    count: int, *, seed: int = 4, dwellings: list[Dwelling] | None = None
) -> list[dict[str, Any]]:
    """Valid answers, as a collection tool would hold them, each for its own dwelling."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        size = rng.randint(1, 6)
        elderly = rng.choice(["yes", "no"])
        needs = rng.sample(NEEDS_NAMES, rng.randint(0, 3))
        volunteer = rng.choice(["yes", "maybe", "no"])
        answers: dict[str, Any] = {
            "household_size": str(size),
            "has_elderly": elderly,
            "elderly_count": str(rng.randint(1, size)) if elderly == "yes" else "",
            "has_children": rng.choice(["yes", "no"]),
            "tenure": rng.choice(["owner", "tenant"]),
            **{
                f"sat_{k}": str(rng.randint(1, 5))
                for k in ("security", "property", "environment", "parking", "neighbours")
            },
            "needs": " ".join(needs),
            "needs_other": "修电梯" if "other" in needs else "",
            "volunteer": volunteer,
            "skills": "teaching" if volunteer != "no" and rng.random() < 0.5 else "",
            "belonging": str(rng.randint(1, 10)),
            "comments": rng.choice(["", "楼道灯坏了", "希望多办活动"]),
            "_uuid": f"uuid-{seed}-{index + 1}",
        }
        if dwellings is not None:
            d = dwellings[index]
            answers["_address"] = f"{d.building.label}-{d.unit}-{d.room}"
            answers["_parts"] = (f"{d.building.label}栋", d.unit, d.room)
        out.append(answers)
    return out


def run(form: Form, data: bytes, filename: str, *args: str) -> tuple[dict[str, Any], int]:
    folder = Path(tempfile.mkdtemp())
    path = folder / filename
    path.write_bytes(data)
    out = StringIO()
    try:
        call_command(
            "import_responses",
            str(form.pk),
            str(path),
            "--json",
            *args,
            stdout=out,
            stderr=StringIO(),
        )
        code = 0
    except CommandError as error:
        code = error.returncode
    finally:
        path.unlink()
        folder.rmdir()
    return json.loads(out.getvalue()), code


def stored(form: Form) -> list[dict[str, Any]]:
    return [r.answers for r in Response.objects.filter(form=form).order_by("pk")]


def expected(answers: dict[str, Any]) -> dict[str, Any]:
    from peiban.surveys.answers import check_answers
    from peiban.surveys.questionnaires import needs_xlsform
    from peiban.surveys.xlsform import read_xlsform

    raw = {k: v for k, v in answers.items() if not k.startswith("_")}
    return check_answers(read_xlsform(needs_xlsform()).definition, raw).answers


@pytest.mark.parametrize("flags", [True, False])
def test_kobo_csv_is_imported_and_linked(
    needs_form: Form, dwellings: list[Dwelling], flags: bool
) -> None:
    responses = sample(8, dwellings=dwellings)
    result, code = run(needs_form, files.kobo(responses, flags=flags), "kobo.csv")
    assert code == 0, result
    assert result["imported"] == 8
    assert result["linked"] == 8
    assert result["rejected"] == []
    assert result["format"] == "kobo"
    assert stored(needs_form) == [expected(a) for a in responses]
    first = Response.objects.filter(form=needs_form).order_by("pk").first()
    assert first is not None
    assert first.dwelling == dwellings[0]
    assert first.submission_id == "uuid-4-1"
    assert first.source == "kobo"
    assert first.household is not None


def test_kobo_flag_columns_alone_give_the_choices(needs_form: Form) -> None:
    responses = sample(6)
    reading = read_responses(
        files.kobo(responses, text=False),
        filename="k.csv",
        definition=latest_version(needs_form).definition,
    )
    assert [r.answers.get("needs", "") for r in reading.rows] == [
        expected(a).get("needs", "") for a in responses
    ]


def test_odk_central_csv_is_imported_with_group_paths(
    needs_form: Form, dwellings: list[Dwelling]
) -> None:
    responses = sample(5, dwellings=dwellings)
    result, code = run(needs_form, files.odk(responses), "odk.csv")
    assert code == 0, result
    assert (result["imported"], result["linked"], result["format"]) == (5, 5, "odk")
    assert stored(needs_form) == [expected(a) for a in responses]


@pytest.mark.parametrize("as_xlsx", [True, False])
def test_wjx_exports_map_titles_and_labels_back(
    needs_form: Form, dwellings: list[Dwelling], as_xlsx: bool
) -> None:
    responses = sample(6, dwellings=dwellings, seed=11)
    responses[0]["needs"] = "elderly_care other"
    responses[0]["needs_other"] = "修电梯"
    data = files.wjx(responses, as_xlsx=as_xlsx)  # the CSV variant is GBK-encoded
    result, code = run(needs_form, data, "wjx.xlsx" if as_xlsx else "wjx.csv")
    assert code == 0, result
    assert (result["imported"], result["linked"], result["format"]) == (6, 6, "wjx")
    assert stored(needs_form) == [expected(a) for a in responses]
    assert Response.objects.filter(form=needs_form, submission_id="1").exists()


def test_plain_csv_with_question_names(needs_form: Form) -> None:
    responses = sample(4)
    result, code = run(needs_form, files.plain(responses), "plain.csv")
    assert code == 0, result
    assert (result["imported"], result["linked"], result["format"]) == (4, 0, "csv")
    assert stored(needs_form) == [expected(a) for a in responses]
    assert Answer.objects.filter(form=needs_form, question="household_size").count() == 4


def test_duplicates_are_reported_and_not_imported_twice(
    needs_form: Form, dwellings: list[Dwelling]
) -> None:
    responses = sample(4, dwellings=dwellings)
    responses[2]["_uuid"] = responses[0]["_uuid"]  # the same submission as row 3
    responses[3]["_address"] = responses[1]["_address"]  # the same household twice
    result, code = run(needs_form, files.kobo(responses), "kobo.csv")
    assert code == 0, result
    assert result["imported"] == 2
    assert result["duplicates"] == 2
    assert [d["row"] for d in result["duplicate_rows"]] == [5, 6]
    again, code = run(needs_form, files.kobo(responses[:2]), "kobo.csv")
    assert (code, again["imported"], again["duplicates"]) == (0, 0, 2)
    assert Response.objects.count() == 2


def test_bad_rows_stop_the_whole_import_with_row_and_column(needs_form: Form) -> None:
    responses = sample(5)
    responses[1]["household_size"] = "三口"
    responses[3]["sat_parking"] = "特别好"
    result, code = run(needs_form, files.plain(responses), "plain.csv")
    assert code == 1
    assert result["imported"] == 0
    reasons = {r["row"]: r["reason"] for r in result["rejected"]}
    assert reasons[3].startswith("column A ('household_size'): “三口” is not a whole number.")
    assert (
        reasons[5] == "column I ('sat_parking'): '特别好' is not a choice of question sat_parking"
    )
    assert not Response.objects.exists()
    result, code = run(needs_form, files.plain(responses), "plain.csv", "--partial")
    assert code == 0
    assert result["imported"] == 3
    assert len(result["rejected"]) == 2


def test_a_column_matching_no_question_is_refused(needs_form: Form) -> None:
    rows = [[*files.QUESTIONS, "favourite_colour"], ["2", "no", "", "no"]]
    result, code = run(needs_form, files.csv_bytes(rows), "plain.csv")
    assert code == 1
    assert "column Q ('favourite_colour') matches no question of the form" in result["error"]


def test_an_unknown_dwelling_is_rejected(needs_form: Form, dwellings: list[Dwelling]) -> None:
    responses = sample(2, dwellings=dwellings)
    responses[1]["_address"] = "9-9-909"
    result, code = run(needs_form, files.kobo(responses), "kobo.csv")
    assert code == 1
    assert result["rejected"] == [{"row": 4, "reason": "there is no dwelling 9栋9单元909室 here"}]


def test_merged_header_cells_in_a_wjx_workbook_are_explained(needs_form: Form) -> None:
    data = files.wjx(sample(2), merge="G1:H1")
    with pytest.raises(ResponsesFileError, match="Column H has data but no header in row 1"):
        read_responses(data, filename="wjx.xlsx", definition=latest_version(needs_form).definition)


def test_an_all_or_nothing_import_writes_nothing(needs_form: Form) -> None:
    responses = sample(3)
    responses[2]["belonging"] = "12"
    reading = read_responses(
        files.plain(responses), filename="p.csv", definition=latest_version(needs_form).definition
    )
    with pytest.raises(ResponsesRejected):
        responses_import(form=needs_form, reading=reading)
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_an_unknown_form_is_bad_input(needs_form: Form, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(files.plain(sample(1)))
    with pytest.raises(CommandError, match="There is no single form 'nope'"):
        call_command("import_responses", "nope", str(path), stdout=StringIO(), stderr=StringIO())
