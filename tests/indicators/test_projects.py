"""Projects: contract targets, progress against them from the indicators, staff time logged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from peiban.activities.models import Activity
from peiban.groups.models import SelfOrganisation
from peiban.indicators.models import TimeLog
from peiban.indicators.portfolio import project_progress
from peiban.indicators.selectors import time_by_community
from peiban.indicators.services import ProjectError, project_create, project_link, time_log_add
from tests.conftest import World
from tests.indicators.data import populate


def make_project(world: World, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "organisation": world.organisation,
        "name": "和平街道购买服务",
        "funder": "和平街道办事处",
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2026, 12, 31),
        "communities": [world.community, world.other_community],
        "targets": {"activities_held": 24, "person_times": 1200, "self_organisations": 4},
        "actor": world.admin,
    }
    values.update(overrides)
    return make(values)


def make(values: dict[str, Any]) -> Any:
    return project_create(**values)


def test_progress_against_targets_counts_the_project_communities_and_dates(
    world: World,
) -> None:
    populate(world.community, seed=21)
    populate(world.other_community, seed=22)
    populate(world.foreign_community, seed=23)
    project = make_project(world)
    rows = {p.row.key: (p.row, p.target, p.reached) for p in project_progress(project)}
    held = [
        a
        for a in Activity.objects.filter(
            community__in=[world.community, world.other_community], cancelled_at=None
        )
        if date(2025, 1, 1) <= a.starts_at.date() <= date(2026, 12, 31)
    ]
    row, target, reached = rows["activities_held"]
    assert row.value == len(held)
    assert target == 24
    assert reached == (Decimal(len(held)) * 100 / 24).quantize(Decimal(1))
    row, target, reached = rows["self_organisations"]
    groups = SelfOrganisation.objects.filter(
        community__in=[world.community, world.other_community], founded_on__lt=date(2027, 1, 1)
    ).count()
    assert row.value == groups
    assert reached == (Decimal(groups) * 100 / target).quantize(Decimal(1))


def test_projects_refuse_bad_input(world: World) -> None:
    with pytest.raises(ProjectError):
        make_project(world, ends_on=date(2024, 1, 1))
    with pytest.raises(ProjectError):
        make_project(world, communities=[world.foreign_community])
    with pytest.raises(ProjectError):
        make_project(world, targets={"no_such_indicator": 3})
    with pytest.raises(ProjectError):
        make_project(world, targets={"persons": "many"})


def test_staff_log_time_per_project_and_community(world: World, login: Any) -> None:
    project = make_project(world)
    url = reverse("indicators:time-log", kwargs={"community": world.community.slug})
    response = login(world.staff).post(
        url, {"project": project.pk, "day": "2025-05-06", "hours": "2.5", "note": "入户走访"}
    )
    assert response.status_code == 302
    time_log_add(
        project=project,
        community=world.other_community,
        user=world.other_staff,
        day=date(2025, 5, 7),
        hours=Decimal(3),
        actor=world.other_staff,
    )
    rows = {r["community_id"]: r for r in time_by_community(project)}
    assert rows[world.community.pk]["hours"] == Decimal("2.5")
    assert rows[world.other_community.pk]["hours"] == Decimal(3)
    with pytest.raises(ProjectError):
        time_log_add(
            project=project,
            community=world.community,
            user=world.staff,
            day=date(2030, 1, 1),
            hours=Decimal(1),
            actor=world.staff,
        )
    assert TimeLog.objects.count() == 2


def test_linked_projects_share_people(world: World) -> None:
    first = make_project(world)
    second = make_project(world, name="社区基金会项目", communities=[world.community])
    project_link(project=first, other=second, actor=world.admin)
    for project in (first, second):
        time_log_add(
            project=project,
            community=world.community,
            user=world.staff,
            day=date(2025, 6, 1),
            hours=Decimal(1),
            actor=world.staff,
        )
    from peiban.indicators.selectors import shared_people

    assert shared_people(first) == 1


def test_admins_create_a_project_on_a_page(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.admin)
    response = client.post(
        reverse("indicators:project-new", kwargs={"org": world.organisation.slug}),
        {
            "name": "街道购买服务",
            "funder": "和平街道",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "communities": [world.community.pk],
            "target_activities_held": "24",
            "target_person_times": "1200",
        },
    )
    assert response.status_code == 302
    with django_assert_max_num_queries(37):
        page = client.get(response["Location"]).content.decode()
    assert 'data-target="activities_held"' in page
    with django_assert_max_num_queries(10):
        listing = client.get(
            reverse("indicators:projects", kwargs={"org": world.organisation.slug})
        )
    assert "街道购买服务" in listing.content.decode()
