"""Registry endpoints. Personal data is masked; unmasking is its own logged call."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from peiban.api.errors import ApiError
from peiban.core.access import Need, get_community_access, signed_in
from peiban.core.masking import mask_id_number, mask_phone
from peiban.core.models import Consent, ConsentPurpose
from peiban.core.privacy import (
    PrivacyError,
    consent_record,
    consent_withdraw,
    resident_anonymise,
    resident_correct,
    resident_data,
    resident_delete,
)
from peiban.places.access import get_building_for_user, get_dwelling_for_user, get_resident_for_user
from peiban.places.models import Dwelling, Resident
from peiban.places.roster import RosterFileError, read_roster
from peiban.places.selectors import buildings_with_counts, community_summary, resident_search
from peiban.places.services import RosterRejected, resident_unmask, roster_import

router = Router(tags=["registry"])


class SummaryOut(Schema):
    buildings: int
    dwellings: int
    households: int
    residents: int
    owners: int


class BuildingOut(Schema):
    id: int
    label: str
    dwellings: int
    households: int
    residents: int


class DwellingOut(Schema):
    id: int
    building: str
    unit: str
    room: str
    label: str
    floor: int | None
    area: Decimal | None
    area_source: str
    use: str
    developer_held: bool


class ResidentOut(Schema):
    id: int
    name: str
    dwelling: str | None
    kind: str
    phone: str
    id_number: str
    skills: list[str]
    interests: list[str]
    time_offered: str


class UnmaskIn(Schema):
    reason: str


class ContactOut(Schema):
    phone: str
    id_number: str


class RejectedOut(Schema):
    row: int
    reason: str


class RosterOut(Schema):
    dwellings_created: int
    dwellings_updated: int
    residents_created: int
    residents_updated: int
    owners: int
    rejected: list[RejectedOut]
    written: bool


def _dwelling(d: Dwelling) -> dict[str, object]:
    return {
        "id": d.pk,
        "building": d.building.label,
        "unit": d.unit,
        "room": d.room,
        "label": d.label,
        "floor": d.floor,
        "area": d.area,
        "area_source": d.area_source,
        "use": d.use,
        "developer_held": d.developer_held,
    }


def _resident(r: Resident) -> dict[str, object]:
    dwelling = r.household.dwelling.label if r.household else None
    return {
        "id": r.pk,
        "name": r.name,
        "dwelling": dwelling,
        "kind": r.kind,
        "phone": mask_phone(r.phone),
        "id_number": mask_id_number(r.id_number),
        "skills": r.skills,
        "interests": r.interests,
        "time_offered": r.time_offered,
    }


@router.get("/communities/{ref}/summary", response=SummaryOut, summary="Registry counts")
def summary(request: HttpRequest, ref: str) -> dict[str, int]:
    access = get_community_access(request.user, ref, need=Need.AGGREGATES)
    return community_summary(access.community)


@router.get("/communities/{ref}/buildings", response=list[BuildingOut], summary="Buildings")
def building_list(request: HttpRequest, ref: str) -> list[dict[str, object]]:
    access = get_community_access(request.user, ref, need=Need.AGGREGATES)
    return [
        {
            "id": b.pk,
            "label": b.label,
            "dwellings": b.dwelling_count,  # type: ignore[attr-defined]
            "households": b.household_count,  # type: ignore[attr-defined]
            "residents": b.resident_count,  # type: ignore[attr-defined]
        }
        for b in buildings_with_counts(access.community)
    ]


@router.get(
    "/communities/{ref}/buildings/{pk}/dwellings",
    response=list[DwellingOut],
    summary="Dwellings of a building",
)
def dwelling_list(request: HttpRequest, ref: str, pk: int) -> list[dict[str, object]]:
    _access, building = get_building_for_user(request.user, ref, pk)
    return [_dwelling(d) for d in building.dwellings.select_related("building")]


@router.get("/communities/{ref}/dwellings/{pk}", response=DwellingOut, summary="One dwelling")
def dwelling_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, object]:
    _access, dwelling = get_dwelling_for_user(request.user, ref, pk)
    return _dwelling(dwelling)


@router.get(
    "/communities/{ref}/residents",
    response=list[ResidentOut],
    summary="Residents (masked); q= name, room or last 4 phone digits",
)
@paginate(LimitOffsetPagination)
def resident_list(request: HttpRequest, ref: str, q: str = "") -> list[dict[str, object]]:
    access = get_community_access(request.user, ref, need=Need.RECORDS)
    if q:
        residents = resident_search(access.community, q)
    else:
        residents = list(
            Resident.objects.filter(community=access.community, anonymised_at__isnull=True)
            .select_related("household__dwelling__building")
            .order_by("pk")[:1000]
        )
    return [_resident(r) for r in residents]


@router.get("/communities/{ref}/residents/{pk}", response=ResidentOut, summary="One resident")
def resident_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, object]:
    _access, resident = get_resident_for_user(request.user, ref, pk)
    return _resident(resident)


@router.post(
    "/communities/{ref}/residents/{pk}/unmask",
    response=ContactOut,
    summary="Phone and ID number in full (logged with the reason)",
)
def resident_unmask_api(request: HttpRequest, ref: str, pk: int, body: UnmaskIn) -> dict[str, str]:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.UNMASK)
    if not body.reason.strip():
        raise ApiError(422, "reason_required", _("Give a reason: it is recorded."))
    resident_unmask(
        resident=resident, actor=signed_in(request), reason=body.reason.strip(), via="api"
    )
    return {"phone": resident.phone, "id_number": resident.id_number}


@router.post(
    "/communities/{ref}/roster",
    response={200: RosterOut, 400: RosterOut},
    summary="Import a roster (Excel or CSV); all or nothing unless partial",
)
def roster_upload(
    request: HttpRequest,
    ref: str,
    file: File[UploadedFile],
    partial: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> Status[dict[str, object]]:
    access = get_community_access(request.user, ref, need=Need.EDIT)
    try:
        reading = read_roster(file.read(), filename=file.name or "roster")
    except RosterFileError as error:
        raise ApiError(400, "bad_file", str(error)) from None
    try:
        result = roster_import(
            community=access.community,
            reading=reading,
            actor=signed_in(request),
            partial=partial,
            dry_run=dry_run,
        )
    except RosterRejected as error:
        return Status(400, error.result.as_dict())
    return Status(200, result.as_dict())


class ResidentPatch(Schema):
    reason: str
    name: str | None = None
    kind: str | None = None
    relation: str | None = None
    phone: str | None = None
    years_lived: int | None = None
    skills: list[str] | None = None
    time_offered: str | None = None
    interests: list[str] | None = None
    tags: list[str] | None = None


class ConsentIn(Schema):
    purpose: str
    version: str = "1"
    guardian: str = ""


class ConsentOut(Schema):
    id: int
    purpose: str
    version: str
    sensitive: bool
    given_at: datetime
    withdrawn_at: datetime | None


class ReasonIn(Schema):
    reason: str


def _reason(text: str) -> str:
    if not text.strip():
        raise ApiError(422, "reason_required", _("Give a reason: it is recorded."))
    return text.strip()


@router.patch(
    "/communities/{ref}/residents/{pk}",
    response=ResidentOut,
    summary="Correct a resident's record (logged with the reason)",
)
def resident_patch(
    request: HttpRequest, ref: str, pk: int, body: ResidentPatch
) -> dict[str, object]:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    changes = body.dict(exclude_unset=True, exclude={"reason"})
    try:
        resident = resident_correct(
            resident=resident,
            actor=signed_in(request),
            changes=changes,
            reason=_reason(body.reason),
        )
    except PrivacyError as error:
        raise ApiError(422, "invalid", str(error)) from None
    return _resident(resident)


@router.get(
    "/communities/{ref}/residents/{pk}/consents",
    response=list[ConsentOut],
    summary="A resident's consents",
)
def consent_list(request: HttpRequest, ref: str, pk: int) -> list[Consent]:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    return list(resident.consents.order_by("-given_at"))


@router.post(
    "/communities/{ref}/residents/{pk}/consents",
    response=ConsentOut,
    summary="Record a consent given on paper or in person",
)
def consent_create(request: HttpRequest, ref: str, pk: int, body: ConsentIn) -> Consent:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    if body.purpose not in ConsentPurpose.values:
        raise ApiError(422, "invalid", _("Choose a purpose from the list."))
    return consent_record(
        resident=resident,
        purpose=body.purpose,
        version=body.version,
        guardian=body.guardian,
        actor=signed_in(request),
    )


@router.post(
    "/communities/{ref}/residents/{pk}/consents/{consent}/withdraw",
    response=ConsentOut,
    summary="Withdraw a consent; the data it covered is removed at once",
)
def consent_withdraw_api(request: HttpRequest, ref: str, pk: int, consent: int) -> Consent:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    found = resident.consents.filter(pk=consent).first()
    if found is None:
        raise Http404
    consent_withdraw(consent=found, actor=signed_in(request))
    found.refresh_from_db()
    return found


@router.get(
    "/communities/{ref}/residents/{pk}/data",
    response=dict[str, Any],
    summary="Everything held about a resident, in full (rights desk; logged)",
)
def resident_data_api(request: HttpRequest, ref: str, pk: int) -> dict[str, Any]:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    return resident_data(resident=resident, actor=signed_in(request), reason="rights desk (API)")


@router.post(
    "/communities/{ref}/residents/{pk}/anonymise",
    response={204: None},
    summary="Anonymise a resident (rights desk; logged)",
)
def resident_anonymise_api(request: HttpRequest, ref: str, pk: int, body: ReasonIn) -> Status[None]:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    resident_anonymise(resident=resident, actor=signed_in(request), reason=_reason(body.reason))
    return Status(204, None)


@router.post(
    "/communities/{ref}/residents/{pk}/delete",
    response={204: None},
    summary="Delete a resident's record (rights desk; logged)",
)
def resident_delete_api(request: HttpRequest, ref: str, pk: int, body: ReasonIn) -> Status[None]:
    _access, resident = get_resident_for_user(request.user, ref, pk, need=Need.EDIT)
    try:
        resident_delete(resident=resident, actor=signed_in(request), reason=_reason(body.reason))
    except PrivacyError as error:
        raise ApiError(422, "refused", str(error)) from None
    return Status(204, None)
