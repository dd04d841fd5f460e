"""`peiban rotate-field-key` re-encrypts personal fields under the new key and rehashes them."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from peiban.core.crypto import FieldDecryptionError, lookup_hash
from peiban.places.models import Resident
from peiban.places.services import resident_set_contact
from tests.conftest import World

pytestmark = pytest.mark.django_db

KEY_A = "rotation-test-key-a-0123456789abcdefghijklmn"
KEY_B = "rotation-test-key-b-0123456789abcdefghijklmn"
PEOPLE = [
    ("张三", "13800138000", "11010519491231002X", "低保"),
    ("李四", "13912345678", "", ""),
    ("王五", "", "", ""),
]


def create_people(world: World) -> list[Resident]:
    residents = []
    for name, phone, id_number, note in PEOPLE:
        resident = Resident(community=world.community, name=name, sensitive_note=note)
        resident_set_contact(resident, phone=phone, id_number=id_number)
        resident.save()
        residents.append(resident)
    return residents


def raw_column(pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM places_resident WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_it_re_encrypts_under_the_new_key_and_recomputes_the_hashes(
    world: World, settings: Any
) -> None:
    settings.FIELD_KEY, settings.FIELD_KEYS_OLD = KEY_A, []
    residents = create_people(world)
    before = raw_column(residents[0].pk, "phone")

    settings.FIELD_KEY, settings.FIELD_KEYS_OLD = KEY_B, [KEY_A]
    out = StringIO()
    call_command("rotate_field_key", "--json", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["rotated"]["places.Resident.phone"] == 2
    assert result["rotated"]["places.Resident.id_number"] == 1
    assert result["rotated"]["places.Resident.sensitive_note"] == 1
    assert result["hashes"] == 2

    settings.FIELD_KEYS_OLD = []
    for resident, (name, phone, id_number, note) in zip(
        Resident.objects.order_by("pk"), PEOPLE, strict=True
    ):
        assert (resident.name, resident.phone, resident.id_number) == (name, phone, id_number)
        assert resident.sensitive_note == note
        assert resident.phone_hash == (lookup_hash(phone, kind="phone") if phone else "")
        assert resident.phone_last4_hash == (
            lookup_hash(phone, kind="phone_last4") if phone else ""
        )
        assert resident.id_number_hash == (
            lookup_hash(id_number, kind="id_number") if id_number else ""
        )
    found = Resident.objects.get(phone_hash=lookup_hash("13800138000", kind="phone"))
    assert found.pk == residents[0].pk
    after = raw_column(residents[0].pk, "phone")
    assert after != before
    assert "13800138000" not in after


def test_it_changes_nothing_when_a_value_cannot_be_decrypted(world: World, settings: Any) -> None:
    settings.FIELD_KEY, settings.FIELD_KEYS_OLD = KEY_A, []
    create_people(world)
    settings.FIELD_KEY = KEY_B
    with pytest.raises(CommandError, match="PEIBAN_FIELD_KEYS_OLD"):
        call_command("rotate_field_key", stdout=StringIO(), stderr=StringIO())
    settings.FIELD_KEY = KEY_A
    assert Resident.objects.get(name="张三").phone == "13800138000"
    settings.FIELD_KEY = KEY_B
    with pytest.raises(FieldDecryptionError):
        Resident.objects.get(name="张三")
