"""API tokens: shown once, stored hashed, revocable, and logged."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from peiban.core.models import ApiToken, AuditEntry
from peiban.core.tokens import token_create
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_it_shows_a_new_token_once_and_stores_only_its_digest(login, world: World) -> None:
    client = login(world.staff)
    response = client.post(reverse("core:tokens"), {"name": "签到手机"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=world.staff)
    raw = html.split('<code class="token">')[1].split("</code>")[0]
    assert raw.startswith("pb_")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in ApiToken.objects.values_list("digest", flat=True)
    assert response["Cache-Control"] == "no-store"
    assert raw not in client.get(reverse("core:tokens")).content.decode()
    assert AuditEntry.objects.filter(subject_id=str(token.pk), action="token").exists()


def test_it_authenticates_api_calls_with_a_bearer_token(client: Client, world: World) -> None:
    _token, raw = token_create(user=world.staff, name="script")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["username"] == "staff"


def test_it_refuses_a_revoked_token(login, client: Client, world: World) -> None:
    token, raw = token_create(user=world.staff, name="script")
    login(world.staff).post(reverse("core:token-revoke", args=[token.pk]))
    client.logout()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_it_answers_404_when_revoking_someone_elses_token(login, world: World) -> None:
    token, _raw = token_create(user=world.leader, name="theirs")
    response = login(world.staff).post(reverse("core:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_refuses_tokens_of_inactive_users(client: Client, world: World) -> None:
    _token, raw = token_create(user=world.staff, name="script")
    world.staff.is_active = False
    world.staff.save(update_fields=["is_active"])
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
