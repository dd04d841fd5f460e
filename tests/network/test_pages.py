"""The network pages: staff see names and conflicts, leaders masked names, viewers aggregates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from peiban.network.models import Tie
from peiban.network.services import snapshots_compute
from tests.network.conftest import MONTH, Compound

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(world: Any, compound: Compound) -> Compound:
    snapshots_compute(community=world.community, last=MONTH, months=3)
    return compound


def url(name: str, **query: str) -> str:
    base = reverse(f"network:{name}", args=["heping"])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_staff_see_measures_leaders_and_the_map(
    world: Any, computed: Compound, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.staff)
    with django_assert_max_num_queries(20):
        page = client.get(url("overview", month="2026-03")).content.decode()
    assert "data-network-map" in page
    assert "王芳" in page  # a likely leader, in clear for staff
    assert "周杰" in page  # lives alone, elderly, no tie: needs outreach
    assert "network/network.js" in page
    assert "<svg" in page  # change over time


def test_the_map_data_names_residents_for_staff_and_shows_conflicts(
    world: Any, computed: Compound, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.staff)
    with django_assert_max_num_queries(10):
        data = client.get(url("graph", month="2026-03")).json()
    names = {n["name"] for n in data["nodes"]}
    assert "王芳" in names
    assert (
        any(link.get("conflict") for link in data["links"]) is False
    )  # 赵敏–黄勇: 黄勇 has no tie
    assert len(data["links"]) == 6


def test_leaders_see_masked_names_and_no_conflicts(
    world: Any, computed: Compound, login: Any
) -> None:
    r = computed.residents
    Tie.objects.create(
        community=world.community,
        resident=r[0],
        other=r[1],
        kind="conflict",
        source="observation",
        observed_on=date(2026, 3, 2),
        sensitive=True,
    )
    staff = login(world.staff).get(url("graph", month="2026-03")).json()
    assert any(link.get("conflict") for link in staff["links"])
    client = login(world.leader)
    data = client.get(url("graph", month="2026-03")).json()
    names = {n["name"] for n in data["nodes"]}
    assert "王芳" not in names
    assert "王*" in names
    assert not any(link.get("conflict") for link in data["links"])
    page = client.get(url("overview", month="2026-03")).content.decode()
    assert "王*" in page
    assert "王芳" not in page
    ties = client.get(url("ties")).content.decode()
    assert 'data-tie="conflict"' not in ties
    assert "王* – 刘*" in ties


def test_viewers_see_aggregates_only(world: Any, computed: Compound, login: Any) -> None:
    client = login(world.viewer)
    page = client.get(url("overview", month="2026-03")).content.decode()
    assert "data-figures" in page
    assert "data-network-map" not in page
    assert "王" not in page.split("<main", 1)[1].split("</main>")[0].replace("和平里", "")
    assert client.get(url("graph")).status_code == 404
    assert client.get(url("picture")).status_code == 404


def test_the_static_picture_is_an_svg_for_reports(
    world: Any, computed: Compound, login: Any
) -> None:
    response = login(world.staff).get(url("picture", month="2026-03", colour="group"))
    assert response["Content-Type"].startswith("image/svg+xml")
    body = response.content.decode()
    assert body.startswith("<svg")
    assert body.count("<circle") >= 7
    assert "<script" not in body


def test_staff_record_a_tie_and_recompute(world: Any, compound: Compound, login: Any) -> None:
    r = compound.residents
    client = login(world.staff)
    response = client.post(
        url("tie-new"),
        {
            "resident": r[8].pk,
            "other": r[9].pk,
            "kind": "neighbour",
            "source": "self_report",
            "strength": 3,
            "observed_on": "2026-03-05",
        },
    )
    assert response.status_code == 302
    assert Tie.objects.filter(resident=r[8], other=r[9]).exists()
    assert client.post(url("refresh")).status_code == 302
    page = client.get(url("overview")).content.decode()
    assert "data-figures" in page


def test_a_tie_with_oneself_is_refused_on_the_form(
    world: Any, compound: Compound, login: Any
) -> None:
    r = compound.residents
    response = login(world.staff).post(
        url("tie-new"),
        {
            "resident": r[8].pk,
            "other": r[8].pk,
            "kind": "neighbour",
            "source": "self_report",
            "strength": 3,
            "observed_on": "2026-03-05",
        },
    )
    assert response.status_code == 200
    assert not Tie.objects.filter(resident=r[8], other=r[8]).exists()


def test_the_ties_page_is_bounded(
    world: Any, compound: Compound, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.staff)
    with django_assert_max_num_queries(8):
        page = client.get(url("ties")).content.decode()
    assert "张" in page or "王芳" in page
