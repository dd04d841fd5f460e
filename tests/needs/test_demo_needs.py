"""The demo needs: a year of the loop in the demo compound, and the rooster case told in full."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count, QuerySet
from django.utils import timezone

from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.core.models import ConsentPurpose, Role
from peiban.core.privacy import consents_active
from peiban.needs.demo import (
    MIN_NEEDS,
    ROOSTER_TITLE,
    _size,
    demo_load,
    rooster_title,
)
from peiban.needs.models import (
    Action,
    Channel,
    Letter,
    Need,
    Recognition,
    RecognitionKind,
    Stage,
    StageChange,
)
from peiban.places.demo import demo_load as places_demo_load
from tests.conftest import World


@pytest.fixture
def demo_world(world: World) -> DemoWorld:
    return DemoWorld(
        organisation=world.organisation,
        community=world.community,
        users={Role.STAFF: world.staff, Role.ORG_ADMIN: world.admin},
    )


@pytest.fixture
def loaded(demo_world: DemoWorld) -> DemoWorld:
    places_demo_load(world=demo_world, progress=lambda _message: None)  # DEMO_BUILDINGS = 2
    messages: list[str] = []
    demo_load(world=demo_world, progress=messages.append)
    assert messages
    assert "needs" in messages[-1]
    return demo_world


def test_the_loader_runs_after_the_compound_is_built() -> None:
    assert "peiban.needs.demo.demo_load" in DEMO_LOADERS
    assert DEMO_LOADERS.index("peiban.needs.demo.demo_load") > DEMO_LOADERS.index(
        "peiban.places.demo.demo_load"
    )


def test_the_size_follows_the_compound() -> None:
    assert _size(9000) == 300
    assert _size(100) == MIN_NEEDS
    assert rooster_title("5") == ROOSTER_TITLE == "5栋清晨鸡鸣扰民"


def test_a_small_compound_gets_a_year_of_needs(loaded: DemoWorld) -> None:
    community = loaded.community
    needs = Need.objects.filter(community=community)
    assert needs.count() >= MIN_NEEDS
    now = timezone.now()
    assert all(now - timedelta(days=366) < n.raised_at <= now for n in needs)
    assert all(n.raised_by is not None and n.raised_by.community_id == community.pk for n in needs)
    assert len(set(needs.values_list("category", flat=True))) >= 5
    assert len(set(needs.values_list("channel", flat=True))) >= 4
    assert needs.filter(visibility="public").exists()
    assert needs.filter(visibility="private").exists()
    stages = Counter(needs.values_list("stage", flat=True))
    assert stages[Stage.CLOSED] > 0
    assert len(stages) >= 4

    # One to six steps each, taken by residents and staff, never before the need or in the future.
    counts = needs.annotate(n=Count("actions")).values_list("n", flat=True)
    assert min(counts) >= 1
    assert max(counts) <= 6
    actions = Action.objects.filter(need__community=community).select_related("need")
    assert all(a.need.raised_at <= a.taken_at <= now for a in actions)
    assert actions.filter(by_resident__isnull=False).exists()
    assert actions.filter(by_staff__isnull=False).exists()

    # Every history starts with the raising and ends in the need's stage, in order of time.
    for need in needs.prefetch_related("stage_changes"):
        changes = list(need.stage_changes.all())
        assert changes[0].to_stage == Stage.RAISED
        assert changes[-1].to_stage == need.stage
        assert [c.at for c in changes] == sorted(c.at for c in changes)
        assert all(c.at <= now for c in changes)


def test_residents_take_a_growing_share_of_the_steps(loaded: DemoWorld) -> None:
    now = timezone.now()
    actions = Action.objects.filter(need__community=loaded.community)
    older = actions.filter(taken_at__lt=now - timedelta(days=183))
    recent = actions.filter(taken_at__gte=now - timedelta(days=183))

    def share(steps: QuerySet[Action]) -> float:
        return steps.filter(by_resident__isnull=False).count() / steps.count()

    assert share(recent) > share(older) + 0.1


def test_loading_again_adds_nothing(loaded: DemoWorld) -> None:
    before = (Need.objects.count(), Action.objects.count(), StageChange.objects.count())
    messages: list[str] = []
    demo_load(world=loaded, progress=messages.append)
    assert (Need.objects.count(), Action.objects.count(), StageChange.objects.count()) == before
    assert "already" in messages[0]


def test_the_rooster_case_is_complete(loaded: DemoWorld) -> None:
    need = Need.objects.select_related("building", "raised_by").get(
        community=loaded.community, title__endswith="清晨鸡鸣扰民"
    )
    assert need.building is not None
    assert need.title == rooster_title(need.building.label)  # 5栋 in the full compound
    assert need.stage == Stage.CLOSED
    assert need.channel == Channel.GROUP_CHAT
    neighbour = need.raised_by
    assert neighbour is not None
    assert need.lead == neighbour

    path = list(need.stage_changes.values_list("to_stage", flat=True))
    assert path == [
        Stage.RAISED,
        Stage.ACCOMPANIED,
        Stage.DELIBERATING,
        Stage.DECIDED,
        Stage.ACTING,
        Stage.RESOLVED,
        Stage.VERIFIED,
        Stage.CLOSED,
    ]
    verified = need.stage_changes.get(to_stage=Stage.VERIFIED)
    assert verified.by_resident == neighbour

    letter = Letter.objects.get(need=need)
    assert letter.posted_where
    assert letter.posted_at is not None
    assert letter.drafted_with == neighbour
    assert "邻居" in letter.body

    assert need.companions.filter(pk=loaded.users[Role.STAFF].pk).exists()
    actions = list(need.actions.all())
    assert any(a.by_resident == neighbour for a in actions)
    assert any(a.by_staff is not None for a in actions)

    recognition = Recognition.objects.get(need=need)
    owner = recognition.resident
    assert recognition.public is True
    assert recognition.kind == RecognitionKind.GIVING_GROUND
    assert owner != neighbour
    assert owner.household is not None
    assert owner.household.dwelling.building == need.building
    assert ConsentPurpose.PUBLIC_RECOGNITION in consents_active(owner)
    assert any(a.by_resident == owner for a in actions)  # the owner gave ground
