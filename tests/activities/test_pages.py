"""The activity pages: who may open them, and that each does its one thing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from peiban.activities.models import Activity, Attendance, Feedback, Signup, SignupStatus
from peiban.activities.services import attendance_check_in
from peiban.activities.signin import activity_for_token, token_for
from peiban.places.models import Resident
from tests.activities.test_registration import make_activity

pytestmark = pytest.mark.django_db


def url(name: str, activity: Activity | None = None, **kwargs: Any) -> str:
    kwargs.setdefault("community", "heping")
    if activity is not None:
        kwargs["pk"] = activity.pk
    return reverse(f"activities:{name}", kwargs=kwargs)


def running(world: Any, **overrides: Any) -> Activity:
    now = timezone.now()
    return make_activity(
        world, starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2), **overrides
    )


@pytest.fixture
def linked(world: Any, registry: Any) -> Resident:
    """The resident persona is 张伟 of 3-2-301."""
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    return registry.resident


@pytest.fixture
def leader_resident(world: Any, registry: Any) -> Resident:
    return Resident.objects.create(
        community=world.community, household=registry.household, name="彭女士", user=world.leader
    )


# --- List and new ----------------------------------------------------------------------------------


def test_list_shows_upcoming_and_past_in_bounded_queries(
    world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    now = timezone.now()
    for i in range(5):
        make_activity(world, title=f"将来{i}")
        make_activity(
            world,
            title=f"过去{i}",
            starts_at=now - timedelta(days=i + 2),
            ends_at=now - timedelta(days=i + 1),
        )
    client = login(world.resident)
    with django_assert_max_num_queries(10):
        response = client.get(url("list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "将来4" in body
    assert "过去4" in body
    assert "data-new-activity" not in body
    assert "data-new-activity" in login(world.leader).get(url("list")).content.decode()


@pytest.mark.parametrize("persona", ["viewer", "outsider", "other_staff"])
def test_list_refused(world: Any, login: Any, persona: str) -> None:
    assert login(world.persona(persona)).get(url("list")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Any, world: Any) -> None:
    response = client.get(url("list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "中秋游园会",
        "kind": "themed",
        "date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "time": "09:30",
        "hours": "2",
        "capacity": "",
        "registration": "required",
        "place_text": "3栋前广场",
        "description": "猜灯谜",
    }
    data.update(overrides)
    return data


def test_staff_create_a_staff_activity(world: Any, login: Any) -> None:
    response = login(world.staff).post(url("new"), _form())
    activity = Activity.objects.get(title="中秋游园会")
    assert response.status_code == 302
    assert response["Location"] == url("detail", activity)
    assert activity.organiser_kind == "staff"
    assert activity.organiser_staff == world.staff
    assert activity.ends_at - activity.starts_at == timedelta(hours=2)
    assert timezone.localtime(activity.starts_at).strftime("%H:%M") == "09:30"


def test_an_activity_is_held_in_a_public_space_of_the_community(world: Any, login: Any) -> None:
    from peiban.places.models import PublicSpace

    square = PublicSpace.objects.create(
        community=world.community, name="中心广场", usable_for_activities=True
    )
    PublicSpace.objects.create(community=world.community, name="地下车库")  # not for activities
    far = PublicSpace.objects.create(
        community=world.other_community, name="别的广场", usable_for_activities=True
    )
    client = login(world.staff)
    page = client.get(url("new")).content.decode()
    assert "中心广场" in page
    assert "地下车库" not in page
    assert "别的广场" not in page
    response = client.post(url("new"), _form(place=str(far.pk)))
    assert response.status_code == 200  # another community's square is not a choice
    client.post(url("new"), _form(place=str(square.pk), place_text=""))
    activity = Activity.objects.get(title="中秋游园会")
    assert activity.place == square
    assert "中心广场" in client.get(url("detail", activity)).content.decode()


def test_leader_creates_as_resident_organiser(
    world: Any, login: Any, leader_resident: Resident
) -> None:
    login(world.leader).post(url("new"), _form(capacity="20", hours="1.5"))
    activity = Activity.objects.get(title="中秋游园会")
    assert activity.organiser_kind == "resident"
    assert activity.organiser_resident == leader_resident
    assert activity.capacity == 20


def test_a_leader_plans_an_activity_for_the_group_they_lead(
    world: Any, login: Any, leader_resident: Resident
) -> None:
    from datetime import date

    from peiban.groups.services import group_create, member_add

    mine = group_create(
        community=world.community,
        name="编织小组",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=world.staff,
    )
    member_add(group=mine, resident=leader_resident, role="leader", actor=world.staff)
    other = group_create(
        community=world.community,
        name="书法班",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=world.staff,
    )
    client = login(world.leader)
    page = client.get(url("new")).content.decode()
    assert "编织小组" in page
    assert "书法班" not in page  # she does not lead it
    assert client.post(url("new"), _form(group=str(other.pk))).status_code == 200
    assert not Activity.objects.exists()
    client.post(url("new"), _form(group=str(mine.pk)))
    activity = Activity.objects.get(title="中秋游园会")
    assert (activity.organiser_kind, activity.organiser_group) == ("self_organisation", mine)
    assert activity.organiser_resident is None
    assert "编织小组" in client.get(url("detail", activity)).content.decode()


def test_unlinked_leader_is_told(world: Any, login: Any) -> None:
    response = login(world.leader).post(url("new"), _form())
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not Activity.objects.exists()


@pytest.mark.parametrize("persona", ["resident", "viewer", "outsider"])
def test_new_refused(world: Any, login: Any, persona: str) -> None:
    client = login(world.persona(persona))
    assert client.get(url("new")).status_code == 404
    assert client.post(url("new"), _form()).status_code == 404
    assert not Activity.objects.exists()


# --- Detail, registration, feedback ----------------------------------------------------------------


def test_the_list_shows_my_activities_to_a_linked_resident(
    world: Any, login: Any, linked: Resident
) -> None:
    coming = make_activity(world, title="重阳节")
    Signup.objects.create(activity=coming, resident=linked, status="waiting")
    page = login(world.resident).get(url("list")).content.decode()
    assert f'data-my-upcoming="{coming.pk}"' in page
    assert "data-mine" not in login(world.staff).get(url("list")).content.decode()


def test_resident_registers_and_cancels(world: Any, login: Any, linked: Resident) -> None:
    activity = make_activity(world)
    client = login(world.resident)
    body = client.get(url("detail", activity)).content.decode()
    assert "data-register" in body
    assert "data-door" not in body
    assert client.post(url("register", activity)).status_code == 302
    signup = Signup.objects.get(activity=activity, resident=linked)
    assert signup.status == SignupStatus.REGISTERED
    assert "data-cancel" in client.get(url("detail", activity)).content.decode()
    client.post(url("cancel", activity))
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CANCELLED


def test_detail_counts_and_staff_links(world: Any, login: Any, registry: Any) -> None:
    activity = running(world)
    attendance_check_in(activity=activity, resident=registry.resident, actor=world.staff)
    activity.summary = "来了很多老人"
    activity.save(update_fields=["summary"])
    body = login(world.staff).get(url("detail", activity)).content.decode()
    assert 'data-count="attended">1<' in body
    assert 'data-count="newcomers">1<' in body
    assert "data-door" in body
    assert "data-qr" in body
    assert "来了很多老人" in body


@pytest.mark.parametrize("persona", ["viewer", "outsider", "other_staff"])
def test_detail_refused(world: Any, login: Any, persona: str) -> None:
    activity = make_activity(world)
    assert login(world.persona(persona)).get(url("detail", activity)).status_code == 404


def test_activity_of_another_community_is_404(world: Any, login: Any) -> None:
    activity = make_activity(world, community=world.other_community)
    assert login(world.staff).get(url("detail", activity)).status_code == 404


def test_feedback_after_attending(world: Any, login: Any, linked: Resident) -> None:
    activity = running(world)
    client = login(world.resident)
    client.post(url("feedback", activity), {"rating": "5"})
    assert not Feedback.objects.exists()  # did not attend
    attendance_check_in(activity=activity, resident=linked, actor=world.staff)
    assert "data-feedback-form" in client.get(url("detail", activity)).content.decode()
    client.post(url("feedback", activity), {"rating": "5", "comment": "很开心"})
    client.post(url("feedback", activity), {"rating": "1"})
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.resident) == (5, "很开心", linked)
    assert 'data-my-feedback="5"' in client.get(url("detail", activity)).content.decode()


def test_feedback_refused_for_viewer(world: Any, login: Any) -> None:
    activity = running(world)
    assert login(world.viewer).post(url("feedback", activity), {"rating": "5"}).status_code == 404


# --- Door and check-in -----------------------------------------------------------------------------


def test_door_search_in_bounded_queries(
    world: Any, login: Any, registry: Any, django_assert_max_num_queries: Any
) -> None:
    activity = running(world)
    for i in range(5):
        Resident.objects.create(
            community=world.community, household=registry.household, name=f"邻居{i}"
        )
    client = login(world.leader)
    with django_assert_max_num_queries(12):
        response = client.get(url("door", activity), {"q": "3-2-301"})
    assert response.content.decode().count("data-check-in=") == 6
    with django_assert_max_num_queries(12):
        fragment = client.get(url("door", activity), {"q": "8000"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "张伟" in body
    assert "<html" not in body


def test_check_in_at_the_door_counts_once(world: Any, login: Any, registry: Any) -> None:
    activity = running(world)
    client = login(world.leader)
    target = url("check-in", activity)
    response = client.post(target, {"resident": registry.resident.pk, "q": "8000"})
    assert response.status_code == 302
    assert response["Location"] == url("door", activity) + "?q=8000"
    client.post(target, {"resident": registry.resident.pk})
    attendance = Attendance.objects.get()
    assert attendance.source == "door"
    assert attendance.recorded_by == world.leader
    body = client.get(url("door", activity), {"q": "8000"}).content.decode()
    assert f'data-checked-in="{registry.resident.pk}"' in body
    assert 'data-present="1"' in body


def test_check_in_error_is_a_message(world: Any, login: Any, registry: Any) -> None:
    activity = make_activity(
        world,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=2),
    )
    response = login(world.staff).post(
        url("check-in", activity), {"resident": registry.resident.pk}, follow=True
    )
    assert not Attendance.objects.exists()
    assert b"message error" in response.content


def test_check_in_of_a_foreign_resident_is_404(world: Any, login: Any, registry: Any) -> None:
    activity = running(world)
    response = login(world.staff).post(
        url("check-in", activity), {"resident": registry.foreign_resident.pk}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_newcomer_registered_and_checked_in(world: Any, login: Any, registry: Any) -> None:
    activity = running(world)
    login(world.leader).post(
        url("newcomer", activity), {"name": "李阿姨", "room": "3-2-301", "phone": ""}
    )
    newcomer = Resident.objects.get(name="李阿姨")
    assert newcomer.household == registry.household
    assert Attendance.objects.filter(activity=activity, resident=newcomer).exists()


@pytest.mark.parametrize("persona", ["resident", "viewer", "outsider"])
def test_door_refused(world: Any, login: Any, registry: Any, persona: str) -> None:
    activity = running(world)
    client = login(world.persona(persona))
    assert client.get(url("door", activity)).status_code == 404
    assert client.get(url("qr", activity)).status_code == 404
    assert (
        client.post(url("check-in", activity), {"resident": registry.resident.pk}).status_code
        == 404
    )
    assert (
        client.post(url("newcomer", activity), {"name": "李阿姨", "room": "3-2-301"}).status_code
        == 404
    )
    assert not Attendance.objects.exists()


# --- QR codes and scanning -------------------------------------------------------------------------


def test_qr_page_has_two_codes(world: Any, login: Any) -> None:
    activity = make_activity(world)
    body = login(world.leader).get(url("qr", activity)).content.decode()
    assert body.count("<svg") == 2
    # Each code's link carries a token that opens this activity (tokens include the second
    # they were made, so compare what they open, not the strings).
    for purpose in ("register", "checkin"):
        marker = f"/scan/{purpose}/"
        token = body.split(marker, 1)[1].split("/", 1)[0]
        assert activity_for_token(token, purpose) == activity


def test_scan_to_register_and_check_in(world: Any, login: Any, linked: Resident) -> None:
    activity = running(world)
    upcoming = make_activity(world)
    client = login(world.resident)
    register = url("scan", purpose="register", token=token_for(upcoming, "register"))
    assert b"data-scan" in client.get(register).content
    assert Signup.objects.count() == 0  # a GET changes nothing
    client.post(register)
    assert Signup.objects.get().activity == upcoming
    checkin = url("scan", purpose="checkin", token=token_for(activity, "checkin"))
    response = client.post(checkin)
    assert response.status_code == 302
    assert Attendance.objects.get().source == "qr"


def test_scan_expired_and_forged(world: Any, login: Any, linked: Resident) -> None:
    activity = running(world)  # registration closed when it started
    client = login(world.resident)
    response = client.get(url("scan", purpose="register", token=token_for(activity, "register")))
    assert response.status_code == 400
    assert b"data-scan-error" in response.content
    response = client.get(url("scan", purpose="checkin", token="1:forged:x"))
    assert response.status_code == 400
    assert client.get(url("scan", purpose="other", token="x")).status_code == 404


def test_scan_refused_outside_the_community(world: Any, login: Any) -> None:
    activity = running(world)
    token = token_for(activity, "checkin")
    assert login(world.viewer).get(url("scan", purpose="checkin", token=token)).status_code == 404
    other = url("scan", community="anle", purpose="checkin", token=token)
    assert login(world.admin).get(other).status_code == 404
