"""The demo compound's councils: a resident council with a year of meetings and motions, an
owners' vote on replacing the property company with its ballots and result, a 住改商 consent
case, a closed poll and a proposal gathering support.

Everything goes through the services, drawn from one seeded generator and counted back from the
day of loading; the names come from the demo registry. A compound that already has a council is
left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.utils import timezone

from peiban.core.models import Role
from peiban.councils.models import (
    Assembly,
    BodyKind,
    ConsentAnswer,
    MemberRole,
    PollOption,
    VotingCode,
)
from peiban.councils.procedure import Side
from peiban.councils.services import (
    CouncilError,
    assembly_close,
    assembly_create,
    assembly_open,
    ballot_cast_online,
    ballots_import,
    body_create,
    consent_case_close,
    consent_case_open,
    consent_record,
    hand_raise,
    meeting_close,
    meeting_schedule,
    member_elect,
    motion_debate,
    motion_propose,
    motion_vote,
    poll_answer,
    poll_create,
    presence_record,
    proposal_create,
    proposal_support,
    resolution_check,
    resolution_create,
    resolution_progress,
    turn_end,
    turn_start,
)
from peiban.places.models import Dwelling, Resident

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_SEED = 20260509

MOTIONS = [
    ("由3栋楼长牵头，本周六上午组织清理楼道堆物", "3栋楼长"),
    ("在北门旁增设一处电动自行车集中充电点，由物业在一个月内报价", "物业服务中心"),
    ("每月第一个周日上午开放活动室给孩子们做作业辅导", "亲子志愿队"),
    ("在2栋与5栋之间的空地设置两处晾晒架，由居委会申请微更新资金", "居委会"),
    ("请物业在雨季前疏通东侧下水道，并在公告栏公示完成时间", "物业服务中心"),
    ("组建5人巡楼小组，每周两次夜间巡查消防通道", "巡楼小组"),
    ("与宠物主人约定遛狗时间和区域，并印制文明养犬提示牌", "养犬居民代表"),
    ("将单元门禁卡补办费用降至10元，由业委会与物业协商", "业委会"),
    ("每季度召开一次楼栋议事会，议事结果张贴在单元门口", "各楼长"),
    ("在中心花园增设三张休息长椅，优先方便老人", "居委会"),
    ("楼顶违建问题先由居民代表上门沟通，一个月后再报城管", "居民代表"),
    ("垃圾分类督导志愿者每天早晚各值守一小时", "环保志愿队"),
]


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    community = world.community
    if community.bodies.exists():
        progress(f"{community.name} already has its councils.")
        return
    staff = world.users.get(Role.STAFF)
    residents = list(
        Resident.objects.filter(community=community, lives_here=True, anonymised_at__isnull=True)
        .only("pk", "name", "community_id")
        .order_by("pk")
    )
    if not isinstance(staff, User) or len(residents) < 12:
        progress(f"{community.name} has no staff or too few residents for a council; skipped.")
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    meetings, motions = _council(world, staff, residents, rng)
    ballots = _owners_vote(world, staff, rng)
    consent = _consent_case(world, staff, rng)
    _poll_and_proposal(world, staff, residents, rng)
    progress(
        f"A resident council with {meetings} meetings and {motions} motions; an owners' vote "
        f"with {ballots} ballots; {consent}."
    )


def _at(day: date, hour: int = 19) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _council(
    world: DemoWorld, staff: User, residents: list[Resident], rng: random.Random
) -> tuple[int, int]:
    community = world.community
    body = body_create(
        community=community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name=f"{community.name}居民议事会",
        quorum_percent=50,
        actor=staff,
    )
    today = timezone.localdate()
    members = rng.sample(residents, 9)
    for index, member in enumerate(members):
        member_elect(
            body=body,
            resident=member,
            role=MemberRole.CHAIR if index == 0 else MemberRole.MEMBER,
            term_start=today - timedelta(days=400),
            term_end=today + timedelta(days=330),
            actor=staff,
        )
    motion_count = 0
    for month in range(12, 0, -1):
        day = today - timedelta(days=30 * month)
        meeting = meeting_schedule(
            body=body,
            title=f"{day.year}年{day.month}月居民议事会",
            starts_at=_at(day),
            place="社区活动室",
            agenda="1. 上次决议落实情况\n2. 新动议",
            actor=staff,
        )
        present = rng.sample(members, rng.randint(6, 9))
        presence_record(meeting=meeting, residents=present, actor=staff)
        for _n in range(rng.randint(1, 2)):
            action, _responsible = MOTIONS[motion_count % len(MOTIONS)]
            motion_count += 1
            motion = motion_propose(
                meeting=meeting, action=action, proposer=rng.choice(present), actor=staff
            )
            motion_debate(motion=motion, actor=staff)
            speakers = rng.sample(present, min(4, len(present)))
            for position, speaker in enumerate(speakers):
                side = Side.FOR if position % 2 == 0 else Side.AGAINST
                turn = hand_raise(motion=motion, resident=speaker, side=side, actor=staff)
                turn_start(turn=turn, actor=staff)
                turn_end(turn=turn, actor=staff)
            votes_for = rng.randint(2, len(present))
            votes_against = rng.randint(0, len(present) - votes_for)
            voted = motion_vote(
                motion=motion,
                votes_for=votes_for,
                votes_against=votes_against,
                abstentions=len(present) - votes_for - votes_against,
                actor=staff,
            )
            if voted.passed:
                _follow_up(world, staff, voted, residents, day, month, rng)
        meeting_close(
            meeting=meeting, minutes="会议按南塘议事规则进行，决议见决议公示栏。", actor=staff
        )
    return 12, motion_count


def _follow_up(
    world: DemoWorld,
    staff: User,
    motion: object,
    residents: list[Resident],
    day: date,
    month: int,
    rng: random.Random,
) -> None:
    from peiban.councils.models import Motion

    assert isinstance(motion, Motion)
    responsible = next(r for a, r in MOTIONS if a == motion.action)
    resolution = resolution_create(
        community=world.community,
        motion=motion,
        action=motion.action,
        responsible=responsible,
        due_on=day + timedelta(days=30),
        actor=staff,
    )
    if month <= 1:
        return  # decided last month: not started yet
    resolution_progress(resolution=resolution, text="已开始落实。", actor=staff)
    if month <= 3:
        return
    resolution_progress(resolution=resolution, text="已完成，请居民查看。", done=True, actor=staff)
    if month <= 5:
        return
    for checker in rng.sample(residents, 2):
        resolution_check(resolution=resolution, resident=checker, confirmed=True, actor=staff)


def _owners_vote(world: DemoWorld, staff: User, rng: random.Random) -> int:
    community = world.community
    now = timezone.now()
    assembly = assembly_create(
        community=community,
        title="关于更换物业服务企业的业主共同决定",
        matter=4,
        question="是否解聘现物业服务企业，并由业委会公开选聘新的物业服务企业？",
        notice_given_at=now - timedelta(days=36),
        opens_at=now - timedelta(days=20),
        closes_at=now + timedelta(days=1),
        actor=staff,
    )
    try:
        issued = assembly_open(assembly=assembly, actor=staff)
    except CouncilError:
        return 0
    # Three owners in four vote: some online with their paper code, most on paper ballots that
    # the staff type into a sheet and import.
    voted: set[str] = set()
    online = 0
    sheet = ["地址,意见"]
    words = {"yes": "赞成", "no": "反对", "abstain": "弃权"}
    voter_of = dict(
        VotingCode.objects.filter(assembly=assembly).values_list("dwelling_id", "voter__key")
    )
    for item in issued:
        roll = rng.random()
        key = voter_of[item.dwelling.pk]
        if roll >= 0.75 or key in voted:
            continue
        voted.add(key)
        opinion = "yes" if rng.random() < 0.8 else rng.choice(["no", "abstain"])
        if roll < 0.1:
            ballot_cast_online(assembly=assembly, code=item.code, opinion=opinion)
            online += 1
        else:
            sheet.append(f"{item.dwelling.label},{words[opinion]}")
    imported = ballots_import(
        assembly=assembly,
        data="\n".join(sheet).encode(),
        filename="纸质表决票汇总.csv",
        actor=staff,
    )
    # The demo's history: voting ended five days ago, and the count was published.
    Assembly.objects.filter(pk=assembly.pk).update(closes_at=now - timedelta(days=5))
    assembly.refresh_from_db()
    assembly_close(assembly=assembly, actor=staff)
    if assembly.result.get("passed"):
        resolution_create(
            community=community,
            assembly=assembly,
            action="业委会公开选聘新的物业服务企业并完成交接",
            responsible="业主委员会",
            due_on=timezone.localdate() + timedelta(days=90),
            actor=staff,
        )
    return online + imported.counted


def _consent_case(world: DemoWorld, staff: User, rng: random.Random) -> str:
    ground = (
        Dwelling.objects.filter(community=world.community, floor=1)
        .select_related("building")
        .order_by("pk")
        .first()
    )
    if ground is None:
        return "no ground-floor dwelling for a consent case"
    neighbours = list(
        Dwelling.objects.filter(
            community=world.community, building=ground.building, unit=ground.unit
        )
        .exclude(pk=ground.pk)
        .order_by("floor", "room")[:6]
    )
    if not neighbours:
        return "no neighbours for a consent case"
    case = consent_case_open(
        dwelling=ground, purpose="开办社区便民理发店", affected=neighbours, actor=staff
    )
    consents = list(case.consents.all())
    for consent in consents[:-1]:
        consent_record(
            consent=consent, answer=ConsentAnswer.CONSENT, signed_by="业主本人", actor=staff
        )
    refused = rng.random() < 0.5
    if refused:
        consent_record(
            consent=consents[-1], answer=ConsentAnswer.REFUSE, signed_by="业主本人", actor=staff
        )
        consent_case_close(case=case, actor=staff)
        return "a 住改商 consent case refused by one neighbour"
    return "a 住改商 consent case waiting for one neighbour"


def _poll_and_proposal(
    world: DemoWorld, staff: User, residents: list[Resident], rng: random.Random
) -> None:
    community = world.community
    poll = poll_create(
        community=community,
        question="活动室晚上开放到几点比较合适？",
        options=["20:00", "21:00", "21:30"],
        closes_at=timezone.now() + timedelta(days=7),
        actor=staff,
    )
    options = list(PollOption.objects.filter(poll=poll))
    for resident in rng.sample(residents, min(30, len(residents))):
        poll_answer(poll=poll, resident=resident, options=[rng.choice(options)], actor=staff)
    body = community.bodies.first()
    assert body is not None
    proposal = proposal_create(
        body=body,
        action="在小区东门设置快递集中存放点，由物业提供场地",
        proposer=residents[0],
        support_needed=10,
        actor=staff,
    )
    for supporter in rng.sample(residents, 7):
        proposal_support(proposal=proposal, resident=supporter, actor=staff)
