"""The needs register: every need raised, who leads it, who goes along, what was done, how it ended.

The method's loop is raise → accompany → deliberate → decide → act → resolve → verify → close; each
stage change is kept (StageChange) so the issue-loop figures can be computed in the database.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation
from peiban.places.models import Building, Community, Dwelling, PublicSpace, Resident


class Category(models.Model):
    """A kind of need in an organisation's taxonomy (default: domain rules §9), editable."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="need_categories"
    )
    name = models.CharField(_("name"), max_length=50)
    hint = models.CharField(_("what it covers"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("need category")
        verbose_name_plural = _("need categories")
        ordering: ClassVar = ["position", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "name"], name="category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    VISIT = "visit", _("Visit")
    SURVEY = "survey", _("Survey")
    GROUP_CHAT = "group_chat", _("Group chat")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")
    WALK_IN = "walk_in", _("Walk-in")
    APP = "app", _("Raised in Peiban")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    LOW = "low", _("Can wait")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("Urgent")
    DANGER = "danger", _("Danger to people")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private: staff and the people involved")
    PUBLIC = "public", _("Public to the community")


class Stage(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACCOMPANIED = "accompanied", _("Accompanied")
    DELIBERATING = "deliberating", _("Deliberating")
    DECIDED = "decided", _("Decided")
    ACTING = "acting", _("Acting")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified by residents")
    CLOSED = "closed", _("Closed")
    REFERRED = "referred", _("Referred")
    DECLINED = "declined", _("Declined")


OPEN_STAGES = frozenset(
    {
        Stage.RAISED,
        Stage.ACCOMPANIED,
        Stage.DELIBERATING,
        Stage.DECIDED,
        Stage.ACTING,
        Stage.REFERRED,
    }
)


class Need(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="needs", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="needs", verbose_name=_("category")
    )
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("building")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("dwelling")
    )
    public_space = models.ForeignKey(
        PublicSpace,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("public space"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    raised_by = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_raised",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    affected = models.ManyToManyField(
        Resident, blank=True, related_name="needs_affecting", verbose_name=_("residents affected")
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.RAISED)
    stage_changed_at = models.DateTimeField(_("stage since"))
    # The lead is a resident by default; staff may lead only with a recorded reason.
    lead = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_led",
        verbose_name=_("lead"),
    )
    lead_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_led",
        verbose_name=_("staff lead"),
    )
    lead_staff_reason = models.CharField(_("why staff lead"), max_length=200, blank=True)
    companions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="needs_accompanied"
    )
    decline_reason = models.CharField(_("why declined"), max_length=200, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # Seams: the survey answer a need came from, and the council proposal it became.
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    proposal_ref = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering: ClassVar = ["-raised_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["community", "stage"]),
            models.Index(fields=["community", "raised_at"]),
            models.Index(fields=["community", "category", "building"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class StageChange(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    reopening = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [models.Index(fields=["need", "to_stage"])]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.from_stage} → {self.to_stage}"


class ActionKind(models.TextChoices):
    TALK = "talk", _("Talk")
    VISIT = "visit", _("Visit")
    MEDIATION = "mediation", _("Mediation")
    LETTER = "letter", _("Letter")
    NOTICE = "notice", _("Notice posted")
    REFERRAL_PROPERTY = "referral_property", _("Referred to the property company")
    REFERRAL_STREET = "referral_street", _("Referred to the street office")
    REFERRAL_POLICE = "referral_police", _("Referred to the police")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class TakenBy(models.TextChoices):
    RESIDENT = "resident", _("A resident")
    STAFF = "staff", _("Staff")


class Action(models.Model):
    """One step on a need's timeline, and who took it: a resident or a staff member.

    `taken_by` says which side took the step and stays true when the person's record is later
    deleted at their request (the reference then becomes empty), so the coach ratio stays true.
    """

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("what"), max_length=20, choices=ActionKind.choices)
    taken_by = models.CharField(_("taken by"), max_length=8, choices=TakenBy.choices)
    by_resident = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="need_actions",
        verbose_name=_("taken by (resident)"),
    )
    by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="need_actions",
        verbose_name=_("taken by (staff)"),
    )
    taken_at = models.DateTimeField(_("when"))
    description = models.TextField(_("what happened"), max_length=3000)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["taken_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(taken_by__in=["resident", "staff"]),
                name="action_taken_by_a_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.need_id} {self.kind}"

    @property
    def by_resident_side(self) -> bool:
        return self.taken_by == TakenBy.RESIDENT


class Attachment(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="attachments")
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="needs/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class LetterTemplate(models.Model):
    """An editable civility-letter text; built-in ones have no organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(
        _("text"),
        help_text=_("Placeholders: {compound}, {building}, {date}, {signature}."),
    )

    class Meta:
        ordering: ClassVar = ["title"]

    def __str__(self) -> str:
        return self.title


class Letter(models.Model):
    """A civility letter (文明劝导函) drafted together for a need, and where it was posted."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="letters")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    signature = models.CharField(_("signed by"), max_length=100)
    posted_where = models.CharField(_("posted where"), max_length=200, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    drafted_with = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class RecognitionKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("For a contribution")
    GIVING_GROUND = "giving_ground", _("For giving ground for harmony")


class Recognition(models.Model):
    """A public thank-you (点赞); named on the public board only with the resident's consent."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="recognitions")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="recognitions")
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="recognitions"
    )
    kind = models.CharField(_("for"), max_length=16, choices=RecognitionKind.choices)
    message = models.CharField(_("thanks"), max_length=300)
    public = models.BooleanField(_("on the public board"), default=False)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class HelpOffer(models.Model):
    """A resident offering their time or skill for a public need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="help_offers")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="help_offers")
    message = models.CharField(_("how I can help"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["need", "resident"], name="help_offer_once")
        ]

    def __str__(self) -> str:
        return self.message


class Notification(models.Model):
    """An in-app message to a lead or companion about a need."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.text
