"""Writes of the group-chat intake: proposals from chat, their review, the classifier, the purge.

Needs are created only through peiban.needs.services.need_raise. Every write leaves an audit
entry: intake, confirm, dismiss, train, import of examples, each purge, and each group channel
recorded, changed or closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.chats.classifier import (
    CHATTER,
    Classifier,
    Example,
    cross_validate,
    seed_classifier,
    seed_examples,
    train,
)
from peiban.chats.detect import Draft, propose
from peiban.chats.features import bag, features
from peiban.chats.models import Channel as GroupChannel
from peiban.chats.models import (
    ChannelKind,
    ChannelPlatform,
    ChatBatch,
    ChatMessage,
    ClassifierModel,
    ExampleSource,
    Proposal,
    ProposalStatus,
    TrainingExample,
)
from peiban.chats.parsing import Message
from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, Organisation
from peiban.needs.models import Category, Channel, Need, Urgency
from peiban.needs.services import categories_ensure, need_raise
from peiban.places.models import Building, Community, Dwelling

STAFF_WEIGHT = 3.0  # a staff decision counts as much as three corpus examples
RETRAIN_EVERY = 20  # staff decisions after which the classifier is retrained in the background
FALLBACK_CATEGORY = "其他"


class ChatError(ValueError):
    """A change the chat intake refuses; the message is for people."""


def _names(organisation: Organisation) -> tuple[str, ...]:
    return tuple(sorted(c.name for c in categories_ensure(organisation) if c.active))


def classifier_for(organisation: Organisation) -> Classifier:
    """The organisation's trained classifier, or the cold-start one (lexicon and seed corpus)."""
    stored = ClassifierModel.objects.filter(organisation=organisation).first()
    if stored is not None:
        try:
            return Classifier.from_json(stored.weights)
        except (ValueError, KeyError, TypeError):
            pass  # a damaged or outdated model: fall back to the cold start until retrained
    return seed_classifier(_names(organisation))


# --- Intake ------------------------------------------------------------------------------------


def _category(by_name: dict[str, Category], name: str) -> Category:
    return by_name.get(name) or by_name.get(FALLBACK_CATEGORY) or next(iter(by_name.values()))


@transaction.atomic
def chat_intake(
    *,
    community: Community,
    messages: Sequence[Message],
    actor: User | None,
    source: str = "",
    now: datetime | None = None,
) -> ChatBatch:
    """Propose the needs raised in `messages`; keep only the proposed messages, for review."""
    if not messages:
        raise ChatError(_("No messages were found in the chat text."))
    now = now or timezone.now()
    organisation = community.organisation
    drafts = propose(messages, classifier_for(organisation))
    by_name = {c.name: c for c in categories_ensure(organisation)}
    labels = {d.place.building for d in drafts if d.place is not None}
    buildings = {b.label: b for b in Building.objects.filter(community=community, label__in=labels)}
    rooms = {
        (d.place.building, d.place.unit, d.place.room)
        for d in drafts
        if d.place is not None and d.place.room
    }
    dwellings: dict[tuple[str, str, str], Dwelling] = {}
    if rooms:
        for dwelling in Dwelling.objects.filter(
            community=community, building__label__in={r[0] for r in rooms}
        ).select_related("building"):
            dwellings[(dwelling.building.label, dwelling.unit, dwelling.room)] = dwelling
    batch = ChatBatch.objects.create(
        community=community,
        source=source[:200],
        received_by=actor,
        messages_read=len(messages),
        proposals_made=len(drafts),
        first_message_at=min(m.sent_at for m in messages),
        last_message_at=max(m.sent_at for m in messages),
        review_until=now + timedelta(hours=settings.CHAT_RETENTION_HOURS),
    )
    proposals = Proposal.objects.bulk_create(
        [_proposal(community, batch, d, by_name, buildings, dwellings) for d in drafts]
    )
    ChatMessage.objects.bulk_create(
        ChatMessage(
            proposal=proposal,
            sender=m.sender,
            sent_at=m.sent_at,
            text=m.text,
            line=m.line,
        )
        for proposal, draft in zip(proposals, drafts, strict=True)
        for m in draft.messages
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=batch,
        organisation=organisation,
        detail={
            "messages_read": len(messages),
            "proposals": len(drafts),
            "messages_kept": sum(len(d.messages) for d in drafts),
            "source": source[:200],
        },
    )
    return batch


def _proposal(
    community: Community,
    batch: ChatBatch,
    draft: Draft,
    by_name: dict[str, Category],
    buildings: dict[str, Building],
    dwellings: dict[tuple[str, str, str], Dwelling],
) -> Proposal:
    place = draft.place
    building = buildings.get(place.building) if place else None
    dwelling = dwellings.get((place.building, place.unit, place.room)) if place else None
    return Proposal(
        community=community,
        batch=batch,
        title=draft.title()[:120],
        category=_category(by_name, draft.category),
        confidence=round(draft.confidence, 4),
        building=building,
        dwelling=dwelling,
        place_mentioned=(place.mentioned if place else "")[:40],
        urgency=draft.urgency,
        urgency_reason=draft.urgency_reason[:100],
        people=draft.people,
        first_at=draft.first_at,
    )


def _retrain_when_due(organisation: Organisation) -> None:
    """Queue a retraining once RETRAIN_EVERY new staff decisions have come in since the last."""
    stored = ClassifierModel.objects.filter(organisation=organisation).only("trained_at").first()
    newer = TrainingExample.objects.filter(organisation=organisation)
    if stored is not None:
        newer = newer.filter(created_at__gt=stored.trained_at)
    if newer.count() >= RETRAIN_EVERY:
        from peiban.chats.tasks import classifier_retrain

        transaction.on_commit(lambda: classifier_retrain.enqueue(organisation.pk))


# --- Review ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    title: str
    category: Category
    building: Building | None
    urgency: str


def _locked(proposal: Proposal, expected_version: int | None) -> Proposal:
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.status != ProposalStatus.PENDING:
        raise ChatError(_("This proposal has already been reviewed."))
    if expected_version is not None and current.version != expected_version:
        raise ChatError(_("Someone else changed this proposal first; look at it again."))
    return current


@transaction.atomic
def proposal_confirm(
    *, proposal: Proposal, actor: User, edit: Edit, expected_version: int | None = None
) -> Need:
    """Make the proposal a need (channel: group chat) with its messages attached."""
    current = _locked(proposal, expected_version)
    if edit.urgency not in Urgency.values:
        raise ChatError(_("Choose an urgency from the list."))
    messages = list(current.messages.all())
    dwelling = current.dwelling
    if dwelling is not None and (edit.building is None or dwelling.building_id != edit.building.pk):
        dwelling = None
    lines = [f"{m.sent_at:%Y-%m-%d %H:%M} {m.text}" for m in messages]
    description = _("Raised in the group chat:") + "\n" + "\n".join(lines)
    need = need_raise(
        community=current.community,
        title=edit.title,
        category=edit.category,
        channel=Channel.GROUP_CHAT,
        description=description[:5000],
        raised_at=min((m.sent_at for m in messages), default=current.first_at),
        recorded_by=actor,
        building=edit.building,
        dwelling=dwelling,
        urgency=edit.urgency,
        source_type="chats.proposal",
        source_id=str(current.pk),
    )
    current.messages.update(need=need)
    current.status = ProposalStatus.CONFIRMED
    current.need = need
    current.category = edit.category
    current.building = edit.building
    current.title = edit.title[:120]
    current.urgency = edit.urgency
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.version += 1
    current.save()
    TrainingExample.objects.bulk_create(
        TrainingExample(
            organisation=current.community.organisation,
            source=ExampleSource.CONFIRMED,
            text=m.text,
            features=features(m.text),
            is_need=True,
            category=edit.category,
        )
        for m in messages
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=current,
        organisation=current.community.organisation,
        detail={
            "confirmed": True,
            "need": need.pk,
            "messages": len(messages),
            "category_changed": edit.category.pk != proposal.category_id,
        },
    )
    _retrain_when_due(current.community.organisation)
    return need


@transaction.atomic
def proposal_dismiss(
    *, proposal: Proposal, actor: User, chatter: bool = True, expected_version: int | None = None
) -> None:
    """Dismiss a proposal and delete its messages; with `chatter`, teach the classifier.

    What is kept for teaching is only the bag of words of each message, never its text or sender.
    """
    current = _locked(proposal, expected_version)
    texts = list(current.messages.values_list("text", flat=True))
    if chatter:
        TrainingExample.objects.bulk_create(
            TrainingExample(
                organisation=current.community.organisation,
                source=ExampleSource.DISMISSED,
                features=bag(features(text)),
                is_need=False,
            )
            for text in texts
        )
    current.messages.all().delete()
    current.status = ProposalStatus.DISMISSED
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.version += 1
    current.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=current,
        organisation=current.community.organisation,
        detail={"dismissed": True, "messages_deleted": len(texts), "taught_chatter": chatter},
    )
    if chatter:
        _retrain_when_due(current.community.organisation)


# --- Purge -------------------------------------------------------------------------------------


@transaction.atomic
def chats_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete proposals left unreviewed past the review window, with their messages."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    batches = ChatBatch.objects.filter(review_until__lt=now, purged_at__isnull=True)
    for batch in batches.select_related("community__organisation"):
        pending = Proposal.objects.filter(batch=batch, status=ProposalStatus.PENDING)
        messages = ChatMessage.objects.filter(proposal__in=pending, need__isnull=True)
        deleted_messages, _by_model = messages.delete()
        deleted_proposals, _by_model = pending.delete()
        batch.purged_at = now
        batch.save(update_fields=["purged_at"])
        audit_record(
            actor=None,
            action=AuditAction.DELETE,
            subject=batch,
            organisation=batch.community.organisation,
            reason="retention: chat review window closed",
            detail={"messages": deleted_messages, "proposals": deleted_proposals},
        )
        slug = batch.community.organisation.slug
        counts[slug] = counts.get(slug, 0) + deleted_messages
    # Messages whose need was deleted have nothing left to document.
    orphans = ChatMessage.objects.filter(
        proposal__status=ProposalStatus.CONFIRMED, need__isnull=True
    )
    orphaned, _by_model = orphans.delete()
    if orphaned:
        audit_record(
            actor=None,
            action=AuditAction.DELETE,
            subject_type="chats.chatmessage",
            reason="retention: the need these messages documented was deleted",
            detail={"messages": orphaned},
        )
    return counts


# --- Training ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledRow:
    row: int
    text: str
    category: Category | None  # None: chatter


@transaction.atomic
def examples_import(
    *, organisation: Organisation, rows: Sequence[LabelledRow], actor: User | None
) -> int:
    TrainingExample.objects.bulk_create(
        TrainingExample(
            organisation=organisation,
            source=ExampleSource.IMPORTED,
            text=r.text,
            features=features(r.text),
            is_need=r.category is not None,
            category=r.category,
        )
        for r in rows
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type="chats.trainingexample",
        organisation=organisation,
        detail={"imported": len(rows)},
    )
    return len(rows)


def training_examples(organisation: Organisation) -> tuple[list[Example], int]:
    """The seed examples plus the organisation's own (staff decisions weigh more)."""
    names = _names(organisation)
    examples = seed_examples(names)
    own = 0
    for example in TrainingExample.objects.filter(organisation=organisation).select_related(
        "category"
    ):
        if example.is_need and (example.category is None or example.category.name not in names):
            continue
        label = example.category.name if example.is_need and example.category else CHATTER
        examples.append(Example(list(example.features), label, weight=STAFF_WEIGHT))
        own += 1
    return examples, own


@transaction.atomic
def classifier_train(
    *, organisation: Organisation, actor: User | None, evaluate: bool = True
) -> ClassifierModel:
    """Train the organisation's classifier and measure it by 5-fold cross-validation."""
    examples, own = training_examples(organisation)
    model = train(examples)
    quality = cross_validate(examples) if evaluate else None
    stored, _created = ClassifierModel.objects.update_or_create(
        organisation=organisation,
        defaults={
            "trained_at": timezone.now(),
            "examples": sum(1 for e in examples if e.evaluate),
            "staff_examples": own,
            "weights": model.as_json(),
            "quality": quality.as_json() if quality else {},
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=stored,
        organisation=organisation,
        detail={
            "examples": stored.examples,
            "staff_examples": own,
            "accuracy": stored.quality.get("accuracy"),
            "macro_f1": stored.quality.get("macro_f1"),
        },
    )
    return stored


# --- Group channels ----------------------------------------------------------------------------

# Seven digits or more, spaces and dashes allowed between them: a phone number, not "3栋".
_PHONE = re.compile(r"(?:\d[\s\-－]*){7,}")
_LINK = re.compile(r"://|www\.|weixin\.qq|wechat\.com", re.IGNORECASE)


@dataclass(frozen=True)
class ChannelFields:
    """What staff write about a group channel (never its QR code, link or members)."""

    name: str
    kind: str
    platform: str = ChannelPlatform.WECHAT
    building: Building | None = None
    members: int | None = None
    started_on: date | None = None
    keeper: str = ""


def _channel_checked(community: Community, fields: ChannelFields, today: date) -> ChannelFields:
    name = fields.name.strip()
    keeper = fields.keeper.strip()
    if not name:
        raise ChatError(_("Give the group a name."))
    if fields.kind not in ChannelKind.values:
        raise ChatError(_("Choose what kind of group it is."))
    if fields.platform not in ChannelPlatform.values:
        raise ChatError(_("Choose the platform of the group."))
    if _LINK.search(name) or _LINK.search(keeper):
        raise ChatError(_("Do not record a group's join link or QR code."))
    if _PHONE.search(keeper):
        raise ChatError(_("Write who keeps the group by name or role, not a phone number."))
    if fields.members is not None and fields.members < 0:
        raise ChatError(_("The number of members cannot be negative."))
    if fields.started_on is not None and fields.started_on > today:
        raise ChatError(_("The group cannot start in the future."))
    if fields.building is not None and fields.building.community_id != community.pk:
        raise ChatError(_("The building is not in this community."))
    return ChannelFields(
        name=name[:80],
        kind=fields.kind,
        platform=fields.platform,
        building=fields.building,
        members=fields.members,
        started_on=fields.started_on,
        keeper=keeper[:60],
    )


def _channel_detail(channel: GroupChannel) -> dict[str, object]:
    return {
        "name": channel.name,
        "kind": channel.kind,
        "platform": channel.platform,
        "building": channel.building_id,
        "members": channel.members,
        "started_on": channel.started_on.isoformat() if channel.started_on else None,
        "closed_on": channel.closed_on.isoformat() if channel.closed_on else None,
    }


@transaction.atomic
def channel_record(
    *,
    community: Community,
    fields: ChannelFields,
    actor: User | None,
    now: datetime | None = None,
) -> GroupChannel:
    """Record one of the community's group chats: its name, kind, platform and keeper."""
    now = now or timezone.now()
    checked = _channel_checked(community, fields, timezone.localdate(now))
    channel = GroupChannel.objects.create(
        community=community,
        name=checked.name,
        kind=checked.kind,
        platform=checked.platform,
        building=checked.building,
        members=checked.members,
        started_on=checked.started_on,
        keeper=checked.keeper,
        recorded_at=now,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=channel,
        organisation=community.organisation,
        detail=_channel_detail(channel),
    )
    return channel


@transaction.atomic
def channel_update(
    *, channel: GroupChannel, fields: ChannelFields, actor: User | None
) -> GroupChannel:
    """Change what is recorded about a group; a closed group is not changed any more."""
    locked = GroupChannel.objects.select_for_update().get(pk=channel.pk)
    if locked.closed_on is not None:
        raise ChatError(_("This group is closed; it can no longer be changed."))
    checked = _channel_checked(channel.community, fields, timezone.localdate())
    locked.name = checked.name
    locked.kind = checked.kind
    locked.platform = checked.platform
    locked.building = checked.building
    locked.members = checked.members
    locked.started_on = checked.started_on
    locked.keeper = checked.keeper
    locked.save(
        update_fields=["name", "kind", "platform", "building", "members", "started_on", "keeper"]
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=locked,
        organisation=channel.community.organisation,
        detail=_channel_detail(locked),
    )
    return locked


@transaction.atomic
def channel_close(
    *, channel: GroupChannel, actor: User | None, closed_on: date | None = None
) -> GroupChannel:
    """Mark a group as closed (dissolved, or no longer used) from `closed_on` (today)."""
    today = timezone.localdate()
    closed_on = closed_on or today
    locked = GroupChannel.objects.select_for_update().get(pk=channel.pk)
    if locked.closed_on is not None:
        raise ChatError(_("This group is already closed."))
    if closed_on > today:
        raise ChatError(_("A group cannot be closed in the future."))
    if locked.started_on is not None and closed_on < locked.started_on:
        raise ChatError(_("A group cannot close before it started."))
    locked.closed_on = closed_on
    locked.save(update_fields=["closed_on"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=locked,
        organisation=channel.community.organisation,
        reason="closed",
        detail=_channel_detail(locked),
    )
    return locked
