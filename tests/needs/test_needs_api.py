"""Needs through the API: a resident raises and follows their own; staff work the loop."""

from __future__ import annotations

import pytest
from django.test import Client

from peiban.core.tokens import token_create
from peiban.needs.models import Need
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    _token, raw = token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_resident_raises_a_need_and_sees_only_their_own_and_public_ones(
    world: World, linked: Registry, category
) -> None:
    resident = api(world.resident)
    base = f"/api/v1/communities/{world.community.slug}/needs"
    created = resident.post(
        base, {"title": "楼道灯坏了", "category": category.pk}, content_type="application/json"
    ).json()
    assert created["stage"] == "raised"
    need = Need.objects.get(pk=created["id"])
    assert (need.channel, need.raised_by) == ("app", linked.resident)
    staff = api(world.staff)
    staff.post(
        base, {"title": "私下的事", "category": category.pk}, content_type="application/json"
    )
    staff.post(
        base,
        {"title": "公开的事", "category": category.pk, "visibility": "public"},
        content_type="application/json",
    )
    titles = {n["title"] for n in resident.get(base).json()["items"]}
    assert titles == {"楼道灯坏了", "公开的事"}


def test_staff_move_a_need_and_a_stale_version_is_refused(
    world: World, registry: Registry, category
) -> None:
    staff = api(world.staff)
    base = f"/api/v1/communities/{world.community.slug}/needs"
    created = staff.post(
        base,
        {"title": "占道", "category": category.pk, "raised_by": "3-2-301 张伟"},
        content_type="application/json",
    ).json()
    url = f"{base}/{created['id']}/move"
    moved = staff.post(
        url,
        {"to_stage": "accompanied", "version": created["version"]},
        content_type="application/json",
    )
    assert moved.json()["stage"] == "accompanied"
    stale = staff.post(
        url,
        {"to_stage": "deliberating", "version": created["version"]},
        content_type="application/json",
    )
    assert stale.status_code == 422
    assert "刚才有人修改" in stale.json()["message"]


def test_a_viewer_cannot_list_needs(world: World, category) -> None:
    response = api(world.viewer).get(f"/api/v1/communities/{world.community.slug}/needs")
    assert response.status_code == 404


def test_only_residents_involved_may_verify_a_public_need(
    world: World, linked: Registry, category
) -> None:
    from peiban.needs.services import need_move, need_raise
    from peiban.places.models import Resident

    stranger = Resident.objects.create(
        community=world.community, household=linked.household, name="路人", user=world.leader
    )
    need = need_raise(
        community=world.community,
        title="公共区域漏水",
        category=category,
        channel="visit",
        raised_by=linked.resident,
        visibility="public",
    )
    for stage in ["accompanied", "deliberating", "decided", "acting", "resolved"]:
        need_move(need=need, to_stage=stage, actor=world.staff)
    url = f"/api/v1/communities/{world.community.slug}/needs/{need.pk}/move"
    body = {"to_stage": "verified", "version": need.version}
    assert api(world.leader).post(url, body, content_type="application/json").status_code == 404
    assert stranger.pk
    ok = api(world.resident).post(url, body, content_type="application/json")
    assert ok.json()["stage"] == "verified"
