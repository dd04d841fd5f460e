"""Pages: the chair's screen, an owners' vote prepared, voted and counted, the public board."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from peiban.councils.models import (
    Assembly,
    AssemblyStatus,
    BodyKind,
    ConsentCase,
    Motion,
    Voter,
)
from peiban.councils.services import (
    body_create,
    meeting_schedule,
    member_elect,
    motion_propose,
    motion_vote,
    resolution_create,
)
from peiban.councils.tally import DEVELOPER
from peiban.places.models import Resident
from tests.councils.conftest import Compound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def council(world: Any) -> Any:
    body = body_create(
        community=world.community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="和平里居民议事会",
        actor=world.staff,
    )
    for name in ["彭女士", "李叔", "王阿姨", "张伟"]:
        member_elect(
            body=body,
            resident=Resident.objects.create(community=world.community, name=name),
            term_start=date(2026, 1, 1),
            actor=world.staff,
        )
    return body


def url(world: Any, tail: str) -> str:
    return f"/c/{world.community.slug}/{tail}"


def test_a_leader_chairs_a_motion_through_the_pages(world: Any, council: Any, login: Any) -> None:
    client = login(world.leader)
    meeting = meeting_schedule(
        body=council, title="五月议事会", starts_at=timezone.now(), actor=world.staff
    )
    members = list(Resident.objects.filter(community=world.community).order_by("id"))
    response = client.post(
        url(world, f"councils/meetings/{meeting.pk}/presence/"),
        {"resident": [m.pk for m in members]},
    )
    assert response.status_code == 302
    client.post(
        url(world, f"councils/meetings/{meeting.pk}/motions/"),
        {"action": "周六上午清理3栋楼道堆物"},
    )
    motion = Motion.objects.get(meeting=meeting)
    chair = url(world, f"councils/motions/{motion.pk}/")
    client.post(f"{chair}debate/")
    client.post(f"{chair}hands/", {"resident": members[0].pk, "side": "for"})
    client.post(f"{chair}hands/", {"resident": members[1].pk, "side": "for"})
    client.post(f"{chair}hands/", {"resident": members[2].pk, "side": "against"})
    page = client.get(chair).content.decode()
    assert "do not argue" in page
    order = re.findall(r'data-waiting="(\d+)"', page)
    assert order == [str(members[0].pk), str(members[2].pk), str(members[1].pk)]
    turn = motion.turns.get(resident=members[0])
    client.post(f"{chair}turns/{turn.pk}/call/")
    page = client.get(chair).content.decode()
    assert f'data-speaker="{members[0].pk}"' in page
    assert 'data-timer data-seconds="120"' in page
    client.post(f"{chair}vote/", {"votes_for": 2, "votes_against": 1, "abstentions": 1})
    motion.refresh_from_db()
    assert motion.passed is True
    assert motion.present == 4
    page = client.get(chair).content.decode()
    assert 'data-vote-result="passed"' in page
    assert f'data-spoke="{members[0].pk}"' in page
    assert "data-decide" in page
    client.post(
        f"{chair}decide/",
        {"action": "清理3栋楼道堆物", "responsible": "3栋楼长", "due_on": "2026-06-01"},
    )
    assert motion.resolution.responsible == "3栋楼长"
    assert "data-decide" not in client.get(chair).content.decode()


def test_residents_cannot_chair(world: Any, council: Any, login: Any) -> None:
    meeting = meeting_schedule(
        body=council, title="五月议事会", starts_at=timezone.now(), actor=world.staff
    )
    motion = motion_propose(meeting=meeting, action="清理楼道堆物", actor=world.staff)
    for persona in ("resident", "viewer", "outsider", "other_staff"):
        client = login(world.persona(persona))
        assert client.get(url(world, f"councils/motions/{motion.pk}/")).status_code == 404
        assert client.post(url(world, f"councils/motions/{motion.pk}/debate/")).status_code == 404


def test_an_owners_vote_is_prepared_voted_and_counted_through_pages(
    world: Any, compound: Compound, login: Any, client: Client
) -> None:
    staff = login(world.staff)
    now = timezone.localtime()
    response = staff.post(
        url(world, "councils/assemblies/new/"),
        {
            "title": "更换物业公司",
            "matter": 4,
            "question": "是否解聘现物业公司并选聘新物业公司？",
            "notice_date": (now - timedelta(days=16)).date().isoformat(),
            "opens": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, response.content
    assembly = Assembly.objects.get()
    page = staff.post(url(world, f"councils/assemblies/{assembly.pk}/open/")).content.decode()
    codes = dict(re.findall(r'data-code="(\d+)">([A-Z0-9-]+)<', page))
    assert len(codes) == 6
    by_room = {str(d.pk): room for room, d in compound.dwellings.items()}
    room_code = {by_room[pk]: code for pk, code in codes.items()}

    # An owner votes on the ballot page without an account.
    client.logout()
    ballot = client.get(f"/vote/{assembly.pk}/").content.decode()
    assert "not a legally certified electronic voting system" in ballot
    done = client.post(f"/vote/{assembly.pk}/", {"code": room_code["101"], "opinion": "yes"})
    assert b"data-ballot-recorded" in done.content
    forged = client.post(f"/vote/{assembly.pk}/", {"code": "AAAAA-AAAAA", "opinion": "yes"})
    assert b"not valid" in forged.content
    again = client.post(f"/vote/{assembly.pk}/", {"code": room_code["101"], "opinion": "no"})
    assert b"already voted" in again.content

    staff = login(world.staff)
    developer = Voter.objects.get(assembly=assembly, key=DEVELOPER)
    staff.post(
        url(world, f"councils/assemblies/{assembly.pk}/paper/"),
        {"voter": developer.pk, "opinion": "yes"},
    )
    sheet = SimpleUploadedFile("ballots.csv", "地址,意见\n1-1-302,反对\n1-1-999,赞成\n".encode())
    response = staff.post(url(world, f"councils/assemblies/{assembly.pk}/import/"), {"file": sheet})
    assert response.status_code == 302
    Assembly.objects.filter(pk=assembly.pk).update(closes_at=timezone.now())
    staff.post(url(world, f"councils/assemblies/{assembly.pk}/close/"))
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CLOSED
    assert assembly.result["voted_heads"] == 3
    assert assembly.result["yes_area"] == "290.50"
    # The public notice shows figures and no names.
    public = login(world.resident).get(url(world, f"councils/assemblies/{assembly.pk}/"))
    text = public.content.decode()
    assert 'data-figure="yes_area">290.50' in text
    assert "张伟" not in text
    assert "王芳" not in text
    assert "data-audit" not in text


def test_a_draft_vote_is_hidden_from_residents(world: Any, compound: Compound, login: Any) -> None:
    now = timezone.now()
    assembly = Assembly.objects.create(
        community=world.community,
        title="x",
        matter=1,
        question="y",
        opens_at=now,
        closes_at=now + timedelta(days=1),
    )
    assert (
        login(world.resident).get(url(world, f"councils/assemblies/{assembly.pk}/")).status_code
        == 404
    )
    assert (
        login(world.staff).post(url(world, f"councils/assemblies/{assembly.pk}/open/")).status_code
        == 200
    )
    assert (
        login(world.leader)
        .post(url(world, f"councils/assemblies/{assembly.pk}/close/"))
        .status_code
        == 404
    )


def test_lists_cost_a_bounded_number_of_queries(
    world: Any, council: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        meeting = meeting_schedule(
            body=council, title=f"议事会{i}", starts_at=timezone.now(), actor=world.staff
        )
        motion = motion_propose(meeting=meeting, action=f"第{i}项行动方案", actor=world.staff)
        motion_vote(motion=motion, votes_for=3, votes_against=1, abstentions=0, actor=world.staff)
        motion.refresh_from_db()
        resolution_create(
            community=world.community,
            motion=motion,
            action=f"第{i}项行动",
            responsible="楼长",
            due_on=date(2026, 6, 1),
            actor=world.staff,
        )
    client = login(world.staff)
    with django_assert_max_num_queries(14):
        assert client.get(url(world, "councils/")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url(world, "decisions/")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(url(world, f"councils/meetings/{meeting.pk}/")).status_code == 200
    viewer = login(world.viewer)
    page = viewer.get(url(world, "decisions/")).content.decode()
    assert page.count("data-decision=") == 5


def test_staff_collect_consents_for_a_home_turned_into_a_business(
    world: Any, compound: Compound, login: Any
) -> None:
    client = login(world.staff)
    page = client.get(
        url(world, "councils/consents/"), {"dwelling": "1-1-201", "purpose": "理发店"}
    )
    text = page.content.decode()
    # The neighbours are offered: the same unit on the floors above and below, the same floor.
    for room in ("101", "102", "202", "301", "302"):
        assert f'data-affected="{compound.dwellings[room].pk}"' in text
    assert f'value="{compound.dwellings["102"].pk}" checked' in text
    response = client.post(
        url(world, "councils/consents/"),
        {
            "dwelling": "1-1-201",
            "purpose": "理发店",
            "affected": [compound.dwellings["101"].pk, compound.dwellings["202"].pk],
        },
    )
    assert response.status_code == 302
    case = ConsentCase.objects.get()
    for item in case.consents.all():
        client.post(
            url(world, f"councils/consents/{case.pk}/{item.pk}/"),
            {"answer": "consent", "signed_by": "业主本人"},
        )
    client.post(url(world, f"councils/consents/{case.pk}/close/"))
    case.refresh_from_db()
    assert case.granted is True
    assert (
        b'data-case-state="granted"'
        in client.get(url(world, f"councils/consents/{case.pk}/")).content
    )


def test_residents_answer_polls_and_support_proposals(world: Any, council: Any, login: Any) -> None:
    from peiban.councils.models import Poll, Proposal

    me = Resident.objects.create(community=world.community, name="赵大爷", user=world.resident)
    staff = login(world.staff)
    staff.post(
        url(world, "councils/polls/"),
        {
            "question": "活动室开到几点？",
            "options": "20:00\n21:00",
            "closes": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    staff.post(
        url(world, "councils/proposals/"),
        {"body": council.pk, "action": "在东门设快递存放点", "support_needed": 1},
    )
    poll = Poll.objects.get()
    proposal = Proposal.objects.get()
    client = login(world.resident)
    option = poll.options.first()
    assert option is not None
    client.post(url(world, f"councils/polls/{poll.pk}/answer/"), {"option": option.pk})
    assert poll.answers.filter(resident=me).count() == 1
    client.post(url(world, f"councils/proposals/{proposal.pk}/support/"))
    proposal.refresh_from_db()
    assert proposal.on_agenda_at is not None
    assert b"data-on-agenda" in client.get(url(world, "councils/proposals/")).content


def test_residents_check_a_decision_on_the_board(world: Any, council: Any, login: Any) -> None:
    from peiban.councils.models import ResolutionStatus
    from peiban.councils.services import resolution_progress

    meeting = meeting_schedule(
        body=council, title="议事会", starts_at=timezone.now(), actor=world.staff
    )
    motion = motion_propose(meeting=meeting, action="清理楼道堆物", actor=world.staff)
    motion_vote(motion=motion, votes_for=3, votes_against=1, abstentions=0, actor=world.staff)
    motion.refresh_from_db()
    resolution = resolution_create(
        community=world.community,
        motion=motion,
        action="清理楼道堆物",
        responsible="楼长",
        due_on=date(2026, 6, 1),
        actor=world.staff,
    )
    resolution_progress(resolution=resolution, text="完成", done=True, actor=world.staff)
    Resident.objects.create(community=world.community, name="赵大爷", user=world.resident)
    Resident.objects.create(community=world.community, name="彭女士", user=world.leader)
    for persona in ("resident", "leader"):
        client = login(world.persona(persona))
        assert (
            f'data-check="{resolution.pk}"'.encode() in client.get(url(world, "decisions/")).content
        )
        client.post(url(world, f"decisions/{resolution.pk}/check/"), {"confirmed": "yes"})
    resolution.refresh_from_db()
    assert resolution.status == ResolutionStatus.VERIFIED
    viewer = login(world.viewer)
    assert (
        viewer.post(
            url(world, f"decisions/{resolution.pk}/check/"), {"confirmed": "yes"}
        ).status_code
        == 404
    )
