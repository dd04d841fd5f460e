"""Method thresholds per organisation, projects with contract targets, and staff time logs.

The indicators themselves are not stored: they are computed from the records of every area
(see ``peiban.indicators.figures``) whenever they are asked for.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation
from peiban.places.models import Community


class MethodThresholds(models.Model):
    """The thresholds of the method's milestones (domain rules §8) for one organisation.

    An organisation without a row uses the field defaults.
    """

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="method_thresholds"
    )
    survey_coverage_percent = models.PositiveSmallIntegerField(
        _("survey coverage (percent of households)"),
        default=30,
        validators=[MaxValueValidator(100)],
    )
    needs_recorded = models.PositiveSmallIntegerField(_("needs recorded"), default=10)
    leaders_known = models.PositiveSmallIntegerField(_("leaders known"), default=10)
    themed_activities = models.PositiveSmallIntegerField(
        _("themed activities with rising attendance"), default=3
    )
    regular_participants = models.PositiveSmallIntegerField(_("regular participants"), default=20)
    coach_ratio_percent = models.PositiveSmallIntegerField(
        _("coach ratio (percent of need actions by residents)"),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    resident_organised_activities = models.PositiveSmallIntegerField(
        _("activities organised by residents"), default=3
    )
    council_decisions_verified = models.PositiveSmallIntegerField(
        _("council decisions carried out and checked by residents"), default=3
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("method thresholds")
        verbose_name_plural = _("method thresholds")

    def __str__(self) -> str:
        return f"{self.organisation_id}"


class Project(models.Model):
    """A funded project, such as a street office's purchase of services (政府购买服务)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    funder = models.CharField(_("funder"), max_length=200, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    communities = models.ManyToManyField(
        Community, related_name="projects", verbose_name=_("communities")
    )
    linked = models.ManyToManyField(
        "self", blank=True, verbose_name=_("linked projects (sharing people and effort)")
    )
    # The records of its communities the project covers (linked by staff, see docs/indicators.md:
    # a target about a kind of record counts the linked records of that kind when there are any).
    needs = models.ManyToManyField(
        "needs.Need", blank=True, related_name="covering_projects", verbose_name=_("needs")
    )
    recommendations = models.ManyToManyField(
        "surveys.Recommendation",
        blank=True,
        related_name="covering_projects",
        verbose_name=_("recommendations"),
    )
    activities = models.ManyToManyField(
        "activities.Activity",
        blank=True,
        related_name="covering_projects",
        verbose_name=_("activities"),
    )
    self_organisations = models.ManyToManyField(
        "groups.SelfOrganisation",
        blank=True,
        related_name="covering_projects",
        verbose_name=_("self-organisations"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering: ClassVar = ["-starts_on", "name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="project_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectTarget(models.Model):
    """A contract target: an indicator (by key, see docs/indicators.md) and the figure promised."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=64)
    target = models.DecimalField(
        _("target"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        verbose_name = _("project target")
        verbose_name_plural = _("project targets")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "indicator"], name="project_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.target}"


class TimeLog(models.Model):
    """Staff time spent on a project in one of its communities on one day."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="time_logs")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(24))],
    )
    note = models.CharField(_("what was done"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("time log entry")
        verbose_name_plural = _("time log entries")
        ordering: ClassVar = ["-day", "-id"]
        indexes: ClassVar = [models.Index(fields=["project", "community", "day"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="time_log_hours_in_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.day} {self.hours}"
