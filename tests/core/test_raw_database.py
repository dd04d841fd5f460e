"""The database itself never holds a clear phone or ID number."""

from __future__ import annotations

import pytest
from django.db import connection

from peiban.places.models import Resident
from peiban.places.services import resident_set_contact
from tests.conftest import World

pytestmark = pytest.mark.django_db

NUMBERS = [("13800138000", "11010519491231002X"), ("13912345678", "110105194912310029")]


def test_it_stores_no_clear_phone_or_id_number_in_any_column(world: World) -> None:
    for n, (phone, id_number) in enumerate(NUMBERS):
        resident = Resident(community=world.community, name=f"居民{n}", sensitive_note="独居")
        resident_set_contact(resident, phone=phone, id_number=id_number)
        resident.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM places_resident")
        rows = cursor.fetchall()
    assert len(rows) == len(NUMBERS)
    stored = "\n".join(str(value) for row in rows for value in row)
    for phone, id_number in NUMBERS:
        assert phone not in stored
        assert id_number not in stored
        assert id_number.lower() not in stored.lower()
    assert "独居" not in stored
    assert {r.phone for r in Resident.objects.all()} == {phone for phone, _id in NUMBERS}
