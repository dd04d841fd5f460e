"""Volunteer service certificates (志愿服务证明), as the 2021 rules on volunteer records ask.

A certificate states the volunteer's name, ID type and number, volunteer number, service hours (in
hours) and content, the issuing organisation with its responsible person and handler, a
certificate number and a date, and that it is issued free of charge.

The ID number is printed only when the resident has an active consent for volunteer records
(ConsentPurpose.VOLUNTEER_RECORD) and an ID number is held; otherwise the certificate says "未提供"
and why. The PDF is set with fpdf2 in Noto Serif CJK, as the civility letter is
(``peiban.needs.letters``), with a creation date fixed to the issue date, so that setting a
certificate again gives the same bytes.

Numbers are "ORGSLUG-YYYY-NNNN", one series per organisation and year, allocated under a lock on
the organisation's ``CertificateCounter`` row.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, ConsentPurpose
from peiban.core.privacy import consents_active
from peiban.core.typesetting import (
    CJKFontMissing,
    break_lines,
    cjk_face_number,
    find_cjk_font,
    quiet_font_subsetting,
    width_cache,
)
from peiban.ledger.models import Certificate, CertificateCounter, HourEntry, HourStatus
from peiban.ledger.services import STAFF_ROLES, LedgerError, _require
from peiban.places.models import Resident

ID_TYPE = "居民身份证"
NOT_GIVEN = "未提供"
MARGIN_MM = 22.0
MM_PER_PT = 25.4 / 72


def volunteer_number(resident: Resident) -> str:
    return f"PB-{resident.community_id}-{resident.pk}"


def format_hours(hours: Decimal) -> str:
    """12.50 → "12.5", 3.00 → "3", 2.25 → "2.25"."""
    text = f"{hours.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _entry_date(entry: HourEntry) -> datetime.date:
    moment = entry.started_at or entry.created_at
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def id_shown(resident: Resident) -> str | None:
    """The ID number to print, or None: only with the volunteer-record consent and a number."""
    if not resident.id_number:
        return None
    if ConsentPurpose.VOLUNTEER_RECORD not in consents_active(resident):
        return None
    return str(resident.id_number)


def certificate_pdf(
    *,
    resident: Resident,
    entries: Sequence[HourEntry],
    organisation_name: str,
    responsible_person: str,
    handler: str,
    number: str,
    issued_on: datetime.date,
) -> bytes:
    """The certificate as an A4 PDF; hours are the sum of the verified entries given."""
    from fpdf import FPDF

    quiet_font_subsetting()
    regular = find_cjk_font("serif")
    try:
        bold: Path | None = find_cjk_font("serif", bold=True)
    except CJKFontMissing:
        bold = None

    verified = [entry for entry in entries if entry.status == HourStatus.VERIFIED]
    verified.sort(key=lambda entry: (_entry_date(entry), entry.pk or 0))
    hours = sum((entry.hours for entry in verified), Decimal(0))
    id_number = id_shown(resident)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.set_lang("zh-CN")
    pdf.set_title(f"志愿服务证明 {number}")
    pdf.set_author(organisation_name)
    pdf.set_creator("陪伴 Peiban")
    pdf.set_creation_date(
        datetime.datetime.combine(issued_on, datetime.time(12), tzinfo=datetime.UTC)
    )
    pdf.add_font("cert", "", str(regular), collection_font_number=cjk_face_number(regular))
    if bold is not None:
        pdf.add_font("cert", "B", str(bold), collection_font_number=cjk_face_number(bold))
    width = pdf.w - 2 * MARGIN_MM
    bottom = pdf.h - MARGIN_MM
    pdf.add_page()

    def paragraph(text: str, size: float = 12.0, *, indent: bool = False, align: str = "L") -> None:
        pdf.set_font("cert", "", size)
        width_of = width_cache(pdf.get_string_width)
        height = size * MM_PER_PT * 1.7
        first = 2 * size * MM_PER_PT if indent else 0.0
        for index, line in enumerate(break_lines(text, width_of, width, first_indent=first)):
            if pdf.get_y() + height > bottom:
                pdf.add_page()
            x = MARGIN_MM + (first if index == 0 else 0.0)
            pdf.set_x(x)
            pdf.cell(
                MARGIN_MM + width - x, height, line, align=align, new_x="LMARGIN", new_y="NEXT"
            )

    pdf.set_font("cert", "B" if bold is not None else "", 22)
    pdf.set_y(MARGIN_MM)
    pdf.cell(width, 16, "志愿服务证明", align="C", new_x="LMARGIN", new_y="NEXT")
    paragraph(f"证明编号：{number}", 10, align="R")
    pdf.ln(3)

    paragraph(f"姓名：{resident.name}")
    paragraph(f"证件类型：{ID_TYPE if id_number else NOT_GIVEN}")
    paragraph(f"证件号码：{id_number or NOT_GIVEN}")
    paragraph(f"志愿者编号：{volunteer_number(resident)}")
    paragraph(f"志愿服务时长：{format_hours(hours)} 小时")
    if not id_number:
        paragraph(
            "（本人未提供身份证件信息，或未同意将其用于志愿服务记录，本证明不载明证件号码。）", 10
        )
    pdf.ln(2)
    paragraph(
        f"兹证明 {resident.name} 在{organisation_name}参加志愿服务，经核实的志愿服务时长累计 "
        f"{format_hours(hours)} 小时。服务内容如下：",
        indent=True,
    )
    for number_in_list, entry in enumerate(verified, start=1):
        where = f"，{entry.place}" if entry.place else ""
        paragraph(
            f"{number_in_list}. {format_date(_entry_date(entry))}，{entry.service}{where}，"
            f"{format_hours(entry.hours)} 小时",
            11,
        )
    pdf.ln(4)
    paragraph("特此证明。", indent=True)
    pdf.ln(6)
    paragraph(f"出具组织：{organisation_name}（盖章）", align="R")
    paragraph(f"负责人：{responsible_person}    经办人：{handler}", align="R")
    paragraph(f"出具日期：{format_date(issued_on)}", align="R")
    pdf.ln(4)
    paragraph("本证明免费出具。", 10)
    return bytes(pdf.output())


def _covered_entries(resident: Resident) -> list[HourEntry]:
    """Verified credits that have not been reversed."""
    return list(
        HourEntry.objects.filter(
            resident=resident,
            kind="credit",
            status=HourStatus.VERIFIED,
            reversed_by__isnull=True,
        ).order_by("started_at", "created_at", "id")
    )


def _allocate_number(resident: Resident, year: int) -> str:
    organisation = resident.community.organisation
    counter, _created = CertificateCounter.objects.get_or_create(
        organisation=organisation, year=year
    )
    counter = CertificateCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{organisation.slug.upper()}-{year}-{counter.last:04d}"


def _pdf_for(certificate: Certificate) -> bytes:
    entries = list(HourEntry.objects.filter(pk__in=certificate.entry_ids))
    return certificate_pdf(
        resident=certificate.resident,
        entries=entries,
        organisation_name=certificate.organisation.name,
        responsible_person=certificate.responsible_person,
        handler=certificate.handler,
        number=certificate.number,
        issued_on=certificate.issued_on,
    )


@transaction.atomic
def certificate_issue(
    *, resident: Resident, actor: User, responsible_person: str, handler: str
) -> Certificate:
    """Issue a certificate of the resident's verified hours. Asked again while the hours covered
    are the same, it gives the certificate already issued (same number)."""
    community = resident.community
    _require(actor, community, STAFF_ROLES, "issue volunteer certificates")
    if not responsible_person.strip() or not handler.strip():
        raise LedgerError(
            _("A certificate names the organisation's responsible person and handler.")
        )
    entries = _covered_entries(resident)
    if not entries:
        raise LedgerError(
            _("%(name)s has no verified volunteer hours to certify.") % {"name": resident.name}
        )
    entry_ids = sorted(entry.pk for entry in entries)
    previous = Certificate.objects.filter(resident=resident).order_by("-created_at", "-id").first()
    if previous is not None and previous.entry_ids == entry_ids:
        return previous
    issued_on = timezone.localdate()
    number = _allocate_number(resident, issued_on.year)
    pdf = certificate_pdf(
        resident=resident,
        entries=entries,
        organisation_name=community.organisation.name,
        responsible_person=responsible_person.strip(),
        handler=handler.strip(),
        number=number,
        issued_on=issued_on,
    )
    certificate = Certificate.objects.create(
        organisation=community.organisation,
        community=community,
        resident=resident,
        number=number,
        issued_on=issued_on,
        hours=sum((entry.hours for entry in entries), Decimal(0)),
        entry_ids=entry_ids,
        responsible_person=responsible_person.strip()[:50],
        handler=handler.strip()[:50],
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=certificate,
        organisation=community.organisation,
        detail={
            "resident": resident.pk,
            "number": number,
            "hours": str(certificate.hours),
            "id_number_printed": id_shown(resident) is not None,
        },
    )
    return certificate


def certificate_download(*, certificate: Certificate, actor: User) -> bytes:
    """The certificate's PDF again: same number, date and entries (audited as an export)."""
    _require(actor, certificate.community, STAFF_ROLES, "download volunteer certificates")
    pdf = _pdf_for(certificate)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        subject=certificate,
        organisation=certificate.organisation,
        detail={
            "number": certificate.number,
            "same_bytes": hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256,
        },
    )
    return pdf
