from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from peiban.groups.funding import (
    CHENGDU_BASE,
    CHENGDU_PER_HUNDRED,
    DEFAULT_NEGATIVE_LIST,
    negative_list_match,
    yearly_amount,
)
from peiban.groups.models import BudgetLine, Expense, FundingSource, MicroProject
from peiban.groups.selectors import community_fund_figures, project_lines, registry_population
from peiban.groups.services import (
    GroupError,
    budget_line_add,
    evaluation_give,
    expense_record,
    expense_reverse,
    fund_policy_set,
    fund_year_set,
    log_write,
    microproject_approve,
    microproject_complete,
    microproject_reject,
    project_propose,
)
from tests.conftest import World
from tests.groups.conftest import Group

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
DAY = date(2026, 5, 1)


def _project(
    world: World, group: Group, source: str = FundingSource.COMMUNITY_FUND
) -> MicroProject:
    return project_propose(
        community=world.community,
        title="楼道微改造",
        goal="把3栋楼道变成邻里角",
        funding_source=source,
        group=group.group,
        year=2026,
        actor=world.leader,
    )


def _approve(project: MicroProject, world: World) -> MicroProject:
    return microproject_approve(
        project=project,
        approved_by="和平里居民议事会",
        approval_ref="议事会决议 2026-05 第3号",
        decided_on=DAY,
        actor=world.staff,
    )


@given(
    base=st.decimals(min_value=0, max_value=10**6, places=2),
    per_hundred=st.decimals(min_value=0, max_value=10**5, places=2),
    population=st.integers(0, 50_000),
)
def test_the_yearly_amount_is_base_plus_an_amount_per_started_hundred(
    base: Decimal, per_hundred: Decimal, population: int
) -> None:
    hundreds = population // 100 + (1 if population % 100 else 0)
    assert (
        yearly_amount(base=base, per_hundred=per_hundred, population=population)
        == base + per_hundred * hundreds
    )


def test_the_chengdu_defaults_give_the_documented_figure() -> None:
    # 200,000 + 4,000 x 26 started hundreds for 2,501 residents.
    assert yearly_amount(
        base=CHENGDU_BASE, per_hundred=CHENGDU_PER_HUNDRED, population=2501
    ) == Decimal("304000.00")


def test_the_negative_list_names_the_rule_and_the_word() -> None:
    match = negative_list_match("给队长家买私人冰箱", DEFAULT_NEGATIVE_LIST)
    assert match is not None
    assert match.keyword == "私人"
    assert negative_list_match("楼道绿植", DEFAULT_NEGATIVE_LIST) is None


@pytest.mark.django_db
def test_a_budget_line_on_the_negative_list_is_refused_with_the_rule(
    world: World, group: Group
) -> None:
    project = _project(world, group)
    with pytest.raises(GroupError, match="negative list") as refused:
        budget_line_add(project=project, description="补交物业费", amount="800", actor=world.leader)
    assert "物业费" in str(refused.value)
    assert not BudgetLine.objects.exists()


@pytest.mark.django_db
def test_the_negative_list_is_configurable_per_organisation(world: World, group: Group) -> None:
    fund_policy_set(
        organisation=world.organisation,
        base="100000",
        per_hundred="1000",
        negative_list=[{"label": "不得购买电子产品", "keywords": ["手机"]}],
        actor=world.admin,
    )
    project = _project(world, group)
    budget_line_add(project=project, description="补交物业费", amount="800", actor=world.leader)
    with pytest.raises(GroupError, match="不得购买电子产品"):
        budget_line_add(project=project, description="买手机", amount="800", actor=world.leader)
    with pytest.raises(GroupError, match="label and keywords"):
        fund_policy_set(
            organisation=world.organisation,
            base="1",
            per_hundred="1",
            negative_list=[{"label": "x"}],
            actor=world.admin,
        )


@pytest.mark.django_db
def test_an_expense_over_the_line_budget_is_refused_and_nothing_is_recorded(
    world: World, group: Group
) -> None:
    project = _project(world, group)
    line = budget_line_add(project=project, description="绿植", amount="500", actor=world.leader)
    with pytest.raises(GroupError, match="Expenses are recorded while"):
        expense_record(
            project=project,
            line=line,
            amount="10",
            description="绿萝",
            paid_on=DAY,
            actor=world.leader,
        )
    _approve(project, world)
    expense_record(
        project=project,
        line=line,
        amount="420",
        description="绿萝",
        paid_on=DAY,
        actor=world.leader,
    )
    with pytest.raises(GroupError, match=r"would go ¥100\.00 over") as refused:
        expense_record(
            project=project,
            line=line,
            amount="180",
            description="花盆",
            paid_on=DAY,
            actor=world.leader,
        )
    assert "¥420.00" in str(refused.value)
    assert Expense.objects.count() == 1
    [figures] = project_lines(project)
    assert (figures.spent, figures.left) == (Decimal("420.00"), Decimal("80.00"))


@pytest.mark.django_db
def test_an_expense_keeps_its_receipt_and_refuses_other_files(world: World, group: Group) -> None:
    project = _project(world, group)
    line = budget_line_add(project=project, description="绿植", amount="500", actor=world.leader)
    _approve(project, world)
    expense = expense_record(
        project=project,
        line=line,
        amount="99.90",
        description="绿萝",
        paid_on=DAY,
        receipt=SimpleUploadedFile("小票.png", PNG, content_type="image/png"),
        actor=world.leader,
    )
    assert expense.receipt_type == "image/png"
    assert expense.receipt_name == "小票.png"
    with pytest.raises(GroupError, match="not one"):
        expense_record(
            project=project,
            line=line,
            amount="1",
            description="x",
            paid_on=DAY,
            receipt=SimpleUploadedFile("x.exe", b"MZ", content_type="image/png"),
            actor=world.leader,
        )
    reversal = expense_reverse(expense=expense, reason="退货", actor=world.staff)
    assert reversal.amount == Decimal("-99.90")
    assert project_lines(project)[0].spent == 0


@pytest.mark.django_db
def test_the_community_fund_tracks_commitments_and_spending_against_the_year(
    world: World, group: Group, make_residents
) -> None:
    make_residents(150)
    population = registry_population(world.community)
    assert population == 152  # the registry's resident, the leader and 150 more
    figures = community_fund_figures(world.community, 2026)
    assert figures.amount == CHENGDU_BASE + 2 * CHENGDU_PER_HUNDRED
    assert not figures.population_official
    fund_year_set(community=world.community, year=2026, population=3250, actor=world.staff)
    fund_policy_set(
        organisation=world.organisation,
        base="10000",
        per_hundred="100",
        negative_list=[],
        actor=world.admin,
    )
    figures = community_fund_figures(world.community, 2026)
    assert (figures.amount, figures.population_official) == (Decimal("13300.00"), True)

    first = _project(world, group)
    line = budget_line_add(project=first, description="绿植", amount="8000", actor=world.leader)
    _approve(first, world)
    expense_record(
        project=first,
        line=line,
        amount="2500.50",
        description="绿萝",
        paid_on=DAY,
        actor=world.leader,
    )
    second = _project(world, group)
    budget_line_add(project=second, description="桌椅", amount="6000", actor=world.leader)
    with pytest.raises(GroupError, match=r"¥5300\.00 left to commit"):
        _approve(second, world)
    ngo = _project(world, group, FundingSource.NGO)
    budget_line_add(project=ngo, description="桌椅", amount="6000", actor=world.leader)
    _approve(ngo, world)
    figures = community_fund_figures(world.community, 2026)
    assert (figures.committed, figures.spent) == (Decimal("8000.00"), Decimal("2500.50"))
    assert (figures.uncommitted, figures.unspent) == (Decimal("5300.00"), Decimal("10799.50"))


@pytest.mark.django_db
def test_a_project_runs_from_proposal_to_evaluation(world: World, group: Group) -> None:
    project = _project(world, group)
    with pytest.raises(GroupError, match="Add at least one budget line"):
        _approve(project, world)
    budget_line_add(project=project, description="绿植", amount="500", actor=world.leader)
    project = _approve(project, world)
    assert (project.status, project.approval_ref) == ("approved", "议事会决议 2026-05 第3号")
    with pytest.raises(GroupError, match="budget is fixed"):
        budget_line_add(project=project, description="花盆", amount="50", actor=world.leader)
    log_write(project=project, text="周六上午布置楼道", actor=world.leader)
    with pytest.raises(GroupError, match="A project is evaluated once"):
        evaluation_give(project=project, resident=group.member, rating=5)
    with pytest.raises(GroupError, match="cannot be empty"):
        microproject_complete(project=project, report=" ", actor=world.leader)
    project = microproject_complete(project=project, report="楼道焕然一新", actor=world.leader)
    evaluation_give(project=project, resident=group.member, rating=5, comment="很好")
    with pytest.raises(GroupError, match="already evaluated"):
        evaluation_give(project=project, resident=group.member, rating=4)


@pytest.mark.django_db
def test_a_rejected_project_cannot_be_approved_later(world: World, group: Group) -> None:
    project = _project(world, group)
    budget_line_add(project=project, description="绿植", amount="500", actor=world.leader)
    microproject_reject(
        project=project, approved_by="居民议事会", decided_on=DAY, actor=world.staff
    )
    with pytest.raises(GroupError, match="Only a proposed project"):
        _approve(project, world)


@pytest.mark.django_db
def test_a_project_needs_a_proposer(world: World) -> None:
    with pytest.raises(GroupError, match="proposed by residents"):
        project_propose(
            community=world.community, title="x", goal="y", funding_source="ngo", actor=world.staff
        )
