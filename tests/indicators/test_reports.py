"""`peiban report` writes Word, PDF and Excel files whose figures are the indicators', read back."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from peiban.core.demo import DemoWorld
from peiban.indicators.figures import indicators_for
from peiban.indicators.reports import report_data, report_xlsx, row_text
from peiban.needs.dashboard import local_midnight
from peiban.needs.models import Recognition
from peiban.places.models import Resident

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def run_report(
    demo: DemoWorld, tmp_path: Path, fmt: str, *extra: str
) -> tuple[Path, dict[str, Any]]:
    end = timezone.localdate()
    start = end - timedelta(days=365)
    out = tmp_path / f"report.{fmt}"
    stdout = io.StringIO()
    call_command(
        "report",
        demo.community.slug,
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--format",
        fmt,
        "--out",
        str(out),
        "--json",
        *extra,
        stdout=stdout,
    )
    return out, json.loads(stdout.getvalue())


def year_indicators(demo: DemoWorld) -> Any:
    end = timezone.localdate()
    start = end - timedelta(days=365)
    return indicators_for(
        [demo.community.pk],
        since=local_midnight(start),
        until=local_midnight(end + timedelta(days=1)),
    )


def test_the_excel_report_holds_every_indicator_figure(demo: DemoWorld, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out, result = run_report(demo, tmp_path, "xlsx")
    assert result == {**result, "path": str(out), "format": "xlsx"}
    book = load_workbook(out)
    sheet = book.worksheets[0]
    figures = {row[2]: row[3] for row in sheet.iter_rows(min_row=3, values_only=True)}
    indicators = year_indicators(demo)
    assert indicators.value("activities_held") > 0
    for row in indicators.rows():
        if not row.measured:
            assert figures[row.key] in {"not measured yet", "尚未测量"}
        elif row.ratings is not None:
            assert figures[row.key] == row_text(row)
        elif row.value is None:
            assert figures[row.key] is None
        else:
            assert Decimal(str(figures[row.key])) == row.value, row.key
    assert len(book.worksheets) == 3  # indicators, milestones, highlights


def test_the_word_report_shows_the_figures_and_charts(demo: DemoWorld, tmp_path: Path) -> None:
    from docx import Document

    out, _result = run_report(demo, tmp_path, "docx")
    document = Document(str(out))
    cells = {
        table.rows[i].cells[0].text: table.rows[i].cells[1].text
        for table in document.tables
        for i in range(len(table.rows))
    }
    indicators = year_indicators(demo)
    for row in indicators.rows():
        assert cells[row.label] == row_text(row)
    assert demo.community.name in document.paragraphs[0].text
    assert len(document.inline_shapes) == 2  # the two charts


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_pdf_report_reads_back_in_chinese(demo: DemoWorld, tmp_path: Path) -> None:
    out, _result = run_report(demo, tmp_path, "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert demo.community.name in text
    indicators = year_indicators(demo)
    for key in ("activities_held", "person_times", "persons"):
        assert f"{int(indicators.value(key)):,}" in text
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out, ARTIFACTS / "indicators-report.pdf")


def test_the_government_version_has_no_highlights_or_names(demo: DemoWorld, tmp_path: Path) -> None:
    resident = Resident.objects.filter(community=demo.community).first()
    assert resident is not None
    Recognition.objects.create(
        community=demo.community,
        resident=resident,
        kind="giving_ground",
        message="为邻里和睦把公鸡送回老家",
        public=True,
    )
    end = timezone.localdate()
    full = report_data(demo.community, start=end - timedelta(days=30), end=end, government=False)
    assert any(resident.name in h for h in full.highlights)
    out, _result = run_report(demo, tmp_path, "xlsx", "--government")
    from openpyxl import load_workbook

    book = load_workbook(out)
    text = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
    )
    names = set(Resident.objects.filter(community=demo.community).values_list("name", flat=True))
    assert not [name for name in names if name and name in text]
    assert "公鸡" not in text
    assert len(book.worksheets) == 2


def test_highlights_need_the_residents_consent(demo: DemoWorld) -> None:
    resident = Resident.objects.filter(community=demo.community).first()
    assert resident is not None
    Recognition.objects.create(
        community=demo.community,
        resident=resident,
        kind="contribution",
        message="私下感谢",
        public=False,
    )
    end = timezone.localdate()
    data = report_data(demo.community, start=end - timedelta(days=3), end=end, government=False)
    assert not any("私下感谢" in h for h in data.highlights)


def test_formulas_in_highlights_are_neutralised(demo: DemoWorld) -> None:
    from openpyxl import load_workbook

    resident = Resident.objects.filter(community=demo.community).first()
    assert resident is not None
    Recognition.objects.create(
        community=demo.community,
        resident=resident,
        kind="contribution",
        message="x",
        public=True,
    )
    resident.name = '=HYPERLINK("http://evil")'
    resident.save(update_fields=["name"])
    end = timezone.localdate()
    data = report_data(demo.community, start=end - timedelta(days=3), end=end, government=False)
    data.highlights = [f"{resident.name}：x"]
    book = load_workbook(io.BytesIO(report_xlsx(data)))
    cell = book.worksheets[2]["A2"].value
    assert cell.startswith("'=")


def test_bad_dates_exit_with_status_one(demo: DemoWorld, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as error:
        call_command(
            "report",
            demo.community.slug,
            "--from",
            "2026-13-01",
            "--to",
            "2026-12-31",
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "x.pdf"),
        )
    assert error.value.returncode == 1
    assert not (tmp_path / "x.pdf").exists()


def test_photos_appear_in_the_full_version_only(world: Any) -> None:
    from docx import Document

    from peiban.activities.services import photo_add
    from peiban.indicators.reports import report_docx
    from tests.activities.test_closing import png_upload
    from tests.activities.test_registration import make_activity

    now = timezone.now()
    activity = make_activity(
        world, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    photo_add(
        activity=activity,
        upload=png_upload(),
        caption="大合影",
        people_agreed=True,
        actor=world.staff,
    )
    today = timezone.localdate()
    full = report_data(
        world.community, start=today - timedelta(days=1), end=today, government=False
    )
    assert len(full.photos) == 1
    assert "大合影" in full.photos[0][0]
    document = Document(io.BytesIO(report_docx(full)))
    assert len(document.inline_shapes) == 3  # two charts and the photo
    government = report_data(
        world.community, start=today - timedelta(days=1), end=today, government=True
    )
    assert government.photos == []
