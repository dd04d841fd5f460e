"""Staff correct a resident's record for them; every change is logged, never with clear values."""

from __future__ import annotations

import pytest

from peiban.core.crypto import lookup_hash
from peiban.core.models import AuditEntry
from peiban.places.models import Resident
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


def test_it_corrects_skills_time_and_phone_and_logs_the_fields(
    login, world: World, registry: Registry
) -> None:
    url = f"/c/{world.community.slug}/r/{registry.resident.pk}/edit/"
    response = login(world.staff).post(
        url,
        {
            "name": "张伟",
            "kind": "owner",
            "relation": "",
            "phone": "139 0013 9000",
            "years_lived": "12",
            "skills": "理发、维修水电",
            "time_offered": "周末上午",
            "interests": "",
            "tags": "",
            "reason": "居民本人要求更正",
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(pk=registry.resident.pk)
    assert resident.skills == ["理发", "维修水电"]
    assert resident.years_lived == 12
    assert resident.phone_hash == lookup_hash("13900139000", kind="phone")
    entry = AuditEntry.objects.get(action="change", subject_id=str(resident.pk))
    assert set(entry.detail["fields"]) == {"phone", "years_lived", "skills", "time_offered"}
    assert "13900139000" not in str(entry.detail)


def test_it_requires_a_reason(login, world: World, registry: Registry) -> None:
    url = f"/c/{world.community.slug}/r/{registry.resident.pk}/edit/"
    response = login(world.staff).post(url, {"name": "张三", "reason": ""})
    assert response.status_code == 200
    assert Resident.objects.get(pk=registry.resident.pk).name == "张伟"


def test_it_refuses_an_invalid_id_number_with_a_message(
    login, world: World, registry: Registry
) -> None:
    from peiban.places.forms import ResidentForm

    assert (
        "id_number" not in ResidentForm.FIELDS
    )  # ID numbers are corrected at the rights desk only
