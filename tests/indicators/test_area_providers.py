"""Indicators of self-organisations and social capital equal counts made directly from the rows,
add up across communities, and read "not measured yet" where a community has no snapshot or wave."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from peiban.groups.models import GroupMember, Meeting, SelfOrganisation
from peiban.indicators.area_providers import self_organisations, social_capital, surveys
from peiban.indicators.figures import indicators_for
from peiban.indicators.measures import Count, Mean, Share
from peiban.indicators.providers import PROVIDER_QUERIES
from peiban.network.models import Snapshot, SurveyAnswer, SurveyWave
from peiban.places.models import Resident
from tests.conftest import World

pytestmark = pytest.mark.django_db

SINCE = timezone.make_aware(datetime(2026, 1, 1))
UNTIL = timezone.make_aware(datetime(2026, 7, 1))  # six months


def residents(world: World, n: int, community: Any = None) -> list[Resident]:
    return [
        Resident.objects.create(community=community or world.community, name=f"居民{i}")
        for i in range(n)
    ]


def test_self_organisation_figures_count_groups_members_and_meetings(world: World) -> None:
    people = residents(world, 5)
    dance = SelfOrganisation.objects.create(
        community=world.community, name="舞队", kind="interest", founded_on=date(2025, 3, 1)
    )
    SelfOrganisation.objects.create(  # founded after the period: not counted
        community=world.community, name="新队", kind="interest", founded_on=date(2026, 8, 1)
    )
    choir = SelfOrganisation.objects.create(
        community=world.community, name="合唱", kind="interest", founded_on=date(2026, 2, 1)
    )
    for person, joined, left in (
        (people[0], date(2025, 3, 1), None),
        (people[1], date(2025, 3, 1), date(2026, 5, 1)),  # left before the end
        (people[2], date(2026, 6, 30), None),
        (people[3], date(2026, 7, 2), None),  # joined after the end
    ):
        GroupMember.objects.create(
            group=dance, resident=person, role="member", joined_on=joined, left_on=left
        )
    GroupMember.objects.create(
        group=choir, resident=people[0], role="leader", joined_on=date(2026, 2, 1)
    )  # a member of two groups counts once
    for day in (5, 20):
        Meeting.objects.create(
            group=dance,
            starts_at=timezone.make_aware(datetime(2026, 3, day, 19)),
            topic="排练",
        )
    Meeting.objects.create(
        group=choir, starts_at=timezone.make_aware(datetime(2025, 12, 30, 19)), topic="早了"
    )
    figures = self_organisations(
        community_ids=[world.community.pk, world.other_community.pk], since=SINCE, until=UNTIL
    )
    mine, other = figures[world.community.pk], figures[world.other_community.pk]
    assert mine["self_organisations"] == Count(2)
    assert mine["self_organisation_members"] == Count(2)
    assert mine["self_organisation_meetings"] == Mean(2, 6)
    assert other["self_organisations"] == Count(0)


def test_social_capital_takes_the_latest_snapshot_and_the_waves_of_the_period(
    world: World,
) -> None:
    for month, edges in ((date(2026, 4, 1), 3), (date(2026, 6, 1), 6), (date(2026, 7, 1), 9)):
        Snapshot.objects.create(
            community=world.community,
            month=month,
            nodes=10,
            edges=edges,
            components=4,
            with_tie=7,
            bridging=2,
        )
    wave = SurveyWave.objects.create(
        community=world.community, name="一期", held_on=date(2026, 3, 1)
    )
    late = SurveyWave.objects.create(
        community=world.community, name="二期", held_on=date(2026, 9, 1)
    )
    for respondent, scores in (("1", (5, 4, 3, 2)), ("2", (4, 4, 1, 1))):
        for item, score in zip(
            ("trust_neighbours", "reciprocity_help", "belonging_home", "efficacy_act"),
            scores,
            strict=True,
        ):
            SurveyAnswer.objects.create(wave=wave, respondent=respondent, item=item, score=score)
    SurveyAnswer.objects.create(wave=late, respondent="1", item="trust_neighbours", score=1)
    figures = social_capital(
        community_ids=[world.community.pk, world.other_community.pk], since=SINCE, until=UNTIL
    )
    mine = figures[world.community.pk]
    assert mine["network_density"] == Share(6, 45)  # June's snapshot; July began at the end
    assert mine["ties_per_resident"] == Mean(12, 10)
    assert mine["residents_with_tie"] == Share(7, 10)
    assert (mine["network_components"], mine["bridging_ties"]) == (Count(4), Count(2))
    assert mine["relational_trust"] == Mean(5 + 4 + 4 + 4, 4)
    assert mine["cognitive_belonging"] == Mean(3 + 2 + 1 + 1, 4)
    assert figures[world.other_community.pk] == {}  # not measured, never zero


def test_area_indicators_add_up_and_keep_their_query_bounds(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for community, edges in ((world.community, 4), (world.other_community, 2)):
        Snapshot.objects.create(
            community=community, month=date(2026, 5, 1), nodes=5, edges=edges, with_tie=3
        )
    ids = [world.community.pk, world.other_community.pk]
    for provider, bound in (
        (self_organisations, PROVIDER_QUERIES["self_organisations"]),
        (social_capital, PROVIDER_QUERIES["social_capital"]),
    ):
        with django_assert_max_num_queries(bound):
            provider(community_ids=ids, since=SINCE, until=UNTIL)
    total = indicators_for(ids, since=SINCE, until=UNTIL)
    assert total.measure("network_density") == Share(6, 20)
    assert total.measure("residents_with_tie") == Share(6, 10)
    assert total.value("relational_trust") is None


def test_survey_coverage_counts_lived_in_dwellings_with_a_submitted_response(
    world: World, registry: Any
) -> None:
    from peiban.places.models import Dwelling, Household
    from peiban.surveys.models import Form, FormVersion, Recommendation, Response, Wave

    building = registry.building
    rooms = [
        Dwelling.objects.create(community=world.community, building=building, unit="1", room=r)
        for r in ("101", "102", "103", "104")
    ]
    for dwelling in rooms[:3]:  # 104 is empty: not in the denominator
        Household.objects.create(community=world.community, dwelling=dwelling)
    form = Form.objects.create(
        community=world.community, organisation=world.organisation, slug="摸底", title="摸底"
    )
    version = FormVersion.objects.create(form=form, number=1, definition={})
    first = Wave.objects.create(form=form, number=1, name="一期")
    second = Wave.objects.create(form=form, number=2, name="二期")
    at = timezone.make_aware(datetime(2026, 3, 1))
    for dwelling, wave, status in (
        (rooms[0], first, "submitted"),
        (rooms[0], second, "submitted"),  # the same home twice counts once
        (rooms[1], first, "draft"),  # a draft is not a survey
        (rooms[3], first, "submitted"),  # nobody lives there
    ):
        Response.objects.create(
            form=form, version=version, wave=wave, dwelling=dwelling, status=status, submitted_at=at
        )
    made = Recommendation.objects.create(form=form, title="增加老年食堂")
    Recommendation.objects.filter(pk=made.pk).update(created_at=at)
    figures = surveys(community_ids=[world.community.pk], since=SINCE, until=UNTIL)
    mine = figures[world.community.pk]
    households = (
        Household.objects.filter(community=world.community).values("dwelling").distinct().count()
    )
    assert mine["survey_coverage"] == Share(1, households)
    assert mine["recommendations_issued"] == Count(1)
