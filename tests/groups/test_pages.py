from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peiban.groups.models import Expense, GroupMember, Meeting
from peiban.groups.services import (
    budget_line_add,
    fund_record,
    microproject_approve,
    project_propose,
)
from peiban.places.models import Resident
from tests.conftest import Registry, World
from tests.groups.conftest import Group

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def url(name: str, world: World, **kwargs: Any) -> str:
    return reverse(f"groups:{name}", kwargs={"community": world.community.slug, **kwargs})


def test_a_group_leader_adds_a_member_and_records_a_meeting(
    world: World, group: Group, registry: Registry, login: Any
) -> None:
    newcomer = Resident.objects.create(
        community=world.community, household=registry.household, name="李阿姨"
    )
    client = login(world.leader)
    page = client.get(url("members", world, pk=group.group.pk), {"q": "李阿姨"})
    assert f'data-result="{newcomer.pk}"'.encode() in page.content
    response = client.post(
        url("members", world, pk=group.group.pk), {"resident": newcomer.pk, "role": "member"}
    )
    assert response.status_code == 302
    assert GroupMember.objects.filter(group=group.group, resident=newcomer).exists()
    response = client.post(
        url("meetings", world, pk=group.group.pk),
        {"date": "2026-05-01", "time": "19:30", "topic": "五月例会", "attendees": "12"},
    )
    assert response.status_code == 302
    assert Meeting.objects.get().attendees == 12


def test_a_member_sees_the_group_but_cannot_manage_it(
    world: World, group: Group, registry: Registry, login: Any
) -> None:
    client = login(world.resident)
    assert client.get(url("detail", world, pk=group.group.pk)).status_code == 200
    page = client.get(url("members", world, pk=group.group.pk))
    assert "张*".encode() in page.content  # names are masked for members who do not lead
    assert "张伟".encode() not in page.content
    response = client.post(
        url("members", world, pk=group.group.pk), {"resident": registry.resident.pk}
    )
    assert response.status_code == 404
    response = client.post(
        url("fund", world, pk=group.group.pk),
        {"kind": "income", "amount": "10", "description": "x", "occurred_on": "2026-05-01"},
    )
    assert response.status_code == 404


def test_a_member_who_moved_away_is_refused_with_a_message(
    world: World, group: Group, registry: Registry, login: Any
) -> None:
    gone = Resident.objects.create(
        community=world.community, household=registry.household, name="王先生", lives_here=False
    )
    client = login(world.leader)
    response = client.post(
        url("members", world, pk=group.group.pk),
        {"resident": gone.pk, "role": "member"},
        follow=True,
    )
    assert (
        "王先生不再住在本小区".encode() in response.content
        or b"no longer lives" in response.content
    )
    assert not GroupMember.objects.filter(resident=gone).exists()


def test_a_refused_fund_entry_keeps_what_was_typed(world: World, group: Group, login: Any) -> None:
    client = login(world.leader)
    response = client.post(
        url("fund", world, pk=group.group.pk),
        {
            "kind": "spending",
            "amount": "88",
            "description": "队服定做",
            "occurred_on": "2026-05-01",
        },
    )
    assert response.status_code == 200
    assert "队服定做".encode() in response.content
    assert b"errorlist" in response.content


def test_the_second_of_two_plan_editors_sees_both_texts(
    world: World, group: Group, login: Any
) -> None:
    version = group.group.plan.version
    first = login(world.leader)
    first.post(
        url("plan", world, pk=group.group.pk),
        {"goals": "发展到15人", "without_staff": "", "version": version},
    )
    second = login(world.staff)
    response = second.post(
        url("plan", world, pk=group.group.pk),
        {"goals": "每月两次例会", "without_staff": "", "version": version},
    )
    assert response.status_code == 200
    assert "发展到15人".encode() in response.content  # theirs, shown
    assert "每月两次例会".encode() in response.content  # mine, kept in the form
    assert b"data-plan-conflict" in response.content
    group.group.plan.refresh_from_db()
    assert group.group.plan.goals == "发展到15人"


def test_an_expense_over_budget_on_the_page_says_so(world: World, group: Group, login: Any) -> None:
    project = project_propose(
        community=world.community,
        title="绿植角",
        goal="楼道绿化",
        funding_source="ngo",
        group=group.group,
        actor=world.staff,
    )
    line = budget_line_add(project=project, description="绿植", amount="100", actor=world.staff)
    microproject_approve(
        project=project, approved_by="居民议事会", decided_on=date(2026, 5, 1), actor=world.staff
    )
    client = login(world.leader)
    response = client.post(
        url("project-expense", world, pk=project.pk),
        {
            "line": line.pk,
            "amount": "150",
            "description": "绿萝",
            "paid_on": "2026-05-02",
            "receipt": SimpleUploadedFile("r.png", PNG),
        },
        follow=True,
    )
    assert "¥50.00".encode() in response.content
    assert not Expense.objects.exists()
    client.post(
        url("project-expense", world, pk=project.pk),
        {
            "line": line.pk,
            "amount": "60",
            "description": "绿萝",
            "paid_on": "2026-05-02",
            "receipt": SimpleUploadedFile("r.png", PNG),
        },
    )
    expense = Expense.objects.get()
    receipt = client.get(url("receipt", world, pk=project.pk, expense=expense.pk))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "image/png"
    assert (
        login(world.resident)
        .get(url("receipt", world, pk=project.pk, expense=expense.pk))
        .status_code
        == 404
    )


def test_a_viewer_sees_figures_without_names(
    world: World, group: Group, login: Any, django_assert_max_num_queries: Any
) -> None:
    fund_record(
        group=group.group,
        kind="income",
        amount="10",
        description="会费",
        occurred_on=date(2026, 1, 1),
        actor=world.staff,
    )
    client = login(world.viewer)
    with django_assert_max_num_queries(20):
        response = client.get(url("overview", world))
    assert response.status_code == 200
    assert "彭女士".encode() not in response.content
    assert b"data-members-total>2<" in response.content
    assert client.get(url("detail", world, pk=group.group.pk)).status_code == 404


@pytest.mark.parametrize("name", ["list", "projects"])
def test_list_pages_keep_to_a_query_bound(
    name: str,
    world: World,
    group: Group,
    make_residents: Any,
    login: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from peiban.groups.services import group_create, member_add

    for n in range(8):
        extra = group_create(
            community=world.community,
            name=f"小组{n}",
            kind="other",
            founded_on=date(2025, 1, 1),
            actor=world.staff,
        )
        for resident in make_residents(3, f"组{n}员"):
            member_add(group=extra, resident=resident, actor=world.staff)
        project_propose(
            community=world.community,
            title=f"项目{n}",
            goal="x",
            funding_source="ngo",
            group=extra,
            actor=world.staff,
        )
    client = login(world.staff)
    with django_assert_max_num_queries(20):
        assert client.get(url(name, world)).status_code == 200


@pytest.mark.parametrize(
    "name", ["detail", "members", "meetings", "fund", "plan", "rules", "stage", "assessments"]
)
def test_group_pages_keep_to_a_query_bound(
    name: str,
    world: World,
    group: Group,
    make_residents: Any,
    login: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from peiban.groups.services import member_add

    for resident in make_residents(15):
        member_add(group=group.group, resident=resident, actor=world.staff)
    for n in range(10):
        fund_record(
            group=group.group,
            kind="income",
            amount="5",
            description=f"会费{n}",
            occurred_on=date(2026, 1, 1),
            actor=world.staff,
        )
    client = login(world.leader)
    with django_assert_max_num_queries(25):
        assert client.get(url(name, world, pk=group.group.pk)).status_code == 200


def test_a_leader_changes_a_role_and_the_history_is_kept(
    world: World, group: Group, login: Any
) -> None:
    row = GroupMember.objects.get(resident=group.member, left_on__isnull=True)
    login(world.leader).post(
        url("member-role", world, pk=group.group.pk, member=row.pk), {"role": "treasurer"}
    )
    assert list(
        GroupMember.objects.filter(resident=group.member)
        .order_by("id")
        .values_list("role", "left_on")
    )[-1] == ("treasurer", None)
    assert GroupMember.objects.filter(resident=group.member).count() == 2


def test_staff_record_a_move_to_public_benefit_work_trainings_and_milestones(
    world: World, group: Group, login: Any
) -> None:
    client = login(world.staff)
    client.post(
        url("kind", world, pk=group.group.pk),
        {"kind": "public_benefit", "reason": "为独居老人服务"},
    )
    group.group.refresh_from_db()
    assert group.group.kind == "public_benefit"
    assert "为独居老人服务".encode() in client.get(url("stage", world, pk=group.group.pk)).content
    client.post(
        url("training", world, pk=group.group.pk),
        {"held_on": "2026-03-01", "topic": "议事规则", "attendees": "9"},
    )
    client.post(url("milestone", world, pk=group.group.pk), {"title": "通过章程"})
    milestone = group.group.milestones.get()
    assert group.group.trainings.get().attendees == 9
    # The leader marks it reached; a plain member may not.
    assert (
        login(world.resident)
        .post(url("milestone-reached", world, pk=group.group.pk, milestone=milestone.pk))
        .status_code
        == 404
    )
    login(world.leader).post(
        url("milestone-reached", world, pk=group.group.pk, milestone=milestone.pk)
    )
    milestone.refresh_from_db()
    assert milestone.reached_on is not None
    # Leaders do not change the kind or record trainings: staff do.
    assert (
        login(world.leader)
        .post(url("kind", world, pk=group.group.pk), {"kind": "other"})
        .status_code
        == 404
    )


def test_staff_assess_a_leader_and_the_chart_shows_it(
    world: World, group: Group, login: Any
) -> None:
    client = login(world.staff)
    data = {
        "leader": group.leader.pk,
        "period": "2026H1",
        "organising": "3",
        "communication": "4",
        "deliberation": "2",
        "learning": "5",
        "public_spirit": "4",
    }
    response = client.post(url("assessments", world, pk=group.group.pk), data)
    assert response.status_code == 302
    response = client.post(url("assessments", world, pk=group.group.pk), {**data, "learning": "x"})
    assert b"errorlist" in response.content
    page = client.get(url("assessments", world, pk=group.group.pk))
    assert page.content.count(b"<svg") == 1
    assert group.group.assessments.get().scores["learning"] == 5


def test_the_fund_settings_staff_record_the_population_and_admins_the_formula(
    world: World, login: Any
) -> None:
    staff = login(world.staff)
    staff.post(url("fund-settings", world), {"year": "2026", "population": "1234"})
    from peiban.groups.models import FundPolicy, FundYear

    assert FundYear.objects.get(community=world.community, year=2026).population == 1234
    policy = {
        "base": "150000",
        "per_hundred": "3000",
        "negative_list": "不得用于私人开支 | 私人，个人消费\n",
    }
    assert staff.post(url("fund-settings", world), policy).status_code == 404
    admin = login(world.admin)
    response = admin.post(
        url("fund-settings", world), {**policy, "negative_list": "没有竖线的规则"}, follow=True
    )
    assert "竖线".encode() in response.content or b"vertical bar" in response.content
    assert not FundPolicy.objects.exists()
    admin.post(url("fund-settings", world), policy)
    saved = FundPolicy.objects.get()
    assert saved.negative_list == [{"label": "不得用于私人开支", "keywords": ["私人", "个人消费"]}]
    page = admin.get(url("fund-settings", world))
    assert b"data-fund-amount>\xc2\xa5189000.00<" in page.content  # 150,000 + 3,000 x 13


def test_a_resident_evaluates_a_completed_project_once(
    world: World, group: Group, login: Any, django_assert_max_num_queries: Any
) -> None:
    from peiban.groups.services import expense_record, log_write, microproject_complete

    project = project_propose(
        community=world.community,
        title="绿植角",
        goal="楼道绿化",
        funding_source="ngo",
        group=group.group,
        actor=world.staff,
    )
    lines = [
        budget_line_add(project=project, description=f"物资{n}", amount="100", actor=world.staff)
        for n in range(6)
    ]
    project = microproject_approve(
        project=project, approved_by="居民议事会", decided_on=date(2026, 5, 1), actor=world.staff
    )
    for line in lines:
        expense_record(
            project=project,
            line=line,
            amount="50",
            description="x",
            paid_on=date(2026, 5, 2),
            actor=world.staff,
        )
        log_write(project=project, text="进展", actor=world.staff)
    microproject_complete(project=project, report="完成", actor=world.staff)
    client = login(world.resident)
    with django_assert_max_num_queries(20):
        page = client.get(url("project", world, pk=project.pk))
    assert b"data-evaluation-form" in page.content
    assert b"data-expenses" not in page.content  # expenses and receipts are for those who run it
    client.post(url("project-evaluate", world, pk=project.pk), {"rating": "5", "comment": "很好"})
    response = client.post(
        url("project-evaluate", world, pk=project.pk), {"rating": "4"}, follow=True
    )
    assert project.evaluations.get().rating == 5
    assert b"data-evaluation-form" not in response.content
    with django_assert_max_num_queries(25):
        assert login(world.leader).get(url("project", world, pk=project.pk)).status_code == 200
