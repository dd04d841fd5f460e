"""Too many failed sign-ins lock the username (and the address) for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peiban.core.models import LoginFailure
from peiban.core.tasks import login_failures_prune
from tests.conftest import World

pytestmark = pytest.mark.django_db


def fail(client: Client, username: str = "staff") -> str:
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    return response.content.decode()


def test_it_locks_a_username_after_five_failures(
    client: Client, world: World, password: str
) -> None:
    for _ in range(5):
        assert "用户名或密码不正确" in fail(client)
    response = client.post(reverse("login"), {"username": "staff", "password": password})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_an_address_that_tries_many_usernames(
    client: Client, world: World, password: str
) -> None:
    for name in ["a", "b", "c", "d", "e"]:
        fail(client, name)
    response = client.post(reverse("login"), {"username": "leader", "password": password})
    assert "登录失败次数过多" in response.content.decode()


def test_it_forgets_failures_after_a_successful_sign_in(
    client: Client, world: World, password: str
) -> None:
    for _ in range(3):
        fail(client)
    client.post(reverse("login"), {"username": "staff", "password": password})
    assert not LoginFailure.objects.filter(username="staff").exists()


def test_it_lets_the_user_in_again_after_the_window(
    client: Client, world: World, password: str
) -> None:
    for _ in range(5):
        fail(client)
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    response = client.post(reverse("login"), {"username": "staff", "password": password})
    assert response.status_code == 302


def test_it_prunes_old_failures_in_the_background(world: World) -> None:
    LoginFailure.objects.create(username="old")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(hours=1))
    LoginFailure.objects.create(username="new")
    result = login_failures_prune.enqueue()
    assert result.return_value == 1
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["new"]
