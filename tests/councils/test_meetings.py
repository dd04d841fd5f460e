"""Councils, meetings, motions, the speaking order and decisions with their follow-up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from peiban.councils.models import (
    BodyKind,
    Majority,
    MotionStatus,
    ResolutionStatus,
    TurnStatus,
)
from peiban.councils.selectors import (
    decisions_board,
    meeting_notice_short,
    meeting_quorum,
    motion_floor,
)
from peiban.councils.services import (
    CouncilError,
    body_create,
    hand_raise,
    meeting_give_notice,
    meeting_schedule,
    member_elect,
    motion_debate,
    motion_propose,
    motion_vote,
    presence_record,
    resolution_check,
    resolution_create,
    resolution_progress,
    turn_end,
    turn_start,
)
from peiban.places.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def people(world: Any) -> list[Resident]:
    names = ["彭女士", "李叔", "王阿姨", "张伟", "赵姐", "钱老师", "孙大爷", "周师傅", "吴姐"]
    return [Resident.objects.create(community=world.community, name=n) for n in names]


def council(world: Any, people: list[Resident], **options: Any) -> Any:
    body = body_create(
        community=world.community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="和平里居民议事会",
        actor=world.staff,
        **options,
    )
    for person in people:
        member_elect(
            body=body,
            resident=person,
            term_start=date(2026, 1, 1),
            term_end=date(2027, 12, 31),
            actor=world.staff,
        )
    return body


def meeting_of(world: Any, body: Any) -> Any:
    return meeting_schedule(
        body=body,
        title="五月议事会",
        starts_at=timezone.make_aware(timezone.datetime(2026, 5, 10, 19, 0)),
        agenda="1. 楼道堆物\n2. 充电桩",
        actor=world.staff,
    )


def test_a_motion_passes_when_for_exceeds_against(world: Any, people: list[Resident]) -> None:
    meeting = meeting_of(world, council(world, people))
    presence_record(meeting=meeting, residents=people, actor=world.staff)
    motion = motion_propose(
        meeting=meeting, action="周六上午清理3栋楼道堆物，由楼长组织", actor=world.staff
    )
    voted = motion_vote(
        motion=motion, votes_for=4, votes_against=3, abstentions=2, actor=world.staff
    )
    assert (voted.present, voted.passed, voted.status) == (9, True, MotionStatus.VOTED)


def test_a_tie_fails(world: Any, people: list[Resident]) -> None:
    meeting = meeting_of(world, council(world, people))
    motion = motion_propose(meeting=meeting, action="在北门装一个充电桩", actor=world.staff)
    voted = motion_vote(
        motion=motion, votes_for=3, votes_against=3, abstentions=3, actor=world.staff
    )
    assert voted.passed is False


def test_a_configured_quorum_and_majority_apply(world: Any, people: list[Resident]) -> None:
    body = council(world, people, quorum_percent=67, majority=Majority.TWO_THIRDS)
    meeting = meeting_of(world, body)
    presence_record(meeting=meeting, residents=people[:6], actor=world.staff)
    quorum = meeting_quorum(meeting)
    assert (quorum.present, quorum.members, quorum.needed, quorum.met) == (6, 9, 7, False)
    motion = motion_propose(meeting=meeting, action="在北门装一个充电桩", actor=world.staff)
    voted = motion_vote(
        motion=motion, votes_for=5, votes_against=1, abstentions=0, actor=world.staff
    )
    assert (voted.quorum_met, voted.passed) == (False, False)


def test_a_vote_cannot_count_more_than_are_present(world: Any, people: list[Resident]) -> None:
    meeting = meeting_of(world, council(world, people))
    presence_record(meeting=meeting, residents=people[:3], actor=world.staff)
    motion = motion_propose(meeting=meeting, action="在北门装一个充电桩", actor=world.staff)
    with pytest.raises(CouncilError):
        motion_vote(motion=motion, votes_for=3, votes_against=1, abstentions=0, actor=world.staff)


def test_one_motion_at_a_time(world: Any, people: list[Resident]) -> None:
    meeting = meeting_of(world, council(world, people))
    first = motion_propose(meeting=meeting, action="清理楼道堆物", actor=world.staff)
    second = motion_propose(meeting=meeting, action="在北门装一个充电桩", actor=world.staff)
    motion_debate(motion=first, actor=world.staff)
    with pytest.raises(CouncilError, match="One motion at a time"):
        motion_debate(motion=second, actor=world.staff)


def test_a_motion_must_state_an_action(world: Any, people: list[Resident]) -> None:
    meeting = meeting_of(world, council(world, people))
    with pytest.raises(CouncilError):
        motion_propose(meeting=meeting, action="  ", actor=world.staff)
    with pytest.raises(CouncilError, match="concrete action"):
        motion_propose(meeting=meeting, action="讨论", actor=world.staff)


def test_the_chair_calls_speakers_in_order_and_the_cap_holds(
    world: Any, people: list[Resident]
) -> None:
    body = council(world, people, turns_cap=1)
    meeting = meeting_of(world, body)
    motion = motion_debate(
        motion=motion_propose(meeting=meeting, action="清理楼道堆物", actor=world.staff),
        actor=world.staff,
    )
    a = hand_raise(motion=motion, resident=people[0], side="for", actor=world.staff)
    hand_raise(motion=motion, resident=people[1], side="for", actor=world.staff)
    c = hand_raise(motion=motion, resident=people[2], side="against", actor=world.staff)
    with pytest.raises(CouncilError, match="already waiting"):
        hand_raise(motion=motion, resident=people[0], side="for", actor=world.staff)
    floor = motion_floor(motion, cap=1)
    assert [t.pk for t in floor.queue][:2] == [a.pk, c.pk]
    turn_start(turn=a, actor=world.staff)
    turn_end(turn=a, actor=world.staff)
    floor = motion_floor(motion, cap=1)
    assert floor.queue[0].pk == c.pk  # against after for
    assert [t.resident_id for t in floor.spoken] == [people[0].pk]
    with pytest.raises(CouncilError, match="limit"):
        hand_raise(motion=motion, resident=people[0], side="for", actor=world.staff)
    turn_start(turn=c, actor=world.staff)
    voted = motion_vote(
        motion=motion, votes_for=2, votes_against=1, abstentions=0, actor=world.staff
    )
    assert voted.turns.filter(status=TurnStatus.DONE).count() == 2
    assert voted.turns.filter(status=TurnStatus.WITHDRAWN).count() == 1


def test_an_owners_assembly_warns_of_short_notice(world: Any, people: list[Resident]) -> None:
    body = body_create(
        community=world.community,
        kind=BodyKind.OWNERS_ASSEMBLY,
        name="和平里业主大会",
        actor=world.staff,
    )
    starts = timezone.now() + timedelta(days=14)
    meeting = meeting_schedule(body=body, title="业主大会", starts_at=starts, actor=world.staff)
    assert meeting_notice_short(meeting) is True
    assert meeting_give_notice(meeting=meeting, actor=world.staff) is True
    assert (
        meeting_give_notice(meeting=meeting, actor=world.staff, at=starts - timedelta(days=15))
        is False
    )
    council_meeting = meeting_of(world, council(world, people))
    assert meeting_notice_short(council_meeting) is False


def test_a_decision_is_followed_until_residents_check_it(
    world: Any, people: list[Resident]
) -> None:
    meeting = meeting_of(world, council(world, people))
    motion = motion_propose(meeting=meeting, action="清理楼道堆物", actor=world.staff)
    failed = motion_propose(meeting=meeting, action="在北门装一个充电桩", actor=world.staff)
    motion_vote(motion=motion, votes_for=5, votes_against=1, abstentions=0, actor=world.staff)
    motion_vote(motion=failed, votes_for=1, votes_against=5, abstentions=0, actor=world.staff)
    failed.refresh_from_db()
    with pytest.raises(CouncilError):
        resolution_create(
            community=world.community,
            motion=failed,
            action="装充电桩",
            responsible="物业",
            due_on=date(2026, 6, 1),
            actor=world.staff,
        )
    motion.refresh_from_db()
    resolution = resolution_create(
        community=world.community,
        motion=motion,
        action="清理3栋楼道堆物",
        responsible="3栋楼长李叔",
        due_on=date(2026, 5, 20),
        actor=world.staff,
    )
    with pytest.raises(CouncilError, match="reported done"):
        resolution_check(
            resolution=resolution, resident=people[0], confirmed=True, actor=world.staff
        )
    resolution_progress(resolution=resolution, text="已通知各户", actor=world.staff)
    resolution_progress(resolution=resolution, text="周六清理完毕", done=True, actor=world.staff)
    resolution_check(resolution=resolution, resident=people[0], confirmed=True, actor=world.staff)
    resolution.refresh_from_db()
    assert resolution.status == ResolutionStatus.REPORTED_DONE
    resolution_check(resolution=resolution, resident=people[1], confirmed=False, actor=world.staff)
    resolution.refresh_from_db()
    assert resolution.status == ResolutionStatus.IN_PROGRESS
    resolution_progress(resolution=resolution, text="补清了二楼", done=True, actor=world.staff)
    for person in people[2:4]:
        resolution_check(resolution=resolution, resident=person, confirmed=True, actor=world.staff)
    resolution.refresh_from_db()
    assert resolution.status == ResolutionStatus.VERIFIED
    assert [r.pk for r in decisions_board(world.community)] == [resolution.pk]
