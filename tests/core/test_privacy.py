"""Consents, the rights desk, and retention: personal data goes when it should."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from peiban.core.crypto import lookup_hash
from peiban.core.models import (
    AuditAction,
    AuditEntry,
    Consent,
    ConsentPurpose,
    DataKind,
    RetentionRule,
    RightsRequest,
    RightsRequestKind,
)
from peiban.core.privacy import (
    ANONYMISED_NAME,
    PrivacyError,
    consent_record,
    consent_withdraw,
    consents_active,
    resident_anonymise,
    resident_correct,
    resident_data,
    resident_data_workbook,
    resident_delete,
    retention_enforce,
    rights_request_close,
    rights_request_open,
)
from peiban.places.models import Building, Dwelling, Household, Ownership, Resident
from peiban.places.services import resident_set_contact
from tests.conftest import World

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
NEW_PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"


def make_resident(world: World, name: str = "张三", **fields: object) -> Resident:
    resident = Resident(community=world.community, name=name, **fields)
    resident_set_contact(resident, phone=PHONE, id_number=ID_NUMBER)
    resident.save()
    return resident


def with_home(world: World, resident: Resident) -> Dwelling:
    building = Building.objects.create(community=world.community, label="3")
    dwelling = Dwelling.objects.create(
        community=world.community, building=building, unit="2", room="501"
    )
    household = Household.objects.create(community=world.community, dwelling=dwelling, elderly=True)
    resident.household = household
    resident.save()
    Ownership.objects.create(dwelling=dwelling, resident=resident)
    return dwelling


# --- Consents -----------------------------------------------------------------------------------


def test_it_records_a_consent_with_its_version_and_an_audit_entry(world: World) -> None:
    resident = make_resident(world)
    consent = consent_record(
        resident=resident, purpose=ConsentPurpose.REGISTRY, version="2", actor=world.staff
    )
    assert consent.organisation == world.organisation
    assert consent.version == "2"
    assert consent.recorded_by == world.staff
    assert consents_active(resident) == {"registry": consent}
    entry = AuditEntry.objects.get(subject_type="core.consent", subject_id=str(consent.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.organisation == world.organisation


def test_it_always_marks_the_sensitive_consent_as_separate(world: World) -> None:
    consent = consent_record(
        resident=make_resident(world), purpose="sensitive", version="1", actor=world.staff
    )
    assert consent.sensitive is True


def test_it_clears_sensitive_data_when_the_sensitive_consent_is_withdrawn(world: World) -> None:
    resident = make_resident(world, party_member=True, sensitive_note="低保户")
    consent = consent_record(
        resident=resident, purpose=ConsentPurpose.SENSITIVE, version="1", actor=world.staff
    )
    consent_withdraw(consent=consent, actor=world.staff)
    resident.refresh_from_db()
    assert resident.party_member is None
    assert resident.sensitive_note == ""
    assert resident.phone == PHONE
    assert consents_active(resident) == {}
    entry = AuditEntry.objects.filter(subject_id=str(consent.pk), action=AuditAction.CHANGE).get()
    assert entry.detail["cleared"] == ["party_member", "sensitive_note"]


def test_it_clears_contact_details_when_the_registry_consent_is_withdrawn(world: World) -> None:
    resident = make_resident(world)
    first = consent_record(resident=resident, purpose="registry", version="1", actor=world.staff)
    consent_record(resident=resident, purpose="registry", version="2", actor=world.staff)
    consent_withdraw(consent=first, actor=world.staff)
    resident.refresh_from_db()
    assert (resident.phone, resident.id_number) == ("", "")
    assert (resident.phone_hash, resident.phone_last4_hash, resident.id_number_hash) == ("", "", "")
    assert consents_active(resident) == {}
    assert not Consent.objects.filter(resident=resident, withdrawn_at__isnull=True).exists()
    assert PHONE not in json.dumps(list(AuditEntry.objects.values("detail", "reason")))


def test_it_clears_the_id_number_when_the_volunteer_consent_is_withdrawn(world: World) -> None:
    resident = make_resident(world)
    consent = consent_record(
        resident=resident, purpose=ConsentPurpose.VOLUNTEER_RECORD, version="1", actor=world.staff
    )
    consent_withdraw(consent=consent, actor=world.staff)
    resident.refresh_from_db()
    assert (resident.id_number, resident.id_number_hash) == ("", "")
    assert resident.phone == PHONE


# --- See and copy -------------------------------------------------------------------------------


def test_it_gives_everything_held_in_clear_and_logs_the_export(world: World) -> None:
    resident = make_resident(world, sensitive_note="独居老人", skills=["修电器"])
    with_home(world, resident)
    consent_record(resident=resident, purpose="registry", version="1", actor=world.staff)
    rights_request_open(resident=resident, kind="access", detail="要一份副本", actor=world.staff)
    data = resident_data(resident=resident, actor=world.staff)
    json.dumps(data)
    assert data["resident"]["phone"] == PHONE
    assert data["resident"]["id_number"] == ID_NUMBER
    assert data["resident"]["sensitive_note"] == "独居老人"
    assert data["household"]["dwelling"] == "3栋2单元501室"
    assert data["household"]["elderly"] is True
    assert data["ownerships"][0]["dwelling"] == "3栋2单元501室"
    assert [c["purpose"] for c in data["consents"]] == ["registry"]
    assert [r["kind"] for r in data["rights_requests"]] == ["access"]
    assert {e["subject_type"] for e in data["audit"]} >= {"core.consent", "core.rightsrequest"}
    export = AuditEntry.objects.filter(action=AuditAction.EXPORT).get()
    assert export.subject_id == str(resident.pk)
    assert export.organisation == world.organisation


def test_it_gives_a_workbook_that_opens(world: World) -> None:
    resident = make_resident(world, name="=HYPERLINK(1)")
    with_home(world, resident)
    content = resident_data_workbook(resident=resident, actor=world.staff)
    workbook = load_workbook(BytesIO(content))
    assert len(workbook.sheetnames) == 6
    rows = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert rows["phone"] == PHONE
    assert rows["name"] == "'=HYPERLINK(1)"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, detail__format="xlsx").exists()


# --- Correct, anonymise, delete -----------------------------------------------------------------


def test_it_corrects_data_and_the_new_phone_is_found_by_its_hash(world: World) -> None:
    resident = make_resident(world)
    resident_correct(
        resident=resident,
        actor=world.staff,
        changes={"phone": NEW_PHONE, "name": "张三丰", "skills": ["太极"], "years_lived": 12},
        reason="resident asked",
    )
    found = Resident.objects.get(phone_hash=lookup_hash(NEW_PHONE, kind="phone"))
    assert found.pk == resident.pk
    assert (found.phone, found.name, found.skills, found.years_lived) == (
        NEW_PHONE,
        "张三丰",
        ["太极"],
        12,
    )
    assert found.id_number == ID_NUMBER
    assert not Resident.objects.filter(phone_hash=lookup_hash(PHONE, kind="phone")).exists()
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, subject_id=str(resident.pk))
    assert sorted(entry.detail["fields"]) == ["name", "phone", "skills", "years_lived"]
    assert NEW_PHONE not in json.dumps(entry.detail) + entry.reason
    assert PHONE not in json.dumps(entry.detail) + entry.reason


def test_it_refuses_unknown_fields_and_bad_id_numbers(world: World) -> None:
    resident = make_resident(world)
    with pytest.raises(PrivacyError, match="party_member"):
        resident_correct(resident=resident, actor=None, changes={"party_member": True}, reason="")
    with pytest.raises(PrivacyError, match="ID number"):
        resident_correct(resident=resident, actor=None, changes={"id_number": "123"}, reason="typo")


def test_it_anonymises_but_keeps_the_home(world: World) -> None:
    resident = make_resident(
        world,
        party_member=True,
        sensitive_note="x",
        skills=["a"],
        interests=["b"],
        tags=["c"],
        time_offered="周末",
        user=world.resident,
    )
    dwelling = with_home(world, resident)
    resident_anonymise(resident=resident, actor=world.admin, reason="rights request")
    resident.refresh_from_db()
    assert resident.name == ANONYMISED_NAME
    assert (resident.phone, resident.id_number, resident.sensitive_note) == ("", "", "")
    assert (resident.phone_hash, resident.phone_last4_hash, resident.id_number_hash) == ("", "", "")
    assert resident.party_member is None
    assert (resident.skills, resident.interests, resident.tags, resident.time_offered) == (
        [],
        [],
        [],
        "",
    )
    assert resident.user is None
    assert resident.anonymised_at is not None
    assert resident.household is not None
    assert resident.household.dwelling == dwelling
    assert Ownership.objects.filter(resident=resident, dwelling=dwelling).exists()


def test_it_deletes_and_the_audit_keeps_the_subject_id(world: World) -> None:
    resident = make_resident(world)
    with_home(world, resident)
    consent_record(resident=resident, purpose="registry", version="1", actor=world.staff)
    request = rights_request_open(
        resident=resident, kind=RightsRequestKind.DELETE, detail="", actor=world.staff
    )
    pk = resident.pk
    resident_delete(resident=resident, actor=world.admin, reason="rights request")
    rights_request_close(request=request, outcome="deleted", actor=world.admin)
    assert not Resident.objects.filter(pk=pk).exists()
    assert not Ownership.objects.filter(resident_id=pk).exists()
    assert not Consent.objects.filter(resident_id=pk).exists()
    request.refresh_from_db()
    assert request.resident is None
    assert request.handled_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.DELETE)
    assert (entry.subject_type, entry.subject_id) == ("places.resident", str(pk))
    assert entry.organisation == world.organisation
    with pytest.raises(PrivacyError):
        rights_request_close(request=request, outcome="again", actor=world.admin)


def test_it_tracks_a_rights_request(world: World) -> None:
    resident = make_resident(world)
    request = rights_request_open(
        resident=resident, kind="correct", detail="电话换了", actor=world.staff
    )
    assert RightsRequest.objects.get().received_at is not None
    rights_request_close(request=request, outcome="corrected", actor=world.staff)
    request.refresh_from_db()
    assert (request.handled_by, request.outcome) == (world.staff, "corrected")


# --- Retention ----------------------------------------------------------------------------------


def aged(resident: Resident, days: int) -> None:
    Resident.objects.filter(pk=resident.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_it_anonymises_residents_who_moved_away_long_ago(world: World) -> None:
    old = make_resident(world, "老住户", lives_here=False)
    recent = make_resident(world, "新搬走", lives_here=False)
    still_here = make_resident(world, "还住着")
    elsewhere = Resident.objects.create(
        community=world.foreign_community, name="别处", lives_here=False
    )
    aged(old, 800)
    aged(recent, 100)
    aged(still_here, 800)
    Resident.objects.filter(pk=elsewhere.pk).update(updated_at=timezone.now() - timedelta(800))
    counts = retention_enforce(organisation=world.organisation)
    assert counts[DataKind.INACTIVE_RESIDENT] == 1
    names = dict(Resident.objects.values_list("pk", "name"))
    assert names[old.pk] == ANONYMISED_NAME
    assert names[recent.pk] == "新搬走"
    assert names[still_here.pk] == "还住着"
    assert names[elsewhere.pk] == "别处"
    assert retention_enforce(organisation=world.organisation)[DataKind.INACTIVE_RESIDENT] == 0


def test_it_respects_a_custom_retention_rule(world: World) -> None:
    RetentionRule.objects.create(
        organisation=world.organisation, kind=DataKind.INACTIVE_RESIDENT, days=10
    )
    resident = make_resident(world, lives_here=False)
    aged(resident, 20)
    assert retention_enforce(organisation=world.organisation)[DataKind.INACTIVE_RESIDENT] == 1
    resident.refresh_from_db()
    assert resident.anonymised_at is not None


def test_it_deletes_consents_withdrawn_longer_ago_than_the_period(world: World) -> None:
    resident = make_resident(world)
    old = consent_record(resident=resident, purpose="photos", version="1", actor=None)
    recent = consent_record(resident=resident, purpose="recognition", version="1", actor=None)
    consent_withdraw(consent=old, actor=None)
    consent_withdraw(consent=recent, actor=None)
    Consent.objects.filter(pk=old.pk).update(withdrawn_at=timezone.now() - timedelta(days=31))
    counts = retention_enforce(organisation=world.organisation)
    assert counts[DataKind.WITHDRAWN_CONSENT] == 1
    assert list(Consent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_it_deletes_audit_entries_older_than_the_rule(world: World) -> None:
    RetentionRule.objects.create(organisation=world.organisation, kind=DataKind.AUDIT, days=30)
    old, recent, foreign = (
        AuditEntry.objects.create(organisation=org, action=AuditAction.VIEW, subject_type="x")
        for org in (world.organisation, world.organisation, world.other_organisation)
    )
    AuditEntry.objects.filter(pk__in=[old.pk, foreign.pk]).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    counts = retention_enforce(organisation=world.organisation)
    assert counts[DataKind.AUDIT] == 1
    remaining = set(AuditEntry.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {recent.pk, foreign.pk} <= remaining
    assert AuditEntry.objects.filter(
        organisation=world.organisation, action=AuditAction.DELETE, detail__count=1
    ).exists()


def test_it_runs_for_every_organisation_as_a_task_and_a_command(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    from peiban.core.tasks import retention_enforce_all

    resident = make_resident(world, lives_here=False)
    aged(resident, 800)
    result = retention_enforce_all.enqueue()
    assert result.return_value[world.organisation.slug][DataKind.INACTIVE_RESIDENT] == 1
    out = StringIO()
    call_command("enforce_retention", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert set(payload["organisations"]) == {"tongxing", "elsewhere"}
    assert payload["total"]["inactive_resident"] == 0
