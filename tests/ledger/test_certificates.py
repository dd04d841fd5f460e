from __future__ import annotations

import hashlib
import shutil
import subprocess
from decimal import Decimal

import pytest

from peiban.core.models import ConsentPurpose
from peiban.core.privacy import consent_record
from peiban.core.typesetting import CJKFontMissing, find_cjk_font
from peiban.ledger.certificates import certificate_download, certificate_issue
from peiban.ledger.models import Certificate
from peiban.ledger.services import LedgerError, hours_enter, hours_verify
from peiban.places.services import resident_set_contact


@pytest.fixture(autouse=True)
def _font() -> None:
    try:
        find_cjk_font("serif")
    except CJKFontMissing as missing:
        pytest.skip(str(missing))


def text_of(pdf: bytes) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    found = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return found.stdout.decode()


def hours(world, registry, amount: str, service: str = "楼道清扫"):
    entry = hours_enter(
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours=amount,
        service=service,
        actor=world.staff,
    )
    return hours_verify(entry=entry, actor=world.staff)


def test_it_issues_a_numbered_certificate_without_an_id_number(world, registry) -> None:
    hours(world, registry, "2.5")
    hours(world, registry, "1.25", "陪老人就医")
    hours_enter(  # pending: not certified
        community=world.community,
        resident=registry.resident,
        activity=None,
        hours="9",
        service="未核实",
        actor=world.staff,
    )
    certificate = certificate_issue(
        resident=registry.resident, actor=world.staff, responsible_person="李主任", handler="王社工"
    )
    assert certificate.number.startswith("TONGXING-")
    assert certificate.number.endswith("-0001")
    assert certificate.hours == Decimal("3.75")
    pdf = certificate_download(certificate=certificate, actor=world.staff)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256
    text = text_of(pdf)
    if text is not None:
        flat = text.replace(" ", "").replace("\n", "")
        for needle in ("张伟", "3.75小时", certificate.number, "未提供", "本证明免费出具"):
            assert needle in flat, needle
        assert "未核实" not in flat
        assert "李主任" in flat
        assert "王社工" in flat


def test_it_prints_the_id_number_only_with_consent(world, registry) -> None:
    resident = registry.resident
    resident_set_contact(resident, phone="13800138000", id_number="11010519491231002X")
    resident.save()
    hours(world, registry, "1")
    consent_record(
        resident=resident, purpose=ConsentPurpose.VOLUNTEER_RECORD, version="1", actor=world.staff
    )
    certificate = certificate_issue(
        resident=resident, actor=world.staff, responsible_person="李主任", handler="王社工"
    )
    text = text_of(certificate_download(certificate=certificate, actor=world.staff))
    if text is not None:
        flat = text.replace(" ", "")
        assert "11010519491231002X" in flat
        assert "居民身份证" in flat


def test_it_keeps_the_number_stable_and_counts_on(world, registry) -> None:
    with pytest.raises(LedgerError, match="no verified"):
        certificate_issue(
            resident=registry.resident, actor=world.staff, responsible_person="李", handler="王"
        )
    hours(world, registry, "1")
    first = certificate_issue(
        resident=registry.resident, actor=world.staff, responsible_person="李", handler="王"
    )
    again = certificate_issue(
        resident=registry.resident, actor=world.staff, responsible_person="李", handler="王"
    )
    assert again.pk == first.pk
    assert certificate_download(certificate=first, actor=world.staff) == certificate_download(
        certificate=first, actor=world.staff
    )
    hours(world, registry, "2")
    second = certificate_issue(
        resident=registry.resident, actor=world.staff, responsible_person="李", handler="王"
    )
    assert second.number.endswith("-0002")
    assert Certificate.objects.count() == 2
    with pytest.raises(LedgerError):
        certificate_issue(
            resident=registry.resident, actor=world.leader, responsible_person="李", handler="王"
        )
