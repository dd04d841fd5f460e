"""Writes to the needs register: raising, leading, accompanying, moving through the loop.

Every change checks the need's version, so two people editing the same need cannot overwrite each
other (the second gets a ConflictError and sees the newer state), and leaves an audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, ConsentPurpose, Organisation
from peiban.core.privacy import consents_active
from peiban.core.uploads import DOCUMENTS, UploadRefused, sniff_upload
from peiban.needs.models import (
    Action,
    ActionKind,
    Attachment,
    Category,
    Channel,
    HelpOffer,
    Letter,
    Need,
    Notification,
    Recognition,
    RecognitionKind,
    Stage,
    StageChange,
    TakenBy,
    Urgency,
    Visibility,
)
from peiban.needs.taxonomy import DEFAULT_CATEGORIES
from peiban.places.models import Building, Community, Dwelling, PublicSpace, Resident


class NeedError(ValueError):
    """A change the register refuses; the message is for people."""


class ConflictError(NeedError):
    """Someone else changed the need first."""


# The loop, step by step. Reopening is separate: from resolved, verified, closed or declined.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.RAISED: frozenset({Stage.ACCOMPANIED, Stage.REFERRED, Stage.DECLINED}),
    Stage.ACCOMPANIED: frozenset({Stage.DELIBERATING, Stage.REFERRED, Stage.DECLINED}),
    Stage.DELIBERATING: frozenset({Stage.DECIDED, Stage.REFERRED, Stage.DECLINED}),
    Stage.DECIDED: frozenset({Stage.ACTING}),
    Stage.ACTING: frozenset({Stage.RESOLVED}),
    Stage.RESOLVED: frozenset({Stage.VERIFIED}),
    Stage.VERIFIED: frozenset({Stage.CLOSED}),
    Stage.REFERRED: frozenset({Stage.ACCOMPANIED, Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
    Stage.DECLINED: frozenset(),
}
REOPENABLE = frozenset({Stage.RESOLVED, Stage.VERIFIED, Stage.CLOSED, Stage.DECLINED})


def categories_ensure(organisation: Organisation) -> list[Category]:
    """The organisation's categories, creating the default taxonomy the first time."""
    categories = list(Category.objects.filter(organisation=organisation))
    if categories:
        return categories
    Category.objects.bulk_create(
        [
            Category(organisation=organisation, name=name, hint=hint, position=i)
            for i, (name, hint) in enumerate(DEFAULT_CATEGORIES)
        ],
        ignore_conflicts=True,
    )
    return list(Category.objects.filter(organisation=organisation))


def _clean_text(text: str, *, field: str, limit: int, required: bool = True) -> str:
    text = text.strip()
    if required and not text:
        raise NeedError(_("%(field)s cannot be empty.") % {"field": field})
    if len(text) > limit:
        raise NeedError(
            _("%(field)s is %(n)s characters long; the limit is %(limit)s.")
            % {"field": field, "n": len(text), "limit": limit}
        )
    return text


def _notify(users: Iterable[User | None], need: Need, text: str, *, skip: User | None) -> None:
    recipients = {u.pk: u for u in users if u is not None and (skip is None or u.pk != skip.pk)}
    Notification.objects.bulk_create(
        Notification(user=user, need=need, text=text[:300]) for user in recipients.values()
    )


def _followers(need: Need) -> list[User | None]:
    users: list[User | None] = [need.lead_staff, *need.companions.all()]
    if need.lead is not None and need.lead.user is not None:
        users.append(need.lead.user)
    return users


@transaction.atomic
def need_raise(
    *,
    community: Community,
    title: str,
    category: Category,
    channel: str,
    description: str = "",
    raised_by: Resident | None = None,
    raised_at: datetime | None = None,
    recorded_by: User | None = None,
    building: Building | None = None,
    dwelling: Dwelling | None = None,
    public_space: PublicSpace | None = None,
    urgency: str = Urgency.NORMAL,
    visibility: str = Visibility.PRIVATE,
    affected: Iterable[Resident] = (),
    source_type: str = "",
    source_id: str = "",
) -> Need:
    """Record a need. The resident who raised it leads it by default."""
    if category.organisation_id != community.organisation_id:
        raise NeedError(_("That category belongs to another organisation."))
    for place in (building, dwelling, public_space):
        if place is not None and place.community_id != community.pk:
            raise NeedError(_("The place must be in this community."))
    if raised_by is not None and raised_by.community_id != community.pk:
        raise NeedError(_("The resident must be of this community."))
    if dwelling is not None and building is None:
        building = dwelling.building
    if channel not in Channel.values:
        raise NeedError(_("Choose a channel from the list."))
    now = timezone.now()
    raised_at = raised_at or now
    if raised_at > now + timedelta(minutes=5):
        raise NeedError(_("A need cannot be raised in the future."))
    need = Need.objects.create(
        community=community,
        title=_clean_text(title, field=_("The title"), limit=120),
        description=_clean_text(
            description, field=_("The description"), limit=5000, required=False
        ),
        category=category,
        channel=channel,
        raised_by=raised_by,
        raised_at=raised_at,
        recorded_by=recorded_by,
        building=building,
        dwelling=dwelling,
        public_space=public_space,
        urgency=urgency,
        visibility=visibility,
        stage=Stage.RAISED,
        stage_changed_at=raised_at,
        lead=raised_by,
        source_type=source_type,
        source_id=source_id,
    )
    need.affected.set(list(affected))
    StageChange.objects.create(
        need=need,
        from_stage="",
        to_stage=Stage.RAISED,
        at=raised_at,
        by=recorded_by,
        by_resident=raised_by,
    )
    audit_record(
        actor=recorded_by,
        action=AuditAction.CREATE,
        subject=need,
        organisation=community.organisation,
        detail={
            "assisted": recorded_by is not None
            and raised_by is not None
            and raised_by.user_id is None
        },
    )
    return need


def _bump(need: Need, expected_version: int | None, **changes: object) -> None:
    """Save `changes` only if nobody changed the need since `expected_version` was read."""
    version = need.version if expected_version is None else expected_version
    updated = Need.objects.filter(pk=need.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise ConflictError(
            _(
                "Someone else changed this need a moment ago. "
                "Look at the newer version and try again."
            )
        )
    for name, value in changes.items():
        setattr(need, name, value)
    need.version = version + 1


@transaction.atomic
def need_set_lead(
    *,
    need: Need,
    actor: User,
    lead: Resident | None = None,
    staff: User | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Need:
    """A resident leads; a staff member may lead only with a recorded reason."""
    if (lead is None) == (staff is None):
        raise NeedError(_("Choose either a resident or a staff member to lead."))
    if lead is not None and lead.community_id != need.community_id:
        raise NeedError(_("The resident must be of this community."))
    reason = reason.strip()
    if staff is not None and not reason:
        raise NeedError(
            _("Staff lead only with a reason: residents lead their own needs by default.")
        )
    _bump(
        need,
        expected_version,
        lead=lead,
        lead_staff=staff,
        lead_staff_reason=reason if staff is not None else "",
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=need,
        organisation=need.community.organisation,
        reason=reason,
        detail={"lead": lead.pk if lead else None, "staff_lead": staff.pk if staff else None},
    )
    _notify(
        _followers(need),
        need,
        _("You now lead or follow “%(title)s”.") % {"title": need.title},
        skip=actor,
    )
    return need


def need_add_companion(*, need: Need, companion: User, actor: User) -> None:
    need.companions.add(companion)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=need,
        organisation=need.community.organisation,
        detail={"companion": companion.pk},
    )
    _notify([companion], need, _("You accompany “%(title)s”.") % {"title": need.title}, skip=actor)


@dataclass(frozen=True)
class Move:
    to_stage: str
    note: str = ""
    reason: str = ""
    referred_to: str = ""


@transaction.atomic
def need_move(
    *,
    need: Need,
    to_stage: str,
    actor: User | None,
    by_resident: Resident | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Need:
    """Move a need one step along the loop; skipping a step is refused.

    Accompanying needs a lead. Only residents verify a resolution (`by_resident`, or an actor who
    is a resident). Declining needs a reason; referring names where it was referred (`note`).
    """
    current = Stage(need.stage)
    if to_stage not in TRANSITIONS[current]:
        raise NeedError(
            _("A need that is “%(current)s” cannot go straight to “%(to)s”.")
            % {"current": current.label, "to": Stage(to_stage).label}
        )
    note = note.strip()[:300]
    changes: dict[str, object] = {}
    if to_stage == Stage.ACCOMPANIED and need.lead_id is None and need.lead_staff_id is None:
        raise NeedError(_("Choose who leads the need before accompanying it."))
    if to_stage == Stage.VERIFIED:
        by_resident = by_resident or _resident_of(actor, need.community)
        if by_resident is None:
            raise NeedError(_("Only residents can verify that a need was resolved."))
    if to_stage == Stage.DECLINED:
        if not note:
            raise NeedError(_("Say why the need is declined."))
        changes["decline_reason"] = note[:200]
    if to_stage == Stage.REFERRED:
        if not note:
            raise NeedError(_("Say where the need was referred."))
        changes["referred_to"] = note[:100]
    at = at or timezone.now()
    _bump(need, expected_version, stage=to_stage, stage_changed_at=at, **changes)
    StageChange.objects.create(
        need=need,
        from_stage=current,
        to_stage=to_stage,
        at=at,
        by=actor,
        by_resident=by_resident,
        note=note,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=need,
        organisation=need.community.organisation,
        reason=note,
        detail={"stage": [str(current), to_stage]},
    )
    _notify(
        _followers(need),
        need,
        _("“%(title)s” is now: %(stage)s.") % {"title": need.title, "stage": Stage(to_stage).label},
        skip=actor,
    )
    return need


@transaction.atomic
def need_reopen(
    *,
    need: Need,
    actor: User | None,
    note: str,
    expected_version: int | None = None,
    by_resident: Resident | None = None,
    at: datetime | None = None,
) -> Need:
    """Reopen a need that came back; it returns to being accompanied."""
    current = Stage(need.stage)
    if current not in REOPENABLE:
        raise NeedError(_("Only a resolved, verified, closed or declined need can be reopened."))
    note = _clean_text(note, field=_("The reason"), limit=300)
    at = at or timezone.now()
    _bump(
        need,
        expected_version,
        stage=Stage.ACCOMPANIED,
        stage_changed_at=at,
        reopened_count=need.reopened_count + 1,
        decline_reason="",
    )
    StageChange.objects.create(
        need=need,
        from_stage=current,
        to_stage=Stage.ACCOMPANIED,
        at=at,
        by=actor,
        by_resident=by_resident,
        note=note,
        reopening=True,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=need,
        organisation=need.community.organisation,
        reason=note,
        detail={"reopened": True},
    )
    return need


def _resident_of(user: User | None, community: Community) -> Resident | None:
    if user is None:
        return None
    return Resident.objects.filter(user=user, community=community).first()


@transaction.atomic
def action_add(
    *,
    need: Need,
    kind: str,
    description: str,
    recorded_by: User,
    by_resident: Resident | None = None,
    by_staff: User | None = None,
    taken_at: datetime | None = None,
    outcome: str = "",
) -> Action:
    """Add a step to the timeline, saying whether a resident or a staff member took it."""
    if kind not in ActionKind.values:
        raise NeedError(_("Choose what was done from the list."))
    if (by_resident is None) == (by_staff is None):
        raise NeedError(_("Say who took this step: a resident or a staff member."))
    if by_resident is not None and by_resident.community_id != need.community_id:
        raise NeedError(_("The resident must be of this community."))
    taken_at = taken_at or timezone.now()
    if taken_at < need.raised_at:
        raise NeedError(_("A step cannot be taken before the need was raised."))
    action = Action.objects.create(
        need=need,
        kind=kind,
        taken_by=TakenBy.RESIDENT if by_resident is not None else TakenBy.STAFF,
        by_resident=by_resident,
        by_staff=by_staff,
        taken_at=taken_at,
        description=_clean_text(description, field=_("What happened"), limit=3000),
        outcome=_clean_text(outcome, field=_("The outcome"), limit=300, required=False),
        recorded_by=recorded_by,
    )
    Need.objects.filter(pk=need.pk).update(updated_at=timezone.now())
    audit_record(
        actor=recorded_by,
        action=AuditAction.CREATE,
        subject=action,
        organisation=need.community.organisation,
        detail={"need": need.pk},
    )
    _notify(
        _followers(need),
        need,
        _("New step on “%(title)s”: %(kind)s.")
        % {"title": need.title, "kind": ActionKind(kind).label},
        skip=recorded_by,
    )
    return action


def attachment_add(
    *, need: Need, upload: UploadedFile, actor: User, action: Action | None = None
) -> Attachment:
    """Keep a photo or document; refuse other types and files over 10 MB."""
    try:
        sniffed = sniff_upload(upload, kinds=DOCUMENTS)
    except UploadRefused as error:
        raise NeedError(str(error)) from None
    attachment = Attachment.objects.create(
        need=need,
        action=action,
        file=upload,
        name=sniffed.name,
        content_type=sniffed.content_type,
        size=sniffed.size,
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=attachment,
        organisation=need.community.organisation,
        detail={"need": need.pk},
    )
    return attachment


@transaction.atomic
def letter_draft(
    *,
    need: Need,
    title: str,
    body: str,
    signature: str,
    actor: User,
    drafted_with: Resident | None = None,
) -> Letter:
    letter = Letter.objects.create(
        need=need,
        title=_clean_text(title, field=_("The title"), limit=100),
        body=_clean_text(body, field=_("The text"), limit=5000),
        signature=_clean_text(signature, field=_("The signature"), limit=100),
        drafted_by=actor,
        drafted_with=drafted_with,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=letter,
        organisation=need.community.organisation,
        detail={"need": need.pk},
    )
    return letter


def letter_posted(*, letter: Letter, where: str, actor: User, at: datetime | None = None) -> None:
    letter.posted_where = _clean_text(where, field=_("Where it was posted"), limit=200)
    letter.posted_at = at or timezone.now()
    letter.save(update_fields=["posted_where", "posted_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=letter,
        organisation=letter.need.community.organisation,
        detail={"posted": letter.posted_where},
    )


@transaction.atomic
def recognition_give(
    *,
    community: Community,
    resident: Resident,
    kind: str,
    message: str,
    actor: User,
    need: Need | None = None,
    public: bool = False,
) -> Recognition:
    """Thank a resident (点赞). It goes on the public board only with their consent to be named."""
    if resident.community_id != community.pk:
        raise NeedError(_("The resident must be of this community."))
    if kind not in RecognitionKind.values:
        raise NeedError(_("Choose what the thanks is for."))
    if public and ConsentPurpose.PUBLIC_RECOGNITION not in consents_active(resident):
        raise NeedError(
            _(
                "%(name)s has not agreed to be named in public thanks; record the consent first, "
                "or keep the thanks private."
            )
            % {"name": resident.name}
        )
    recognition = Recognition.objects.create(
        community=community,
        resident=resident,
        need=need,
        kind=kind,
        message=_clean_text(message, field=_("The thanks"), limit=300),
        public=public,
        given_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=recognition,
        organisation=community.organisation,
        detail={"resident": resident.pk, "public": public},
    )
    return recognition


def help_offer(*, need: Need, resident: Resident, message: str) -> HelpOffer:
    """A resident offers to help with a public need of their community."""
    if need.visibility != Visibility.PUBLIC or resident.community_id != need.community_id:
        raise NeedError(_("You can offer help only with public needs of your community."))
    offer, _created = HelpOffer.objects.update_or_create(
        need=need,
        resident=resident,
        defaults={"message": _clean_text(message, field=_("Your offer"), limit=300)},
    )
    _notify(
        _followers(need),
        need,
        _("%(name)s offers to help with “%(title)s”.")
        % {"name": resident.name, "title": need.title},
        skip=resident.user,
    )
    return offer


def notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def category_save(
    *,
    organisation: Organisation,
    actor: User,
    name: str,
    hint: str = "",
    category: Category | None = None,
    active: bool = True,
) -> Category:
    """Add a category to the organisation's taxonomy, or rename or retire one."""
    name = _clean_text(name, field=_("The name"), limit=50)
    clash = Category.objects.filter(organisation=organisation, name=name)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise NeedError(_("There is already a category “%(name)s”.") % {"name": name})
    if category is None:
        category = Category.objects.create(
            organisation=organisation,
            name=name,
            hint=hint.strip()[:200],
            position=Category.objects.filter(organisation=organisation).count(),
        )
        action = AuditAction.CREATE
    else:
        category.name, category.hint, category.active = name, hint.strip()[:200], active
        category.save(update_fields=["name", "hint", "active"])
        action = AuditAction.CHANGE
    audit_record(actor=actor, action=action, subject=category, organisation=organisation)
    return category


def need_mark_proposed(*, need: Need, proposal_ref: str) -> None:
    """Record that the need became a proposal to a residents' council (the councils area calls
    this when it makes the proposal; the proposal itself is audited there)."""
    Need.objects.filter(pk=need.pk).update(proposal_ref=proposal_ref[:64])
    need.proposal_ref = proposal_ref[:64]
