"""Personal-information duties (PIPL): consents, the rights desk, and retention.

- Consents are recorded with the version of the text and the time; withdrawal takes effect at once:
  the data kept under that consent is cleared in the same transaction.
- A resident may see and copy everything held about them (``resident_data``,
  ``resident_data_workbook``), have it corrected (``resident_correct``), anonymised
  (``resident_anonymise``) or deleted (``resident_delete``); requests are tracked as
  ``RightsRequest`` rows from receipt to answer.
- ``retention_enforce`` deletes or anonymises what has been kept longer than the organisation's
  retention rules allow; the ``retention_enforce_all`` task and ``peiban enforce-retention`` run it.

Every write leaves an audit entry. Audit entries never hold clear phone or ID numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.crypto import is_valid_id_number, normalise_phone
from peiban.core.exports import workbook_bytes
from peiban.core.models import (
    DEFAULT_RETENTION_DAYS,
    AuditAction,
    AuditEntry,
    Consent,
    ConsentPurpose,
    DataKind,
    LoginFailure,
    Organisation,
    RetentionRule,
    RightsRequest,
    RightsRequestKind,
)
from peiban.places.models import Household, Resident, ResidentKind
from peiban.places.services import resident_set_contact

ANONYMISED_NAME = "已匿名"
RESIDENT_SUBJECT = "places.resident"
CONSENT_SUBJECT = "core.consent"
RIGHTS_REQUEST_SUBJECT = "core.rightsrequest"

CORRECTABLE_FIELDS = frozenset(
    {
        "name",
        "relation",
        "kind",
        "years_lived",
        "skills",
        "time_offered",
        "interests",
        "tags",
        "phone",
        "id_number",
    }
)
_TEXT_FIELDS = {"name": 50, "relation": 30, "time_offered": 200}
_LIST_FIELDS = ("skills", "interests", "tags")
_CONTACT_FIELDS = ("phone", "id_number")
_HASH_FIELDS = ("phone_hash", "phone_last4_hash", "id_number_hash")


class PrivacyError(ValueError):
    """A request the privacy services refuse; the message is for people."""


def _organisation(resident: Resident) -> Organisation:
    return resident.community.organisation


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Consents -----------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    resident: Resident,
    purpose: ConsentPurpose | str,
    version: str,
    actor: User | None,
    sensitive: bool = False,
    guardian: str = "",
) -> Consent:
    """Record a consent; the consent to keep sensitive data is always a separate (sensitive) one."""
    purpose = ConsentPurpose(purpose)
    consent = Consent.objects.create(
        organisation=_organisation(resident),
        resident=resident,
        purpose=purpose,
        version=version,
        sensitive=sensitive or purpose == ConsentPurpose.SENSITIVE,
        guardian=guardian,
        given_at=timezone.now(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=consent,
        organisation=consent.organisation,
        detail={"resident": resident.pk, "purpose": str(purpose), "version": version},
    )
    return consent


def _clear_for(resident: Resident, purpose: str) -> list[str]:
    """Clear what was kept under ``purpose`` (on the instance); return the fields to save."""
    if purpose == ConsentPurpose.SENSITIVE:
        resident.party_member = None
        resident.sensitive_note = ""
        return ["party_member", "sensitive_note"]
    if purpose == ConsentPurpose.REGISTRY:
        resident_set_contact(resident, phone="", id_number="")
        return [*_CONTACT_FIELDS, *_HASH_FIELDS]
    if purpose == ConsentPurpose.VOLUNTEER_RECORD:
        resident.id_number = ""
        resident.id_number_hash = ""
        return ["id_number", "id_number_hash"]
    return []


@transaction.atomic
def consent_withdraw(*, consent: Consent, actor: User | None) -> None:
    """Withdraw a consent, with effect: the data kept under its purpose is cleared at once.

    Withdrawal is of the purpose: any other active consent of the resident to the same purpose (an
    earlier version of the text) is withdrawn too. Withdrawing a withdrawn consent does nothing.
    Sensitive data (Party membership, the sensitive note) goes with the sensitive consent; phone
    and ID numbers with the registry consent; the ID number with the volunteer-record consent.
    """
    if consent.withdrawn_at is not None:
        return
    now = timezone.now()
    resident = consent.resident
    same_purpose = Consent.objects.filter(
        resident=resident, purpose=consent.purpose, withdrawn_at__isnull=True
    )
    withdrawn_ids = sorted({consent.pk, *same_purpose.values_list("pk", flat=True)})
    Consent.objects.filter(pk__in=withdrawn_ids).update(withdrawn_at=now)
    consent.withdrawn_at = now
    cleared = _clear_for(resident, consent.purpose)
    if cleared:
        resident.save(update_fields=[*cleared, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=consent,
        organisation=consent.organisation,
        reason="consent withdrawn",
        detail={
            "resident": resident.pk,
            "purpose": consent.purpose,
            "withdrawn": withdrawn_ids,
            "cleared": [name for name in cleared if not name.endswith("_hash")],
        },
    )


def consents_active(resident: Resident) -> dict[str, Consent]:
    """The consents in force, by purpose (the most recent one when a purpose was given twice)."""
    active: dict[str, Consent] = {}
    for consent in Consent.objects.filter(resident=resident, withdrawn_at__isnull=True).order_by(
        "given_at", "pk"
    ):
        active[consent.purpose] = consent
    return active


# --- See and copy one's data (PIPL Art. 45) -----------------------------------------------------


def _resident_fields(resident: Resident) -> dict[str, Any]:
    return {
        "id": resident.pk,
        "community": resident.community.name,
        "name": resident.name,
        "kind": resident.kind,
        "relation": resident.relation,
        "lives_here": resident.lives_here,
        "owner_number": resident.owner_number,
        "phone": resident.phone,
        "id_number": resident.id_number,
        "years_lived": resident.years_lived,
        "skills": list(resident.skills),
        "time_offered": resident.time_offered,
        "interests": list(resident.interests),
        "tags": list(resident.tags),
        "party_member": resident.party_member,
        "sensitive_note": resident.sensitive_note,
        "account": resident.user.get_username() if resident.user else "",
        "anonymised_at": _iso(resident.anonymised_at),
        "created_at": _iso(resident.created_at),
        "updated_at": _iso(resident.updated_at),
    }


def _household(household: Household | None) -> dict[str, Any] | None:
    if household is None:
        return None
    return {
        "dwelling": household.dwelling.label,
        "elderly": household.elderly,
        "children": household.children,
        "lives_alone": household.lives_alone,
        "tags": list(household.tags),
    }


def _audit_trail(resident: Resident, consent_ids: list[int], request_ids: list[int]) -> Any:
    about = Q(subject_type=RESIDENT_SUBJECT, subject_id=str(resident.pk))
    if consent_ids:
        about |= Q(subject_type=CONSENT_SUBJECT, subject_id__in=[str(pk) for pk in consent_ids])
    if request_ids:
        about |= Q(
            subject_type=RIGHTS_REQUEST_SUBJECT, subject_id__in=[str(pk) for pk in request_ids]
        )
    return AuditEntry.objects.filter(about).select_related("actor").order_by("created_at", "id")


def _resident_data(resident: Resident) -> dict[str, Any]:
    resident = (
        Resident.objects.select_related("community", "household__dwelling__building", "user")
        .prefetch_related("ownerships__dwelling__building")
        .get(pk=resident.pk)
    )
    consents = list(Consent.objects.filter(resident=resident).order_by("given_at", "pk"))
    requests = list(RightsRequest.objects.filter(resident=resident).order_by("received_at", "pk"))
    trail = _audit_trail(resident, [c.pk for c in consents], [r.pk for r in requests])
    return {
        "resident": _resident_fields(resident),
        "household": _household(resident.household),
        "ownerships": [
            {
                "dwelling": ownership.dwelling.label,
                "area": str(area) if (area := ownership.dwelling.area) is not None else None,
                "area_source": ownership.dwelling.area_source,
                "use": ownership.dwelling.use,
            }
            for ownership in resident.ownerships.all()
        ],
        "consents": [
            {
                "id": consent.pk,
                "purpose": consent.purpose,
                "version": consent.version,
                "sensitive": consent.sensitive,
                "guardian": consent.guardian,
                "given_at": _iso(consent.given_at),
                "withdrawn_at": _iso(consent.withdrawn_at),
            }
            for consent in consents
        ],
        "rights_requests": [
            {
                "id": request.pk,
                "kind": request.kind,
                "detail": request.detail,
                "received_at": _iso(request.received_at),
                "handled_at": _iso(request.handled_at),
                "outcome": request.outcome,
            }
            for request in requests
        ],
        "audit": [
            {
                "time": _iso(entry.created_at),
                "action": entry.action,
                "actor": entry.actor.get_username() if entry.actor else "",
                "subject_type": entry.subject_type,
                "subject_id": entry.subject_id,
                "reason": entry.reason,
                "detail": entry.detail,
            }
            for entry in trail
        ],
    }


def resident_data(*, resident: Resident, actor: User | None, reason: str = "") -> dict[str, Any]:
    """Everything held about one resident, in clear, as JSON-serialisable data; logged as EXPORT."""
    data = _resident_data(resident)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        subject=resident,
        organisation=_organisation(resident),
        reason=reason or "resident's own data",
        detail={"format": "json"},
    )
    return data


def _table(rows: list[dict[str, Any]]) -> tuple[list[str], list[Sequence[object]]]:
    header = list(rows[0]) if rows else []
    return header, [[row[name] for name in header] for row in rows]


def resident_data_workbook(*, resident: Resident, actor: User | None, reason: str = "") -> bytes:
    """Everything held about one resident as an .xlsx, one sheet per section; logged as EXPORT."""
    data = _resident_data(resident)
    field, value = _("Field"), _("Value")
    household = data["household"] or {}
    sheets: list[tuple[str, list[str], list[Sequence[object]]]] = [
        (_("Resident"), [field, value], list(data["resident"].items())),
        (_("Household"), [field, value], list(household.items())),
    ]
    for title, key in (
        (_("Ownerships"), "ownerships"),
        (_("Consents"), "consents"),
        (_("Rights requests"), "rights_requests"),
        (_("Audit log"), "audit"),
    ):
        header, rows = _table(data[key])
        sheets.append((title, header, rows))
    content = workbook_bytes(list(sheets))
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        subject=resident,
        organisation=_organisation(resident),
        reason=reason or "resident's own data",
        detail={"format": "xlsx"},
    )
    return content


# --- Correct, anonymise, delete (PIPL Arts. 46–47) ----------------------------------------------


def _checked_change(name: str, value: object) -> object:
    if name in _TEXT_FIELDS:
        if not isinstance(value, str):
            raise PrivacyError(f"{name} must be text.")
        value = value.strip()
        if len(value) > _TEXT_FIELDS[name]:
            raise PrivacyError(f"{name} is longer than {_TEXT_FIELDS[name]} characters.")
        if name == "name" and not value:
            raise PrivacyError("A resident needs a name.")
        return value
    if name == "kind":
        if value not in ResidentKind.values and value != "":
            raise PrivacyError(f"kind must be one of {sorted(ResidentKind.values)} or blank.")
        return value
    if name == "years_lived":
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767
        ):
            raise PrivacyError("years_lived must be a whole number of years, or None.")
        return value
    if name in _LIST_FIELDS:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise PrivacyError(f"{name} must be a list of text.")
        return [v.strip() for v in value if v.strip()]
    if not isinstance(value, str):
        raise PrivacyError(f"{name} must be text.")
    if name == "phone" and value.strip() and not normalise_phone(value):
        raise PrivacyError("The phone number has no digits.")
    if name == "id_number" and value.strip() and not is_valid_id_number(value):
        raise PrivacyError("The ID number is not a valid resident ID number.")
    return value.strip()


@transaction.atomic
def resident_correct(
    *, resident: Resident, actor: User | None, changes: dict[str, object], reason: str
) -> Resident:
    """Correct a resident's data; the audit entry names the changed fields, never their values.

    Phone and ID numbers are normalised and their lookup hashes recomputed, so a search by the
    corrected number finds the resident. Unknown fields are refused.
    """
    unknown = sorted(set(changes) - CORRECTABLE_FIELDS)
    if unknown:
        raise PrivacyError(f"These fields cannot be corrected here: {', '.join(unknown)}.")
    checked = {name: _checked_change(name, value) for name, value in changes.items()}
    changed: list[str] = []
    update_fields: list[str] = []
    for name, value in checked.items():
        if name in _CONTACT_FIELDS:
            continue
        if getattr(resident, name) != value:
            setattr(resident, name, value)
            changed.append(name)
            update_fields.append(name)
    if any(name in checked for name in _CONTACT_FIELDS):
        before = {name: getattr(resident, name) for name in (*_CONTACT_FIELDS, *_HASH_FIELDS)}
        resident_set_contact(
            resident,
            phone=str(checked.get("phone", resident.phone)),
            id_number=str(checked.get("id_number", resident.id_number)),
        )
        for name in _CONTACT_FIELDS:
            if getattr(resident, name) != before[name]:
                changed.append(name)
        update_fields += [
            name
            for name in (*_CONTACT_FIELDS, *_HASH_FIELDS)
            if getattr(resident, name) != before[name]
        ]
    if not update_fields:
        return resident
    resident.save(update_fields=[*update_fields, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=resident,
        organisation=_organisation(resident),
        reason=reason,
        detail={"fields": changed, "correction": True},
    )
    return resident


def _anonymise(resident: Resident, now: datetime) -> None:
    resident.name = ANONYMISED_NAME
    resident_set_contact(resident, phone="", id_number="")
    resident.party_member = None
    resident.sensitive_note = ""
    resident.skills = []
    resident.interests = []
    resident.tags = []
    resident.time_offered = ""
    resident.user = None
    resident.anonymised_at = now
    resident.save(
        update_fields=[
            "name",
            *_CONTACT_FIELDS,
            *_HASH_FIELDS,
            "party_member",
            "sensitive_note",
            "skills",
            "interests",
            "tags",
            "time_offered",
            "user",
            "anonymised_at",
            "updated_at",
        ]
    )


@transaction.atomic
def resident_anonymise(*, resident: Resident, actor: User | None, reason: str) -> None:
    """Strip what identifies a resident; the dwelling and household links stay, so counts hold.

    The name becomes ``已匿名``; phone and ID numbers and their hashes, sensitive data, skills,
    interests, tags and time offered are cleared, and the sign-in account is unlinked.
    """
    _anonymise(resident, timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=resident,
        organisation=_organisation(resident),
        reason=reason,
        detail={"anonymised": True},
    )


@transaction.atomic
def resident_delete(*, resident: Resident, actor: User | None, reason: str) -> None:
    """Delete a resident with their ownerships and consents; rights requests stay, unlinked.

    The audit entry keeps the record type and id (nothing else about the person).
    """
    organisation = _organisation(resident)
    subject_id = str(resident.pk)
    try:
        with transaction.atomic():
            _total, deleted = resident.delete()
    except ProtectedError:
        # Volunteer hours are a legal record (志愿服务条例): they are kept, so the person is
        # anonymised instead of deleted.
        raise PrivacyError(
            _(
                "This resident has volunteer records that the law requires us to keep. "
                "Anonymise the resident instead: the records stay, without their name."
            )
        ) from None
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        subject_type=RESIDENT_SUBJECT,
        subject_id=subject_id,
        organisation=organisation,
        reason=reason,
        detail={"deleted": {label: n for label, n in deleted.items() if n}},
    )


# --- The rights desk (PIPL Arts. 44–47) ---------------------------------------------------------


@transaction.atomic
def rights_request_open(
    *, resident: Resident, kind: RightsRequestKind | str, detail: str, actor: User | None
) -> RightsRequest:
    """Record a request received at the rights desk."""
    kind = RightsRequestKind(kind)
    request = RightsRequest.objects.create(
        organisation=_organisation(resident),
        resident=resident,
        kind=kind,
        detail=detail,
        received_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=request,
        organisation=request.organisation,
        detail={"resident": resident.pk, "kind": str(kind)},
    )
    return request


@transaction.atomic
def rights_request_close(*, request: RightsRequest, outcome: str, actor: User | None) -> None:
    """Record the answer to a request; a request is closed once."""
    # Read the row again: the caller's copy may be stale (its resident deleted meanwhile).
    current = RightsRequest.objects.select_for_update().get(pk=request.pk)
    if current.handled_at is not None:
        raise PrivacyError("This request was already handled.")
    current.handled_at = timezone.now()
    current.handled_by = actor
    current.outcome = outcome
    current.save(update_fields=["handled_at", "handled_by", "outcome"])
    request.handled_at, request.handled_by, request.outcome = (
        current.handled_at,
        current.handled_by,
        current.outcome,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=current,
        organisation=current.organisation,
        reason="rights request handled",
        detail={"resident": current.resident_id, "kind": current.kind},
    )


# --- Retention ----------------------------------------------------------------------------------


def retention_days(organisation: Organisation) -> dict[str, int]:
    """Days each kind of data is kept: the organisation's rules, else the defaults."""
    days = {str(kind): value for kind, value in DEFAULT_RETENTION_DAYS.items()}
    for rule in RetentionRule.objects.filter(organisation=organisation):
        days[rule.kind] = rule.days
    return days


@transaction.atomic
def retention_enforce(*, organisation: Organisation, now: datetime | None = None) -> dict[str, int]:
    """Delete or anonymise what has been kept longer than the retention period; return counts.

    - ``inactive_resident``: residents who no longer live in the community (``lives_here`` off)
      and whose record has not changed for the period are anonymised (see ``resident_anonymise``);
    - ``withdrawn_consent``: consent rows withdrawn longer ago than the period are deleted (the
      data they covered was cleared at withdrawal);
    - ``audit``: the organisation's audit entries older than the period are deleted. Audit entries
      refuse ``save()`` of an existing entry and instance ``delete()``; a queryset ``delete()`` is
      the one deliberate path that removes them, and it is used only here;
    - ``login_failures``: failed sign-ins (not tied to an organisation) older than the period.

    Old audit entries go first, so the entries recording this run are never among them.
    """
    now = now or timezone.now()
    days = retention_days(organisation)

    def cutoff(kind: DataKind) -> datetime:
        return now - timedelta(days=days[kind])

    counts = dict.fromkeys((str(kind) for kind in DataKind), 0)

    # Queryset delete: the retention path for the append-only log (AuditEntry.delete refuses).
    counts[DataKind.AUDIT], _by_model = AuditEntry.objects.filter(
        organisation=organisation, created_at__lt=cutoff(DataKind.AUDIT)
    ).delete()

    inactive = Resident.objects.filter(
        community__organisation=organisation,
        lives_here=False,
        anonymised_at__isnull=True,
        updated_at__lt=cutoff(DataKind.INACTIVE_RESIDENT),
    ).select_related("community__organisation")
    for resident in inactive:
        _anonymise(resident, timezone.now())
        audit_record(
            actor=None,
            action=AuditAction.CHANGE,
            subject=resident,
            organisation=organisation,
            reason=f"retention: moved away, unchanged for {days[DataKind.INACTIVE_RESIDENT]} days",
            detail={"anonymised": True, "retention": DataKind.INACTIVE_RESIDENT.value},
        )
        counts[DataKind.INACTIVE_RESIDENT] += 1

    counts[DataKind.WITHDRAWN_CONSENT], _by_model = Consent.objects.filter(
        organisation=organisation, withdrawn_at__lt=cutoff(DataKind.WITHDRAWN_CONSENT)
    ).delete()

    counts[DataKind.LOGIN_FAILURES], _by_model = LoginFailure.objects.filter(
        created_at__lt=cutoff(DataKind.LOGIN_FAILURES)
    ).delete()

    for kind, subject_type in (
        (DataKind.AUDIT, "core.auditentry"),
        (DataKind.WITHDRAWN_CONSENT, CONSENT_SUBJECT),
    ):
        if counts[kind]:
            audit_record(
                actor=None,
                action=AuditAction.DELETE,
                subject_type=subject_type,
                organisation=organisation,
                reason=f"retention: older than {days[kind]} days",
                detail={"retention": kind.value, "count": counts[kind]},
            )
    return counts
