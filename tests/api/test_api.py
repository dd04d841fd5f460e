"""The API shell: OpenAPI, JSON errors with code and message, scope as 404."""

from __future__ import annotations

import pytest
from django.test import Client
from openapi_spec_validator import validate

from peiban.core.tokens import token_create
from tests.conftest import World

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, raw = token_create(user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def test_it_publishes_a_valid_openapi_document(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["info"]["title"] == "Peiban API"
    assert "/api/v1/me" in document["paths"]


def test_it_serves_interactive_docs_without_a_cdn(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assert "unpkg" not in html


def test_it_answers_unauthenticated_calls_with_a_json_error(client: Client) -> None:
    response = client.get("/api/v1/communities")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"] == "请先登录，或提供有效的 API 令牌。"


def test_it_answers_errors_in_the_callers_language(client: Client) -> None:
    response = client.get("/api/v1/communities", headers={"Accept-Language": "en"})
    assert response.json()["message"] == "Sign in or send a valid API token."


def test_it_lists_only_communities_in_scope(client: Client, world: World) -> None:
    slugs = [
        c["slug"] for c in client.get("/api/v1/communities", headers=bearer(world.staff)).json()
    ]
    assert slugs == ["heping"]
    slugs = sorted(
        c["slug"] for c in client.get("/api/v1/communities", headers=bearer(world.admin)).json()
    )
    assert slugs == ["anle", "heping"]


@pytest.mark.parametrize("ref", ["far", "anle"])
def test_it_answers_404_for_a_community_outside_scope(
    client: Client, world: World, ref: str
) -> None:
    response = client.get(f"/api/v1/communities/{ref}", headers=bearer(world.staff))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_finds_a_community_by_id_or_slug(client: Client, world: World) -> None:
    headers = bearer(world.staff)
    by_slug = client.get("/api/v1/communities/heping", headers=headers).json()
    by_id = client.get(f"/api/v1/communities/{world.community.pk}", headers=headers).json()
    assert by_slug == by_id


def test_it_keeps_the_community_list_query_count_bounded(
    client: Client,
    world: World,
    django_assert_max_num_queries,
) -> None:
    headers = bearer(world.admin)
    with django_assert_max_num_queries(3):
        client.get("/api/v1/communities", headers=headers)


def test_it_uses_the_session_for_page_scripts(login, world: World) -> None:
    response = login(world.leader).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["memberships"][0]["role"] == "resident_leader"
