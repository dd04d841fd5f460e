"""Reads for self-organisations and micro-projects: access helpers first, then bounded queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from peiban.activities.models import Activity, OrganiserKind
from peiban.core.access import AnyUser, CommunityAccess, Need, get_community_access
from peiban.groups.funding import yearly_amount
from peiban.groups.models import (
    LEADING_ROLES,
    STAGE_ORDER,
    Assessment,
    AssessmentKind,
    BudgetLine,
    Expense,
    FundEntry,
    FundingSource,
    FundYear,
    GroupKind,
    GroupMember,
    KindChange,
    Meeting,
    MicroProject,
    ProjectStatus,
    SelfOrganisation,
    Stage,
)
from peiban.groups.stages import Figures
from peiban.places.models import Community, Resident

YEAR = timedelta(days=365)
QUARTER = timedelta(days=90)
CENT = Decimal("0.01")


def resident_for_user(user: AnyUser, community: Community) -> Resident | None:
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(
        user_id=user.pk, community=community, anonymised_at__isnull=True
    ).first()


@dataclass(frozen=True)
class GroupAccess:
    """A user's standing towards one self-organisation."""

    access: CommunityAccess
    group: SelfOrganisation
    resident: Resident | None
    role: str | None  # the user's current role in the group, if a member

    @property
    def is_staff(self) -> bool:
        return self.access.can(Need.EDIT)

    @property
    def can_manage(self) -> bool:
        return self.is_staff or self.role in LEADING_ROLES


def _current_role(group: SelfOrganisation, resident: Resident | None) -> str | None:
    if resident is None:
        return None
    member = (
        GroupMember.objects.filter(group=group, resident=resident, left_on__isnull=True)
        .only("role")
        .first()
    )
    return member.role if member else None


def get_group_for_user(
    user: AnyUser, community_ref: str, pk: int, *, manage: bool = False
) -> GroupAccess:
    """Staff see every group of their communities; members see their own; leaders manage theirs.

    Anyone else, and a member asking to manage, gets a 404.
    """
    access = get_community_access(user, community_ref, need=Need.PARTICIPATE)
    group = (
        SelfOrganisation.objects.select_related("community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    resident = resident_for_user(user, access.community)
    found = GroupAccess(
        access=access, group=group, resident=resident, role=_current_role(group, resident)
    )
    if found.is_staff:
        return found
    if found.role is None:
        raise Http404
    if manage and not found.can_manage:
        raise Http404
    return found


@dataclass(frozen=True)
class ProjectAccess:
    access: CommunityAccess
    project: MicroProject
    resident: Resident | None
    can_manage: bool

    @property
    def is_staff(self) -> bool:
        return self.access.can(Need.EDIT)


def get_project_for_user(
    user: AnyUser, community_ref: str, pk: int, *, manage: bool = False
) -> ProjectAccess:
    """Every participant of the community may see a micro-project (they evaluate it); staff,
    its proposer and the leaders of its group manage it."""
    access = get_community_access(user, community_ref, need=Need.PARTICIPATE)
    project = (
        MicroProject.objects.select_related("community__organisation", "group", "proposer")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    resident = resident_for_user(user, access.community)
    can_manage = access.can(Need.EDIT) or (
        resident is not None
        and (
            project.proposer_id == resident.pk
            or (
                project.group is not None
                and _current_role(project.group, resident) in LEADING_ROLES
            )
        )
    )
    if manage and not can_manage:
        raise Http404
    return ProjectAccess(access=access, project=project, resident=resident, can_manage=can_manage)


# --- Groups --------------------------------------------------------------------------------------


def _current_members(today: date | None = None) -> Q:
    if today is None:
        return Q(members__left_on__isnull=True)
    return Q(members__joined_on__lte=today) & (
        Q(members__left_on__isnull=True) | Q(members__left_on__gt=today)
    )


def groups_for_community(community: Community) -> QuerySet[SelfOrganisation]:
    """The community's groups with their current member count (residents still living here)."""
    living = Q(members__resident__lives_here=True, members__resident__anonymised_at__isnull=True)
    return SelfOrganisation.objects.filter(community=community).annotate(
        member_count=Count("members", filter=_current_members() & living, distinct=True)
    )


def groups_of_resident(resident: Resident | None) -> list[SelfOrganisation]:
    if resident is None:
        return []
    return list(
        SelfOrganisation.objects.filter(
            members__resident=resident, members__left_on__isnull=True
        ).distinct()
    )


def members_of(group: SelfOrganisation) -> list[GroupMember]:
    """Current members, leaders first; those who moved away are flagged by the template."""
    members = list(
        GroupMember.objects.filter(group=group, left_on__isnull=True).select_related("resident")
    )
    order = {"leader": 0, "deputy": 1, "treasurer": 2, "member": 3}
    return sorted(members, key=lambda m: (order.get(m.role, 9), m.joined_on, m.pk))


def fund_balance(group: SelfOrganisation) -> Decimal:
    total = FundEntry.objects.filter(group=group).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal(0)).quantize(CENT)


def fund_entries(group: SelfOrganisation) -> list[FundEntry]:
    return list(
        FundEntry.objects.filter(group=group)
        .select_related("reversed_by")
        .order_by("-occurred_on", "-id")
    )


def next_meeting(group: SelfOrganisation) -> Meeting | None:
    return (
        Meeting.objects.filter(group=group, starts_at__gte=timezone.now())
        .order_by("starts_at", "id")
        .first()
    )


def group_figures(group: SelfOrganisation, today: date) -> Figures:
    """The figures the stage criteria look at, on `today` (see stages.py)."""
    start = timezone.make_aware(datetime.combine(today - YEAR, time.min))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    current = GroupMember.objects.filter(
        group=group,
        joined_on__lte=today,
        resident__lives_here=True,
        resident__anonymised_at__isnull=True,
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
    people = current.aggregate(
        members=Count("resident", distinct=True),
        leaders=Count("resident", filter=Q(role__in=LEADING_ROLES), distinct=True),
    )
    meetings = Meeting.objects.filter(
        group=group, starts_at__gte=start, starts_at__lt=end
    ).aggregate(held=Count("id"), alone=Count("id", filter=Q(staff_present=False)))
    funds = FundEntry.objects.filter(group=group, occurred_on__lte=today).aggregate(
        balance=Sum("amount"), income=Count("id", filter=Q(kind="income"))
    )
    activities = Activity.objects.filter(
        organiser_group=group,
        organiser_kind__in=[OrganiserKind.SELF_ORGANISATION, OrganiserKind.RESIDENT],
        cancelled_at__isnull=True,
        starts_at__gte=start,
        starts_at__lt=end,
    ).count()
    coaching = group.coaching.filter(held_on__gt=today - QUARTER, held_on__lte=today).count()
    return Figures(
        members=people["members"],
        leaders=people["leaders"],
        meetings_last_year=meetings["held"],
        meetings_without_staff_last_year=meetings["alone"],
        rules_adopted=SelfOrganisation.objects.filter(pk=group.pk, rules_adopted_on__lte=today)
        .exclude(rules_text="")
        .exists(),
        fund_income_entries=funds["income"],
        fund_balance=(funds["balance"] or Decimal(0)).quantize(CENT),
        activities_without_staff=activities,
        coaching_last_quarter=coaching,
    )


def leaders_since(community: Community) -> QuerySet[Any, Any]:
    """Each resident who has ever led a self-organisation here, with the day they first did.

    Rows of ``{"resident_id": …, "since": date}``: the participation ladder's "organiser" stage.
    """
    return (
        GroupMember.objects.filter(group__community=community, role__in=LEADING_ROLES)
        .values("resident_id")
        .annotate(since=Min("joined_on"))
        .order_by("resident_id")
    )


def kind_moves_to_public_benefit(community: Community) -> int:
    return (
        KindChange.objects.filter(
            group__community=community,
            from_kind=GroupKind.INTEREST,
            to_kind=GroupKind.PUBLIC_BENEFIT,
        )
        .values("group")
        .distinct()
        .count()
    )


@dataclass(frozen=True)
class Overview:
    """Aggregates for everyone who may see figures, government viewers included: no names."""

    by_stage: list[tuple[str, str, int]]
    groups: int
    members: int
    meetings_per_month: Decimal
    with_rules: int
    with_funds: int
    to_public_benefit: int
    projects_by_status: list[tuple[str, int]]


def community_overview(community: Community, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    groups = list(groups_for_community(community))
    stage_counts = Counter(g.stage for g in groups)
    start = timezone.now() - YEAR
    meetings = Meeting.objects.filter(
        group__community=community, starts_at__gte=start, starts_at__lte=timezone.now()
    ).count()
    with_funds = (
        FundEntry.objects.filter(group__community=community, kind="income")
        .values("group")
        .distinct()
        .count()
    )
    statuses = Counter(
        MicroProject.objects.filter(community=community).values_list("status", flat=True)
    )
    members = (
        GroupMember.objects.filter(
            group__community=community,
            left_on__isnull=True,
            resident__lives_here=True,
            resident__anonymised_at__isnull=True,
        )
        .values("resident")
        .distinct()
        .count()
    )
    return Overview(
        by_stage=[(s, str(Stage(s).label), stage_counts.get(s, 0)) for s in STAGE_ORDER],
        groups=len(groups),
        members=members,
        meetings_per_month=(Decimal(meetings) / 12).quantize(Decimal("0.1")),
        with_rules=sum(1 for g in groups if g.rules_adopted_on),
        with_funds=with_funds,
        to_public_benefit=kind_moves_to_public_benefit(community),
        projects_by_status=[(str(s.label), statuses.get(s.value, 0)) for s in ProjectStatus],
    )


# --- Community fund and micro-projects -----------------------------------------------------------


@dataclass(frozen=True)
class FundFigures:
    year: int
    population: int
    population_official: bool
    amount: Decimal
    committed: Decimal  # budgets of approved and completed projects paid by the fund
    spent: Decimal  # their recorded expenses

    @property
    def uncommitted(self) -> Decimal:
        return self.amount - self.committed

    @property
    def unspent(self) -> Decimal:
        return self.amount - self.spent


def registry_population(community: Community) -> int:
    return Resident.objects.filter(
        community=community, lives_here=True, anonymised_at__isnull=True
    ).count()


def community_fund_figures(community: Community, year: int) -> FundFigures:
    """The year's fund from the organisation's formula, and what is committed and spent of it.

    The population is the officially counted one when staff recorded it for the year, else the
    number of residents in the registry who live in the community.
    """
    from peiban.groups.services import fund_policy_for

    policy = fund_policy_for(community.organisation)
    official = FundYear.objects.filter(community=community, year=year).first()
    population = official.population if official else registry_population(community)
    funded = MicroProject.objects.filter(
        community=community,
        year=year,
        funding_source=FundingSource.COMMUNITY_FUND,
        status__in=[ProjectStatus.APPROVED, ProjectStatus.COMPLETED],
    )
    committed = BudgetLine.objects.filter(project__in=funded).aggregate(t=Sum("amount"))["t"]
    spent = Expense.objects.filter(project__in=funded).aggregate(t=Sum("amount"))["t"]
    return FundFigures(
        year=year,
        population=population,
        population_official=official is not None,
        amount=yearly_amount(
            base=policy.base, per_hundred=policy.per_hundred, population=population
        ),
        committed=(committed or Decimal(0)).quantize(CENT),
        spent=(spent or Decimal(0)).quantize(CENT),
    )


def projects_for_community(community: Community) -> QuerySet[MicroProject]:
    return (
        MicroProject.objects.filter(community=community)
        .select_related("group")
        .annotate(
            budget=Sum("lines__amount", distinct=False),
        )
        .order_by("-created_at", "-id")
    )


def projects_of_group(group: SelfOrganisation) -> list[MicroProject]:
    return list(MicroProject.objects.filter(group=group).order_by("-created_at", "-id"))


@dataclass(frozen=True)
class LineFigures:
    line: BudgetLine
    spent: Decimal

    @property
    def left(self) -> Decimal:
        return self.line.amount - self.spent


def project_lines(project: MicroProject) -> list[LineFigures]:
    lines = BudgetLine.objects.filter(project=project).annotate(spent=Sum("expenses__amount"))
    return [
        LineFigures(line=line, spent=(line.spent or Decimal(0)).quantize(CENT)) for line in lines
    ]


def project_expenses(project: MicroProject) -> list[Expense]:
    return list(
        Expense.objects.filter(project=project)
        .select_related("line", "reversed_by")
        .order_by("-paid_on", "-id")
    )


def project_rating(project: MicroProject) -> dict[str, Any]:
    return dict(project.evaluations.aggregate(count=Count("id"), average=Avg("rating")))


# --- Assessments ---------------------------------------------------------------------------------


def assessment_series(
    group: SelfOrganisation, kind: str = AssessmentKind.GROUP, leader: Resident | None = None
) -> list[Assessment]:
    rows = Assessment.objects.filter(group=group, kind=kind)
    if kind == AssessmentKind.LEADER:
        rows = rows.filter(leader=leader)
    return sorted(rows, key=lambda a: a.period)


def assessment_mean(assessment: Assessment) -> Decimal:
    scores = list(assessment.scores.values())
    if not scores:
        return Decimal(0)
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"))


def stage_history(group: SelfOrganisation) -> list[Any]:
    return list(group.stage_changes.select_related("moved_by").order_by("moved_on", "id"))
