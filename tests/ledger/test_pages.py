"""The ledger pages: who may open them, and that each does its one thing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from peiban.core.typesetting import CJKFontMissing, find_cjk_font
from peiban.ledger.models import Certificate, HourEntry, PointsEntry, PointsRule, Redemption, Reward
from peiban.ledger.selectors import points_balance
from peiban.ledger.services import hours_credit_from_attendance, hours_verify
from peiban.places.models import Resident

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def url(name: str, **kwargs: Any) -> str:
    kwargs.setdefault("community", "heping")
    return reverse(f"ledger:{name}", kwargs=kwargs)


def needs_font() -> None:
    try:
        find_cjk_font("serif")
    except CJKFontMissing as missing:
        pytest.skip(str(missing))


@pytest.fixture
def linked(world: Any, registry: Any) -> Resident:
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    return registry.resident


@pytest.fixture
def leader_resident(world: Any, registry: Any) -> Resident:
    return Resident.objects.create(
        community=world.community, household=registry.household, name="彭女士", user=world.leader
    )


def reward(world: Any, cost: str = "5", stock: int | None = 3) -> Reward:
    return Reward.objects.create(
        community=world.community, name="大米", kind="goods", cost=Decimal(cost), stock=stock
    )


# --- Staff pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hours", "rules", "rewards"])
def test_a_resident_cannot_open_the_staff_pages(world: Any, login: Any, name: str) -> None:
    assert login(world.resident).get(url(name)).status_code == 404
    assert login(world.leader).get(url(name)).status_code == 404


def test_staff_credit_verify_and_credit_points_from_the_hours_page(
    world: Any,
    login: Any,
    registry: Any,
    make_activity: Any,
    make_attendance: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = login(world.staff)
    client.post(
        url("rules"),
        {"hours_to_points": "2", "cap": "", "text": "1小时=2积分", "approved_by": "居民议事会"},
    )
    assert PointsRule.objects.get().hours_to_points == Decimal("2.00")
    attendances = [make_attendance(make_activity()) for _ in range(3)]
    with django_assert_max_num_queries(15):
        page = client.get(url("hours"))
    assert page.status_code == 200
    assert f'data-credit="{attendances[0].pk}"'.encode() in page.content

    client.post(url("credit", pk=attendances[0].pk))
    entry = HourEntry.objects.get()
    assert entry.hours == Decimal("2.00")
    assert entry.status == "pending"
    client.post(url("verify", pk=entry.pk))
    entry.refresh_from_db()
    assert entry.status == "verified"
    client.post(url("points", pk=entry.pk))
    assert points_balance(registry.resident) == Decimal("4.00")

    for attendance in attendances[1:]:
        hours_verify(
            entry=hours_credit_from_attendance(attendance=attendance, actor=world.staff),
            actor=world.staff,
        )
    with django_assert_max_num_queries(15):
        page = client.get(url("hours"))
    assert b"data-unpointed-entry" in page.content


def test_crediting_twice_shows_a_message_and_changes_nothing(
    world: Any, login: Any, make_activity: Any, make_attendance: Any
) -> None:
    attendance = make_attendance(make_activity())
    client = login(world.staff)
    client.post(url("credit", pk=attendance.pk))
    response = client.post(url("credit", pk=attendance.pk), headers=EN, follow=True)
    assert HourEntry.objects.count() == 1
    assert b"already been credited" in response.content


def test_staff_add_rewards(world: Any, login: Any) -> None:
    client = login(world.staff)
    response = client.post(url("rewards"), {"name": "理发", "kind": "service", "cost": "3"})
    assert response.status_code == 302
    assert Reward.objects.get().stock is None
    assert "理发" in client.get(url("rewards")).content.decode()


def test_other_staff_cannot_credit_here(
    world: Any, login: Any, make_activity: Any, make_attendance: Any
) -> None:
    attendance = make_attendance(make_activity())
    assert login(world.other_staff).post(url("credit", pk=attendance.pk)).status_code == 404
    assert not HourEntry.objects.exists()


# --- A resident's own page -----------------------------------------------------------------------


def test_an_unlinked_resident_sees_why_nothing_is_shown(world: Any, login: Any) -> None:
    response = login(world.resident).get(url("mine"))
    assert response.status_code == 200
    assert b"data-not-linked" in response.content


def test_my_volunteering_shows_balances_in_bounded_queries(
    world: Any, login: Any, linked: Resident, credited: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        credited(minutes=60)
    reward(world)
    client = login(world.resident)
    with django_assert_max_num_queries(15):
        response = client.get(url("mine"))
    html = response.content.decode()
    assert "<strong data-hours-balance>3.00</strong>" in html
    assert "<strong data-points-balance>3.00</strong>" in html
    assert html.count("data-points-entry=") == 3
    assert "data-redeem=" in html


def test_a_volunteer_redeems_and_beyond_the_balance_is_refused(
    world: Any, login: Any, registry: Any, leader_resident: Resident, credited: Any
) -> None:
    rice = reward(world, cost="5")
    client = login(world.leader)
    response = client.post(url("redeem", pk=rice.pk), {"quantity": "1"}, headers=EN, follow=True)
    assert b"Not enough points" in response.content
    assert not Redemption.objects.exists()
    assert not PointsEntry.objects.filter(resident=leader_resident).exists()
    rice.refresh_from_db()
    assert rice.stock == 3


def test_a_reward_of_another_community_is_404(world: Any, login: Any, linked: Resident) -> None:
    far = Reward.objects.create(community=world.other_community, name="x", kind="goods", cost=1)
    assert login(world.resident).post(url("redeem", pk=far.pk)).status_code == 404


# --- Certificates --------------------------------------------------------------------------------


def test_staff_issue_and_the_volunteer_downloads_but_no_one_else(
    world: Any, login: Any, linked: Resident, credited: Any, leader_resident: Resident
) -> None:
    needs_font()
    credited(minutes=120)
    staff = login(world.staff)
    staff.post(url("issue", pk=linked.pk), {"responsible_person": "王主任", "handler": "李社工"})
    certificate = Certificate.objects.get()
    assert staff.get(url("certificate", pk=certificate.pk))["Content-Type"] == "application/pdf"
    mine = login(world.resident).get(url("mine")).content.decode()
    assert f'data-certificate="{certificate.pk}"' in mine
    assert login(world.resident).get(url("certificate", pk=certificate.pk)).status_code == 200
    assert login(world.leader).get(url("certificate", pk=certificate.pk)).status_code == 404
    assert login(world.viewer).get(url("certificate", pk=certificate.pk)).status_code == 404


def test_issuing_without_names_changes_nothing(
    world: Any, login: Any, linked: Resident, credited: Any
) -> None:
    credited()
    login(world.staff).post(url("issue", pk=linked.pk), {"responsible_person": "", "handler": ""})
    assert not Certificate.objects.exists()
