"""The rest of the councils API: meetings, the speaking order, decisions checked by residents,
polls, proposals, Art. 279 consent cases and requisitions, with scope and query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peiban.councils.models import BodyKind, BodyMember, Consent, Poll, Resolution
from peiban.councils.services import (
    body_create,
    consent_case_open,
    meeting_schedule,
    motion_propose,
    motion_vote,
    poll_create,
    proposal_create,
    requisition_create,
    resolution_create,
    resolution_progress,
)
from peiban.places.models import Building, Dwelling, Resident
from tests.councils.conftest import Compound

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {}, content_type=JSON)


def council(world: Any, kind: str = BodyKind.RESIDENT_COUNCIL) -> Any:
    return body_create(community=world.community, kind=kind, name="居民议事会", actor=world.staff)


def people(world: Any, *names: str) -> list[Resident]:
    return [Resident.objects.create(community=world.community, name=name) for name in names]


def linked(world: Any, user: Any, name: str) -> Resident:
    return Resident.objects.create(community=world.community, name=name, user=user)


# --- Meetings -------------------------------------------------------------------------------------


def test_a_leader_schedules_a_meeting_records_presence_and_closes_it(
    world: Any, login: Any
) -> None:
    body = council(world)
    body.quorum_percent = 50
    body.save(update_fields=["quorum_percent"])
    members = people(world, "张伟", "李娜", "王芳", "刘洋")
    for member in members:
        BodyMember.objects.create(body=body, resident=member, term_start=timezone.localdate())
    client = login(world.leader)
    base = f"/api/v1/communities/{world.community.slug}"
    made = post(
        client,
        f"{base}/bodies/{body.pk}/meetings",
        {"title": "十二月议事会", "starts_at": (timezone.now() + timedelta(hours=2)).isoformat()},
    )
    assert made.status_code == 200, made.content
    meeting = made.json()
    assert meeting["quorum"] == {"present": 0, "members": 4, "needed": 2, "met": False}
    present = post(
        client, f"{base}/meetings/{meeting['id']}/attendance", {"residents": [members[0].pk]}
    )
    assert present.json() == {"present": 1, "members": 4, "needed": 2, "met": False}
    present = post(
        client, f"{base}/meetings/{meeting['id']}/attendance", {"residents": [members[1].pk]}
    )
    assert present.json()["met"] is True
    closed = post(client, f"{base}/meetings/{meeting['id']}/close", {"minutes": "议定：修路灯。"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["minutes"] == "议定：修路灯。"
    listed = client.get(f"{base}/meetings").json()
    assert [m["id"] for m in listed] == [meeting["id"]]


def test_attendance_of_someone_from_elsewhere_is_a_422(world: Any, login: Any) -> None:
    meeting = meeting_schedule(
        body=council(world), title="议事会", starts_at=timezone.now(), actor=world.staff
    )
    far = Resident.objects.create(community=world.other_community, name="外人")
    response = post(
        login(world.staff),
        f"/api/v1/communities/{world.community.slug}/meetings/{meeting.pk}/attendance",
        {"residents": [far.pk]},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_resident"


def test_short_notice_of_an_owners_assembly_is_flagged(world: Any, login: Any) -> None:
    body = council(world, BodyKind.OWNERS_ASSEMBLY)
    meeting = meeting_schedule(
        body=body, title="业主大会", starts_at=timezone.now() + timedelta(days=10), actor=None
    )
    response = post(
        login(world.staff),
        f"/api/v1/communities/{world.community.slug}/meetings/{meeting.pk}/notice",
    )
    assert response.status_code == 200
    assert response.json()["short"] is True
    assert "15 days ahead" in response.json()["message"]


def test_meetings_are_not_for_government_viewers(world: Any, login: Any) -> None:
    meeting = meeting_schedule(
        body=council(world), title="议事会", starts_at=timezone.now(), actor=None
    )
    client = login(world.viewer)
    base = f"/api/v1/communities/{world.community.slug}"
    assert client.get(f"{base}/meetings").status_code == 404
    assert client.get(f"{base}/meetings/{meeting.pk}").status_code == 404
    assert client.get(f"{base}/bodies").status_code == 200


# --- The speaking order ---------------------------------------------------------------------------


def test_the_chair_runs_the_speaking_order_through_the_api(world: Any, login: Any) -> None:
    body = council(world)
    meeting = meeting_schedule(body=body, title="议事会", starts_at=timezone.now(), actor=None)
    client = login(world.leader)
    base = f"/api/v1/communities/{world.community.slug}"
    motion = post(client, f"{base}/meetings/{meeting.pk}/motions", {"action": "在北门装路灯"})
    assert motion.status_code == 200
    pk = motion.json()["id"]
    floor = post(client, f"{base}/motions/{pk}/debate").json()
    assert "do not argue" in floor["reminder"]
    zhang, li, wang = people(world, "张伟", "李娜", "王芳")
    post(client, f"{base}/motions/{pk}/hands", {"resident": zhang.pk, "side": "for"})
    post(client, f"{base}/motions/{pk}/hands", {"resident": li.pk, "side": "for"})
    post(client, f"{base}/motions/{pk}/hands", {"resident": wang.pk, "side": "against"})
    floor = post(client, f"{base}/motions/{pk}/next").json()
    assert floor["speaking"]["name"] == "张伟"
    assert [t["name"] for t in floor["queue"]] == ["王芳", "李娜"]  # for and against alternate
    ended = post(client, f"{base}/motions/{pk}/turns/{floor['speaking']['id']}/end").json()
    assert ended["speaking"] is None
    assert [t["name"] for t in ended["spoken"]] == ["张伟"]
    again = post(client, f"{base}/motions/{pk}/hands", {"resident": li.pk, "side": "for"})
    assert again.status_code == 422
    assert "already waiting to speak" in again.json()["message"]
    assert client.get(f"{base}/motions/{pk}/floor").json()["turns_cap"] == 2


def test_next_speaker_with_nobody_waiting_is_a_clear_refusal(world: Any, login: Any) -> None:
    meeting = meeting_schedule(
        body=council(world), title="议事会", starts_at=timezone.now(), actor=None
    )
    motion = motion_propose(meeting=meeting, action="清理楼道堆物", actor=None)
    client = login(world.staff)
    base = f"/api/v1/communities/{world.community.slug}"
    post(client, f"{base}/motions/{motion.pk}/debate")
    response = post(client, f"{base}/motions/{motion.pk}/next")
    assert response.status_code == 422
    assert response.json() == {"code": "nobody_waiting", "message": "Nobody is waiting to speak."}


# --- Decisions checked by residents ---------------------------------------------------------------


def test_two_residents_confirm_a_decision_through_the_api(
    world: Any, login: Any, django_user_model: Any
) -> None:
    meeting = meeting_schedule(
        body=council(world), title="议事会", starts_at=timezone.now(), actor=None
    )
    motion = motion_propose(meeting=meeting, action="修好北门的路灯", actor=None)
    motion_vote(motion=motion, votes_for=4, votes_against=3, abstentions=2, actor=None)
    motion.refresh_from_db()
    decision = resolution_create(
        community=world.community,
        action="修好北门的路灯",
        responsible="物业",
        due_on=timezone.localdate(),
        motion=motion,
        actor=None,
    )
    base = f"/api/v1/communities/{world.community.slug}/decisions/{decision.pk}"
    leader = login(world.leader)
    assert post(leader, f"{base}/progress", {"text": "已报修", "done": True}).status_code == 200
    linked(world, world.resident, "张伟")
    resident = Client()
    resident.force_login(world.resident)
    first = post(resident, f"{base}/checks", {"confirmed": True})
    assert first.json()["status"] == "reported_done"
    neighbour = django_user_model.objects.create_user("neighbour")
    from peiban.core.models import Membership, Role

    membership = Membership.objects.create(
        user=neighbour, organisation=world.organisation, role=Role.RESIDENT
    )
    membership.communities.add(world.community)
    linked(world, neighbour, "李娜")
    other = Client()
    other.force_login(neighbour)
    second = post(other, f"{base}/checks", {"confirmed": True, "note": "灯亮了"})
    assert second.json()["status"] == "verified"
    assert Resolution.objects.get(pk=decision.pk).verified_at is not None


def test_a_resident_without_a_resident_record_is_told_so(world: Any, login: Any) -> None:
    decision = Resolution.objects.create(
        community=world.community, action="x", responsible="y", due_on=timezone.localdate()
    )
    resolution_progress(resolution=decision, text="好了", done=True, actor=None)
    response = post(
        login(world.resident),
        f"/api/v1/communities/{world.community.slug}/decisions/{decision.pk}/checks",
        {"confirmed": True},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_linked"


# --- Polls ----------------------------------------------------------------------------------------


def test_poll_results_are_shown_only_after_closing(world: Any, login: Any) -> None:
    staff = login(world.staff)
    base = f"/api/v1/communities/{world.community.slug}/polls"
    made = post(
        staff,
        base,
        {
            "question": "活动室几点关门？",
            "options": ["20:00", "21:00"],
            "closes_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert made.status_code == 200, made.content
    poll = made.json()
    assert poll["results"] is None
    assert poll["closed"] is False
    linked(world, world.resident, "张伟")
    resident = Client()
    resident.force_login(world.resident)
    answered = post(
        resident, f"{base}/{poll['id']}/answers", {"options": [poll["options"][1]["id"]]}
    )
    assert answered.status_code == 200
    twice = post(resident, f"{base}/{poll['id']}/answers", {"options": [poll["options"][0]["id"]]})
    assert twice.status_code == 422
    viewer = Client()
    viewer.force_login(world.viewer)
    assert viewer.get(f"{base}/{poll['id']}").json()["results"] is None
    Poll.objects.filter(pk=poll["id"]).update(closes_at=timezone.now() - timedelta(seconds=1))
    closed = viewer.get(f"{base}/{poll['id']}").json()
    assert closed["results"] == [
        {"option": "20:00", "answers": 0},
        {"option": "21:00", "answers": 1},
    ]
    assert post(viewer, f"{base}/{poll['id']}/answers", {"options": []}).status_code == 404


def test_the_poll_list_takes_a_bounded_number_of_queries(
    world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    now = timezone.now()
    for n in range(12):
        poll_create(
            community=world.community,
            question=f"问题{n}",
            options=["是", "否"],
            closes_at=now + timedelta(days=1 if n % 2 else -1),
            actor=None,
        )
    client = login(world.resident)
    # Six to find the resident's standing, three for the polls, their options and the counts.
    with django_assert_max_num_queries(9):
        listed = client.get(f"/api/v1/communities/{world.community.slug}/polls")
    assert len(listed.json()) == 12
    assert sum(p["results"] is not None for p in listed.json()) == 6


# --- Proposals ------------------------------------------------------------------------------------


def test_a_need_becomes_a_proposal_is_supported_and_becomes_a_motion(
    world: Any, login: Any
) -> None:
    from peiban.needs.models import Need
    from peiban.needs.services import categories_ensure, need_raise

    body = council(world)
    need = need_raise(
        community=world.community,
        title="快递没地方放",
        category=categories_ensure(world.organisation)[0],
        channel="visit",
        recorded_by=world.staff,
    )
    base = f"/api/v1/communities/{world.community.slug}/proposals"
    made = post(
        login(world.staff),
        base,
        {"body": body.pk, "action": "设快递存放点", "need": need.pk, "support_needed": 1},
    )
    assert made.status_code == 200, made.content
    proposal = made.json()
    assert proposal["need"] == need.pk
    assert Need.objects.get(pk=need.pk).proposal_ref == str(proposal["id"])
    linked(world, world.resident, "张伟")
    resident = Client()
    resident.force_login(world.resident)
    supported = post(resident, f"{base}/{proposal['id']}/support").json()
    assert supported["on_agenda"] is True
    assert supported["supporters"] == 1
    assert post(resident, f"{base}/{proposal['id']}/motion", {"meeting": 1}).status_code == 404
    meeting = meeting_schedule(body=body, title="议事会", starts_at=timezone.now(), actor=None)
    leader = Client()
    leader.force_login(world.leader)
    motion = post(leader, f"{base}/{proposal['id']}/motion", {"meeting": meeting.pk})
    assert motion.status_code == 200
    assert motion.json()["action"] == "设快递存放点"
    listed = resident.get(base).json()
    assert listed[0]["motion"] == motion.json()["id"]


def test_a_proposal_from_a_need_of_another_community_is_refused(world: Any, login: Any) -> None:
    from peiban.needs.services import categories_ensure, need_raise

    far_need = need_raise(
        community=world.other_community,
        title="别处的事",
        category=categories_ensure(world.organisation)[0],
        channel="visit",
        recorded_by=world.admin,
    )
    response = post(
        login(world.staff),
        f"/api/v1/communities/{world.community.slug}/proposals",
        {"body": council(world).pk, "action": "设快递存放点", "need": far_need.pk},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_need"


# --- Homes turned into businesses (Art. 279) -------------------------------------------------------


def test_a_consent_case_is_granted_only_when_everyone_consents(
    world: Any, compound: Compound, login: Any
) -> None:
    client = login(world.staff)
    base = f"/api/v1/communities/{world.community.slug}/consent-cases"
    homes = compound.dwellings
    made = post(
        client,
        base,
        {
            "dwelling": homes["101"].pk,
            "purpose": "理发店",
            "affected": [homes["102"].pk, homes["201"].pk],
        },
    )
    assert made.status_code == 200, made.content
    case = made.json()
    assert case["pending"] == 2
    first, second = case["consents"]
    post(
        client,
        f"{base}/{case['id']}/consents/{first['id']}",
        {"answer": "consent", "signed_by": "李娜"},
    )
    refused = post(
        client,
        f"{base}/{case['id']}/consents/{second['id']}",
        {"answer": "refuse", "signed_by": "李娜"},
    ).json()
    assert (refused["consent"], refused["refuse"], refused["pending"]) == (1, 1, 0)
    closed = post(client, f"{base}/{case['id']}/close").json()
    assert closed["closed"] is True
    assert closed["granted"] is False
    again = post(
        client,
        f"{base}/{case['id']}/consents/{second['id']}",
        {"answer": "consent", "signed_by": "x"},
    )
    assert again.status_code == 422
    assert again.json()["message"] == "This case is closed."


def test_consent_cases_are_for_staff_only(world: Any, compound: Compound) -> None:
    case = consent_case_open(
        dwelling=compound.dwellings["101"],
        purpose="理发店",
        affected=[compound.dwellings["102"]],
        actor=None,
    )
    item = Consent.objects.get(case=case)
    base = f"/api/v1/communities/{world.community.slug}/consent-cases"
    for persona in ("leader", "resident", "viewer", "other_staff"):
        client = Client()
        client.force_login(world.persona(persona))
        assert client.get(base).status_code == 404, persona
        assert client.get(f"{base}/{case.pk}").status_code == 404, persona
        answer = post(
            client, f"{base}/{case.pk}/consents/{item.pk}", {"answer": "consent", "signed_by": "x"}
        )
        assert answer.status_code == 404, persona


def test_affected_dwellings_of_another_community_are_refused(
    world: Any, compound: Compound, login: Any
) -> None:
    far = Dwelling.objects.create(
        community=world.other_community,
        building=Building.objects.create(community=world.other_community, label="9"),
        room="101",
    )
    response = post(
        login(world.staff),
        f"/api/v1/communities/{world.community.slug}/consent-cases",
        {"dwelling": compound.dwellings["101"].pk, "purpose": "理发店", "affected": [far.pk]},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_dwelling"


# --- Requisitions ---------------------------------------------------------------------------------


def test_a_requisition_is_counted_through_the_api(
    world: Any, compound: Compound, login: Any
) -> None:
    client = login(world.staff)
    base = f"/api/v1/communities/{world.community.slug}/requisitions"
    made = post(client, base, {"purpose": "讨论更换物业公司"}).json()
    assert made["count"]["reached"] is False
    assert made["count"]["total_area"] == "500.75"
    signed = post(
        client,
        f"{base}/{made['id']}/signatures",
        {"dwelling": compound.dwellings["102"].pk, "signed_by": "李娜"},
    ).json()
    assert signed["count"] == {
        "total_area": "500.75",
        "total_heads": 4,
        "signed_area": "150.25",
        "signed_heads": 1,
        "area_reached": True,
        "heads_reached": True,
        "reached": True,
    }
    assert signed["reached_at"] is not None
    twice = post(
        client,
        f"{base}/{made['id']}/signatures",
        {"dwelling": compound.dwellings["201"].pk, "signed_by": "李娜"},
    )
    assert twice.status_code == 422
    assert "already signed" in twice.json()["message"]
    assert client.get(base).json()[0]["signatures"] == 1


def test_requisitions_are_not_for_viewers_or_other_staff(world: Any, compound: Compound) -> None:
    requisition = requisition_create(community=world.community, purpose="临时会议", actor=None)
    base = f"/api/v1/communities/{world.community.slug}/requisitions"
    for persona in ("leader", "viewer", "other_staff", "outsider"):
        client = Client()
        client.force_login(world.persona(persona))
        assert client.get(base).status_code == 404, persona
        assert client.get(f"{base}/{requisition.pk}").status_code == 404, persona


# --- Lists stay cheap -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["meetings", "bodies", "proposals", "consent-cases", "requisitions"]
)
def test_lists_take_a_bounded_number_of_queries(
    world: Any, compound: Compound, login: Any, path: str, django_assert_max_num_queries: Any
) -> None:
    body = council(world)
    for n in range(8):
        meeting_schedule(body=body, title=f"会{n}", starts_at=timezone.now(), actor=None)
        proposal_create(body=body, action=f"提议{n}号事项", actor=None)
        consent_case_open(
            dwelling=compound.dwellings["101"],
            purpose=f"店{n}",
            affected=[compound.dwellings["102"]],
            actor=None,
        )
        requisition_create(community=world.community, purpose=f"临时会议{n}", actor=None)
    client = login(world.staff)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/communities/{world.community.slug}/{path}")
    assert response.status_code == 200
    assert len(response.json()) >= 1
