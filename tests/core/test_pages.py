"""The page shell: Chinese first, English on request, friendly errors, secure headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page_in_chinese_by_default(client: Client) -> None:
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "登录陪伴" in html
    assert "忘记密码？" in html


def test_it_sends_anonymous_visitors_to_the_login_page(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_switches_to_english_and_remembers_it(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get(reverse("login")).content.decode()
    assert "Sign in to Peiban" in html
    assert '<html lang="en">' in html


def test_it_signs_in_with_a_password_and_shows_the_dashboard(
    client: Client, world: World, password: str
) -> None:
    response = client.post(reverse("login"), {"username": "staff", "password": password})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "工作台" in html
    assert "和平里小区" in html


def test_it_shows_staff_only_their_assigned_communities(login, world: World) -> None:
    html = login(world.staff).get("/").content.decode()
    assert "和平里小区" in html
    assert "安乐苑" not in html
    assert "远方小区" not in html


def test_it_shows_an_org_admin_every_community_of_the_organisation(login, world: World) -> None:
    html = login(world.admin).get("/").content.decode()
    assert "和平里小区" in html
    assert "安乐苑" in html
    assert "远方小区" not in html


def test_it_keeps_the_dashboard_query_count_bounded(
    login,
    world: World,
    django_assert_max_num_queries,
) -> None:
    client = login(world.admin)
    with django_assert_max_num_queries(6):
        client.get("/")


def test_it_shows_navigation_only_to_signed_in_users(login, client: Client, world: World) -> None:
    assert 'aria-label="主导航"' not in client.get(reverse("login")).content.decode()
    html = login(world.staff).get("/").content.decode()
    assert 'aria-label="主导航"' in html
    assert "后台管理" not in html


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "页面不存在"), ("en", "Page not found")]
)
def test_it_answers_unknown_pages_with_a_friendly_404(
    client: Client, language: str, text: str
) -> None:
    client.cookies["peiban_language"] = language
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert text in response.content.decode()


def test_it_answers_unknown_api_paths_with_json(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_renders_the_server_error_page_without_context() -> None:
    from django.test import RequestFactory

    from peiban.core.errors import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "出错了" in response.content.decode()


def test_it_sends_secure_headers(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


def test_it_refuses_a_login_post_without_csrf_token(world: World, password: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "staff", "password": password})
    assert response.status_code == 403


def test_it_serves_htmx_and_styles_from_its_own_static_files(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/peiban/peiban.css" in html
    assert "//cdn" not in html
    assert "https://" not in html


def test_it_ends_sessions_after_the_configured_hours(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_it_answers_healthz_when_the_database_is_reachable(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_changes_a_password(login, world: World, password: str) -> None:
    client = login(world.staff)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "another-long-pass-42",
            "new_password2": "another-long-pass-42",
        },
    )
    assert response.status_code == 302
    world.staff.refresh_from_db()
    assert world.staff.check_password("another-long-pass-42")


def test_it_mails_a_password_reset_link(client: Client, world: World, mailoutbox) -> None:
    response = client.post(reverse("password_reset"), {"email": "staff@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body
    assert "重置陪伴账号" in mailoutbox[0].body


def test_residents_reach_their_activities_groups_and_points_from_the_workbench(
    world: World, login: Callable[..., Client]
) -> None:
    page = login(world.resident).get("/").content.decode()
    for name in ("activities:list", "groups:list", "ledger:mine", "needs:list"):
        assert reverse(name, kwargs={"community": world.community.slug}) in page
    viewer_page = login(world.viewer).get("/").content.decode()
    assert reverse("ledger:mine", kwargs={"community": world.community.slug}) not in viewer_page
