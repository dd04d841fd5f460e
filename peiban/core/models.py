"""Organisations, memberships and roles, API tokens, login failures and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from peiban.places.models import Community


class Organisation(models.Model):
    """An NGO (or another body) that accompanies communities; the unit of tenancy."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation admin")
    STAFF = "staff", _("Staff")
    RESIDENT_LEADER = "resident_leader", _("Resident leader")
    RESIDENT = "resident", _("Resident")
    GOVERNMENT_VIEWER = "government_viewer", _("Government viewer")


class Membership(models.Model):
    """A user's role in one organisation; all roles but org admin are limited to communities."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    communities: models.ManyToManyField[Community, models.Model] = models.ManyToManyField(
        "places.Community",
        blank=True,
        related_name="memberships",
        verbose_name=_("communities"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token for scripts and mini-programs; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """A failed sign-in, kept for the rate limit."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"{self.username} {self.created_at:%Y-%m-%d %H:%M}"


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    UNMASK = "unmask", _("Unmasked")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    LOGIN = "login", _("Signed in")
    TOKEN = "token", _("Token")


class AuditEntry(models.Model):
    """An append-only record of who did what to which record, when and why."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("organisation"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    subject_type = models.CharField(_("record type"), max_length=64)
    subject_id = models.CharField(_("record"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type,unused-ignore]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit entries are append-only.")


class ConsentPurpose(models.TextChoices):
    REGISTRY = "registry", _("Keeping contact details in the community registry")
    SENSITIVE = "sensitive", _("Keeping sensitive information (Party membership, health, welfare)")
    PUBLIC_RECOGNITION = "recognition", _("Being named in public thanks and stories")
    PHOTOS = "photos", _("Photos of activities")
    VOLUNTEER_RECORD = "volunteer", _("Volunteer records and certificates (ID number)")


class Consent(models.Model):
    """A resident's consent to one purpose, with the version of the text they agreed to.

    Withdrawal is a timestamp on the same row; a new consent after withdrawal is a new row.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("organisation"),
    )
    resident = models.ForeignKey(
        "places.Resident",
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("resident"),
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    version = models.CharField(_("text version"), max_length=20, default="1")
    sensitive = models.BooleanField(_("separate consent for sensitive data"), default=False)
    guardian = models.CharField(_("guardian (for children under 14)"), max_length=50, blank=True)
    given_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering: ClassVar = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.purpose} v{self.version}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class RightsRequestKind(models.TextChoices):
    ACCESS = "access", _("See and copy my data")
    CORRECT = "correct", _("Correct my data")
    DELETE = "delete", _("Delete my data")
    ANONYMISE = "anonymise", _("Anonymise my data")


class RightsRequest(models.Model):
    """A request at the rights desk (PIPL Articles 44–47), from receipt to its answer."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="rights_requests"
    )
    resident = models.ForeignKey(
        "places.Resident",
        on_delete=models.SET_NULL,
        null=True,
        related_name="rights_requests",
        verbose_name=_("resident"),
    )
    kind = models.CharField(_("request"), max_length=16, choices=RightsRequestKind.choices)
    detail = models.TextField(_("what was asked"), blank=True)
    received_at = models.DateTimeField(_("received"))
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        ordering: ClassVar = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.received_at:%Y-%m-%d}"


class DataKind(models.TextChoices):
    INACTIVE_RESIDENT = "inactive_resident", _("Residents who moved away (anonymised)")
    WITHDRAWN_CONSENT = "withdrawn_consent", _("Data under a withdrawn consent (deleted)")
    AUDIT = "audit", _("Audit log entries (deleted)")
    LOGIN_FAILURES = "login_failures", _("Failed sign-ins (deleted)")


DEFAULT_RETENTION_DAYS = {
    DataKind.INACTIVE_RESIDENT: 365 * 2,
    DataKind.WITHDRAWN_CONSENT: 30,
    DataKind.AUDIT: 365 * 3,
    DataKind.LOGIN_FAILURES: 1,
}


class RetentionRule(models.Model):
    """How long an organisation keeps one kind of data; the retention task enforces it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="retention_rules"
    )
    kind = models.CharField(_("kind of data"), max_length=32, choices=DataKind.choices)
    days = models.PositiveIntegerField(_("kept for (days)"))

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="retention_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days}"
