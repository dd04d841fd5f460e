from __future__ import annotations

from datetime import date

import pytest

from peiban.core.models import AuditEntry
from peiban.groups.models import GroupKind, GroupMember, KindChange, MemberRole
from peiban.groups.selectors import (
    community_overview,
    group_figures,
    kind_moves_to_public_benefit,
    leaders_since,
    members_of,
)
from peiban.groups.services import (
    GroupError,
    group_change_kind,
    group_create,
    member_add,
    member_change_role,
    member_leave,
)
from peiban.places.models import Resident
from tests.conftest import Registry, World
from tests.groups.conftest import Group

pytestmark = pytest.mark.django_db


def test_it_creates_a_group_at_the_emerging_stage_with_its_history(world: World) -> None:
    made = group_create(
        community=world.community,
        name="邻里互助队",
        kind=GroupKind.MUTUAL_AID,
        founded_on=date(2026, 1, 5),
        actor=world.staff,
    )
    assert made.stage == "emerging"
    history = list(made.stage_changes.all())
    assert [(c.from_stage, c.to_stage, c.moved_on) for c in history] == [
        ("", "emerging", date(2026, 1, 5))
    ]
    assert made.plan.version == 1
    assert AuditEntry.objects.filter(subject_type="groups.selforganisation").exists()


def test_it_refuses_a_second_group_of_the_same_name(world: World, group: Group) -> None:
    with pytest.raises(GroupError, match="already exists"):
        group_create(
            community=world.community,
            name="广场舞队",
            kind=GroupKind.INTEREST,
            founded_on=date(2026, 1, 5),
            actor=world.staff,
        )


def test_it_refuses_a_member_who_moved_away(world: World, group: Group, registry: Registry) -> None:
    gone = Resident.objects.create(
        community=world.community,
        household=registry.household,
        name="搬走的王先生",
        lives_here=False,
    )
    with pytest.raises(GroupError, match="no longer lives in the community"):
        member_add(group=group.group, resident=gone, actor=world.staff)
    assert not GroupMember.objects.filter(resident=gone).exists()


def test_a_member_who_moves_away_stops_counting_but_stays_in_the_history(
    world: World, group: Group
) -> None:
    before = group_figures(group.group, date(2026, 3, 1))
    assert before.members == 2
    group.member.lives_here = False
    group.member.save(update_fields=["lives_here"])
    after = group_figures(group.group, date(2026, 3, 1))
    assert after.members == 1
    assert GroupMember.objects.filter(resident=group.member, left_on__isnull=True).exists()


def test_it_refuses_a_resident_of_another_community(
    world: World, group: Group, registry: Registry
) -> None:
    with pytest.raises(GroupError, match="of this community"):
        member_add(group=group.group, resident=registry.foreign_resident, actor=world.staff)


def test_it_refuses_the_same_member_twice(world: World, group: Group) -> None:
    with pytest.raises(GroupError, match="already a member"):
        member_add(group=group.group, resident=group.member, actor=world.staff)


def test_a_role_change_keeps_the_history_and_leaders_since_reports_the_first_day(
    world: World, group: Group
) -> None:
    row = GroupMember.objects.get(resident=group.member, left_on__isnull=True)
    member_change_role(member=row, role=MemberRole.DEPUTY, on=date(2025, 6, 1), actor=world.staff)
    rows = list(GroupMember.objects.filter(resident=group.member).order_by("joined_on"))
    assert [(r.role, r.joined_on, r.left_on) for r in rows] == [
        ("member", date(2025, 2, 1), date(2025, 6, 1)),
        ("deputy", date(2025, 6, 1), None),
    ]
    since = {row["resident_id"]: row["since"] for row in leaders_since(world.community)}
    assert since == {group.leader.pk: date(2025, 1, 10), group.member.pk: date(2025, 6, 1)}
    assert [m.resident for m in members_of(group.group)] == [group.leader, group.member]


def test_a_member_leaves_with_a_date_and_cannot_leave_twice(world: World, group: Group) -> None:
    row = GroupMember.objects.get(resident=group.member, left_on__isnull=True)
    member_leave(member=row, left_on=date(2026, 2, 1), reason="工作忙", actor=world.staff)
    with pytest.raises(GroupError, match="already left"):
        member_leave(member=row, actor=world.staff)
    assert group_figures(group.group, date(2026, 3, 1)).members == 1
    assert group_figures(group.group, date(2026, 1, 1)).members == 2


def test_a_move_from_interest_group_to_public_benefit_is_recorded(
    world: World, group: Group
) -> None:
    group_change_kind(
        group=group.group,
        kind=GroupKind.PUBLIC_BENEFIT,
        on=date(2026, 4, 1),
        reason="开始为独居老人服务",
        actor=world.staff,
    )
    change = KindChange.objects.get()
    assert (change.from_kind, change.to_kind) == ("interest", "public_benefit")
    assert kind_moves_to_public_benefit(world.community) == 1
    assert community_overview(world.community).to_public_benefit == 1
    with pytest.raises(GroupError, match="already of this kind"):
        group_change_kind(group=group.group, kind=GroupKind.PUBLIC_BENEFIT, actor=world.staff)
