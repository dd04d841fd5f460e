"""Activities, registration with a waiting list, check-in, newcomers and feedback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from peiban.activities.models import Activity, Attendance, Feedback, SignupStatus
from peiban.activities.services import (
    ActivityError,
    activity_create,
    attendance_check_in,
    attendance_check_out,
    feedback_give,
    newcomer_register,
    signup_cancel,
    signup_register,
)
from peiban.core.models import AuditEntry
from peiban.places.models import Dwelling, Household, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in their English source form."""
    with translation.override("en"):
        yield


def make_activity(world: Any, *, capacity: int | None = None, **overrides: Any) -> Activity:
    now = timezone.now()
    values: dict[str, Any] = {
        "community": world.community,
        "title": "重阳节主题活动",
        "kind": "themed",
        "starts_at": now + timedelta(hours=1),
        "ends_at": now + timedelta(hours=3),
        "organiser_kind": "staff",
        "organiser_staff": world.staff,
        "capacity": capacity,
        "actor": world.staff,
    }
    values.update(overrides)
    return activity_create(**values)


def neighbours(registry: Any, n: int) -> list[Resident]:
    return [
        Resident.objects.create(
            community=registry.resident.community, household=registry.household, name=f"邻居{i}"
        )
        for i in range(n)
    ]


# --- Creating --------------------------------------------------------------------------------------


def test_activity_create_records_and_audits(world: Any) -> None:
    activity = make_activity(world, capacity=10)
    assert activity.pk
    assert activity.capacity == 10
    assert AuditEntry.objects.filter(subject_id=str(activity.pk), action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": timezone.now()}, "end after"),
        ({"title": "   "}, "cannot be empty"),
        ({"kind": "party"}, "kind"),
        ({"capacity": 0}, "capacity"),
        ({"organiser_kind": "resident", "organiser_staff": None}, "resident"),
    ],
)
def test_activity_create_refuses(world: Any, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ActivityError, match=message):
        make_activity(world, **overrides)


def test_resident_organiser_must_be_of_this_community(world: Any, registry: Any) -> None:
    with pytest.raises(ActivityError, match="community"):
        make_activity(
            world,
            organiser_kind="resident",
            organiser_staff=None,
            organiser_resident=registry.foreign_resident,
        )
    activity = make_activity(
        world, organiser_kind="resident", organiser_staff=None, organiser_resident=registry.resident
    )
    assert activity.organiser_resident == registry.resident


# --- Registration ----------------------------------------------------------------------------------


def test_capacity_then_waiting_list_and_promotion(world: Any, registry: Any) -> None:
    activity = make_activity(world, capacity=2)
    a, b, c, d = neighbours(registry, 4)
    sa = signup_register(activity=activity, resident=a)
    sb = signup_register(activity=activity, resident=b)
    sc = signup_register(activity=activity, resident=c)
    sd = signup_register(activity=activity, resident=d)
    assert [s.status for s in (sa, sb, sc, sd)] == [
        "registered",
        "registered",
        "waiting",
        "waiting",
    ]
    # Registering again changes nothing.
    assert signup_register(activity=activity, resident=c).pk == sc.pk

    promoted = signup_cancel(signup=sa)
    assert promoted is not None
    assert promoted.pk == sc.pk
    sc.refresh_from_db()
    assert sc.status == SignupStatus.REGISTERED


def test_two_cancellations_promote_two(world: Any, registry: Any) -> None:
    activity = make_activity(world, capacity=2)
    a, b, c, d = neighbours(registry, 4)
    signups = [signup_register(activity=activity, resident=r) for r in (a, b, c, d)]
    signup_cancel(signup=signups[0])
    signup_cancel(signup=signups[1])
    statuses = {s.resident_id: s.status for s in activity.signups.all()}
    assert statuses == {
        a.pk: "cancelled",
        b.pk: "cancelled",
        c.pk: "registered",
        d.pk: "registered",
    }
    # Cancelling twice changes nothing, and cancelling a waiting place promotes nobody.
    assert signup_cancel(signup=signups[0]) is None


def test_reregistering_after_cancelling_joins_the_end(world: Any, registry: Any) -> None:
    activity = make_activity(world, capacity=1)
    a, b = neighbours(registry, 2)
    sa = signup_register(activity=activity, resident=a)
    signup_register(activity=activity, resident=b)
    signup_cancel(signup=sa)  # b is promoted
    again = signup_register(activity=activity, resident=a)
    assert again.pk == sa.pk
    assert again.status == SignupStatus.WAITING


def test_cancelled_and_finished_activities_refuse_registration(world: Any, registry: Any) -> None:
    cancelled = make_activity(world)
    Activity.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    with pytest.raises(ActivityError, match="cancelled"):
        signup_register(activity=cancelled, resident=registry.resident)
    now = timezone.now()
    finished = make_activity(
        world, starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=3)
    )
    with pytest.raises(ActivityError, match="finished"):
        signup_register(activity=finished, resident=registry.resident)


def test_resident_of_another_community_is_refused(world: Any, registry: Any) -> None:
    with pytest.raises(ActivityError, match="community"):
        signup_register(activity=make_activity(world), resident=registry.foreign_resident)


# --- Check-in --------------------------------------------------------------------------------------


def test_check_in_twice_counts_once(world: Any, registry: Any) -> None:
    activity = make_activity(world)
    first, created = attendance_check_in(
        activity=activity, resident=registry.resident, actor=world.leader
    )
    again, created_again = attendance_check_in(
        activity=activity, resident=registry.resident, actor=world.leader, source="qr"
    )
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Attendance.objects.filter(activity=activity).count() == 1


def test_walk_in_refused_when_full_but_registered_admitted(world: Any, registry: Any) -> None:
    activity = make_activity(world, capacity=1)
    registered, walk_in, other = neighbours(registry, 3)
    signup_register(activity=activity, resident=registered)
    attendance_check_in(activity=activity, resident=walk_in, actor=world.leader)
    with pytest.raises(ActivityError, match="full"):
        attendance_check_in(activity=activity, resident=other, actor=world.leader)
    _, created = attendance_check_in(activity=activity, resident=registered, actor=world.leader)
    assert created
    # Volunteers do not take a seat.
    _, created = attendance_check_in(
        activity=activity, resident=other, actor=world.leader, volunteer=True
    )
    assert created


def test_check_in_window_and_cancelled(world: Any, registry: Any) -> None:
    now = timezone.now()
    later = make_activity(
        world, starts_at=now + timedelta(hours=3), ends_at=now + timedelta(hours=5)
    )
    with pytest.raises(ActivityError, match="opens"):
        attendance_check_in(activity=later, resident=registry.resident, actor=world.leader)
    old = make_activity(world, starts_at=now - timedelta(hours=6), ends_at=now - timedelta(hours=3))
    with pytest.raises(ActivityError, match="closed"):
        attendance_check_in(activity=old, resident=registry.resident, actor=world.leader)
    Activity.objects.filter(pk=later.pk).update(cancelled_at=now)
    later.refresh_from_db()
    with pytest.raises(ActivityError, match="cancelled"):
        attendance_check_in(
            activity=later,
            resident=registry.resident,
            actor=world.leader,
            at=now + timedelta(hours=3),
        )


def test_check_out(world: Any, registry: Any) -> None:
    activity = make_activity(world)
    attendance, _ = attendance_check_in(
        activity=activity, resident=registry.resident, actor=world.leader
    )
    with pytest.raises(ActivityError, match="before"):
        attendance_check_out(
            attendance=attendance, actor=world.leader, at=attendance.checked_in_at - timedelta(1)
        )
    attendance_check_out(attendance=attendance, actor=world.leader)
    assert attendance.checked_out_at is not None
    with pytest.raises(ActivityError, match="already"):
        attendance_check_out(attendance=attendance, actor=world.leader)


# --- Newcomers -------------------------------------------------------------------------------------


def test_newcomer_at_a_known_room(world: Any, registry: Any) -> None:
    resident = newcomer_register(
        community=world.community,
        name=" 王芳 ",
        room_text="3栋2单元301室",
        phone="139 0013 9000",
        actor=world.leader,
    )
    assert resident.name == "王芳"
    assert resident.household == registry.household
    assert resident.phone == "13900139000"
    assert resident.phone_hash
    assert resident.phone_last4_hash
    # The same person again is not registered twice.
    again = newcomer_register(
        community=world.community, name="王芳", room_text="3-2-301", phone="", actor=world.leader
    )
    assert again.pk == resident.pk


def test_newcomer_in_a_dwelling_without_household(world: Any, registry: Any) -> None:
    empty = Dwelling.objects.create(
        community=world.community, building=registry.building, unit="2", room="302"
    )
    resident = newcomer_register(
        community=world.community, name="赵雷", room_text="3-2-302", phone="", actor=world.leader
    )
    assert resident.household is not None
    assert resident.household.dwelling == empty
    assert Household.objects.filter(dwelling=empty).count() == 1


@pytest.mark.parametrize("room", ["3栋2单元901室", "9-1-101", "楼下"])
def test_newcomer_at_an_unknown_room_is_refused(world: Any, registry: Any, room: str) -> None:
    with pytest.raises(ActivityError):
        newcomer_register(
            community=world.community, name="王芳", room_text=room, phone="", actor=world.leader
        )
    assert not Resident.objects.filter(name="王芳").exists()


# --- Feedback --------------------------------------------------------------------------------------


def test_feedback_once_per_resident(world: Any, registry: Any) -> None:
    now = timezone.now()
    activity = make_activity(world, starts_at=now - timedelta(hours=1), ends_at=now)
    feedback = feedback_give(
        activity=activity,
        resident=registry.resident,
        rating=5,
        comment="  很好 <b>谢谢</b>  ",
    )
    assert feedback.comment == "很好 <b>谢谢</b>"
    with pytest.raises(ActivityError, match="already"):
        feedback_give(activity=activity, resident=registry.resident, rating=4, comment="")
    feedback_give(activity=activity, resident=None, rating=3, comment="")
    feedback_give(activity=activity, resident=None, rating=4, comment="")
    assert Feedback.objects.filter(activity=activity).count() == 3


@pytest.mark.parametrize(("rating", "comment"), [(0, ""), (6, ""), (3, "长" * 501)])
def test_feedback_refuses(world: Any, registry: Any, rating: int, comment: str) -> None:
    now = timezone.now()
    activity = make_activity(world, starts_at=now - timedelta(hours=1), ends_at=now)
    with pytest.raises(ActivityError):
        feedback_give(activity=activity, resident=registry.resident, rating=rating, comment=comment)
