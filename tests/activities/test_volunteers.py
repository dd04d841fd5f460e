"""Volunteers at the door: checked in as volunteers, checked out once, their hours credited from
check-in to check-out and left for staff to verify."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from peiban.activities.models import Activity, Attendance
from peiban.activities.services import ActivityError, attendance_check_in, attendance_check_out
from peiban.ledger.models import HourEntry, HourStatus
from tests.activities.test_registration import make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def running(world: Any) -> Activity:
    now = timezone.now()
    return make_activity(
        world, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(minutes=30)
    )


def door_url(name: str, activity: Activity, **kwargs: Any) -> str:
    return reverse(
        f"activities:{name}",
        kwargs={"community": activity.community.slug, "pk": activity.pk, **kwargs},
    )


def test_a_leader_checks_a_volunteer_in_and_out_and_hours_wait_for_staff(
    world: Any, registry: Any, login: Any
) -> None:
    activity = running(world)
    client = login(world.leader)
    client.post(
        door_url("check-in", activity),
        {"resident": registry.resident.pk, "volunteer": "1"},
    )
    attendance = Attendance.objects.get(activity=activity, resident=registry.resident)
    assert attendance.volunteer
    Attendance.objects.filter(pk=attendance.pk).update(
        checked_in_at=timezone.now() - timedelta(hours=1, minutes=31)
    )
    page = client.get(door_url("door", activity)).content.decode()
    assert f'data-check-out="{registry.resident.pk}"' in page
    response = client.post(
        door_url("check-out", activity, attendance=attendance.pk),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "张伟 checked out: 1.50 hours, waiting for staff to verify them." in (
        response.content.decode()
    )
    entry = HourEntry.objects.get(resident=registry.resident, activity=activity)
    assert (entry.hours, entry.status) == (Decimal("1.50"), HourStatus.PENDING)
    attendance.refresh_from_db()
    assert attendance.checked_out_at is not None
    assert (
        f'data-check-out="{registry.resident.pk}"'
        not in client.get(door_url("door", activity)).content.decode()
    )


def test_checking_out_twice_records_one_time_and_one_credit(
    world: Any, registry: Any, login: Any
) -> None:
    activity = running(world)
    attendance, _created = attendance_check_in(
        activity=activity,
        resident=registry.resident,
        actor=world.staff,
        volunteer=True,
        at=timezone.now() - timedelta(hours=1),
    )
    client = login(world.staff)
    address = door_url("check-out", activity, attendance=attendance.pk)
    client.post(address)
    second = client.post(address, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "张伟 has already checked out." in second.content.decode()
    assert HourEntry.objects.filter(resident=registry.resident).count() == 1


def test_participants_are_not_checked_out_for_hours(world: Any, registry: Any, login: Any) -> None:
    activity = running(world)
    attendance, _created = attendance_check_in(
        activity=activity, resident=registry.resident, actor=world.staff
    )
    response = login(world.staff).post(door_url("check-out", activity, attendance=attendance.pk))
    assert response.status_code == 404


def test_check_out_before_check_in_is_refused(world: Any, registry: Any) -> None:
    activity = running(world)
    attendance, _created = attendance_check_in(
        activity=activity, resident=registry.resident, actor=world.staff, volunteer=True
    )
    with pytest.raises(ActivityError, match="cannot come before"):
        attendance_check_out(
            attendance=attendance, actor=world.staff, at=timezone.now() - timedelta(hours=3)
        )


def test_residents_and_viewers_cannot_check_volunteers_out(
    world: Any, registry: Any, login: Any
) -> None:
    activity = running(world)
    attendance, _created = attendance_check_in(
        activity=activity, resident=registry.resident, actor=world.staff, volunteer=True
    )
    address = door_url("check-out", activity, attendance=attendance.pk)
    for user in (world.resident, world.viewer, world.other_staff):
        assert login(user).post(address).status_code == 404
    attendance.refresh_from_db()
    assert attendance.checked_out_at is None
