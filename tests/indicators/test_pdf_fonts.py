"""The report PDF embeds one CJK face, read once per process; each document still gets its own
subset, so two reports in a row both read back in Chinese."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from peiban.core.typesetting import _fpdf_font, add_cjk_font
from peiban.indicators.reports import report_data, report_pdf
from tests.conftest import World
from tests.indicators.data import populate

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils is not installed",
)


def read_back(pdf: bytes, tmp_path: Path, name: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout
    return text, fonts


def test_two_reports_in_one_process_each_embed_their_own_subset_of_one_face(
    world: World, tmp_path: Path
) -> None:
    populate(world.community, seed=41, residents=12, activities=5)
    populate(world.other_community, seed=42, residents=12, activities=5)
    _fpdf_font.cache_clear()
    first = report_pdf(
        report_data(
            world.community, start=date(2025, 1, 1), end=date(2026, 12, 31), government=False
        )
    )
    second = report_pdf(
        report_data(
            world.other_community, start=date(2025, 1, 1), end=date(2026, 12, 31), government=True
        )
    )
    assert _fpdf_font.cache_info().misses == 1  # the face was read once
    assert _fpdf_font.cache_info().hits >= 1
    text, fonts = read_back(first, tmp_path, "first.pdf")
    assert world.community.name in text
    assert "参与阶梯" in text or "Participation ladder" in text
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert len(embedded) == 1
    assert "NotoSansCJK" in embedded[0]
    assert " yes yes yes " in embedded[0]  # embedded, subset, with a Unicode map
    other_text, _fonts = read_back(second, tmp_path, "second.pdf")
    assert world.other_community.name in other_text
    assert world.community.name not in other_text


def test_each_document_subsets_its_own_copy_of_the_face(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    add_cjk_font(pdf, "body", "sans")
    pdf.add_page()
    pdf.set_font("body", "", 12)
    pdf.cell(0, 10, "邻里互助")
    font = pdf.fonts["body"]
    assert font.ttfont.recalcBBoxes is False
    assert "GSUB" not in font.ttfont
    text, _fonts = read_back(bytes(pdf.output()), tmp_path, "words.pdf")
    assert "邻里互助" in text
    again = FPDF()
    add_cjk_font(again, "body", "sans")
    again.add_page()
    again.set_font("body", "", 12)
    again.cell(0, 10, "守望相助")
    text, _fonts = read_back(bytes(again.output()), tmp_path, "again.pdf")
    assert "守望相助" in text
    assert "邻里" not in text
    assert "GSUB" in _fpdf_font(*_face()).ttfont  # the face read once keeps every table


def _face() -> tuple[Path, int]:
    from peiban.core.typesetting import cjk_face_number, find_cjk_font

    path = find_cjk_font("sans")
    return path, cjk_face_number(path)
