"""Writes to self-organisations, their funds, plans, stages and assessments, and to micro-projects.

Every function takes keyword arguments only, refuses what the rules forbid with a `GroupError`
whose message is for people (translated), and leaves an audit entry. Money is Decimal throughout.
Writes that must see a consistent balance (group funds, project expenses, community-fund
approvals) lock a row with ``select_for_update`` first; SQLite serialises writers anyway.

Who may call what is decided by the access helpers in ``selectors`` before a view calls a
service; the services check the domain rules.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, Organisation
from peiban.core.uploads import DOCUMENTS, UploadRefused, sniff_upload
from peiban.groups.funding import (
    CHENGDU_BASE,
    CHENGDU_PER_HUNDRED,
    DEFAULT_NEGATIVE_LIST,
    negative_list_clean,
    negative_list_match,
)
from peiban.groups.models import (
    STAGE_ORDER,
    Assessment,
    AssessmentKind,
    BudgetLine,
    CoachingSession,
    Evaluation,
    Expense,
    FundEntry,
    FundingSource,
    FundKind,
    FundPolicy,
    FundYear,
    GroupKind,
    GroupMember,
    IncubationPlan,
    KindChange,
    LogEntry,
    Meeting,
    MemberRole,
    MicroProject,
    Milestone,
    ProjectStatus,
    SelfOrganisation,
    Stage,
    StageChange,
    Training,
)
from peiban.groups.stages import stage_index, stage_reached
from peiban.places.models import Community, Resident

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
GROUP_DIMENSIONS = ("leadership", "planning", "finances", "engagement", "resources", "rules")
LEADER_DIMENSIONS = ("organising", "communication", "deliberation", "learning", "public_spirit")
DIMENSIONS = {AssessmentKind.GROUP: GROUP_DIMENSIONS, AssessmentKind.LEADER: LEADER_DIMENSIONS}


class GroupError(ValueError):
    """A change the groups area refuses; the message is for people."""


class PlanConflict(GroupError):
    """The plan was saved by someone else since this editor opened it."""

    def __init__(self, message: str, *, current: IncubationPlan) -> None:
        super().__init__(message)
        self.current = current


def _audit(
    *,
    actor: User | None,
    action: AuditAction,
    subject: Any,
    community: Community,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject=subject,
        organisation=community.organisation,
        reason=reason,
        detail=detail,
    )


def _text(text: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise GroupError(_("%(field)s cannot be empty.") % {"field": field})
    if len(text) > limit:
        raise GroupError(
            _("%(field)s is %(n)s characters long; the limit is %(limit)s.")
            % {"field": field, "n": len(text), "limit": limit}
        )
    return text


def money(value: object, *, field: str) -> Decimal:
    """A positive amount of yuan with at most two decimals, or a clear refusal."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except (InvalidOperation, ValueError):
        raise GroupError(_("%(field)s must be an amount in yuan.") % {"field": field}) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise GroupError(_("%(field)s must be more than 0.") % {"field": field})
    if amount != amount.quantize(CENT):
        raise GroupError(_("%(field)s has more than two decimals.") % {"field": field})
    return amount.quantize(CENT)


def _locked_group(group: SelfOrganisation) -> SelfOrganisation:
    return SelfOrganisation.objects.select_for_update().select_related("community").get(pk=group.pk)


# --- Groups and members --------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    community: Community,
    name: str,
    kind: str,
    founded_on: date,
    purpose: str = "",
    actor: User | None,
) -> SelfOrganisation:
    name = _text(name, field=_("The name"), limit=100)
    if kind not in GroupKind.values:
        raise GroupError(_("Choose a kind of self-organisation."))
    if SelfOrganisation.objects.filter(community=community, name=name).exists():
        raise GroupError(
            _("A self-organisation called “%(name)s” already exists.") % {"name": name}
        )
    group = SelfOrganisation.objects.create(
        community=community,
        name=name,
        kind=kind,
        founded_on=founded_on,
        purpose=_text(purpose, field=_("The purpose"), limit=2000, required=False),
        created_by=actor,
    )
    IncubationPlan.objects.create(group=group, updated_by=actor)
    StageChange.objects.create(
        group=group,
        from_stage="",
        to_stage=Stage.EMERGING,
        moved_on=founded_on,
        moved_by=actor,
        note=_("Founded"),
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=group, community=community)
    return group


def _refuse_moved_away(resident: Resident) -> None:
    if resident.anonymised_at is not None or not resident.lives_here:
        raise GroupError(
            _(
                "%(name)s no longer lives in the community, so cannot join a group; "
                "update the registry first if they have come back."
            )
            % {"name": resident.name}
        )


@transaction.atomic
def member_add(
    *,
    group: SelfOrganisation,
    resident: Resident,
    role: str = MemberRole.MEMBER,
    joined_on: date | None = None,
    actor: User | None,
) -> GroupMember:
    if resident.community_id != group.community_id:
        raise GroupError(_("The resident must be of this community."))
    _refuse_moved_away(resident)
    if role not in MemberRole.values:
        raise GroupError(_("Choose a role."))
    _locked_group(group)
    if GroupMember.objects.filter(group=group, resident=resident, left_on__isnull=True).exists():
        raise GroupError(
            _("%(name)s is already a member of %(group)s.")
            % {"name": resident.name, "group": group.name}
        )
    joined_on = joined_on or timezone.localdate()
    if joined_on < group.founded_on:
        joined_on = group.founded_on
    try:
        with transaction.atomic():
            member = GroupMember.objects.create(
                group=group, resident=resident, role=role, joined_on=joined_on
            )
    except IntegrityError:
        raise GroupError(
            _("%(name)s is already a member of %(group)s.")
            % {"name": resident.name, "group": group.name}
        ) from None
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=member,
        community=group.community,
        detail={"group": group.pk, "role": role},
    )
    return member


@transaction.atomic
def member_leave(
    *, member: GroupMember, left_on: date | None = None, reason: str = "", actor: User | None
) -> GroupMember:
    member = (
        GroupMember.objects.select_for_update().select_related("group__community").get(pk=member.pk)
    )
    if member.left_on is not None:
        raise GroupError(_("This member has already left the group."))
    left_on = left_on or timezone.localdate()
    if left_on < member.joined_on:
        raise GroupError(_("A member cannot leave before they joined."))
    member.left_on = left_on
    member.left_reason = _text(reason, field=_("The reason"), limit=200, required=False)
    member.save(update_fields=["left_on", "left_reason"])
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=member,
        community=member.group.community,
        reason=member.left_reason,
    )
    return member


@transaction.atomic
def member_change_role(
    *, member: GroupMember, role: str, on: date | None = None, actor: User | None
) -> GroupMember:
    """Close the member's current row and open one with the new role, keeping the history."""
    if role not in MemberRole.values:
        raise GroupError(_("Choose a role."))
    if member.role == role and member.left_on is None:
        return member
    on = on or timezone.localdate()
    member_leave(member=member, left_on=on, reason=_("Role changed"), actor=actor)
    fresh = GroupMember.objects.create(
        group=member.group, resident=member.resident, role=role, joined_on=on
    )
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=fresh,
        community=member.group.community,
        detail={"from_role": member.role, "to_role": role},
    )
    return fresh


@transaction.atomic
def group_change_kind(
    *, group: SelfOrganisation, kind: str, on: date | None = None, reason: str = "", actor: User
) -> KindChange:
    """Change the kind, recording the move (for example from interest group to public benefit)."""
    group = _locked_group(group)
    if kind not in GroupKind.values:
        raise GroupError(_("Choose a kind of self-organisation."))
    if kind == group.kind:
        raise GroupError(_("The group is already of this kind."))
    change = KindChange.objects.create(
        group=group,
        from_kind=group.kind,
        to_kind=kind,
        changed_on=on or timezone.localdate(),
        reason=_text(reason, field=_("The reason"), limit=300, required=False),
        changed_by=actor,
    )
    group.kind = kind
    group.save(update_fields=["kind"])
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=group,
        community=group.community,
        detail={"from_kind": change.from_kind, "to_kind": kind},
    )
    return change


@transaction.atomic
def rules_adopt(
    *, group: SelfOrganisation, text: str, adopted_on: date, actor: User | None
) -> SelfOrganisation:
    group = _locked_group(group)
    group.rules_text = _text(text, field=_("The rules"), limit=20000)
    group.rules_adopted_on = adopted_on
    group.save(update_fields=["rules_text", "rules_adopted_on"])
    _audit(actor=actor, action=AuditAction.CHANGE, subject=group, community=group.community)
    return group


@transaction.atomic
def meeting_record(
    *,
    group: SelfOrganisation,
    starts_at: datetime,
    topic: str,
    place: str = "",
    attendees: int | None = None,
    minutes: str = "",
    staff_present: bool = False,
    actor: User | None,
) -> Meeting:
    if attendees is not None and attendees < 0:
        raise GroupError(_("The number of people who came cannot be negative."))
    meeting = Meeting.objects.create(
        group=group,
        starts_at=starts_at,
        topic=_text(topic, field=_("The topic"), limit=200),
        place=_text(place, field=_("The place"), limit=100, required=False),
        attendees=attendees,
        minutes=_text(minutes, field=_("The minutes"), limit=5000, required=False),
        staff_present=staff_present,
        recorded_by=actor,
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=meeting, community=group.community)
    return meeting


# --- The group's own funds -----------------------------------------------------------------------


def _balance(group: SelfOrganisation) -> Decimal:
    total = FundEntry.objects.filter(group=group).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal(0)).quantize(CENT)


@transaction.atomic
def fund_record(
    *,
    group: SelfOrganisation,
    kind: str,
    amount: object,
    description: str,
    occurred_on: date,
    actor: User | None,
) -> FundEntry:
    """Record income or spending; spending more than the balance is refused."""
    if kind not in (FundKind.INCOME, FundKind.SPENDING):
        raise GroupError(_("Choose income or spending."))
    value = money(amount, field=_("The amount"))
    description = _text(description, field=_("What it was for"), limit=200)
    group = _locked_group(group)
    balance = _balance(group)
    if kind == FundKind.SPENDING and value > balance:
        raise GroupError(
            _(
                "The group's funds hold ¥%(balance)s; spending ¥%(amount)s would leave them "
                "below zero. Record the income first."
            )
            % {"balance": balance, "amount": value}
        )
    entry = FundEntry.objects.create(
        group=group,
        kind=kind,
        amount=value if kind == FundKind.INCOME else -value,
        description=description,
        occurred_on=occurred_on,
        created_by=actor,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=entry,
        community=group.community,
        detail={"amount": str(entry.amount)},
    )
    return entry


@transaction.atomic
def fund_reverse(*, entry: FundEntry, reason: str, actor: User | None) -> FundEntry:
    """Undo an entry with a reversing one; refused when the balance would go below zero."""
    reason = _text(reason, field=_("The reason"), limit=300)
    group = _locked_group(entry.group)
    entry = FundEntry.objects.get(pk=entry.pk)
    if entry.kind == FundKind.REVERSAL:
        raise GroupError(_("A correction is not corrected again: record the entry anew."))
    if FundEntry.objects.filter(reverses=entry).exists():
        raise GroupError(_("This entry has already been corrected."))
    balance = _balance(group)
    if balance - entry.amount < 0:
        raise GroupError(
            _(
                "Undoing this income of ¥%(amount)s would leave the group's funds at "
                "¥%(after)s, below zero; correct the spending first."
            )
            % {"amount": entry.amount, "after": balance - entry.amount}
        )
    reversal = FundEntry.objects.create(
        group=group,
        kind=FundKind.REVERSAL,
        amount=-entry.amount,
        description=entry.description,
        occurred_on=timezone.localdate(),
        reverses=entry,
        reason=reason,
        created_by=actor,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=reversal,
        community=group.community,
        reason=reason,
    )
    return reversal


# --- Incubation ----------------------------------------------------------------------------------


@transaction.atomic
def plan_update(
    *,
    group: SelfOrganisation,
    goals: str,
    without_staff: str,
    version: int,
    actor: User | None,
) -> IncubationPlan:
    """Save the plan if nobody saved it since `version` was read; otherwise `PlanConflict`."""
    goals = _text(goals, field=_("The goals"), limit=5000, required=False)
    without_staff = _text(
        without_staff, field=_("What the group does alone"), limit=5000, required=False
    )
    plan, _created = IncubationPlan.objects.get_or_create(group=group)
    changed = IncubationPlan.objects.filter(pk=plan.pk, version=version).update(
        goals=goals,
        without_staff=without_staff,
        version=F("version") + 1,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    plan.refresh_from_db()
    if not changed:
        raise PlanConflict(
            _(
                "Someone else saved this plan while you were editing it. Your text is kept "
                "below next to theirs: combine them and save again."
            ),
            current=plan,
        )
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=plan,
        community=group.community,
        detail={"version": plan.version},
    )
    return plan


@transaction.atomic
def coaching_record(
    *,
    group: SelfOrganisation,
    held_on: date,
    minutes_spent: int,
    topic: str,
    notes: str = "",
    actor: User,
) -> CoachingSession:
    if minutes_spent <= 0 or minutes_spent > 24 * 60:
        raise GroupError(_("Staff time must be between 1 minute and 24 hours."))
    session = CoachingSession.objects.create(
        group=group,
        held_on=held_on,
        staff=actor,
        minutes_spent=minutes_spent,
        topic=_text(topic, field=_("The topic"), limit=200),
        notes=_text(notes, field=_("The notes"), limit=5000, required=False),
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=session, community=group.community)
    return session


@transaction.atomic
def training_record(
    *,
    group: SelfOrganisation,
    held_on: date,
    topic: str,
    trainer: str = "",
    attendees: int = 0,
    actor: User | None,
) -> Training:
    if attendees < 0:
        raise GroupError(_("The number of people who came cannot be negative."))
    training = Training.objects.create(
        group=group,
        held_on=held_on,
        topic=_text(topic, field=_("The topic"), limit=200),
        trainer=_text(trainer, field=_("The trainer"), limit=100, required=False),
        attendees=attendees,
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=training, community=group.community)
    return training


@transaction.atomic
def milestone_add(
    *, group: SelfOrganisation, title: str, due_on: date | None = None, actor: User | None
) -> Milestone:
    milestone = Milestone.objects.create(
        group=group, title=_text(title, field=_("The milestone"), limit=200), due_on=due_on
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=milestone, community=group.community)
    return milestone


@transaction.atomic
def milestone_reach(*, milestone: Milestone, on: date, actor: User | None) -> Milestone:
    if milestone.reached_on is not None:
        raise GroupError(_("This milestone was already reached."))
    milestone.reached_on = on
    milestone.save(update_fields=["reached_on"])
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=milestone,
        community=milestone.group.community,
    )
    return milestone


# --- Stages --------------------------------------------------------------------------------------


@transaction.atomic
def stage_move(
    *,
    group: SelfOrganisation,
    to_stage: str,
    note: str = "",
    on: date | None = None,
    actor: User,
) -> StageChange:
    """Move the recorded stage. Upwards only as far as the criteria reached; downwards with a note.

    The figures at the moment of the move are kept as the evidence.
    """
    from peiban.groups.selectors import group_figures  # reads, kept apart from writes

    group = _locked_group(group)
    if to_stage not in STAGE_ORDER:
        raise GroupError(_("Choose a stage."))
    if to_stage == group.stage:
        raise GroupError(_("The group is already at this stage."))
    on = on or timezone.localdate()
    figures = group_figures(group, on)
    reached = stage_reached(figures)
    note = _text(note, field=_("The note"), limit=300, required=False)
    if stage_index(to_stage) > stage_index(group.stage) and stage_index(to_stage) > stage_index(
        reached
    ):
        raise GroupError(
            _(
                "The group does not meet the criteria of “%(stage)s” yet: its records reach "
                "“%(reached)s”. See the criteria below."
            )
            % {"stage": Stage(to_stage).label, "reached": Stage(reached).label}
        )
    if stage_index(to_stage) < stage_index(group.stage) and not note:
        raise GroupError(_("Say why the group moves back to an earlier stage."))
    change = StageChange.objects.create(
        group=group,
        from_stage=group.stage,
        to_stage=to_stage,
        moved_on=on,
        moved_by=actor,
        evidence={**figures.as_evidence(), "reached": reached},
        note=note,
    )
    group.stage = to_stage
    group.save(update_fields=["stage"])
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=group,
        community=group.community,
        reason=note,
        detail={"from_stage": change.from_stage, "to_stage": to_stage},
    )
    return change


# --- Capacity assessments ------------------------------------------------------------------------


def period_clean(period: str) -> str:
    """``2026H1``, ``2026H2``, ``2026Q3`` or ``2026``; refuse anything else."""
    text = (period or "").strip().upper()
    year, rest = text[:4], text[4:]
    if (
        len(text) >= 4
        and year.isdigit()
        and (rest == "" or rest in ("H1", "H2") or rest in ("Q1", "Q2", "Q3", "Q4"))
    ):
        return text
    raise GroupError(
        _("A period is a year with an optional half or quarter, as 2026, 2026H1 or 2026Q3.")
    )


@transaction.atomic
def assessment_record(
    *,
    group: SelfOrganisation,
    kind: str,
    period: str,
    scores: dict[str, int],
    leader: Resident | None = None,
    note: str = "",
    actor: User,
) -> Assessment:
    """Record (or replace, for the same period) a group's or a leader's scores, 1 to 5 each."""
    if kind not in AssessmentKind.values:
        raise GroupError(_("Choose a group or a leader assessment."))
    if kind == AssessmentKind.LEADER:
        if leader is None or not GroupMember.objects.filter(group=group, resident=leader).exists():
            raise GroupError(_("Choose a leader of this group."))
    else:
        leader = None
    period = period_clean(period)
    expected = DIMENSIONS[AssessmentKind(kind)]
    clean: dict[str, int] = {}
    for dimension in expected:
        value = scores.get(dimension)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise GroupError(
                _("Give every dimension a score from 1 to 5; “%(dimension)s” has none.")
                % {"dimension": dimension}
            )
        clean[dimension] = value
    assessment, _created = Assessment.objects.update_or_create(
        group=group,
        kind=kind,
        leader=leader,
        period=period,
        defaults={
            "scores": clean,
            "note": _text(note, field=_("The note"), limit=500, required=False),
            "assessed_by": actor,
        },
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=assessment,
        community=group.community,
        detail={"period": period, "scores": clean},
    )
    return assessment


# --- The community fund --------------------------------------------------------------------------


def fund_policy_for(organisation: Organisation) -> FundPolicy:
    """The organisation's policy; an unsaved one with the Chengdu defaults if none is set."""
    policy = FundPolicy.objects.filter(organisation=organisation).first()
    if policy is None:
        policy = FundPolicy(
            organisation=organisation,
            base=CHENGDU_BASE,
            per_hundred=CHENGDU_PER_HUNDRED,
            negative_list=DEFAULT_NEGATIVE_LIST,
        )
    return policy


@transaction.atomic
def fund_policy_set(
    *,
    organisation: Organisation,
    base: object,
    per_hundred: object,
    negative_list: object,
    actor: User,
) -> FundPolicy:
    try:
        items = negative_list_clean(negative_list)
    except ValueError as error:
        raise GroupError(str(error)) from None
    policy, _created = FundPolicy.objects.update_or_create(
        organisation=organisation,
        defaults={
            "base": money(base, field=_("The base amount")),
            "per_hundred": money(per_hundred, field=_("The amount per hundred residents")),
            "negative_list": items,
        },
    )
    audit_record(actor=actor, action=AuditAction.CHANGE, subject=policy, organisation=organisation)
    return policy


@transaction.atomic
def fund_year_set(*, community: Community, year: int, population: int, actor: User) -> FundYear:
    if population < 0:
        raise GroupError(_("The number of residents cannot be negative."))
    fund_year, _created = FundYear.objects.update_or_create(
        community=community, year=year, defaults={"population": population}
    )
    _audit(actor=actor, action=AuditAction.CHANGE, subject=fund_year, community=community)
    return fund_year


# --- Micro-projects ------------------------------------------------------------------------------


@transaction.atomic
def project_propose(
    *,
    community: Community,
    title: str,
    goal: str,
    funding_source: str,
    group: SelfOrganisation | None = None,
    proposer: Resident | None = None,
    year: int | None = None,
    actor: User | None,
) -> MicroProject:
    if group is None and proposer is None:
        raise GroupError(_("A micro-project is proposed by residents or by a self-organisation."))
    if group is not None and group.community_id != community.pk:
        raise GroupError(_("The self-organisation must be of this community."))
    if proposer is not None and proposer.community_id != community.pk:
        raise GroupError(_("The resident must be of this community."))
    if funding_source not in FundingSource.values:
        raise GroupError(_("Choose where the money comes from."))
    project = MicroProject.objects.create(
        community=community,
        title=_text(title, field=_("The title"), limit=120),
        goal=_text(goal, field=_("The goal"), limit=3000),
        group=group,
        proposer=proposer,
        funding_source=funding_source,
        year=year or timezone.localdate().year,
        created_by=actor,
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=project, community=community)
    return project


def _locked_project(project: MicroProject) -> MicroProject:
    return (
        MicroProject.objects.select_for_update()
        .select_related("community__organisation")
        .get(pk=project.pk)
    )


@transaction.atomic
def budget_line_add(
    *, project: MicroProject, description: str, amount: object, actor: User | None
) -> BudgetLine:
    """Add a line while the project is proposed; a line on the negative list is refused."""
    project = _locked_project(project)
    if project.status != ProjectStatus.PROPOSED:
        raise GroupError(
            _("The budget is fixed once the project is decided; propose a new project instead.")
        )
    description = _text(description, field=_("What the line pays for"), limit=200)
    value = money(amount, field=_("The amount"))
    policy = fund_policy_for(project.community.organisation)
    match = negative_list_match(description, policy.negative_list)
    if match is not None:
        raise GroupError(
            _(
                "“%(line)s” falls under the negative list: %(rule)s (it mentions “%(word)s”). "
                "Change the line or pay it from elsewhere."
            )
            % {"line": description, "rule": match.label, "word": match.keyword}
        )
    line = BudgetLine.objects.create(project=project, description=description, amount=value)
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=line,
        community=project.community,
        detail={"amount": str(value)},
    )
    return line


@transaction.atomic
def microproject_approve(
    *,
    project: MicroProject,
    approved_by: str,
    decided_on: date,
    approval_ref: str = "",
    decision_text: str = "",
    actor: User | None,
) -> MicroProject:
    """Approve a proposed project: the seam a council decision calls (``approval_ref`` names it).

    A project paid by the community fund must fit in what is left of the year's amount.
    """
    from peiban.groups.selectors import community_fund_figures

    project = _locked_project(project)
    if project.status != ProjectStatus.PROPOSED:
        raise GroupError(_("Only a proposed project can be decided."))
    budget = (project.lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)).quantize(CENT)
    if budget <= 0:
        raise GroupError(_("Add at least one budget line before the project is decided."))
    if project.funding_source == FundingSource.COMMUNITY_FUND:
        # Lock the community so two approvals cannot both take the last of the year's fund.
        Community.objects.select_for_update().filter(pk=project.community_id).first()
        figures = community_fund_figures(project.community, project.year)
        if budget > figures.uncommitted:
            raise GroupError(
                _(
                    "The community fund of %(year)s has ¥%(left)s left to commit; this project "
                    "asks for ¥%(budget)s."
                )
                % {"year": project.year, "left": figures.uncommitted, "budget": budget}
            )
    project.status = ProjectStatus.APPROVED
    project.approved_by = _text(approved_by, field=_("Who decided"), limit=200)
    project.approval_ref = _text(approval_ref, field=_("The reference"), limit=120, required=False)
    project.decision_text = _text(
        decision_text, field=_("The decision"), limit=3000, required=False
    )
    project.decided_on = decided_on
    project.save(
        update_fields=["status", "approved_by", "approval_ref", "decision_text", "decided_on"]
    )
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        community=project.community,
        detail={"status": "approved", "approval_ref": project.approval_ref},
    )
    return project


@transaction.atomic
def microproject_reject(
    *,
    project: MicroProject,
    approved_by: str,
    decided_on: date,
    approval_ref: str = "",
    decision_text: str = "",
    actor: User | None,
) -> MicroProject:
    project = _locked_project(project)
    if project.status != ProjectStatus.PROPOSED:
        raise GroupError(_("Only a proposed project can be decided."))
    project.status = ProjectStatus.REJECTED
    project.approved_by = _text(approved_by, field=_("Who decided"), limit=200)
    project.approval_ref = _text(approval_ref, field=_("The reference"), limit=120, required=False)
    project.decision_text = _text(
        decision_text, field=_("The decision"), limit=3000, required=False
    )
    project.decided_on = decided_on
    project.save(
        update_fields=["status", "approved_by", "approval_ref", "decision_text", "decided_on"]
    )
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        community=project.community,
        detail={"status": "rejected"},
    )
    return project


@transaction.atomic
def expense_record(
    *,
    project: MicroProject,
    line: BudgetLine,
    amount: object,
    description: str,
    paid_on: date,
    receipt: UploadedFile | None = None,
    actor: User | None,
) -> Expense:
    """Record money spent on a budget line; refused past the line's budget, with the figures."""
    value = money(amount, field=_("The amount"))
    description = _text(description, field=_("What was bought"), limit=200)
    project = _locked_project(project)
    if project.status != ProjectStatus.APPROVED:
        raise GroupError(_("Expenses are recorded while an approved project is under way."))
    if line.project_id != project.pk:
        raise GroupError(_("The budget line belongs to another project."))
    spent = (line.expenses.aggregate(total=Sum("amount"))["total"] or Decimal(0)).quantize(CENT)
    if spent + value > line.amount:
        raise GroupError(
            _(
                "“%(line)s” has a budget of ¥%(budget)s and ¥%(spent)s is spent; this expense "
                "of ¥%(amount)s would go ¥%(over)s over. Nothing was recorded: charge it to "
                "another line or spend less."
            )
            % {
                "line": line.description,
                "budget": line.amount,
                "spent": spent,
                "amount": value,
                "over": spent + value - line.amount,
            }
        )
    fields: dict[str, Any] = {}
    if receipt is not None:
        try:
            sniffed = sniff_upload(receipt, kinds=DOCUMENTS)
        except UploadRefused as error:
            raise GroupError(str(error)) from None
        fields = {
            "receipt": receipt,
            "receipt_name": sniffed.name,
            "receipt_type": sniffed.content_type,
        }
    expense = Expense.objects.create(
        project=project,
        line=line,
        amount=value,
        description=description,
        paid_on=paid_on,
        created_by=actor,
        **fields,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=expense,
        community=project.community,
        detail={"amount": str(value), "line": line.pk},
    )
    return expense


@transaction.atomic
def expense_reverse(*, expense: Expense, reason: str, actor: User | None) -> Expense:
    reason = _text(reason, field=_("The reason"), limit=300)
    project = _locked_project(expense.project)
    if expense.reverses_id is not None:
        raise GroupError(_("A correction is not corrected again: record the entry anew."))
    if Expense.objects.filter(reverses=expense).exists():
        raise GroupError(_("This entry has already been corrected."))
    if project.status != ProjectStatus.APPROVED:
        raise GroupError(_("Expenses are recorded while an approved project is under way."))
    reversal = Expense.objects.create(
        project=project,
        line=expense.line,
        amount=-expense.amount,
        description=expense.description,
        paid_on=timezone.localdate(),
        reverses=expense,
        reason=reason,
        created_by=actor,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=reversal,
        community=project.community,
        reason=reason,
    )
    return reversal


@transaction.atomic
def log_write(
    *, project: MicroProject, text: str, on: date | None = None, actor: User | None
) -> LogEntry:
    project = _locked_project(project)
    if project.status not in (ProjectStatus.APPROVED, ProjectStatus.COMPLETED):
        raise GroupError(_("The log is kept once the project is approved."))
    entry = LogEntry.objects.create(
        project=project,
        written_on=on or timezone.localdate(),
        text=_text(text, field=_("What happened"), limit=3000),
        author=actor,
    )
    _audit(actor=actor, action=AuditAction.CREATE, subject=entry, community=project.community)
    return entry


@transaction.atomic
def microproject_complete(
    *, project: MicroProject, report: str, completed_on: date | None = None, actor: User | None
) -> MicroProject:
    project = _locked_project(project)
    if project.status != ProjectStatus.APPROVED:
        raise GroupError(_("Only an approved project under way can be completed."))
    project.report = _text(report, field=_("The completion report"), limit=10000)
    project.completed_on = completed_on or timezone.localdate()
    project.status = ProjectStatus.COMPLETED
    project.save(update_fields=["report", "completed_on", "status"])
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        community=project.community,
        detail={"status": "completed"},
    )
    return project


@transaction.atomic
def evaluation_give(
    *, project: MicroProject, resident: Resident, rating: int, comment: str = ""
) -> Evaluation:
    project = _locked_project(project)
    if project.status != ProjectStatus.COMPLETED:
        raise GroupError(_("A project is evaluated once it is completed."))
    if resident.community_id != project.community_id:
        raise GroupError(_("The resident must be of this community."))
    if not 1 <= rating <= 5:
        raise GroupError(_("Choose from one to five stars."))
    if Evaluation.objects.filter(project=project, resident=resident).exists():
        raise GroupError(_("You have already evaluated this project. Thank you!"))
    evaluation = Evaluation.objects.create(
        project=project,
        resident=resident,
        rating=rating,
        comment=_text(comment, field=_("The comment"), limit=500, required=False),
    )
    _audit(
        actor=resident.user,
        action=AuditAction.CREATE,
        subject=evaluation,
        community=project.community,
    )
    return evaluation
