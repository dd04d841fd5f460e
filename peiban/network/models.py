"""Ties between residents, monthly snapshots of the network, and social-capital survey waves."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.places.models import Community, Resident


class TieKind(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbour")
    FRIEND = "friend", _("Friend")
    FAMILY = "family", _("Family")
    FELLOW_MEMBER = "fellow_member", _("Fellow member of a group")
    HELPED = "helped", _("Helped the other")
    INTRODUCED = "introduced", _("Introduced by staff or a neighbour")
    CONFLICT = "conflict", _("Conflict")


# Kinds shown to staff only, whatever the tie's own flag says.
SENSITIVE_KINDS = frozenset({TieKind.CONFLICT})
# Kinds that are not social capital: kept and mapped for staff, left out of every measure.
NEGATIVE_KINDS = frozenset({TieKind.CONFLICT})


class TieSource(models.TextChoices):
    OBSERVATION = "observation", _("Staff observation")
    SELF_REPORT = "self_report", _("The resident's own report")
    SURVEY = "survey", _("A survey question on which neighbours one knows")


class Tie(models.Model):
    """A recorded relationship between two residents of one community, as of a date.

    Ties from taking part in the same activities are not stored: they are derived afresh for each
    snapshot (see peiban.network.derived).
    """

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="ties", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="ties_from", verbose_name=_("resident")
    )
    other = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="ties_to", verbose_name=_("other resident")
    )
    kind = models.CharField(_("kind of tie"), max_length=16, choices=TieKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=TieSource.choices)
    strength = models.PositiveSmallIntegerField(
        _("strength (1–5)"), default=3, help_text=_("1 knows by sight, 5 very close.")
    )
    observed_on = models.DateField(_("since"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    sensitive = models.BooleanField(_("visible to staff only"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tie")
        verbose_name_plural = _("ties")
        ordering: ClassVar = ["-observed_on", "-id"]
        indexes: ClassVar = [models.Index(fields=["community", "observed_on"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(resident=models.F("other")), name="tie_two_residents"
            ),
            models.CheckConstraint(
                condition=models.Q(strength__gte=1, strength__lte=5), name="tie_strength_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}–{self.other_id} {self.kind}"

    @property
    def staff_only(self) -> bool:
        return self.sensitive or self.kind in SENSITIVE_KINDS


class Snapshot(models.Model):
    """The network of one community at the end of one month, with its measures."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="network_snapshots"
    )
    month = models.DateField(_("month"))  # the first day of the month
    computed_at = models.DateTimeField(auto_now=True)
    nodes = models.PositiveIntegerField(default=0)
    edges = models.PositiveIntegerField(default=0)
    density = models.FloatField(default=0.0)
    components = models.PositiveIntegerField(default=0)
    largest_component = models.PositiveIntegerField(default=0)
    average_degree = models.FloatField(default=0.0)
    clustering = models.FloatField(default=0.0)
    with_tie = models.PositiveIntegerField(default=0)
    isolated = models.PositiveIntegerField(default=0)
    bridging = models.PositiveIntegerField(default=0)
    derived_edges = models.PositiveIntegerField(default=0)
    betweenness_exact = models.BooleanField(default=True)
    # {resident id: [degree, betweenness, eigenvector, group number or -1]}
    residents = models.JSONField(default=dict)
    # [[resident id, ...], ...], largest group first
    groups = models.JSONField(default=list)
    # [[resident id, resident id, weight, derived (bool)], ...]: positive ties only
    ties = models.JSONField(default=list)

    class Meta:
        ordering: ClassVar = ["community", "month"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "month"], name="snapshot_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month:%Y-%m}"


class SurveyWave(models.Model):
    """One round of the social-capital questions in one community (relational and cognitive)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="social_capital_waves"
    )
    name = models.CharField(_("name"), max_length=100)
    held_on = models.DateField(_("held on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")
        ordering: ClassVar = ["community", "held_on", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "name"], name="wave_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SurveyAnswer(models.Model):
    """One respondent's answer (1–5 agreement) to one standard item in one wave."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="answers")
    respondent = models.CharField(max_length=64)  # the sheet's respondent number
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    item = models.CharField(max_length=32)
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["wave", "respondent", "item"], name="answer_once_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="answer_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id} {self.respondent} {self.item}={self.score}"
