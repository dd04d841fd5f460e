"""Volunteer hours, points and certificates: append-only ledgers that can be trusted.

Hours are the legal record (志愿服务条例, Articles 7 and 19); points (积分) are a local incentive
set by published, versioned rules. They are two separate ledgers:

- ``HourEntry`` and ``PointsEntry`` rows are never changed or deleted. A correction is a new
  reversing entry that names the entry it reverses and gives a reason; balances are always derived
  by summing entries (see ``peiban.ledger.selectors``), never stored.
- The one documented exception: an ``HourEntry`` is recorded as "pending" and a member of staff
  verifies it later. Verification fills ``status``, ``verified_by`` and ``verified_at`` once, from
  pending to verified, by ``hours_verify`` through ``QuerySet.update`` guarded by
  ``status='pending'``; ``save()`` refuses every other change. The alternative (a separate
  verification row) would make every balance query a join for no gain in trust: the audit log
  keeps who verified what and when as well.
- ``PointsAccount`` holds no balance: it exists only as the row that redemptions, credits and
  reversals of one resident lock (``select_for_update``) so that two of them cannot both spend the
  same points. On SQLite writes are serialised by the database itself (one writer at a time), so
  the lock is a no-op there and the result is the same.
- Entries refer to residents, communities and activities with ``PROTECT``: the record is kept as
  long as the person is; a resident who leaves is anonymised, not deleted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from peiban.activities.models import Activity
from peiban.core.models import Organisation
from peiban.places.models import Community, Resident


class AppendOnlyError(ValueError):
    """An attempt to change or delete a ledger entry."""


class AppendOnly(models.Model):
    """Rows are written once: ``save()`` of an existing row and ``delete()`` raise."""

    #: Why a change is refused: one whole sentence per model, translated when raised.
    append_only_message: ClassVar[str] = gettext_noop(
        "Ledger entries are append-only: record a reversal instead."
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(gettext(self.append_only_message))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(gettext(self.append_only_message))


class EntryKind(models.TextChoices):
    CREDIT = "credit", _("Credit")
    REVERSAL = "reversal", _("Reversal")


class HourStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")


class HourEntry(AppendOnly):
    """Hours of volunteer service: a credit (from an attendance or entered by an organiser) or the
    reversal of one. Only verified entries count towards the balance and certificates."""

    append_only_message: ClassVar[str] = gettext_noop(
        "Hour entries are append-only: record a reversal instead."
    )

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="hour_entries",
        verbose_name=_("community"),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="hour_entries", verbose_name=_("volunteer")
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hour_entries",
        verbose_name=_("activity"),
    )
    service = models.CharField(_("service"), max_length=300)
    place = models.CharField(_("place"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HourStatus.choices, default=HourStatus.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("hour entry")
        verbose_name_plural = _("hour entries")
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [models.Index(fields=["resident", "created_at"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["resident", "activity"],
                condition=models.Q(kind="credit", activity__isnull=False),
                name="hour_entry_one_credit_per_activity",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="credit", hours__gt=0, reverses__isnull=True)
                    | (
                        models.Q(kind="reversal", hours__lt=0, reverses__isnull=False)
                        & ~models.Q(reason="")
                    )
                ),
                name="hour_entry_credit_positive_reversal_negative_with_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "verified"]),
                name="hour_entry_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.hours} h ({self.kind})"


class PointsRule(AppendOnly):
    """A published version of a community's points rules, as agreed by a democratic procedure.

    Never edited after publishing: a change is a new version. The current version is the one
    published last."""

    append_only_message: ClassVar[str] = gettext_noop(
        "Published points rules are never changed: publish a new version instead."
    )

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="points_rules",
        verbose_name=_("community"),
    )
    version = models.PositiveIntegerField(_("version"))
    hours_to_points = models.DecimalField(_("points per hour"), max_digits=7, decimal_places=2)
    weights = models.JSONField(
        _("weights per activity kind"),
        default=dict,
        blank=True,
        help_text=_("{activity kind: weight as a decimal string}; missing kinds weigh 1."),
    )
    cap = models.DecimalField(
        _("cap on stored points"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    text = models.TextField(_("rules as published"), max_length=5000)
    approved_by = models.CharField(_("approved by"), max_length=200)
    published_at = models.DateTimeField(_("published"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("points rules")
        verbose_name_plural = _("points rules")
        ordering: ClassVar = ["-published_at", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "version"], name="points_rule_version"),
            models.CheckConstraint(
                condition=models.Q(hours_to_points__gt=0), name="points_rule_rate_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(cap__isnull=True) | models.Q(cap__gt=0),
                name="points_rule_cap_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} v{self.version}"


class RewardKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")


class Reward(models.Model):
    """Something points can be redeemed for: goods in the charity shop (公益超市) or a service."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="rewards", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=RewardKind.choices)
    cost = models.DecimalField(_("cost in points"), max_digits=9, decimal_places=2)
    stock = models.PositiveIntegerField(
        _("in stock"), null=True, blank=True, help_text=_("Empty for a service without limit.")
    )
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(cost__gt=0), name="reward_cost_positive"),
            models.CheckConstraint(
                condition=models.Q(stock__isnull=True) | models.Q(stock__gte=0),
                name="reward_stock_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    """Points exchanged for a reward; the points leave the ledger as a redemption entry."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("resident")
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.DecimalField(_("points"), max_digits=9, decimal_places=2)
    created_at = models.DateTimeField(_("redeemed"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="redemption_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.reward_id} × {self.quantity}"


class PointsKind(models.TextChoices):
    CREDIT = "credit", _("Credit")
    REDEMPTION = "redemption", _("Redemption")
    REVERSAL = "reversal", _("Reversal")


class PointsEntry(AppendOnly):
    """Points credited for verified hours, spent on a reward, or reversed."""

    append_only_message: ClassVar[str] = gettext_noop(
        "Points entries are append-only: record a reversal instead."
    )

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="points_entries",
        verbose_name=_("community"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="points_entries",
        verbose_name=_("resident"),
    )
    amount = models.DecimalField(_("points"), max_digits=9, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=12, choices=PointsKind.choices)
    rule = models.ForeignKey(
        PointsRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("rules applied"),
    )
    hour_entry = models.ForeignKey(
        HourEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
        verbose_name=_("for hours"),
    )
    redemption = models.ForeignKey(
        Redemption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
        verbose_name=_("redemption"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [models.Index(fields=["resident", "created_at"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["hour_entry"],
                condition=models.Q(kind="credit"),
                name="points_entry_one_credit_per_hour_entry",
            ),
            models.CheckConstraint(
                condition=(
                    # A credit may be 0 when the cap left no room: the hours are then settled.
                    models.Q(
                        kind="credit",
                        amount__gte=0,
                        hour_entry__isnull=False,
                        rule__isnull=False,
                        reverses__isnull=True,
                    )
                    | models.Q(
                        kind="redemption",
                        amount__lt=0,
                        redemption__isnull=False,
                        reverses__isnull=True,
                    )
                    | (
                        models.Q(kind="reversal", reverses__isnull=False)
                        & ~models.Q(amount=0)
                        & ~models.Q(reason="")
                    )
                ),
                name="points_entry_kind_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.amount} ({self.kind})"


class PointsAccount(models.Model):
    """The lock target of one resident's points: no balance is stored here (see the module doc)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )

    class Meta:
        verbose_name = _("points account (lock)")
        verbose_name_plural = _("points accounts (locks)")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "resident"], name="points_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.resident_id}"


class CertificateCounter(models.Model):
    """The last certificate number an organisation gave in a year; locked to allocate the next."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    year = models.PositiveIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("certificate counter")
        verbose_name_plural = _("certificate counters")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="certificate_counter_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}: {self.last}"


class Certificate(AppendOnly):
    """A volunteer service certificate (志愿服务证明) as issued: its number, date, the verified
    hours it covers and the SHA-256 of the PDF given out. Downloading it again sets the same
    certificate (same number, date and entries)."""

    append_only_message: ClassVar[str] = gettext_noop(
        "An issued certificate is never changed: issue a new one instead."
    )

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("organisation"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("volunteer")
    )
    number = models.CharField(_("certificate number"), max_length=100)
    issued_on = models.DateField(_("issued"))
    hours = models.DecimalField(_("hours certified"), max_digits=9, decimal_places=2)
    entry_ids = models.JSONField(_("hour entries covered"), default=list)
    responsible_person = models.CharField(_("responsible person"), max_length=50)
    handler = models.CharField(_("handler"), max_length=50)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer certificate")
        verbose_name_plural = _("volunteer certificates")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="certificate_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number
