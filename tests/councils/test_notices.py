"""Printable voting-code notices: one page per dwelling, PDF and Word, issued with the codes in
one step (the plain codes exist only in the file), staff only, audited.

The PDF tests need a Noto CJK font (Debian fonts-noto-cjk) and poppler-utils' pdftotext."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peiban.core.models import AuditEntry
from peiban.core.typesetting import CJKFontMissing, find_cjk_font
from peiban.councils.models import Assembly, VotingCode
from peiban.councils.notices import code_notices_pdf
from peiban.councils.services import (
    AlreadyVoted,
    CouncilError,
    ForgedCode,
    IssuedCode,
    assembly_create,
    assembly_open,
    ballot_cast_online,
    code_notices_issue,
    codes_issue,
)
from peiban.places.models import Building, Dwelling
from tests.councils.conftest import Compound

pytestmark = pytest.mark.django_db

CODE = re.compile(r"[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}")
URL = "https://peiban.example/vote/1/"


def _missing(message: str) -> None:
    if os.environ.get("PEIBAN_BROWSER_TESTS") == "required":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def cjk_font() -> Path:
    try:
        return find_cjk_font("sans")
    except CJKFontMissing as error:
        _missing(str(error))
        raise


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    tool = shutil.which("pdftotext")
    if tool is None:
        _missing("pdftotext was not found; install Debian's poppler-utils.")
    source = tmp_path / "codes.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        [str(tool), "-raw", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    pages = done.stdout.decode("utf-8").split("\f")
    return [re.sub(r"\s+", "", page) for page in pages if page.strip()]


def prepare(world: Any, *, question: str = "是否解聘现物业公司？") -> Assembly:
    now = timezone.now()
    return assembly_create(
        community=world.community,
        title="更换物业公司",
        matter=4,
        question=question,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        actor=world.staff,
    )


def test_a_draft_vote_opens_and_its_codes_come_in_the_pdf_once(
    world: Any, compound: Compound, cjk_font: Path, tmp_path: Path
) -> None:
    assembly = prepare(world)
    notice = code_notices_issue(assembly=assembly, fmt="pdf", vote_url=URL, actor=world.staff)
    assembly.refresh_from_db()
    assert assembly.status == "open"
    assert notice.codes == 6
    assert notice.content_type == "application/pdf"
    pages = pdf_pages(notice.content, tmp_path)
    assert len(pages) == 6  # one page per dwelling
    first = pages[0]
    assert "1栋1单元101室" in first
    assert "是否解聘现物业公司？" in first
    assert "Peibanprepares,recordsandcounts;itisnotalegallycertified" in first
    assert URL in first
    assert "Votingclosesat" in first
    codes = [CODE.search(page) for page in pages]
    assert all(codes)
    # The codes printed are the codes that work: the first page's code votes for 101.
    code_101 = codes[0].group(0)  # type: ignore[union-attr]
    ballot_cast_online(assembly=assembly, code=code_101, opinion="yes")
    # And the file holds the only copy: nothing in the database shows a plain code.
    stored = list(VotingCode.objects.filter(assembly=assembly).values_list("code_hash", flat=True))
    assert code_101 not in stored
    assert code_101.replace("-", "") not in stored


def test_issuing_again_makes_the_old_codes_stop_working(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    old = {i.dwelling.room: i.code for i in assembly_open(assembly=assembly, actor=world.staff)}
    new = {
        i.dwelling.room: i.code
        for i in codes_issue(
            assembly=assembly, actor=world.staff, dwellings=[compound.dwellings["302"]]
        )
    }
    assert list(new) == ["302"]
    with pytest.raises(ForgedCode):
        ballot_cast_online(assembly=assembly, code=old["302"], opinion="yes")
    ballot_cast_online(assembly=assembly, code=old["101"], opinion="yes")  # others still work
    ballot_cast_online(assembly=assembly, code=new["302"], opinion="no")
    assert AuditEntry.objects.filter(reason="codes issued again", detail__codes=1).exists()


def test_a_new_code_does_not_give_a_second_ballot(world: Any, compound: Compound) -> None:
    assembly = prepare(world)
    old = {i.dwelling.room: i.code for i in assembly_open(assembly=assembly, actor=world.staff)}
    ballot_cast_online(assembly=assembly, code=old["102"], opinion="yes")
    again = codes_issue(assembly=assembly, actor=world.staff)
    new = {i.dwelling.room: i.code for i in again}
    assert len(again) == 6
    with pytest.raises(AlreadyVoted):
        ballot_cast_online(assembly=assembly, code=new["201"], opinion="no")  # 李娜's other home


def test_codes_are_not_issued_for_a_closed_vote_or_a_dwelling_outside_it(
    world: Any, compound: Compound
) -> None:
    assembly = prepare(world)
    with pytest.raises(CouncilError, match="only while the vote is open"):
        codes_issue(assembly=assembly, actor=world.staff)
    assembly_open(assembly=assembly, actor=world.staff)
    other = Dwelling.objects.create(
        community=world.other_community,
        building=Building.objects.create(community=world.other_community, label="9"),
        room="101",
    )
    with pytest.raises(CouncilError, match="not in the electorate"):
        codes_issue(assembly=assembly, actor=world.staff, dwellings=[other])


def test_without_a_font_nothing_is_issued(
    world: Any, compound: Compound, monkeypatch: pytest.MonkeyPatch
) -> None:
    assembly = prepare(world)
    old = {i.dwelling.room: i.code for i in assembly_open(assembly=assembly, actor=world.staff)}

    def no_font(*args: Any, **kwargs: Any) -> Path:
        raise CJKFontMissing("no font here")

    monkeypatch.setattr("peiban.councils.notices.find_cjk_font", no_font)
    with pytest.raises(CJKFontMissing):
        code_notices_issue(assembly=assembly, fmt="pdf", vote_url=URL, actor=world.staff)
    # The old codes still work: the new ones were never written anywhere.
    ballot_cast_online(assembly=assembly, code=old["101"], opinion="yes")
    assert not AuditEntry.objects.filter(reason="codes issued again").exists()


def test_the_word_file_has_a_page_per_dwelling(world: Any, compound: Compound) -> None:
    from docx import Document

    assembly = prepare(world)
    notice = code_notices_issue(assembly=assembly, fmt="docx", vote_url=URL, actor=world.staff)
    document = Document(io.BytesIO(notice.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert len(CODE.findall(text)) == 6
    assert text.count("1栋1单元101室") == 1
    assert text.count("Peiban prepares, records and counts") == 6
    xml = document.element.xml
    assert xml.count('w:type="page"') == 5
    assert len(document.inline_shapes) == 6  # the QR code of the ballot page on each page


def test_a_long_question_still_fits_one_page(
    world: Any, compound: Compound, cjk_font: Path, tmp_path: Path
) -> None:
    assembly = prepare(world, question="关于更换物业服务企业的说明。" * 140)  # 1960 characters
    issued = [IssuedCode(dwelling=d, code="ABCDE-FGHJK") for d in compound.dwellings.values()]
    pdf = code_notices_pdf(assembly, issued, vote_url=URL)
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 6
    assert all("ABCDE-FGHJK" in page for page in pages)


def test_five_hundred_notices_are_made_quickly(world: Any, cjk_font: Path) -> None:
    building = Building.objects.create(community=world.community, label="8")
    dwellings = Dwelling.objects.bulk_create(
        Dwelling(community=world.community, building=building, unit="1", room=str(100 + n))
        for n in range(500)
    )
    for dwelling in dwellings:
        dwelling.building = building
    assembly = prepare(world)
    issued = [IssuedCode(dwelling=d, code="ABCDE-FGHJK") for d in dwellings]
    started = time.perf_counter()
    pdf = code_notices_pdf(assembly, issued, vote_url=URL)
    elapsed = time.perf_counter() - started
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 500
    assert elapsed < 30, f"500 notices took {elapsed:.1f}s"


# --- The page ------------------------------------------------------------------------------------


def url(world: Any, assembly: Assembly) -> str:
    return reverse("councils:code-notices", args=[world.community.slug, assembly.pk])


def test_staff_download_the_notices_and_the_download_is_audited(
    world: Any, compound: Compound, login: Any, cjk_font: Path
) -> None:
    assembly = prepare(world)
    client = login(world.staff)
    page = client.get(url(world, assembly))
    assert page.status_code == 200
    assert b"data-notice-opens" in page.content
    response = client.post(url(world, assembly), {"fmt": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(reason="code notices downloaded")
    assert entry.action == "export"
    assert entry.actor == world.staff
    assert entry.detail == {"format": "pdf", "codes": 6}
    again = client.get(url(world, assembly))
    assert b"data-notice-reissues" in again.content


def test_one_lost_paper_is_reprinted_by_address(world: Any, compound: Compound, login: Any) -> None:
    from docx import Document

    assembly = prepare(world)
    assembly_open(assembly=assembly, actor=world.staff)
    client = login(world.staff)
    response = client.post(url(world, assembly), {"fmt": "docx", "homes": "1-1-302\n"})
    assert response.status_code == 200, response.content[:500]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert len(CODE.findall(text)) == 1
    assert "1栋1单元302室" in text
    wrong = client.post(url(world, assembly), {"fmt": "docx", "homes": "7-7-707"})
    assert wrong.status_code == 200
    assert "not dwellings of this community: 7-7-707" in wrong.content.decode()


@pytest.mark.parametrize("persona", ["leader", "resident", "viewer", "other_staff", "outsider"])
def test_only_staff_of_the_community_reach_the_codes(
    world: Any, compound: Compound, persona: str
) -> None:
    assembly = prepare(world)
    client = Client()
    client.force_login(world.persona(persona))
    assert client.get(url(world, assembly)).status_code == 404
    assert client.post(url(world, assembly), {"fmt": "pdf"}).status_code == 404
    assembly.refresh_from_db()
    assert assembly.status == "draft"
