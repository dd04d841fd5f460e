"""Self-organisations (自组织), their incubation and capacity, and micro-projects (微项目).

- A self-organisation belongs to one community. Its members are residents with a role and the
  dates they joined and left; a role change closes one row and opens another, so the history of
  who led the group, and since when, is kept.
- Its own funds are an append-only ledger (``FundEntry``): corrections are reversing entries with
  a reason, the balance is the sum of the entries and never goes below zero.
- Its stage (emerging → growing → established → autonomous) is set by people, with the figures
  that justified the move kept as evidence in ``StageChange`` (criteria in ``stages.py``).
- The incubation plan carries a version number: a save that started from an older version is
  refused, so two leaders editing at once never overwrite each other.
- A micro-project's expenses are append-only too, and each names the budget line it is charged to.
  Approval keeps a reference to the decision (a council decision later) as plain fields.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation
from peiban.places.models import Community, Resident


class AppendOnlyError(ValueError):
    """An attempt to change or delete an entry of an append-only ledger."""


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Entries are append-only: record a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Entries are append-only: record a reversal instead.")


class GroupKind(models.TextChoices):
    INTEREST = "interest", _("Interest group")
    MUTUAL_AID = "mutual_aid", _("Mutual aid")
    VOLUNTEER = "volunteer", _("Volunteer team")
    PUBLIC_BENEFIT = "public_benefit", _("Public-benefit group")
    OWNERS_COMMITTEE = "owners_committee", _("Support for the owners' committee")
    OTHER = "other", _("Other kind")


class Stage(models.TextChoices):
    EMERGING = "emerging", _("Emerging")
    GROWING = "growing", _("Growing")
    ESTABLISHED = "established", _("Established")
    AUTONOMOUS = "autonomous", _("Autonomous")


STAGE_ORDER: tuple[str, ...] = (
    Stage.EMERGING,
    Stage.GROWING,
    Stage.ESTABLISHED,
    Stage.AUTONOMOUS,
)


class SelfOrganisation(models.Model):
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="self_organisations",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices)
    purpose = models.TextField(_("what the group does"), max_length=2000, blank=True)
    founded_on = models.DateField(_("founded"))
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.EMERGING
    )
    rules_text = models.TextField(_("rules (章程)"), max_length=20000, blank=True)
    rules_adopted_on = models.DateField(_("rules adopted"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("self-organisation")
        verbose_name_plural = _("self-organisations")
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "name"], name="group_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    DEPUTY = "deputy", _("Deputy leader")
    TREASURER = "treasurer", _("Treasurer")
    MEMBER = "member", _("Member")


LEADING_ROLES = frozenset({MemberRole.LEADER, MemberRole.DEPUTY})


class GroupMember(models.Model):
    """A resident in a group with one role for a time; ``left_on`` empty means still a member."""

    group = models.ForeignKey(SelfOrganisation, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="group_memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices)
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)
    left_reason = models.CharField(_("why they left"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["joined_on", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["group", "resident"],
                condition=models.Q(left_on__isnull=True),
                name="group_member_once_at_a_time",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="group_member_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.resident_id} {self.role}"


class KindChange(models.Model):
    """A group changed kind, such as an interest group taking up public-benefit work."""

    group = models.ForeignKey(
        SelfOrganisation, on_delete=models.CASCADE, related_name="kind_changes"
    )
    from_kind = models.CharField(max_length=20, choices=GroupKind.choices)
    to_kind = models.CharField(max_length=20, choices=GroupKind.choices)
    changed_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.from_kind} → {self.to_kind}"


class StageChange(AppendOnly):
    """One move between stages: who, when, why, and the figures at that moment."""

    group = models.ForeignKey(
        SelfOrganisation, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    moved_on = models.DateField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    evidence = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["moved_on", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Meeting(models.Model):
    """A meeting of the group; one in the future is planned, one in the past was held."""

    group = models.ForeignKey(SelfOrganisation, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("when"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    attendees = models.PositiveIntegerField(_("how many came"), null=True, blank=True)
    minutes = models.TextField(_("minutes and decisions"), max_length=5000, blank=True)
    staff_present = models.BooleanField(_("staff took part"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-starts_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["group", "starts_at"])]

    def __str__(self) -> str:
        return self.topic


class FundKind(models.TextChoices):
    INCOME = "income", _("Income")
    SPENDING = "spending", _("Spending")
    REVERSAL = "reversal", _("Correction")


class FundEntry(AppendOnly):
    """The group's own money: income is positive, spending negative, a reversal undoes one entry."""

    group = models.ForeignKey(
        SelfOrganisation, on_delete=models.PROTECT, related_name="fund_entries"
    )
    kind = models.CharField(max_length=10, choices=FundKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.CharField(_("what for"), max_length=200)
    occurred_on = models.DateField(_("date"))
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["occurred_on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kind="income", amount__gt=0, reverses__isnull=True)
                | models.Q(kind="spending", amount__lt=0, reverses__isnull=True)
                | (models.Q(kind="reversal", reverses__isnull=False) & ~models.Q(reason="")),
                name="fund_entry_sign_by_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.amount}"


class IncubationPlan(models.Model):
    """What the staff and the group aim for; ``version`` guards against lost updates."""

    group = models.OneToOneField(SelfOrganisation, on_delete=models.CASCADE, related_name="plan")
    goals = models.TextField(_("goals"), max_length=5000, blank=True)
    without_staff = models.TextField(
        _("what the group now does without staff"), max_length=5000, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.group_id} v{self.version}"


class CoachingSession(models.Model):
    group = models.ForeignKey(SelfOrganisation, on_delete=models.CASCADE, related_name="coaching")
    held_on = models.DateField(_("date"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    minutes_spent = models.PositiveIntegerField(_("staff time in minutes"))
    topic = models.CharField(_("topic"), max_length=200)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)

    class Meta:
        ordering: ClassVar = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.topic


class Training(models.Model):
    group = models.ForeignKey(SelfOrganisation, on_delete=models.CASCADE, related_name="trainings")
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    attendees = models.PositiveIntegerField(_("how many came"), default=0)

    class Meta:
        ordering: ClassVar = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.topic


class Milestone(models.Model):
    group = models.ForeignKey(SelfOrganisation, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    reached_on = models.DateField(_("reached"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class AssessmentKind(models.TextChoices):
    GROUP = "group", _("Group")
    LEADER = "leader", _("Leader")


class Assessment(models.Model):
    """Scores (1–5 per dimension) for a group or one of its leaders in one period (``2026H1``)."""

    group = models.ForeignKey(
        SelfOrganisation, on_delete=models.CASCADE, related_name="assessments"
    )
    kind = models.CharField(max_length=8, choices=AssessmentKind.choices)
    leader = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    period = models.CharField(_("period"), max_length=10)
    scores = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=500, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["period", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["group", "kind", "period"],
                condition=models.Q(leader__isnull=True),
                name="assessment_group_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["group", "leader", "period"],
                condition=models.Q(leader__isnull=False),
                name="assessment_leader_once_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="group", leader__isnull=True)
                | models.Q(kind="leader", leader__isnull=False),
                name="assessment_leader_only_for_leader_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.kind} {self.period}"


class FundPolicy(models.Model):
    """An organisation's community-fund formula and negative list (see docs/groups.md)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="fund_policy"
    )
    base = models.DecimalField(_("yearly base amount"), max_digits=12, decimal_places=2)
    per_hundred = models.DecimalField(
        _("amount per hundred residents"), max_digits=12, decimal_places=2
    )
    negative_list = models.JSONField(_("negative list"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.base} + {self.per_hundred}/100"


class FundYear(models.Model):
    """The population a community's fund is computed from in one year, as officially counted."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="fund_years")
    year = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField(_("residents counted"))

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "year"], name="fund_year_once")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.year}"


class FundingSource(models.TextChoices):
    COMMUNITY_FUND = "community_fund", _("Community fund (社区保障资金)")
    NGO = "ngo", _("The NGO")
    DONATIONS = "donations", _("Donations")


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    COMPLETED = "completed", _("Completed")


class MicroProject(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="micro_projects"
    )
    title = models.CharField(_("title"), max_length=120)
    goal = models.TextField(_("goal"), max_length=3000)
    group = models.ForeignKey(
        SelfOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("self-organisation"),
    )
    proposer = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="proposed_projects"
    )
    funding_source = models.CharField(
        _("funding source"), max_length=16, choices=FundingSource.choices
    )
    year = models.PositiveSmallIntegerField(_("fund year"))
    status = models.CharField(
        max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED
    )
    # The approval seam: a council decision (or any other body's) is referred to, not linked.
    approval_ref = models.CharField(_("decision reference"), max_length=120, blank=True)
    decision_text = models.TextField(_("decision"), max_length=3000, blank=True)
    approved_by = models.CharField(_("decided by"), max_length=200, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    report = models.TextField(_("completion report"), max_length=10000, blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["community", "year"])]

    def __str__(self) -> str:
        return self.title


class BudgetLine(models.Model):
    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("what it pays for"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="budget_line_positive")
        ]

    def __str__(self) -> str:
        return self.description


class Expense(AppendOnly):
    """Money spent on a budget line, with its receipt; a reversal (negative) undoes one."""

    project = models.ForeignKey(MicroProject, on_delete=models.PROTECT, related_name="expenses")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="expenses")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    description = models.CharField(_("what was bought"), max_length=200)
    paid_on = models.DateField(_("paid on"))
    receipt = models.FileField(upload_to="groups/receipts/%Y/%m/", blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_type = models.CharField(max_length=100, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["paid_on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, reverses__isnull=True)
                | (models.Q(amount__lt=0, reverses__isnull=False) & ~models.Q(reason="")),
                name="expense_positive_or_reversal_with_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.amount}"


class LogEntry(models.Model):
    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="log")
    written_on = models.DateField(_("date"))
    text = models.TextField(_("what happened"), max_length=3000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-written_on", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class Evaluation(models.Model):
    """A resident's rating of a completed micro-project."""

    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="evaluations")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "resident"], name="evaluation_once"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="evaluation_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.rating}"
