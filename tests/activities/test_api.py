"""Activities and the volunteer ledger through the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peiban.activities.models import Activity, Attendance, Signup
from peiban.activities.signin import token_for
from peiban.core.tokens import token_create
from peiban.ledger.models import Redemption, Reward
from peiban.places.models import Resident
from tests.activities.test_registration import make_activity as new_activity
from tests.ledger.conftest import credited, make_activity, make_attendance

pytestmark = pytest.mark.django_db

__all__ = ["credited", "make_activity", "make_attendance"]  # fixtures of the ledger tests

BASE = "/api/v1/communities/heping"


def bearer(user: Any) -> dict[str, str]:
    _token, raw = token_create(user=user, name="test")
    return {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}


@pytest.fixture
def linked(world: Any, registry: Any) -> Resident:
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    return registry.resident


def running(world: Any) -> Activity:
    now = timezone.now()
    return new_activity(
        world, starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2)
    )


def test_a_resident_lists_and_reads_activities(client: Client, world: Any) -> None:
    activity = running(world)
    response = client.get(f"{BASE}/activities", headers=bearer(world.resident))
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [activity.pk]
    detail = client.get(f"{BASE}/activities/{activity.pk}", headers=bearer(world.resident))
    assert detail.json()["title"] == activity.title


def test_viewers_outsiders_and_other_communities_get_404(client: Client, world: Any) -> None:
    activity = running(world)
    assert client.get(f"{BASE}/activities", headers=bearer(world.viewer)).status_code == 404
    assert client.get(f"{BASE}/activities", headers=bearer(world.outsider)).status_code == 404
    response = client.get(
        f"/api/v1/communities/anle/activities/{activity.pk}", headers=bearer(world.admin)
    )
    assert response.status_code == 404


def test_a_linked_resident_signs_up_and_an_unlinked_one_is_refused(
    client: Client, world: Any, registry: Any
) -> None:
    activity = running(world)
    refused = client.post(f"{BASE}/activities/{activity.pk}/signup", headers=bearer(world.resident))
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_linked"
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    response = client.post(
        f"{BASE}/activities/{activity.pk}/signup", headers=bearer(world.resident)
    )
    assert response.status_code == 200
    assert response.json()["status"] == "registered"
    assert Signup.objects.get().resident == registry.resident


def test_qr_check_in_needs_the_right_token(client: Client, world: Any, linked: Resident) -> None:
    activity = running(world)
    other = running(world)
    path = f"{BASE}/activities/{activity.pk}/check-in"
    headers = bearer(world.resident)
    bad = client.post(path, {"token": "forged"}, content_type="application/json", headers=headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_token"
    wrong = client.post(
        path,
        {"token": token_for(other, "checkin")},
        content_type="application/json",
        headers=headers,
    )
    assert wrong.status_code == 422
    purpose = client.post(
        path,
        {"token": token_for(activity, "register")},
        content_type="application/json",
        headers=headers,
    )
    assert purpose.status_code == 422
    assert not Attendance.objects.exists()
    ok = client.post(
        path,
        {"token": token_for(activity, "checkin")},
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.json()["created"] is True
    assert Attendance.objects.get().source == "qr"


def test_my_volunteering_gives_balances_and_entries(
    client: Client, world: Any, linked: Resident, credited: Any
) -> None:
    credited(minutes=90)
    body = client.get(f"{BASE}/me/volunteering", headers=bearer(world.resident)).json()
    assert Decimal(body["hours"]) == Decimal("1.5")
    assert Decimal(body["points"]) == Decimal("1.5")
    assert len(body["hour_entries"]) == 1
    assert Decimal(body["points_entries"][0]["running_balance"]) == Decimal("1.5")


def test_an_unlinked_resident_has_an_empty_statement(client: Client, world: Any) -> None:
    body = client.get(f"{BASE}/me/volunteering", headers=bearer(world.resident)).json()
    assert body["hour_entries"] == []
    assert Decimal(body["points"]) == 0


def test_redeeming_through_the_api(
    client: Client, world: Any, registry: Any, credited: Any
) -> None:
    registry.resident.user = world.leader
    registry.resident.save(update_fields=["user"])
    credited(minutes=240)
    rice = Reward.objects.create(
        community=world.community, name="大米", kind="goods", cost=Decimal(3), stock=5
    )
    path = f"{BASE}/rewards/{rice.pk}/redeem"
    headers = bearer(world.leader)
    ok = client.post(path, {"quantity": 1}, content_type="application/json", headers=headers)
    assert ok.status_code == 200
    assert Decimal(ok.json()["balance"]) == Decimal(1)
    beyond = client.post(path, {"quantity": 1}, content_type="application/json", headers=headers)
    assert beyond.status_code == 422
    assert beyond.json()["code"] == "refused"
    assert Redemption.objects.count() == 1
    missing = client.post(
        f"{BASE}/rewards/999999/redeem",
        {"quantity": 1},
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code == 404


def test_my_activities_lists_registrations_to_come_and_what_i_attended(
    world: Any, linked: Resident, django_assert_max_num_queries: Any
) -> None:
    coming = new_activity(world, title="重阳节")
    Signup.objects.create(activity=coming, resident=linked, status="registered")
    over = new_activity(
        world,
        title="读书会",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    Attendance.objects.create(
        activity=over, resident=linked, checked_in_at=over.starts_at, volunteer=True
    )
    other = Resident.objects.create(community=world.community, name="别人")
    Signup.objects.create(activity=coming, resident=other, status="waiting")
    client = Client(headers=bearer(world.resident))
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/me/activities")
    body = response.json()
    assert [(s["activity"]["title"], s["status"]) for s in body["upcoming"]] == [
        ("重阳节", "registered")
    ]
    assert [(a["activity"]["title"], a["volunteer"]) for a in body["attended"]] == [
        ("读书会", True)
    ]


def test_my_activities_needs_a_linked_account(world: Any) -> None:
    response = Client(headers=bearer(world.resident)).get(f"{BASE}/me/activities")
    assert response.status_code == 422
    assert response.json()["code"] == "not_linked"
