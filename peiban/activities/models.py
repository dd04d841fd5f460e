"""Activities, registration, attendance and feedback: the method's empowering phase."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.places.models import Community, PublicSpace, Resident


class ActivityKind(models.TextChoices):
    THEMED = "themed", _("Large themed activity")
    INTEREST_GROUP = "interest_group", _("Interest group session")
    SERVICE = "service", _("Service")
    TRAINING = "training", _("Training")
    MEETING = "meeting", _("Meeting")


class OrganiserKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("A resident leader")
    SELF_ORGANISATION = "self_organisation", _("A self-organisation")


class Registration(models.TextChoices):
    OPEN = "open", _("Anyone may come")
    REQUIRED = "required", _("Registration required")


class Series(models.Model):
    """Activities that belong together, such as the three themed activities of a year."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="series")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    organiser_kind = models.CharField(
        _("organised by"), max_length=20, choices=OrganiserKind.choices
    )
    organiser_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organiser_resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="organised"
    )
    organiser_group = models.ForeignKey(
        "groups.SelfOrganisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("self-organisation"),
    )
    place = models.ForeignKey(
        PublicSpace, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    place_text = models.CharField(_("place"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    registration = models.CharField(
        _("registration"), max_length=10, choices=Registration.choices, default=Registration.OPEN
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    summary = models.TextField(_("closing summary"), max_length=5000, blank=True)
    summary_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering: ClassVar = ["-starts_at"]
        indexes: ClassVar = [models.Index(fields=["community", "starts_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SignupStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Signup(models.Model):
    """A resident's registration; the waiting list is ordered by `created_at`."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="signups")
    status = models.CharField(max_length=12, choices=SignupStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["activity", "resident"], name="signup_once")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.resident_id} {self.status}"


class Attendance(models.Model):
    """One resident at one activity: nobody is counted twice (a unique constraint says so)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="attendance")
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    volunteer = models.BooleanField(_("as a volunteer"), default=False)
    source = models.CharField(max_length=16, default="door")  # door, qr, sheet, organiser
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["checked_in_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["activity", "resident"], name="attendance_once")
        ]
        indexes: ClassVar = [models.Index(fields=["resident", "checked_in_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.resident_id}"


class Feedback(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="feedback")
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["activity", "resident"], name="feedback_once_per_resident"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.rating}"


class Photo(models.Model):
    """A photo of the activity, kept only when the uploader confirms the people shown agreed."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="activities/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.name
