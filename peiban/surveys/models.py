"""Survey forms (from XLSForm), their versions and waves, responses and their answers.

A Form belongs to an organisation and is run in one community; each upload of its XLSForm is a
FormVersion holding the definition as JSON (see peiban/surveys/xlsform.py). A Wave is one run of
the form (the first survey, the same form a year later). A Response holds its answers as JSON
checked against the version it was filled in; it may be tied to a dwelling, and then a dwelling
answers once per wave. Answer rows repeat each response's answers one value per row (one row per
chosen choice) so that counts, shares, numeric summaries and cross-tabulations are computed by the
database. A Visit records a door-to-door visit's outcome for a dwelling in a wave. An AnswerLink
opens a wave of a form to residents through an unguessable link and its QR code (never a
sensitive form); LinkAttempt rows rate-limit that public page.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation
from peiban.places.models import Community, Dwelling, Household


class Form(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="survey_forms",
        verbose_name=_("community"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80)
    id_string = models.CharField(_("form id"), max_length=100)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Only staff see its responses, and each response records consent."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey form")
        verbose_name_plural = _("survey forms")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "slug"], name="survey_form_unique_slug"),
            models.UniqueConstraint(
                fields=["community", "id_string"], name="survey_form_unique_id_string"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FormVersion(models.Model):
    form = models.ForeignKey(
        Form, on_delete=models.CASCADE, related_name="versions", verbose_name=_("form")
    )
    number = models.PositiveIntegerField(_("version"))
    version = models.CharField(_("version label"), max_length=100, blank=True)
    definition = models.JSONField(_("definition"))
    filename = models.CharField(_("file"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering: ClassVar = ["form", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["form", "number"], name="survey_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.number}"


class Wave(models.Model):
    form = models.ForeignKey(
        Form, on_delete=models.CASCADE, related_name="waves", verbose_name=_("form")
    )
    number = models.PositiveIntegerField(_("wave"))
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts"), null=True, blank=True)

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering: ClassVar = ["form", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["form", "number"], name="survey_wave_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ResponseSource(models.TextChoices):
    WEB = "web", _("Filled in Peiban")
    KOBO = "kobo", _("KoboToolbox")
    ODK = "odk", _("ODK Central")
    WJX = "wjx", _("问卷星")
    CSV = "csv", _("Spreadsheet")
    LINK = "link", _("Answered by residents through a link")


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Response(models.Model):
    form = models.ForeignKey(
        Form, on_delete=models.CASCADE, related_name="responses", verbose_name=_("form")
    )
    # Waves and versions go only with their form (the form's deletion takes its responses).
    version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("version")
    )
    wave = models.ForeignKey(
        Wave, on_delete=models.CASCADE, related_name="responses", verbose_name=_("wave")
    )
    dwelling = models.ForeignKey(
        Dwelling,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("dwelling"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("household"),
    )
    answers: models.JSONField[dict[str, Any]] = models.JSONField(_("answers"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ResponseStatus.choices,
        default=ResponseStatus.SUBMITTED,
    )
    source = models.CharField(
        _("source"), max_length=8, choices=ResponseSource.choices, default=ResponseSource.WEB
    )
    submission_id = models.CharField(_("submission id"), max_length=100, blank=True)
    consent = models.BooleanField(_("consent given"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["wave", "dwelling"],
                condition=models.Q(dwelling__isnull=False),
                name="survey_response_one_per_dwelling",
            ),
            models.UniqueConstraint(
                fields=["form", "submission_id"],
                condition=~models.Q(submission_id=""),
                name="survey_response_unique_submission",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["form", "wave", "status"])]

    def __str__(self) -> str:
        return f"{self.form_id}/{self.pk}"


class Answer(models.Model):
    """One value of one response, for counting in the database (kept in step with answers)."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answer_rows", verbose_name=_("response")
    )
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(_("question"), max_length=100)
    instance = models.PositiveIntegerField(default=0)  # 0 at the top level, n in a repeat
    choice = models.CharField(_("choice"), max_length=100, blank=True)
    number = models.FloatField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes: ClassVar = [
            models.Index(fields=["form", "question", "choice"]),
            # Covers the per-question response counts and numeric summaries of survey-summary,
            # which otherwise read every answer row (4 s to 0.4 s at 100,000 responses).
            models.Index(fields=["form", "question", "response", "number"]),
        ]

    def __str__(self) -> str:
        return f"{self.question}={self.choice or self.number or self.text}"


class VisitOutcome(models.TextChoices):
    DONE = "done", _("Done")
    NOT_HOME = "not_home", _("Not home")
    REFUSED = "refused", _("Refused")
    TO_VISIT = "to_visit", _("To visit")


class Visit(models.Model):
    """The latest outcome of a door-to-door visit to a dwelling in a wave."""

    wave = models.ForeignKey(
        Wave, on_delete=models.CASCADE, related_name="visits", verbose_name=_("wave")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.CASCADE, related_name="+", verbose_name=_("dwelling")
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=VisitOutcome.choices, default=VisitOutcome.TO_VISIT
    )
    attempts = models.PositiveSmallIntegerField(_("visits"), default=0)
    visited_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visited by"),
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["wave", "dwelling"], name="survey_visit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dwelling_id}: {self.outcome}"


class Recommendation(models.Model):
    """A recommendation drawn from a survey's results, linked to the questions supporting it."""

    form = models.ForeignKey(
        Form, on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("form")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("reasoning"), blank=True)
    questions: models.JSONField[list[str]] = models.JSONField(
        _("supporting questions"), default=list, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering: ClassVar = ["form", "priority", "pk"]

    def __str__(self) -> str:
        return self.title


class AnswerLink(models.Model):
    """A wave of a form opened to residents through a link and its QR code (自助填答).

    With `households_only` a resident answers for their own household: signed in with an account
    linked to a household of the community, or with the household code printed for their
    dwelling; a dwelling answers once per wave (Response's constraint). Without it anyone with
    the link may answer, untied to a dwelling. One open link per wave; closing it stops both the
    link and its household codes (they are derived from the token).
    """

    wave = models.ForeignKey(
        Wave, on_delete=models.CASCADE, related_name="links", verbose_name=_("wave")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    households_only = models.BooleanField(
        _("one answer per household"),
        default=True,
        help_text=_("Residents identify their household; each dwelling answers once."),
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer link")
        verbose_name_plural = _("answer links")
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["wave"],
                condition=models.Q(closed_at__isnull=True),
                name="survey_link_one_open_per_wave",
            )
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}: {'open' if self.closed_at is None else 'closed'}"


class LinkAttemptKind(models.TextChoices):
    BAD_CODE = "bad_code", _("Wrong household code")
    SUBMIT = "submit", _("Response submitted")


class LinkAttempt(models.Model):
    """One refused household code or one submission through a link, by network address, to
    limit how fast the public page can be tried (see peiban/surveys/links.py)."""

    link = models.ForeignKey(AnswerLink, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=LinkAttemptKind.choices)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["link", "kind", "address", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.address}"
