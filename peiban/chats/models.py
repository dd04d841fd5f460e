"""Needs found in residents' group chats: the intake batches, the proposals staff review, the
messages kept as a need's source, and each organisation's classifier.

Privacy: the raw chat text is never stored. An intake keeps its counts; only the messages that
were proposed as needs are kept, and only until the review window closes
(``PEIBAN_CHAT_RETENTION_HOURS``), unless a proposal was confirmed into a need: then its messages
stay attached to the need.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation
from peiban.needs.models import Category, Need, Urgency
from peiban.places.models import Building, Community, Dwelling


class ChatBatch(models.Model):
    """One paste or upload of chat text: what came in and what was proposed from it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="chat_batches")
    source = models.CharField(_("source"), max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    messages_read = models.PositiveIntegerField(default=0)
    proposals_made = models.PositiveIntegerField(default=0)
    first_message_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    review_until = models.DateTimeField(db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.source or f'{self.received_at:%Y-%m-%d}'}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    CONFIRMED = "confirmed", _("Confirmed as a need")
    DISMISSED = "dismissed", _("Dismissed")


class Proposal(models.Model):
    """Messages that seem to raise one need, with the suggested category, place and urgency."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(
        ChatBatch, on_delete=models.SET_NULL, null=True, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    confidence = models.FloatField(default=0.0)
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    place_mentioned = models.CharField(max_length=40, blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    urgency_reason = models.CharField(max_length=100, blank=True)
    people = models.PositiveSmallIntegerField(default=1)
    first_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["first_at", "id"]
        indexes: ClassVar = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title


class ChatMessage(models.Model):
    """A message that raised (or joined) a proposal; kept only while needed, see the module."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="messages")
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="chat_messages"
    )
    sender = models.CharField(max_length=60)
    sent_at = models.DateTimeField()
    text = models.TextField(max_length=2000)
    line = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:30]}"


class ExampleSource(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed by staff")
    DISMISSED = "dismissed", _("Dismissed by staff")
    IMPORTED = "imported", _("Imported from a file")


class TrainingExample(models.Model):
    """A labelled message the organisation's classifier learns from.

    `features` holds the sorted bag of words and character pairs the classifier reads; `text` is
    kept only where the message lives on anyway (a confirmed need, an imported file), never for
    dismissed chatter.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=ExampleSource.choices)
    text = models.TextField(blank=True)
    features = models.JSONField(default=list)
    is_need = models.BooleanField(default=True)
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.category_id}"


class ClassifierModel(models.Model):
    """An organisation's trained classifier, as plain JSON (vocabulary and weights, no pickle)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="chat_classifier"
    )
    trained_at = models.DateTimeField()
    examples = models.PositiveIntegerField(default=0)
    staff_examples = models.PositiveIntegerField(default=0)
    weights = models.JSONField()
    quality = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.organisation_id} @ {self.trained_at:%Y-%m-%d %H:%M}"


class ChannelKind(models.TextChoices):
    LEADERS = "leaders", _("Leaders' group (骨干群)")
    BUILDING = "building", _("Building group (楼栋群)")
    RESIDENTS = "residents", _("Residents' group (小区群)")
    INTEREST = "interest", _("Self-organisation group (兴趣群)")
    OTHER = "other", _("Other group")


class ChannelPlatform(models.TextChoices):
    WECHAT = "wechat", _("WeChat")
    WECOM = "wecom", _("WeCom")
    QQ = "qq", _("QQ")
    OTHER = "other", _("Other")


class Channel(models.Model):
    """A group chat where staff gather residents or leaders (骨干群, 楼栋群 …): what it is for.

    Privacy: never the group's QR code or join link, nor its members; the keeper is a name or a
    role, never a phone number.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(_("name of the group"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    platform = models.CharField(
        _("platform"),
        max_length=10,
        choices=ChannelPlatform.choices,
        default=ChannelPlatform.WECHAT,
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    members = models.PositiveIntegerField(_("members (about)"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    keeper = models.CharField(_("kept by"), max_length=60, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["kind", "name", "id"]
        indexes: ClassVar = [models.Index(fields=["community", "kind"])]

    def __str__(self) -> str:
        return self.name
