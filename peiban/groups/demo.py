"""Six self-organisations of the demo compound at different stages, and ten micro-projects.

Each group is given a history written through the services: members joining over time, monthly
meetings (with staff at first, later alone), rules, own funds, coaching sessions, activities it
organised, assessments every half year. Its stage is then moved, one step at a time, on the first
month-end when its records met the next stage's criteria, so the stage history and its evidence
are what the criteria say. The demo leader account leads the square-dance team.

Everything is drawn from one seeded generator and counted back from the day of loading; the
names are invented. A compound that already has self-organisations is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.utils import timezone

from peiban.activities.models import OrganiserKind
from peiban.activities.services import activity_create
from peiban.core.models import Role
from peiban.groups.models import (
    STAGE_ORDER,
    FundingSource,
    GroupKind,
    MemberRole,
    SelfOrganisation,
    Stage,
)
from peiban.groups.selectors import group_figures
from peiban.groups.services import (
    GROUP_DIMENSIONS,
    LEADER_DIMENSIONS,
    assessment_record,
    budget_line_add,
    coaching_record,
    evaluation_give,
    expense_record,
    fund_record,
    group_change_kind,
    group_create,
    log_write,
    meeting_record,
    member_add,
    microproject_approve,
    microproject_complete,
    microproject_reject,
    milestone_add,
    milestone_reach,
    plan_update,
    project_propose,
    rules_adopt,
    stage_move,
    training_record,
)
from peiban.groups.stages import stage_index, stage_reached
from peiban.places.models import Resident

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_SEED = 20260501


@dataclass(frozen=True)
class _Plan:
    name: str
    kind: str
    months: int  # age of the group
    members: int
    leaders: int
    staff_months: int  # months of coaching and of meetings with staff, from the founding
    rules: bool
    funds: bool
    activities: int  # activities organised in the last year
    moved_to: str = ""  # a later kind, for a move to public-benefit work
    purpose: str = ""


PLANS = (
    _Plan(
        "夕阳红广场舞队",
        GroupKind.INTEREST,
        36,
        18,
        2,
        14,
        True,
        True,
        8,
        purpose="每晚在中心广场跳舞，节假日为社区活动表演。",
    ),
    _Plan(
        "邻里互助队",
        GroupKind.MUTUAL_AID,
        24,
        14,
        2,
        30,
        True,
        True,
        3,
        purpose="为独居老人代买代办、陪同就医。",
    ),
    _Plan(
        "书画社",
        GroupKind.INTEREST,
        20,
        13,
        2,
        30,
        True,
        True,
        3,
        moved_to=GroupKind.PUBLIC_BENEFIT,
        purpose="从练字作画到为邻居写春联、办公益书画课。",
    ),
    _Plan(
        "楼道志愿服务队",
        GroupKind.VOLUNTEER,
        12,
        9,
        1,
        30,
        False,
        False,
        1,
        purpose="每月一次楼道清扫与安全巡查。",
    ),
    _Plan(
        "业委会筹备支持小组",
        GroupKind.OWNERS_COMMITTEE,
        8,
        9,
        1,
        30,
        False,
        False,
        0,
        purpose="协助业主了解业主大会的程序，准备筹备组材料。",
    ),
    _Plan(
        "亲子读书会",
        GroupKind.INTEREST,
        2,
        4,
        1,
        30,
        False,
        False,
        0,
        purpose="周末在活动室亲子共读。",
    ),
)

PROJECTS = (
    # title, goal, source, budget lines, state
    (
        "楼道绿植角",
        "把3栋楼道变成有绿植的邻里角。",
        FundingSource.COMMUNITY_FUND,
        (("绿萝和花盆", "600"), ("置物架", "400")),
        "completed",
    ),
    (
        "广场舞音响更新",
        "更换老旧音响，音量可控，减少扰民。",
        FundingSource.COMMUNITY_FUND,
        (("便携音响", "1200"),),
        "completed",
    ),
    (
        "独居老人生日会",
        "每季度为独居老人过集体生日。",
        FundingSource.DONATIONS,
        (("蛋糕", "500"), ("布置材料", "150")),
        "completed",
    ),
    (
        "春联义写",
        "为全小区写春联、送福字。",
        FundingSource.NGO,
        (("红纸和墨汁", "300"),),
        "approved",
    ),
    (
        "楼道安全巡查",
        "每月巡查楼道消防通道和电动车充电。",
        FundingSource.COMMUNITY_FUND,
        (("巡查马甲和手电", "450"),),
        "approved",
    ),
    (
        "亲子绘本角",
        "在活动室设绘本角，每周开放两次。",
        FundingSource.COMMUNITY_FUND,
        (("绘本", "1500"), ("书架", "800")),
        "approved",
    ),
    (
        "业主大会知识讲座",
        "请律师讲解业主大会的程序。",
        FundingSource.NGO,
        (("讲座材料印刷", "200"),),
        "proposed",
    ),
    (
        "单元门禁维修",
        "修好2栋单元门禁。",
        FundingSource.COMMUNITY_FUND,
        (("门禁配件", "900"),),
        "rejected",
    ),
    (
        "中秋邻里宴",
        "中秋节请邻居们一起做月饼。",
        FundingSource.DONATIONS,
        (("面粉和馅料", "400"),),
        "proposed",
    ),
    (
        "儿童暑期托管",
        "暑假为双职工家庭提供半日托管。",
        FundingSource.COMMUNITY_FUND,
        (),
        "proposed",
    ),
)


def _at(day: date, hour: int = 19) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class _History:
    def __init__(self, *, world: DemoWorld, residents: list[Resident], rng: random.Random) -> None:
        self.community = world.community
        self.staff = cast(User, world.users[Role.STAFF])
        self.leader_account = cast(User | None, world.users.get(Role.RESIDENT_LEADER))
        self.residents = residents
        self.rng = rng
        self.today = timezone.localdate()
        self.cursor = 0
        self.groups: list[SelfOrganisation] = []
        self.leaders: dict[int, list[Resident]] = {}

    def people(self, count: int) -> list[Resident]:
        count = min(count, len(self.residents))
        chosen = [self.residents[(self.cursor + i) % len(self.residents)] for i in range(count)]
        self.cursor += count
        return chosen

    def group(self, plan: _Plan, index: int) -> SelfOrganisation:
        founded = self.today - timedelta(days=30 * plan.months)
        group = group_create(
            community=self.community,
            name=plan.name,
            kind=plan.kind,
            founded_on=founded,
            purpose=plan.purpose,
            actor=self.staff,
        )
        people = self.people(plan.members)
        if index == 0 and self.leader_account is not None:
            mine = Resident.objects.filter(
                community=self.community, user=self.leader_account
            ).first()
            if mine is None:
                people[0].user = self.leader_account
                people[0].save(update_fields=["user"])
            elif mine not in people:
                people[0] = mine
        span = max((self.today - founded).days // 2, 1)
        for n, resident in enumerate(people):
            role = (
                MemberRole.LEADER
                if n == 0
                else MemberRole.DEPUTY
                if n < plan.leaders
                else (
                    MemberRole.TREASURER if n == plan.leaders and plan.funds else MemberRole.MEMBER
                )
            )
            joined = founded if n < 3 else founded + timedelta(days=self.rng.randrange(span))
            member_add(
                group=group, resident=resident, role=role, joined_on=joined, actor=self.staff
            )
        self.leaders[group.pk] = people[: plan.leaders]
        months = plan.months
        for month in range(1, months + 1):
            day = founded + timedelta(days=30 * month - 3)
            if day >= self.today:
                break
            with_staff = month <= plan.staff_months
            meeting_record(
                group=group,
                starts_at=_at(day),
                topic=f"{plan.name}第{month}次例会",
                attendees=max(3, min(plan.members, 3 + month // 2)),
                staff_present=with_staff,
                minutes="讨论本月安排，分工落实。",
                actor=self.staff,
            )
            if with_staff and month % 2 == 1:
                coaching_record(
                    group=group,
                    held_on=day - timedelta(days=1),
                    minutes_spent=self.rng.choice((60, 90, 120)),
                    topic=self.rng.choice(("会议主持", "财务公开", "招募新成员", "活动策划")),
                    actor=self.staff,
                )
        meeting_record(
            group=group,
            starts_at=_at(self.today + timedelta(days=5)),
            topic="下次例会",
            place="活动室",
            actor=self.staff,
        )
        if months >= 6:
            training_record(
                group=group,
                held_on=founded + timedelta(days=60),
                topic="如何开好小组会议",
                trainer="社工",
                attendees=plan.members // 2,
                actor=self.staff,
            )
        if plan.rules:
            rules_adopt(
                group=group,
                text=f"{plan.name}章程\n第一条 本组织由小区居民自愿组成。\n"
                "第二条 每月召开一次例会。\n第三条 经费收支每季度公开。",
                adopted_on=founded + timedelta(days=120),
                actor=self.staff,
            )
        if plan.funds:
            fund_record(
                group=group,
                kind="income",
                amount="600",
                description="成员会费",
                occurred_on=founded + timedelta(days=100),
                actor=self.staff,
            )
            fund_record(
                group=group,
                kind="income",
                amount="300",
                description="邻居捐赠",
                occurred_on=founded + timedelta(days=200),
                actor=self.staff,
            )
            fund_record(
                group=group,
                kind="spending",
                amount="180.50",
                description="活动物资",
                occurred_on=founded + timedelta(days=220),
                actor=self.staff,
            )
        for n in range(plan.activities):
            start = _at(self.today - timedelta(days=20 + 40 * n), 9)
            activity_create(
                community=self.community,
                title=f"{plan.name}活动{n + 1}",
                kind="interest_group",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                organiser_kind=OrganiserKind.SELF_ORGANISATION,
                organiser_group=group,
                actor=self.staff,
            )
        if plan.moved_to:
            group_change_kind(
                group=group,
                kind=plan.moved_to,
                on=self.today - timedelta(days=90),
                reason="开始为邻居提供公益服务",
                actor=self.staff,
            )
        plan_update(
            group=group,
            goals="一年内成员稳定在15人以上；建立经费公开制度；每年办两次面向全小区的活动。",
            without_staff="自己召集例会、排练和记账；自己联系场地。" if plan.months > 12 else "",
            version=group.plan.version,
            actor=self.staff,
        )
        milestone = milestone_add(
            group=group, title="通过章程", due_on=founded + timedelta(days=150), actor=self.staff
        )
        if plan.rules:
            milestone_reach(milestone=milestone, on=founded + timedelta(days=120), actor=self.staff)
        self.assess(group, plan, founded)
        self.move_stages(group, founded)
        return group

    def assess(self, group: SelfOrganisation, plan: _Plan, founded: date) -> None:
        first_year = founded.year
        periods = [
            f"{year}H{half}"
            for year in range(first_year, self.today.year + 1)
            for half in (1, 2)
            if date(year, 1 if half == 1 else 7, 1) >= founded.replace(day=1)
            and date(year, 6 if half == 1 else 12, 28) <= self.today + timedelta(days=180)
        ][-4:]
        for n, period in enumerate(periods):
            base = 2 + n * 0.6
            assessment_record(
                group=group,
                kind="group",
                period=period,
                scores={
                    d: max(1, min(5, round(base + self.rng.uniform(-0.6, 0.6))))
                    for d in GROUP_DIMENSIONS
                },
                actor=self.staff,
            )
            for leader in self.leaders[group.pk]:
                assessment_record(
                    group=group,
                    kind="leader",
                    leader=leader,
                    period=period,
                    scores={
                        d: max(1, min(5, round(base + self.rng.uniform(-0.4, 0.8))))
                        for d in LEADER_DIMENSIONS
                    },
                    actor=self.staff,
                )

    def move_stages(self, group: SelfOrganisation, founded: date) -> None:
        day = founded + timedelta(days=30)
        current = Stage.EMERGING.value
        while day <= self.today:
            reached = stage_reached(group_figures(group, day))
            while stage_index(reached) > stage_index(current):
                current = STAGE_ORDER[stage_index(current) + 1]
                stage_move(
                    group=group, to_stage=current, on=day, note="依据当月记录", actor=self.staff
                )
            day += timedelta(days=30)

    def projects(self) -> int:
        groups = self.groups
        for n, (title, goal, source, lines, state) in enumerate(PROJECTS):
            group = groups[n % len(groups)] if n % 3 != 2 else None
            proposer = None if group else self.residents[(n * 7) % len(self.residents)]
            project = project_propose(
                community=self.community,
                title=title,
                goal=goal,
                funding_source=source,
                group=group,
                proposer=proposer,
                year=self.today.year,
                actor=self.staff,
            )
            made = [
                budget_line_add(project=project, description=d, amount=a, actor=self.staff)
                for d, a in lines
            ]
            decided = self.today - timedelta(days=60 - n * 3)
            if state == "rejected":
                microproject_reject(
                    project=project,
                    approved_by="居民议事会",
                    decided_on=decided,
                    decision_text="属于物业维修责任，请物业公司处理。",
                    actor=self.staff,
                )
                continue
            if state == "proposed":
                continue
            project = microproject_approve(
                project=project,
                approved_by="居民议事会",
                decided_on=decided,
                approval_ref=f"议事会决议 {decided:%Y-%m} 第{n + 1}号",
                actor=self.staff,
            )
            for line in made:
                expense_record(
                    project=project,
                    line=line,
                    amount=str(int(line.amount) * 9 // 10),
                    description=f"{line.description}（已购）",
                    paid_on=decided + timedelta(days=7),
                    actor=self.staff,
                )
            log_write(
                project=project,
                text="采购完成，组织邻居一起布置。",
                on=decided + timedelta(days=8),
                actor=self.staff,
            )
            if state == "completed":
                project = microproject_complete(
                    project=project,
                    report="项目按计划完成，参与邻居反映良好。",
                    completed_on=decided + timedelta(days=20),
                    actor=self.staff,
                )
                for resident in self.rng.sample(self.residents, min(6, len(self.residents))):
                    evaluation_give(
                        project=project, resident=resident, rating=self.rng.choice((4, 5, 5))
                    )
        return len(PROJECTS)


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    """Add the demo compound's self-organisations and micro-projects; skip if it has groups."""
    community = world.community
    if SelfOrganisation.objects.filter(community=community).exists():
        progress(f"{community.name} already has its self-organisations.")
        return
    residents = list(
        Resident.objects.filter(community=community, lives_here=True, anonymised_at__isnull=True)
        .defer("phone", "id_number", "sensitive_note")
        .order_by("pk")
    )
    if Role.STAFF not in world.users or len(residents) < 20:
        progress(
            f"{community.name} has no staff or too few residents for self-organisations; skipped."
        )
        return
    history = _History(world=world, residents=residents, rng=random.Random(seed))  # noqa: S311
    for index, plan in enumerate(PLANS):
        history.groups.append(history.group(plan, index))
    count = history.projects()
    stages = ", ".join(
        f"{g.name} {Stage(SelfOrganisation.objects.get(pk=g.pk).stage).label}"
        for g in history.groups
    )
    progress(f"{len(history.groups)} self-organisations ({stages}) and {count} micro-projects.")
