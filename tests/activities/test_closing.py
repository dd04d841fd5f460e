"""After the activity: the closing summary, feedback comments and photos kept with consent."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from peiban.activities.models import Activity, Photo
from peiban.activities.services import (
    ActivityError,
    activity_summarise,
    attendance_check_in,
    feedback_give,
    photo_add,
    photo_remove,
)
from peiban.core.models import AuditEntry
from tests.activities.test_registration import make_activity, neighbours

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def png_upload(name: str = "合影.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def finished(world: Any) -> Activity:
    now = timezone.now()
    return make_activity(
        world, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )


def url(name: str, activity: Activity, **kwargs: Any) -> str:
    return reverse(
        f"activities:{name}",
        kwargs={"community": activity.community.slug, "pk": activity.pk, **kwargs},
    )


def test_the_summary_is_saved_with_who_wrote_it_and_audited(world: Any) -> None:
    activity = finished(world)
    saved = activity_summarise(activity=activity, summary="  大家一起包饺子。 ", actor=world.staff)
    assert saved.summary == "大家一起包饺子。"
    assert saved.summary_by == world.staff
    assert saved.summary_at is not None
    assert AuditEntry.objects.filter(
        subject_type="activities.activity", subject_id=str(activity.pk), action="change"
    ).exists()


def test_a_summary_waits_until_the_activity_starts(world: Any) -> None:
    upcoming = make_activity(world)
    with pytest.raises(ActivityError, match="wait until the activity starts"):
        activity_summarise(activity=upcoming, summary="提前写", actor=world.staff)


def test_an_empty_summary_is_refused(world: Any) -> None:
    with pytest.raises(ActivityError, match="cannot be empty"):
        activity_summarise(activity=finished(world), summary="   ", actor=world.staff)


def test_the_summary_page_drafts_the_figures_for_the_organiser(
    world: Any, registry: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    activity = finished(world)
    first, second = neighbours(registry, 2)
    earlier = make_activity(
        world,
        title="上一次活动",
        starts_at=activity.starts_at - timedelta(days=7),
        ends_at=activity.ends_at - timedelta(days=7),
    )
    attendance_check_in(
        activity=earlier, resident=first, actor=world.staff, source="sheet", at=earlier.starts_at
    )
    for resident in (first, second):
        attendance_check_in(
            activity=activity,
            resident=resident,
            actor=world.staff,
            source="sheet",
            at=activity.starts_at,
        )
    feedback_give(activity=activity, resident=first, rating=4, comment="<b>很好</b>")
    feedback_give(activity=activity, resident=second, rating=5)
    client = login(world.staff)
    with django_assert_max_num_queries(20):
        response = client.get(url("summary", activity), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "2 residents took part: 1 for the first time and 1 who had come before." in page
    assert "2 gave feedback, with an average of 4.5 out of 5." in page
    assert "&lt;b&gt;很好&lt;/b&gt;" in page  # comments are shown as text


def test_saving_the_summary_shows_it_on_the_activity_page(world: Any, login: Any) -> None:
    activity = finished(world)
    client = login(world.staff)
    response = client.post(url("summary", activity), {"summary": "居民自己主持了下半场。"})
    assert response.status_code == 302
    assert "居民自己主持了下半场。" in client.get(url("detail", activity)).content.decode()


def test_a_photo_is_kept_only_when_the_people_shown_agreed(world: Any) -> None:
    activity = finished(world)
    with pytest.raises(ActivityError, match="agreed"):
        photo_add(activity=activity, upload=png_upload(), people_agreed=False, actor=world.staff)
    photo = photo_add(
        activity=activity,
        upload=png_upload(),
        caption="包饺子",
        people_agreed=True,
        actor=world.staff,
    )
    assert (photo.name, photo.content_type, photo.caption) == ("合影.png", "image/png", "包饺子")
    assert AuditEntry.objects.filter(subject_type="activities.photo", action="create").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("脚本.png", b"<script>alert(1)</script>"),
        ("报告.pdf", b"%PDF-1.4 not a photo"),
        ("伪装.jpg", b"\x89PNG\r\n\x1a\n0000"),
    ],
)
def test_files_that_are_not_photos_are_refused(world: Any, name: str, content: bytes) -> None:
    with pytest.raises(ActivityError, match="photos"):
        photo_add(
            activity=finished(world),
            upload=SimpleUploadedFile(name, content),
            people_agreed=True,
            actor=world.staff,
        )
    assert not Photo.objects.exists()


def test_photos_over_ten_megabytes_are_refused(world: Any) -> None:
    big = SimpleUploadedFile("大.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 2**20))
    with pytest.raises(ActivityError, match="the limit is 10 MB"):
        photo_add(activity=finished(world), upload=big, people_agreed=True, actor=world.staff)


def test_members_see_a_photo_and_viewers_and_other_communities_get_404(
    world: Any, login: Any
) -> None:
    activity = finished(world)
    photo = photo_add(activity=activity, upload=png_upload(), people_agreed=True, actor=world.staff)
    address = url("photo", activity, photo=photo.pk)
    response = login(world.resident).get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert login(world.viewer).get(address).status_code == 404
    assert login(world.other_staff).get(address).status_code == 404


def test_staff_upload_and_remove_a_photo_through_the_page(
    world: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    activity = finished(world)
    client = login(world.staff)
    response = client.post(
        url("photo-new", activity),
        {"file": png_upload(), "caption": "合影", "people_agreed": "on"},
    )
    assert response.status_code == 302
    photo = Photo.objects.get(activity=activity)
    stored = Path(photo.file.path)
    assert stored.exists()
    assert "合影" in client.get(url("detail", activity)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("photo-delete", activity, photo=photo.pk))
    assert not Photo.objects.exists()
    assert not stored.exists()


def test_an_upload_without_consent_is_refused_on_the_page(world: Any, login: Any) -> None:
    activity = finished(world)
    client = login(world.staff)
    response = client.post(
        url("photo-new", activity), {"file": png_upload()}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert not Photo.objects.exists()
    assert (
        "Confirm that the people in the photo agreed to it being kept and shown."
        in response.content.decode()
    )


def test_removing_a_photo_is_audited(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    photo = photo_add(
        activity=finished(world), upload=png_upload(), people_agreed=True, actor=world.staff
    )
    with django_capture_on_commit_callbacks(execute=True):
        photo_remove(photo=photo, actor=world.staff)
    assert AuditEntry.objects.filter(subject_type="activities.photo", action="delete").exists()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("staff", True),
        ("leader", True),
        ("resident", False),
        ("viewer", False),
        ("other_staff", False),
    ],
)
def test_only_organisers_of_the_community_remove_photos(
    world: Any, login: Any, persona: str, allowed: bool
) -> None:
    activity = finished(world)
    photo = photo_add(activity=activity, upload=png_upload(), people_agreed=True, actor=world.staff)
    response = login(world.persona(persona)).post(url("photo-delete", activity, photo=photo.pk))
    assert response.status_code == (302 if allowed else 404)
    assert Photo.objects.filter(pk=photo.pk).exists() is not allowed
