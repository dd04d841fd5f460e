"""Signed, expiring QR tokens for registration and check-in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone, translation

from peiban.activities.models import Activity
from peiban.activities.services import ActivityError
from peiban.activities.signin import (
    TokenExpired,
    TokenInvalid,
    activity_for_token,
    qr_svg,
    token_for,
)
from tests.activities.test_registration import make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in their English source form."""
    with translation.override("en"):
        yield


FORGED = "not valid"
EXPIRED = "expired"


def test_round_trip(world: Any) -> None:
    activity = make_activity(world)
    for purpose in ("register", "checkin"):
        assert activity_for_token(token_for(activity, purpose), purpose) == activity


def test_forged_token(world: Any) -> None:
    activity = make_activity(world)
    token = token_for(activity, "checkin")
    other = make_activity(world)
    forged = token.replace(f"{activity.pk}:", f"{other.pk}:", 1)
    for bad in (forged, token[:-2] + "xx", "garbage", ""):
        with pytest.raises(TokenInvalid, match=FORGED):
            activity_for_token(bad, "checkin")


def test_token_of_one_purpose_does_not_serve_another(world: Any) -> None:
    token = token_for(make_activity(world), "register")
    with pytest.raises(TokenInvalid, match=FORGED):
        activity_for_token(token, "checkin")


def test_old_token_expires_with_max_age(world: Any) -> None:
    activity = make_activity(world)
    with mock.patch("time.time", return_value=time.time() - 3600):
        token = token_for(activity, "checkin")
    assert activity_for_token(token, "checkin", max_age=7200) == activity
    with pytest.raises(TokenExpired, match=EXPIRED):
        activity_for_token(token, "checkin", max_age=60)


def test_checkin_token_expires_two_hours_after_the_end(world: Any) -> None:
    now = timezone.now()
    activity = make_activity(
        world, starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1)
    )
    token = token_for(activity, "checkin")
    assert activity_for_token(token, "checkin") == activity
    Activity.objects.filter(pk=activity.pk).update(ends_at=now - timedelta(hours=2, minutes=1))
    with pytest.raises(TokenExpired, match=EXPIRED):
        activity_for_token(token, "checkin")


def test_registration_token_expires_at_the_start(world: Any) -> None:
    now = timezone.now()
    activity = make_activity(
        world, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(1)
    )
    with pytest.raises(TokenExpired, match="closed"):
        activity_for_token(token_for(activity, "register"), "register")


def test_cancelled_activity(world: Any) -> None:
    activity = make_activity(world)
    token = token_for(activity, "checkin")
    Activity.objects.filter(pk=activity.pk).update(cancelled_at=timezone.now())
    with pytest.raises(ActivityError, match="cancelled"):
        activity_for_token(token, "checkin")


def test_unknown_purpose() -> None:
    with pytest.raises(ValueError, match="purpose"):
        token_for(Activity(pk=1), "vote")


def test_qr_svg() -> None:
    svg = qr_svg("https://peiban.example/a/1/checkin?t=abc:def")
    assert svg.startswith("<svg")
    assert "viewBox" in svg
    assert "href" not in svg
    assert "<script" not in svg
