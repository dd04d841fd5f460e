"""Council decisions as indicators: decisions taken in a period, those residents checked as
carried out, their share and the median days between; the self-governance milestone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from peiban.councils.models import Body, Meeting, Motion, Resolution, ResolutionStatus
from peiban.indicators.area_providers import councils
from peiban.indicators.figures import indicators_for
from peiban.indicators.measures import Count, Median, Share
from peiban.indicators.progress import method_progress, thresholds_for
from peiban.indicators.providers import PROVIDER_QUERIES
from peiban.indicators.services import thresholds_update
from peiban.places.models import Community
from tests.conftest import World

pytestmark = pytest.mark.django_db

SINCE = timezone.make_aware(datetime(2026, 1, 1))
UNTIL = timezone.make_aware(datetime(2026, 7, 1))


def at(month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, 10))


def decision(
    community: Community,
    *,
    recorded: datetime,
    verified: datetime | None = None,
    voted: datetime | None = None,
    status: str | None = None,
) -> Resolution:
    """A decision recorded at `recorded` (from a motion voted at `voted` when given), checked by
    residents at `verified` when given."""
    motion = None
    if voted is not None:
        body = Body.objects.create(community=community, kind="resident_council", name="议事会")
        meeting = Meeting.objects.create(
            body=body, community=community, title="例会", starts_at=voted
        )
        motion = Motion.objects.create(
            meeting=meeting,
            community=community,
            action="修车棚",
            status="voted",
            passed=True,
            voted_at=voted,
        )
    made = Resolution.objects.create(
        community=community,
        motion=motion,
        action="修车棚",
        responsible="物业",
        due_on=date(2026, 9, 1),
        status=status
        or (ResolutionStatus.VERIFIED if verified is not None else ResolutionStatus.OPEN),
        verified_at=verified,
    )
    Resolution.objects.filter(pk=made.pk).update(created_at=recorded)
    return made


def test_decisions_carried_out_count_only_what_residents_checked_before_the_end(
    world: World,
) -> None:
    mine, other = world.community, world.other_community
    decision(mine, recorded=at(1, 10), verified=at(1, 20))  # 10 days
    decision(mine, recorded=at(2, 15), voted=at(2, 1), verified=at(3, 3))  # vote + 30 days
    decision(mine, recorded=at(3, 1), verified=timezone.make_aware(datetime(2026, 8, 1)))
    decision(mine, recorded=at(4, 1), status=ResolutionStatus.REPORTED_DONE)  # not checked
    decision(mine, recorded=timezone.make_aware(datetime(2025, 12, 20)), verified=at(1, 5))
    decision(other, recorded=at(5, 1), verified=at(5, 5))  # 4 days
    figures = councils(community_ids=[mine.pk, other.pk], since=SINCE, until=UNTIL)
    assert figures[mine.pk]["decisions_made"] == Count(4)
    assert figures[mine.pk]["decisions_carried_out"] == Count(2)
    assert figures[mine.pk]["decisions_carried_out_share"] == Share(2, 4)
    assert figures[mine.pk]["decision_days_carried_out"] == Median((Decimal(10), Decimal(30)))
    assert figures[other.pk]["decisions_carried_out_share"] == Share(1, 1)
    together = indicators_for([mine.pk, other.pk], since=SINCE, until=UNTIL)
    assert together.value("decisions_made") == 5
    assert together.value("decisions_carried_out_share") == Decimal("60.0")
    assert together.value("decision_days_carried_out") == Decimal("10.0")  # of 4, 10, 30


def test_a_community_without_decisions_reads_zero_and_nothing_to_divide(world: World) -> None:
    figures = indicators_for([world.community.pk], since=SINCE, until=UNTIL)
    assert figures.value("decisions_made") == 0
    assert figures.measure("decisions_carried_out_share") == Share(0, 0)
    assert figures.value("decisions_carried_out_share") is None
    assert figures.value("decision_days_carried_out") is None


def test_the_council_provider_runs_one_query_for_any_number_of_communities(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for community in (world.community, world.other_community, world.foreign_community):
        decision(community, recorded=at(2, 1), verified=at(2, 11))
    ids = [world.community.pk, world.other_community.pk, world.foreign_community.pk]
    assert PROVIDER_QUERIES["councils"] == 1
    with django_assert_max_num_queries(1):
        figures = councils(community_ids=ids, since=SINCE, until=UNTIL)
    assert all(figures[pk]["decisions_carried_out"] == Count(1) for pk in ids)


def test_self_governance_needs_the_organisations_number_of_checked_decisions(
    world: World,
) -> None:
    for month in (1, 2):
        decision(world.community, recorded=at(month, 1), verified=at(month, 9))
    decision(world.community, recorded=at(3, 1), status=ResolutionStatus.IN_PROGRESS)

    def milestone() -> Any:
        progress = method_progress(
            [world.community.pk], thresholds=thresholds_for(world.organisation), now=UNTIL
        )[world.community.pk]
        return next(m for m in progress.milestones if m.key == "council_decisions")

    found = milestone()
    assert found.measurable
    assert (found.met, found.figure, found.threshold) == (False, Decimal(2), Decimal(3))
    assert "2" in found.evidence
    assert "3" in found.evidence
    thresholds_update(
        organisation=world.organisation,
        values={"council_decisions_verified": 2},
        actor=world.admin,
    )
    assert milestone().met
    assert thresholds_for(world.other_organisation).council_decisions_verified == 3


def test_the_group_channel_milestone_is_unmet_without_a_leaders_group(world: World) -> None:
    # Measured since chats.Channel records the leaders' group; see test_channel_milestone.py.
    progress = method_progress(
        [world.community.pk], thresholds=thresholds_for(world.organisation), now=UNTIL
    )[world.community.pk]
    channel = next(m for m in progress.milestones if m.key == "group_channel")
    assert channel.measurable
    assert not channel.met
    assert channel.figure == Decimal(0)


def test_staff_see_the_decisions_behind_the_figures_and_viewers_do_not(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    shown = decision(world.community, recorded=at(2, 1), verified=at(2, 11))
    hidden = decision(world.community, recorded=timezone.make_aware(datetime(2024, 1, 1)))
    far = decision(world.foreign_community, recorded=at(2, 1))
    url = reverse(
        "indicators:records", kwargs={"community": world.community.slug, "what": "decisions"}
    )
    client = login(world.staff)
    with django_assert_max_num_queries(12):
        page = client.get(url, {"from": "2026-01-01", "to": "2026-06-30"}).content.decode()
    assert f'data-decision="{shown.pk}"' in page
    assert f'data-decision="{hidden.pk}"' not in page
    assert f'data-decision="{far.pk}"' not in page
    assert login(world.viewer).get(url).status_code == 404
    indicators = reverse("indicators:community", kwargs={"community": world.community.slug})
    staff_page = login(world.staff).get(indicators, {"from": "2026-01-01", "to": "2026-06-30"})
    assert url in staff_page.content.decode()
    viewer_page = login(world.viewer).get(indicators, {"from": "2026-01-01", "to": "2026-06-30"})
    assert viewer_page.status_code == 200
    assert url not in viewer_page.content.decode()
