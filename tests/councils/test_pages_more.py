"""Pages for services that had none: electing members, notice, closing a meeting with its
minutes, withdrawing a motion, a passed owners' vote becoming a decision, a proposal becoming a
motion; the chair's screen refreshing itself; the charts of closed polls."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    Body,
    BodyKind,
    BodyMember,
    Meeting,
    MeetingStatus,
    Motion,
    MotionStatus,
    Poll,
    Proposal,
    Resolution,
)
from peiban.councils.services import (
    body_create,
    hand_raise,
    meeting_schedule,
    member_elect,
    motion_debate,
    motion_propose,
    motion_vote,
    poll_answer,
    poll_create,
    presence_record,
    proposal_create,
    turn_start,
)
from peiban.places.models import Building, Dwelling, Household, Resident

pytestmark = pytest.mark.django_db

NOT_CHAIRS = ("resident", "viewer", "outsider", "other_staff")


def url(world: Any, tail: str) -> str:
    return f"/c/{world.community.slug}/councils/{tail}"


@pytest.fixture
def council(world: Any) -> Body:
    return body_create(
        community=world.community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="和平里居民议事会",
        actor=world.staff,
    )


def people(world: Any, *names: str) -> list[Resident]:
    return [Resident.objects.create(community=world.community, name=name) for name in names]


def seated(world: Any, body: Body, *names: str) -> list[Resident]:
    found = people(world, *names)
    for resident in found:
        member_elect(body=body, resident=resident, term_start=date(2026, 1, 1), actor=world.staff)
    return found


def a_meeting(world: Any, body: Body, *, days: int = 0, **more: Any) -> Meeting:
    return meeting_schedule(
        body=body,
        title="五月议事会",
        starts_at=timezone.now() + timedelta(days=days),
        actor=world.staff,
        **more,
    )


def no_inline_script(page: str) -> bool:
    return re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None


# --- Members and terms ---------------------------------------------------------------------------


def test_staff_find_a_resident_and_elect_them_for_a_term(
    world: Any, council: Body, login: Any
) -> None:
    building = Building.objects.create(community=world.community, label="3")
    dwelling = Dwelling.objects.create(
        community=world.community, building=building, unit="2", room="301"
    )
    household = Household.objects.create(community=world.community, dwelling=dwelling)
    wang = Resident.objects.create(community=world.community, name="王阿姨", household=household)
    client = login(world.staff)
    page = client.get(url(world, f"{council.pk}/members/"), {"q": "王阿姨"}).content.decode()
    assert f'data-candidate="{wang.pk}"' in page
    assert "3-2-301" in page
    response = client.post(
        url(world, f"{council.pk}/members/?q=王阿姨"),
        {
            "resident": wang.pk,
            "role": "chair",
            "term_start": "2026-01-01",
            "term_end": "2028-12-31",
        },
    )
    assert response.status_code == 302
    member = BodyMember.objects.get(body=council)
    assert (member.resident, member.role) == (wang, "chair")
    assert member.term_end == date(2028, 12, 31)
    listing = client.get(url(world, f"{council.pk}/members/")).content.decode()
    assert f'data-seat="{member.pk}" data-serving="yes"' in listing
    assert "2026-01-01" in listing


def test_a_term_that_ends_before_it_starts_is_refused_on_the_form(
    world: Any, council: Body, login: Any
) -> None:
    (li,) = people(world, "李叔")
    response = login(world.staff).post(
        url(world, f"{council.pk}/members/?q=李叔"),
        {"resident": li.pk, "role": "member", "term_start": "2026-06-01", "term_end": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "A term must end after it starts." in response.content.decode()
    assert "data-refusal" in response.content.decode()
    assert not BodyMember.objects.exists()


def test_a_resident_of_another_community_cannot_be_elected(
    world: Any, council: Body, login: Any
) -> None:
    far = Resident.objects.create(community=world.other_community, name="外人")
    response = login(world.staff).post(
        url(world, f"{council.pk}/members/"),
        {"resident": far.pk, "role": "member", "term_start": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "Choose a resident of this community." in response.content.decode()
    assert not BodyMember.objects.exists()


def test_leaders_see_the_members_and_only_staff_elect(
    world: Any, council: Body, login: Any
) -> None:
    (li,) = seated(world, council, "李叔")
    members = url(world, f"{council.pk}/members/")
    leader = login(world.leader)
    page = leader.get(members, {"q": "李"}).content.decode()
    assert "李叔" in page
    assert "data-elect" not in page  # no search of the registry for leaders
    assert (
        leader.post(members, {"resident": li.pk, "role": "chair", "term_start": "2027-01-01"})
    ).status_code == 404
    for persona in NOT_CHAIRS:
        assert login(world.persona(persona)).get(members).status_code == 404, persona


def test_a_council_of_another_community_is_not_found(world: Any, login: Any) -> None:
    elsewhere = body_create(
        community=world.other_community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="安乐议事会",
        actor=None,
    )
    assert login(world.staff).get(url(world, f"{elsewhere.pk}/members/")).status_code == 404


def test_the_members_page_costs_a_bounded_number_of_queries(
    world: Any, council: Body, login: Any, django_assert_max_num_queries: Any
) -> None:
    seated(world, council, *(f"成员{i}" for i in range(12)))
    client = login(world.staff)
    with django_assert_max_num_queries(12):
        page = client.get(url(world, f"{council.pk}/members/"), {"q": "成员"})
    assert page.content.decode().count("data-seat=") == 12


# --- Notice --------------------------------------------------------------------------------------


def test_short_notice_of_an_owners_assembly_is_warned_about(world: Any, login: Any) -> None:
    assembly = body_create(
        community=world.community, kind=BodyKind.OWNERS_ASSEMBLY, name="业主大会", actor=None
    )
    meeting = a_meeting(world, assembly, days=10)
    client = login(world.staff)
    form = client.get(url(world, f"meetings/{meeting.pk}/notice/")).content.decode()
    assert "at least 15 days ahead" in form
    response = client.post(
        url(world, f"meetings/{meeting.pk}/notice/"),
        {"notice_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.notice_given_at is not None
    page = client.get(url(world, f"meetings/{meeting.pk}/")).content.decode()
    assert "data-notice-warning" in page
    assert f'data-notice="{timezone.localdate().isoformat()}"' in page


def test_notice_fifteen_days_ahead_clears_the_warning(world: Any, login: Any) -> None:
    assembly = body_create(
        community=world.community, kind=BodyKind.OWNERS_ASSEMBLY, name="业主大会", actor=None
    )
    meeting = a_meeting(world, assembly, days=2)
    client = login(world.leader)
    assert (
        "data-notice-warning" in client.get(url(world, f"meetings/{meeting.pk}/")).content.decode()
    )
    given = timezone.localdate(meeting.starts_at) - timedelta(days=15)
    client.post(url(world, f"meetings/{meeting.pk}/notice/"), {"notice_date": given.isoformat()})
    page = client.get(url(world, f"meetings/{meeting.pk}/")).content.decode()
    assert "data-notice-warning" not in page


def test_notice_after_the_meeting_or_in_the_future_is_refused(
    world: Any, council: Body, login: Any
) -> None:
    past = a_meeting(world, council, days=-5)
    client = login(world.staff)
    response = client.post(
        url(world, f"meetings/{past.pk}/notice/"), {"notice_date": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert "Notice is given before the meeting" in response.content.decode()
    soon = a_meeting(world, council, days=20)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        url(world, f"meetings/{soon.pk}/notice/"), {"notice_date": tomorrow.isoformat()}
    )
    assert "once it has been given" in response.content.decode()
    assert not Meeting.objects.filter(notice_given_at__isnull=False).exists()


def test_only_chairs_record_notice(world: Any, council: Body, login: Any) -> None:
    meeting = a_meeting(world, council, days=20)
    today = {"notice_date": timezone.localdate().isoformat()}
    for persona in NOT_CHAIRS:
        client = login(world.persona(persona))
        assert client.post(url(world, f"meetings/{meeting.pk}/notice/"), today).status_code == 404
    assert (
        b"data-notice-form"
        not in login(world.resident).get(url(world, f"meetings/{meeting.pk}/")).content
    )


# --- Closing a meeting and its minutes -----------------------------------------------------------


def test_a_chair_closes_the_meeting_with_minutes_drafted_from_the_record(
    world: Any, council: Body, login: Any
) -> None:
    peng, li, wang = seated(world, council, "彭女士", "李叔", "王阿姨")
    meeting = a_meeting(world, council, place="活动室")
    presence_record(meeting=meeting, residents=[peng, li, wang], actor=world.staff)
    motion = motion_propose(meeting=meeting, action="周六清理3栋楼道堆物", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    turn_start(
        turn=hand_raise(motion=motion, resident=li, side="for", actor=world.staff),
        actor=world.staff,
    )
    motion_vote(motion=motion, votes_for=2, votes_against=1, abstentions=0, actor=world.staff)
    client = login(world.leader)
    draft = client.get(url(world, f"meetings/{meeting.pk}/close/")).content.decode()
    assert "Present (3)" in draft
    assert "Motion 1: 周六清理3栋楼道堆物" in draft
    assert "Spoke: 李叔" in draft
    assert "2 for, 1 against, 0 abstaining; passed." in draft
    response = client.post(
        url(world, f"meetings/{meeting.pk}/close/"), {"minutes": "会议纪要：通过清理楼道的动议。"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    page = login(world.resident).get(url(world, f"meetings/{meeting.pk}/")).content.decode()
    assert "data-minutes" in page
    assert "会议纪要：通过清理楼道的动议。" in page
    assert "data-close-meeting" not in page


def test_a_meeting_with_a_motion_under_debate_is_not_closed(
    world: Any, council: Body, login: Any
) -> None:
    meeting = a_meeting(world, council)
    motion_debate(
        motion=motion_propose(meeting=meeting, action="修好北门的路灯", actor=world.staff),
        actor=world.staff,
    )
    response = login(world.staff).post(
        url(world, f"meetings/{meeting.pk}/close/"), {"minutes": "纪要"}
    )
    assert response.status_code == 200
    assert "A motion is still under debate" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status != MeetingStatus.CLOSED


def test_the_minutes_of_a_closed_meeting_can_be_corrected(
    world: Any, council: Body, login: Any
) -> None:
    meeting = a_meeting(world, council)
    client = login(world.staff)
    client.post(url(world, f"meetings/{meeting.pk}/close/"), {"minutes": "初稿"})
    form = client.get(url(world, f"meetings/{meeting.pk}/close/")).content.decode()
    assert "Correct the minutes" in form
    assert "初稿" in form
    client.post(url(world, f"meetings/{meeting.pk}/close/"), {"minutes": "改正后的纪要"})
    meeting.refresh_from_db()
    assert meeting.minutes == "改正后的纪要"


def test_only_chairs_close_meetings(world: Any, council: Body, login: Any) -> None:
    meeting = a_meeting(world, council)
    for persona in NOT_CHAIRS:
        client = login(world.persona(persona))
        page = url(world, f"meetings/{meeting.pk}/close/")
        assert client.get(page).status_code == 404, persona
        assert client.post(page, {"minutes": "x"}).status_code == 404, persona
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_the_minutes_draft_costs_a_bounded_number_of_queries(
    world: Any, council: Body, login: Any, django_assert_max_num_queries: Any
) -> None:
    members = seated(world, council, *(f"成员{i}" for i in range(6)))
    meeting = a_meeting(world, council)
    presence_record(meeting=meeting, residents=members, actor=world.staff)
    for i in range(6):
        motion = motion_propose(meeting=meeting, action=f"第{i}项行动方案", actor=world.staff)
        motion_debate(motion=motion, actor=world.staff)
        turn_start(
            turn=hand_raise(motion=motion, resident=members[i], side="for", actor=world.staff),
            actor=world.staff,
        )
        motion_vote(motion=motion, votes_for=3, votes_against=1, abstentions=0, actor=world.staff)
    client = login(world.staff)
    with django_assert_max_num_queries(12):
        page = client.get(url(world, f"meetings/{meeting.pk}/close/"))
    assert page.content.decode().count("3 for, 1 against") == 6


# --- Withdrawing a motion ------------------------------------------------------------------------


def test_a_motion_is_withdrawn_from_the_chairs_screen(
    world: Any, council: Body, login: Any
) -> None:
    (li,) = seated(world, council, "李叔")
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    hand_raise(motion=motion, resident=li, side="against", actor=world.staff)
    client = login(world.leader)
    assert "data-withdraw" in client.get(url(world, f"motions/{motion.pk}/")).content.decode()
    response = client.post(url(world, f"motions/{motion.pk}/withdraw/"))
    assert response.status_code == 302
    motion.refresh_from_db()
    assert motion.status == MotionStatus.WITHDRAWN
    assert not motion.turns.filter(status="waiting").exists()
    page = client.get(url(world, f"motions/{motion.pk}/")).content.decode()
    assert "data-withdrawn" in page
    assert "data-record-vote" not in page


def test_a_voted_motion_cannot_be_withdrawn(world: Any, council: Body, login: Any) -> None:
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    motion_vote(motion=motion, votes_for=1, votes_against=2, abstentions=0, actor=world.staff)
    client = login(world.staff)
    response = client.post(url(world, f"motions/{motion.pk}/withdraw/"), follow=True)
    assert response.status_code == 200
    assert "This motion has already been voted on." in response.content.decode()
    motion.refresh_from_db()
    assert motion.status == MotionStatus.VOTED


def test_only_chairs_withdraw_motions(world: Any, council: Body, login: Any) -> None:
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    for persona in NOT_CHAIRS:
        response = login(world.persona(persona)).post(url(world, f"motions/{motion.pk}/withdraw/"))
        assert response.status_code == 404, persona
    motion.refresh_from_db()
    assert motion.status == MotionStatus.PROPOSED


# --- A passed owners' vote becomes a decision ----------------------------------------------------


def closed_vote(world: Any, *, passed: bool, community: Any = None) -> Assembly:
    now = timezone.now()
    result = {
        "matter": 4,
        "total_area": "500.75",
        "total_heads": 4,
        "voted_area": "400.75",
        "voted_heads": 3,
        "yes_area": "300.75" if passed else "100.00",
        "yes_heads": 3 if passed else 1,
        "quorum": True,
        "passed": passed,
    }
    return Assembly.objects.create(
        community=community or world.community,
        title="更换物业公司",
        matter=4,
        question="是否解聘现物业公司？",
        opens_at=now - timedelta(days=8),
        closes_at=now - timedelta(days=1),
        status=AssemblyStatus.CLOSED,
        result=result,
        closed_at=now,
    )


def test_staff_put_a_passed_owners_vote_on_the_decisions_board(world: Any, login: Any) -> None:
    vote = closed_vote(world, passed=True)
    client = login(world.staff)
    page = client.get(url(world, f"assemblies/{vote.pk}/")).content.decode()
    assert "data-decide" in page
    response = client.post(
        url(world, f"assemblies/{vote.pk}/decide/"),
        {"action": "选聘新物业公司", "responsible": "业委会", "due_on": "2026-09-30"},
    )
    assert response.status_code == 302
    decision = Resolution.objects.get(assembly=vote)
    assert (decision.action, decision.responsible) == ("选聘新物业公司", "业委会")
    board = login(world.viewer).get(f"/c/{world.community.slug}/decisions/").content.decode()
    assert "选聘新物业公司" in board
    public = login(world.resident).get(url(world, f"assemblies/{vote.pk}/")).content.decode()
    assert f'data-decision="{decision.pk}"' in public
    assert "data-decide" not in public


def test_a_vote_becomes_one_decision_only(world: Any, login: Any) -> None:
    vote = closed_vote(world, passed=True)
    client = login(world.staff)
    data = {"action": "选聘新物业公司", "responsible": "业委会", "due_on": "2026-09-30"}
    client.post(url(world, f"assemblies/{vote.pk}/decide/"), data)
    again = client.post(url(world, f"assemblies/{vote.pk}/decide/"), data)
    assert again.status_code == 200
    assert "already on the decisions board" in again.content.decode()
    assert Resolution.objects.filter(assembly=vote).count() == 1


def test_a_vote_that_did_not_pass_is_refused_on_the_form(world: Any, login: Any) -> None:
    vote = closed_vote(world, passed=False)
    client = login(world.staff)
    assert "data-decide" not in client.get(url(world, f"assemblies/{vote.pk}/")).content.decode()
    response = client.post(
        url(world, f"assemblies/{vote.pk}/decide/"),
        {"action": "选聘新物业公司", "responsible": "业委会", "due_on": "2026-09-30"},
    )
    assert response.status_code == 200
    assert "Only a vote that passed becomes a decision." in response.content.decode()
    assert not Resolution.objects.exists()


def test_only_staff_turn_a_vote_into_a_decision(world: Any, login: Any) -> None:
    vote = closed_vote(world, passed=True)
    data = {"action": "选聘新物业公司", "responsible": "业委会", "due_on": "2026-09-30"}
    for persona in ("leader", *NOT_CHAIRS):
        response = login(world.persona(persona)).post(
            url(world, f"assemblies/{vote.pk}/decide/"), data
        )
        assert response.status_code == 404, persona
    elsewhere = closed_vote(world, passed=True, community=world.other_community)
    assert (
        login(world.staff).post(url(world, f"assemblies/{elsewhere.pk}/decide/"), data).status_code
        == 404
    )
    assert not Resolution.objects.exists()


def test_a_motion_decided_twice_is_refused_not_an_error(
    world: Any, council: Body, login: Any
) -> None:
    motion = motion_propose(
        meeting=a_meeting(world, council), action="清理楼道堆物", actor=world.staff
    )
    motion_vote(motion=motion, votes_for=3, votes_against=1, abstentions=0, actor=world.staff)
    client = login(world.leader)
    data = {"action": "清理楼道堆物", "responsible": "楼长", "due_on": "2026-06-01"}
    client.post(url(world, f"motions/{motion.pk}/decide/"), data)
    again = client.post(url(world, f"motions/{motion.pk}/decide/"), data, follow=True)
    assert again.status_code == 200
    assert "already on the decisions board" in again.content.decode()
    assert Resolution.objects.filter(motion=motion).count() == 1


# --- A proposal becomes a motion -----------------------------------------------------------------


def test_a_chair_puts_a_proposal_to_a_meeting_as_a_motion(
    world: Any, council: Body, login: Any
) -> None:
    meeting = a_meeting(world, council, days=3)
    proposal = proposal_create(body=council, action="在东门设快递存放点", actor=world.staff)
    client = login(world.leader)
    listing = client.get(url(world, "proposals/")).content.decode()
    assert f'data-to-motion="{proposal.pk}"' in listing
    response = client.post(url(world, f"proposals/{proposal.pk}/motion/"), {"meeting": meeting.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/meetings/{meeting.pk}/")
    proposal.refresh_from_db()
    assert proposal.motion is not None
    assert proposal.motion.meeting == meeting
    assert proposal.motion.action == "在东门设快递存放点"
    listing = client.get(url(world, "proposals/")).content.decode()
    assert f'data-motion-of="{proposal.pk}"' in listing
    again = client.post(url(world, f"proposals/{proposal.pk}/motion/"), {"meeting": meeting.pk})
    assert again.status_code == 200
    assert "This proposal is already a motion." in again.content.decode()
    assert Motion.objects.count() == 1


def test_a_proposal_too_vague_for_a_motion_is_refused_on_the_form(
    world: Any, council: Body, login: Any
) -> None:
    meeting = a_meeting(world, council, days=3)
    proposal = proposal_create(body=council, action="修路", actor=world.staff)
    response = login(world.staff).post(
        url(world, f"proposals/{proposal.pk}/motion/"), {"meeting": meeting.pk}
    )
    assert response.status_code == 200
    assert "A motion states a concrete action" in response.content.decode()
    assert not Motion.objects.exists()


def test_only_meetings_to_come_of_the_proposals_council_are_offered(
    world: Any, council: Body, login: Any
) -> None:
    other = body_create(
        community=world.community, kind=BodyKind.SELF_ORGANISATION, name="楼组会", actor=None
    )
    elsewhere = a_meeting(world, other, days=3)
    closed = a_meeting(world, council, days=-3)
    Meeting.objects.filter(pk=closed.pk).update(status=MeetingStatus.CLOSED)
    proposal = proposal_create(body=council, action="在东门设快递存放点", actor=world.staff)
    client = login(world.staff)
    form = client.get(url(world, f"proposals/{proposal.pk}/motion/")).content.decode()
    assert "schedule one first" in form
    for meeting in (elsewhere, closed):
        response = client.post(
            url(world, f"proposals/{proposal.pk}/motion/"), {"meeting": meeting.pk}
        )
        assert response.status_code == 200
    assert not Motion.objects.exists()


def test_residents_cannot_turn_proposals_into_motions(
    world: Any, council: Body, login: Any
) -> None:
    meeting = a_meeting(world, council, days=3)
    proposal = proposal_create(body=council, action="在东门设快递存放点", actor=world.staff)
    for persona in NOT_CHAIRS:
        client = login(world.persona(persona))
        response = client.post(
            url(world, f"proposals/{proposal.pk}/motion/"), {"meeting": meeting.pk}
        )
        assert response.status_code == 404, persona
    assert (
        "data-to-motion" not in login(world.resident).get(url(world, "proposals/")).content.decode()
    )
    assert not Proposal.objects.filter(motion__isnull=False).exists()


def test_the_proposals_page_costs_a_bounded_number_of_queries(
    world: Any, council: Body, login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        a_meeting(world, council, days=i + 1)
    for i in range(8):
        proposal = proposal_create(body=council, action=f"第{i}项提议的内容", actor=world.staff)
        if i % 2:
            meeting = Meeting.objects.filter(body=council).first()
            assert meeting is not None
            from peiban.councils.services import proposal_to_motion

            proposal_to_motion(proposal=proposal, meeting=meeting, actor=world.staff)
    client = login(world.leader)
    with django_assert_max_num_queries(14):
        page = client.get(url(world, "proposals/")).content.decode()
    assert page.count("data-to-motion=") == 4
    assert page.count("data-motion-of=") == 4


# --- The chair's screen refreshes itself ---------------------------------------------------------


def test_the_chairs_screen_polls_its_floor_without_inline_scripts(
    world: Any, council: Body, login: Any
) -> None:
    (li,) = seated(world, council, "李叔")
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    client = login(world.leader)
    page = client.get(url(world, f"motions/{motion.pk}/")).content.decode()
    assert 'hx-trigger="every 5s"' in page
    assert "part=floor&amp;status=debate" in page
    assert no_inline_script(page)
    # A secretary records a raised hand on another phone; the chair's floor shows it.
    hand_raise(motion=motion, resident=li, side="for", actor=world.staff)
    part = client.get(
        url(world, f"motions/{motion.pk}/"),
        {"part": "floor", "status": "debate"},
        headers={"HX-Request": "true"},
    )
    text = part.content.decode()
    assert f'data-waiting="{li.pk}"' in text
    assert text.lstrip().startswith('<div id="floor"')
    assert "<html" not in text
    assert "data-record-vote" not in text


def test_an_unchanged_floor_is_not_redrawn(world: Any, council: Body, login: Any) -> None:
    (li,) = seated(world, council, "李叔")
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    client = login(world.leader)
    page = client.get(url(world, f"motions/{motion.pk}/")).content.decode()
    seen = re.search(r"seen=([0-9a-f]+)", page)
    assert seen is not None
    poll = {"part": "floor", "status": "debate", "seen": seen.group(1)}
    chair = url(world, f"motions/{motion.pk}/")
    assert client.get(chair, poll, headers={"HX-Request": "true"}).status_code == 204
    hand_raise(motion=motion, resident=li, side="for", actor=world.staff)
    redrawn = client.get(chair, poll, headers={"HX-Request": "true"})
    assert redrawn.status_code == 200
    assert f'data-waiting="{li.pk}"' in redrawn.content.decode()


def test_the_whole_screen_reloads_once_the_motion_is_voted_elsewhere(
    world: Any, council: Body, login: Any
) -> None:
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    motion_vote(motion=motion, votes_for=3, votes_against=1, abstentions=0, actor=world.staff)
    client = login(world.staff)
    part = client.get(
        url(world, f"motions/{motion.pk}/"),
        {"part": "floor", "status": "debate"},
        headers={"HX-Request": "true"},
    )
    assert part["HX-Refresh"] == "true"
    page = client.get(url(world, f"motions/{motion.pk}/")).content.decode()
    assert "hx-trigger" not in page  # a voted motion's screen no longer polls


def test_the_floor_shows_the_time_left_of_the_turn(world: Any, council: Body, login: Any) -> None:
    (li,) = seated(world, council, "李叔")
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    turn = hand_raise(motion=motion, resident=li, side="for", actor=world.staff)
    turn_start(turn=turn, actor=world.staff)
    type(turn).objects.filter(pk=turn.pk).update(started_at=timezone.now() - timedelta(seconds=45))
    page = login(world.leader).get(url(world, f"motions/{motion.pk}/")).content.decode()
    timer = re.search(r"<p[^>]*data-timer[^>]*>([^<]*)</p>", page)
    assert timer is not None
    assert timer.group(1) in ("1:15", "1:14")
    assert 'data-now="' in timer.group(0)


def test_only_chairs_poll_the_floor(world: Any, council: Body, login: Any) -> None:
    motion = motion_propose(meeting=a_meeting(world, council), action="拆除车棚", actor=world.staff)
    for persona in NOT_CHAIRS:
        response = login(world.persona(persona)).get(
            url(world, f"motions/{motion.pk}/"),
            {"part": "floor", "status": "proposed"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 404, persona


def test_polling_the_floor_costs_a_bounded_number_of_queries(
    world: Any, council: Body, login: Any, django_assert_max_num_queries: Any
) -> None:
    members = seated(world, council, *(f"成员{i}" for i in range(10)))
    meeting = a_meeting(world, council)
    presence_record(meeting=meeting, residents=members, actor=world.staff)
    motion = motion_propose(meeting=meeting, action="拆除车棚", actor=world.staff)
    motion_debate(motion=motion, actor=world.staff)
    for i, resident in enumerate(members[:6]):
        hand_raise(
            motion=motion, resident=resident, side="for" if i % 2 else "against", actor=world.staff
        )
    client = login(world.leader)
    with django_assert_max_num_queries(10):
        part = client.get(
            url(world, f"motions/{motion.pk}/"),
            {"part": "floor", "status": "debate"},
            headers={"HX-Request": "true"},
        )
    assert part.content.decode().count("data-waiting=") == 6


# --- Poll results as charts ----------------------------------------------------------------------


def closed_poll(
    world: Any, residents: list[Resident], *, question: str = "活动室开到几点？"
) -> Poll:
    poll = poll_create(
        community=world.community,
        question=question,
        options=["20:00", "21:00", "22:00"],
        closes_at=timezone.now() + timedelta(days=1),
        actor=world.staff,
    )
    options = list(poll.options.order_by("position"))
    for i, resident in enumerate(residents):
        poll_answer(poll=poll, resident=resident, options=[options[min(i, 1)]], actor=None)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    return poll


def test_a_closed_poll_shows_its_results_as_a_bar_chart(world: Any, login: Any) -> None:
    poll = closed_poll(world, people(world, "甲", "乙", "丙"))
    page = login(world.viewer).get(url(world, "polls/")).content.decode()
    section = page[page.index(f'data-poll="{poll.pk}"') :]
    assert "<svg" in section
    assert 'aria-label="活动室开到几点？"' in section
    assert 'data-respondents="3"' in section
    assert "20:00: <strong>1</strong>" in section
    assert "21:00: <strong>2</strong>" in section
    assert "22:00: <strong>0</strong>" in section
    assert no_inline_script(page)


def test_an_open_poll_shows_no_results(world: Any, login: Any) -> None:
    poll = poll_create(
        community=world.community,
        question="活动室开到几点？",
        options=["20:00", "21:00"],
        closes_at=timezone.now() + timedelta(days=1),
        actor=world.staff,
    )
    (me,) = people(world, "甲")
    poll_answer(poll=poll, resident=me, options=[poll.options.first()], actor=None)  # type: ignore[list-item]
    page = login(world.staff).get(url(world, "polls/")).content.decode()
    assert "<svg" not in page
    assert "data-results" not in page


def test_the_polls_page_costs_the_same_queries_for_many_closed_polls(
    world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    voters = people(world, "甲", "乙", "丙")
    closed_poll(world, voters, question="问题")
    client: Client = login(world.resident)
    with CaptureQueriesContext(connection) as one:
        client.get(url(world, "polls/"))
    for i in range(5):
        closed_poll(world, voters, question=f"问题{i}")
    with django_assert_max_num_queries(14) as six:
        page = client.get(url(world, "polls/")).content.decode()
    assert page.count("<svg") == 6
    assert len(six) == len(one)


def test_the_form_pages_cost_a_bounded_number_of_queries(
    world: Any, council: Body, login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        a_meeting(world, council, days=i + 1)
    meeting = Meeting.objects.filter(body=council).first()
    assert meeting is not None
    proposal = proposal_create(body=council, action="在东门设快递存放点", actor=world.staff)
    vote = closed_vote(world, passed=True)
    client = login(world.staff)
    for page in (
        f"meetings/{meeting.pk}/notice/",
        f"proposals/{proposal.pk}/motion/",
        f"assemblies/{vote.pk}/decide/",
        f"assemblies/{vote.pk}/",
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url(world, page)).status_code == 200, page
