"""The registry through the API: masked reads, logged unmasking, corrections, consents, rights desk."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from peiban.core.models import AuditEntry
from peiban.core.tokens import token_create
from peiban.places.models import Community, Resident
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    _token, raw = token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def base(world: World, registry: Registry) -> str:
    return f"/api/v1/communities/{world.community.slug}/residents/{registry.resident.pk}"


def test_it_masks_residents_in_lists_and_keeps_queries_bounded(
    world: World, registry: Registry, django_assert_max_num_queries
) -> None:
    for n in range(30):
        Resident.objects.create(
            community=world.community, household=registry.household, name=f"居民{n}"
        )
    client = api(world.leader)
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/v1/communities/{world.community.slug}/residents?limit=50").json()
    assert body["count"] == 31
    phones = {item["phone"] for item in body["items"]}
    assert "138****8000" in phones
    assert "13800138000" not in json.dumps(body)


def test_it_refuses_to_unmask_without_a_reason(world: World, registry: Registry) -> None:
    response = api(world.staff).post(
        f"{base(world, registry)}/unmask", {"reason": " "}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "reason_required"
    assert not AuditEntry.objects.filter(action="unmask").exists()


def test_it_corrects_a_resident_and_refuses_bad_values(world: World, registry: Registry) -> None:
    client = api(world.staff)
    ok = client.patch(
        base(world, registry),
        {"reason": "本人要求", "skills": ["书法"]},
        content_type="application/json",
    )
    assert ok.json()["skills"] == ["书法"]
    bad = client.patch(
        base(world, registry), {"reason": "x", "kind": "king"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid"


def test_it_withdraws_the_registry_consent_and_clears_the_phone(
    world: World, registry: Registry
) -> None:
    client = api(world.staff)
    consent = client.post(
        f"{base(world, registry)}/consents",
        {"purpose": "registry"},
        content_type="application/json",
    ).json()
    withdrawn = client.post(f"{base(world, registry)}/consents/{consent['id']}/withdraw").json()
    assert withdrawn["withdrawn_at"] is not None
    resident = Resident.objects.get(pk=registry.resident.pk)
    assert (resident.phone, resident.phone_hash) == ("", "")


def test_it_gives_the_rights_desk_a_full_copy_and_logs_it(world: World, registry: Registry) -> None:
    data = api(world.staff).get(f"{base(world, registry)}/data").json()
    assert "13800138000" in json.dumps(data)
    assert AuditEntry.objects.filter(action="export", subject_id=str(registry.resident.pk)).exists()


def test_it_anonymises_through_the_api(world: World, registry: Registry) -> None:
    response = api(world.admin).post(
        f"{base(world, registry)}/anonymise", {"reason": "搬离"}, content_type="application/json"
    )
    assert response.status_code == 204
    assert Resident.objects.get(pk=registry.resident.pk).name == "已匿名"


def test_it_creates_organisations_and_communities_from_the_command_line(db: None) -> None:
    out = StringIO()
    call_command("create_organisation", "同心社工", "--slug", "tongxin", "--json", stdout=out)
    assert json.loads(out.getvalue())["slug"] == "tongxin"
    out = StringIO()
    call_command(
        "create_community",
        "tongxin",
        "幸福里",
        "--slug",
        "xingfu",
        "--city",
        "南京",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert Community.objects.get(pk=result["id"]).organisation.slug == "tongxin"
    with pytest.raises(CommandError, match="taken"):
        call_command("create_community", "tongxin", "又一个", "--slug", "xingfu", stdout=StringIO())
    with pytest.raises(CommandError, match="no organisation"):
        call_command("create_community", "nowhere", "x", stdout=StringIO())
