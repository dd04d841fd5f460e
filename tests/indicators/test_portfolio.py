"""A project's portfolio: staff link the needs, recommendations, activities and self-organisations
of its communities, and the targets about those kinds count the linked records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from peiban.activities.models import Activity, Attendance
from peiban.groups.models import SelfOrganisation
from peiban.indicators.figures import indicators_for
from peiban.indicators.models import Project
from peiban.indicators.portfolio import linked_counts, project_progress
from peiban.indicators.services import ProjectError, project_cover, project_create
from peiban.needs.models import Need
from peiban.places.models import Community, Resident
from peiban.surveys.models import Form, Recommendation
from tests.conftest import World
from tests.indicators.data import populate

pytestmark = pytest.mark.django_db

STARTS, ENDS = date(2025, 3, 1), date(2026, 2, 28)
TARGETS = {
    "activities_held": 10,
    "person_times": 100,
    "persons": 40,
    "households_reached": 20,
    "needs_raised": 4,
    "self_organisations": 2,
    "recommendations_issued": 2,
    "volunteer_hours": 50,
}


def project(world: World, **more: Any) -> Project:
    values: dict[str, Any] = {
        "organisation": world.organisation,
        "name": "和平街道购买服务",
        "starts_on": STARTS,
        "ends_on": ENDS,
        "communities": [world.community, world.other_community],
        "targets": TARGETS,
        "actor": world.admin,
    }
    values.update(more)
    made: Project = project_create(**values)
    return made


def within(at: datetime) -> bool:
    return STARTS <= timezone.localtime(at).date() <= ENDS


def recommendation(community: Community, title: str, created: datetime) -> Recommendation:
    form, _new = Form.objects.get_or_create(
        community=community,
        slug=f"survey-{community.pk}",
        defaults={"organisation": community.organisation, "title": "摸底"},
    )
    made = Recommendation.objects.create(form=form, title=title)
    Recommendation.objects.filter(pk=made.pk).update(created_at=created)
    return made


def test_targets_about_a_kind_count_the_linked_records_of_that_kind(world: World) -> None:
    populate(world.community, seed=31, residents=30, activities=16)
    populate(world.other_community, seed=32, residents=30, activities=16)
    made = project(world)
    activities = list(
        Activity.objects.filter(community__in=[world.community, world.other_community]).order_by(
            "pk"
        )
    )
    chosen = activities[::2]  # in and out of the dates, some cancelled
    needs = list(Need.objects.filter(community=world.community).order_by("pk"))[:3]
    group = SelfOrganisation.objects.get(community=world.other_community)
    in_time = timezone.make_aware(datetime(2025, 6, 1))
    ideas = [
        recommendation(world.community, "老年食堂", in_time),
        recommendation(world.community, "加装电梯", in_time),
        recommendation(world.community, "早年的建议", timezone.make_aware(datetime(2024, 6, 1))),
    ]
    made.activities.set(chosen)
    made.needs.set(needs)
    made.self_organisations.set([group])
    made.recommendations.set(ideas)

    held = [a for a in chosen if a.cancelled_at is None and within(a.starts_at)]
    seen = Attendance.objects.filter(activity__in=held)
    residents = Resident.objects.filter(pk__in=seen.values("resident"))
    expected = {
        "activities_held": len(held),
        "person_times": seen.count(),
        "persons": residents.count(),
        "households_reached": residents.exclude(household=None)
        .values("household")
        .distinct()
        .count(),
        "needs_raised": sum(within(n.raised_at) for n in needs),
        "self_organisations": int(group.founded_on <= ENDS),
        "recommendations_issued": 2,
    }
    assert 0 < len(held) < len([a for a in activities if within(a.starts_at)])
    progress = {p.row.key: p for p in project_progress(made)}
    for key, figure in expected.items():
        assert progress[key].row.value == figure, key
        assert progress[key].from_linked, key
        target = Decimal(TARGETS[key])
        assert progress[key].reached == (Decimal(figure) * 100 / target).quantize(Decimal(1))
    assert progress["activities_held"].linked == len(chosen)
    assert progress["needs_raised"].kind == "needs"
    # Volunteer hours are not a kind of record a project links: all of the communities count.
    hours = progress["volunteer_hours"]
    assert not hours.from_linked
    everything = indicators_for(
        [world.community.pk, world.other_community.pk],
        since=timezone.make_aware(datetime(2025, 3, 1)),
        until=timezone.make_aware(datetime(2026, 3, 1)),
    )
    assert hours.row.value == everything.value("volunteer_hours")


def test_without_linked_records_the_targets_count_the_communities(world: World) -> None:
    populate(world.community, seed=33, residents=20, activities=10)
    made = project(world)
    made.needs.set(Need.objects.filter(community=world.community)[:1])  # needs only
    progress = {p.row.key: p for p in project_progress(made)}
    everything = indicators_for(
        [world.community.pk, world.other_community.pk],
        since=timezone.make_aware(datetime(2025, 3, 1)),
        until=timezone.make_aware(datetime(2026, 3, 1)),
    )
    assert not progress["activities_held"].from_linked
    assert progress["activities_held"].row.value == everything.value("activities_held")
    assert progress["needs_raised"].from_linked
    assert linked_counts(made) == {
        "needs": 1,
        "recommendations": 0,
        "activities": 0,
        "self_organisations": 0,
    }


def test_progress_costs_the_same_queries_for_few_or_many_linked_records(
    world: World, django_assert_max_num_queries: Any
) -> None:
    populate(world.community, seed=34, residents=20, activities=6)
    populate(world.other_community, seed=35, residents=20, activities=30)
    made = project(world)
    made.activities.set(Activity.objects.filter(community=world.community)[:2])
    with django_assert_max_num_queries(35) as few:
        project_progress(made)
    made.activities.set(Activity.objects.all())
    made.needs.set(Need.objects.all())
    made.self_organisations.set(SelfOrganisation.objects.all())
    with django_assert_max_num_queries(len(few.captured_queries) + 10):
        project_progress(made)


def test_staff_link_and_unlink_the_communitys_records_on_its_project_page(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    populate(world.community, seed=36, residents=10, activities=4)
    made = project(world)
    activity = Activity.objects.filter(community=world.community).first()
    assert activity is not None
    page = reverse(
        "indicators:project-coverage", kwargs={"community": world.community.slug, "pk": made.pk}
    )
    cover = reverse(
        "indicators:project-cover", kwargs={"community": world.community.slug, "pk": made.pk}
    )
    uncover = reverse(
        "indicators:project-uncover", kwargs={"community": world.community.slug, "pk": made.pk}
    )
    client = login(world.staff)
    response = client.post(cover, {"kind": "activities", "record": activity.pk})
    assert response.status_code == 302
    assert list(made.activities.all()) == [activity]
    with django_assert_max_num_queries(16):
        body = client.get(page).content.decode()
    assert f'data-covered="{activity.pk}"' in body
    assert 'data-cover="needs"' in body
    client.post(uncover, {"kind": "activities", "record": activity.pk})
    assert not made.activities.exists()
    assert client.post(cover, {"kind": "nothing", "record": 1}).status_code == 400


def test_records_and_projects_outside_the_scope_answer_404(world: World, login: Any) -> None:
    populate(world.other_community, seed=37, residents=10, activities=4)
    populate(world.foreign_community, seed=38, residents=10, activities=4)
    made = project(world, communities=[world.community])
    elsewhere = Activity.objects.filter(community=world.other_community).first()
    foreign = Activity.objects.filter(community=world.foreign_community).first()
    assert elsewhere is not None
    assert foreign is not None
    client = login(world.staff)

    def post(community: Community, pk: int, record: int) -> int:
        url = reverse("indicators:project-cover", kwargs={"community": community.slug, "pk": pk})
        status: int = client.post(url, {"kind": "activities", "record": record}).status_code
        return status

    # a record of another community of the project's organisation, through this community
    assert post(world.community, made.pk, elsewhere.pk) == 404
    # the project does not cover the other community
    assert post(world.other_community, made.pk, elsewhere.pk) == 404
    assert post(world.community, made.pk, foreign.pk) == 404
    page = reverse(
        "indicators:project-coverage", kwargs={"community": world.community.slug, "pk": made.pk}
    )
    for persona in (world.viewer, world.leader, world.resident, world.other_staff):
        assert login(persona).get(page).status_code == 404
    assert not made.activities.exists()
    with pytest.raises(ProjectError):
        project_cover(
            project=made,
            community=world.community,
            kind="activities",
            record=elsewhere,
            actor=world.staff,
        )


def test_admins_link_and_unlink_projects_that_share_people(world: World, login: Any) -> None:
    first = project(world)
    second = project(world, name="社区基金会项目", communities=[world.community])
    foreign = project_create(
        organisation=world.other_organisation,
        name="别处项目",
        starts_on=STARTS,
        ends_on=ENDS,
        communities=[world.foreign_community],
        targets={},
        actor=None,
    )
    kwargs = {"org": world.organisation.slug, "pk": first.pk}
    link = reverse("indicators:project-link", kwargs=kwargs)
    unlink = reverse("indicators:project-unlink", kwargs=kwargs)
    admin = login(world.admin)
    assert admin.post(link, {"other": second.pk}).status_code == 302
    assert list(second.linked.all()) == [first]  # both ways
    page = admin.get(reverse("indicators:project", kwargs=kwargs)).content.decode()
    assert f'data-linked="{second.pk}"' in page
    assert admin.post(link, {"other": foreign.pk}).status_code == 404
    assert admin.post(unlink, {"other": second.pk}).status_code == 302
    assert not first.linked.exists()
    assert login(world.staff).post(link, {"other": second.pk}).status_code == 404
    assert not first.linked.exists()


def test_linking_to_a_record_of_its_community_later_deleted_leaves_the_project(
    world: World,
) -> None:
    made = project(world)
    activity = Activity.objects.create(
        community=world.community,
        title="端午包粽子",
        kind="themed",
        organiser_kind="staff",
        starts_at=timezone.make_aware(datetime(2025, 6, 1, 9)),
        ends_at=timezone.make_aware(datetime(2025, 6, 1, 9)) + timedelta(hours=2),
    )
    project_cover(
        project=made,
        community=world.community,
        kind="activities",
        record=activity,
        actor=world.staff,
    )
    activity.delete()
    assert Project.objects.filter(pk=made.pk).exists()
    assert linked_counts(made)["activities"] == 0
