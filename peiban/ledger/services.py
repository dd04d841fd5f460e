"""Writes to the hours and points ledgers. Every service is audited.

Rules kept here (domain rules §5):
- Hours and points are separate, append-only ledgers; corrections are reversing entries with a
  reason; balances are derived by summing entries; no balance goes below zero.
- The same activity never credits the same person twice (checked here with a clear message, and
  enforced by a partial unique constraint); the same hour entry never earns points twice.
- A resident's ledgers belong to the resident's community; an activity of another community of
  the same organisation may credit them.
- Spending points (and crediting them under a cap, and reversing them) locks the resident's
  ``PointsAccount`` row with ``select_for_update`` and recomputes the balance by SUM inside the
  transaction, so concurrent redemptions cannot overspend. Stock is decremented with an ``F()``
  update guarded by ``stock >= quantity``. On SQLite, ``select_for_update`` is a no-op and the
  database serialises write transactions instead (Peiban opens them IMMEDIATE), with the same
  result.

Refusals are raised as ``LedgerError`` (or a subclass) with a whole translated sentence in the
active language, so views and the API can show ``str(error)`` as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peiban.activities.models import Activity, ActivityKind, Attendance
from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, Membership, Role
from peiban.ledger.models import (
    EntryKind,
    HourEntry,
    HourStatus,
    PointsAccount,
    PointsEntry,
    PointsKind,
    PointsRule,
    Redemption,
    Reward,
)
from peiban.ledger.selectors import points_balance, points_rule_current
from peiban.places.models import Community, Resident

CENT = Decimal("0.01")
QUARTER_HOUR_MICROSECONDS = Decimal(15 * 60 * 1_000_000)
MAX_HOURS_PER_ENTRY = Decimal(24)
STAFF_ROLES = frozenset({Role.ORG_ADMIN, Role.STAFF})
ORGANISER_ROLES = frozenset({Role.ORG_ADMIN, Role.STAFF, Role.RESIDENT_LEADER})


class LedgerError(ValueError):
    """A ledger write refused; the message says why."""


class AlreadyCredited(LedgerError):
    """The same activity (or hour entry) would be credited twice."""


class InsufficientPoints(LedgerError):
    """The balance does not cover a redemption or a reversal."""


class OutOfStock(LedgerError):
    """Fewer items are in stock than asked for."""


# Who may do what: the refusal for someone not signed in, and for someone without the role there.
# Marked with gettext_noop and translated when raised, so each stays one whole sentence.
_REFUSALS: dict[str, tuple[str, str]] = {
    "credit volunteer hours": (
        gettext_noop("Only a signed-in member of staff may credit volunteer hours."),
        gettext_noop("%(user)s may not credit volunteer hours in %(community)s."),
    ),
    "enter volunteer hours": (
        gettext_noop("Only a signed-in member of staff may enter volunteer hours."),
        gettext_noop("%(user)s may not enter volunteer hours in %(community)s."),
    ),
    "verify volunteer hours": (
        gettext_noop("Only a signed-in member of staff may verify volunteer hours."),
        gettext_noop("%(user)s may not verify volunteer hours in %(community)s."),
    ),
    "reverse volunteer hours": (
        gettext_noop("Only a signed-in member of staff may reverse volunteer hours."),
        gettext_noop("%(user)s may not reverse volunteer hours in %(community)s."),
    ),
    "publish points rules": (
        gettext_noop("Only a signed-in member of staff may publish points rules."),
        gettext_noop("%(user)s may not publish points rules in %(community)s."),
    ),
    "credit points": (
        gettext_noop("Only a signed-in member of staff may credit points."),
        gettext_noop("%(user)s may not credit points in %(community)s."),
    ),
    "reverse points": (
        gettext_noop("Only a signed-in member of staff may reverse points."),
        gettext_noop("%(user)s may not reverse points in %(community)s."),
    ),
    "redeem points": (
        gettext_noop("Only a signed-in member of staff may redeem points."),
        gettext_noop("%(user)s may not redeem points in %(community)s."),
    ),
    "cancel a redemption": (
        gettext_noop("Only a signed-in member of staff may cancel a redemption."),
        gettext_noop("%(user)s may not cancel a redemption in %(community)s."),
    ),
    "issue volunteer certificates": (
        gettext_noop("Only a signed-in member of staff may issue volunteer certificates."),
        gettext_noop("%(user)s may not issue volunteer certificates in %(community)s."),
    ),
    "download volunteer certificates": (
        gettext_noop("Only a signed-in member of staff may download volunteer certificates."),
        gettext_noop("%(user)s may not download volunteer certificates in %(community)s."),
    ),
}

# A number that is not one: (not a number at all, not finite), per field.
_NOT_A_NUMBER: dict[str, tuple[str, str]] = {
    "hours": (
        gettext_noop("Hours must be a number, not %(value)s."),
        gettext_noop("Hours must be a finite number, not %(value)s."),
    ),
    "rate": (
        gettext_noop("Points per hour must be a number, not %(value)s."),
        gettext_noop("Points per hour must be a finite number, not %(value)s."),
    ),
    "cap": (
        gettext_noop("The cap must be a number, not %(value)s."),
        gettext_noop("The cap must be a finite number, not %(value)s."),
    ),
    "weight": (
        gettext_noop("The weight of %(kind)s must be a number, not %(value)s."),
        gettext_noop("The weight of %(kind)s must be a finite number, not %(value)s."),
    ),
}


# --- helpers -------------------------------------------------------------------------------------


def quarter_hours(started_at: datetime, ended_at: datetime) -> Decimal:
    """The time between two moments in hours, to the nearest quarter hour (half up), exactly."""
    microseconds = (ended_at - started_at) // timedelta(microseconds=1)
    quarters = (Decimal(microseconds) / QUARTER_HOUR_MICROSECONDS).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return (quarters / 4).quantize(CENT)


def _decimal(value: object, field: str, **names: str) -> Decimal:
    """The value as a finite Decimal; ``field`` is a key of ``_NOT_A_NUMBER`` (with its names)."""
    not_a_number, not_finite = _NOT_A_NUMBER[field]
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise LedgerError(_(not_a_number) % {"value": repr(value), **names}) from None
    if not number.is_finite():
        raise LedgerError(_(not_finite) % {"value": repr(value), **names})
    return number


def _role_in(actor: User, community: Community) -> Role | None:
    """The actor's role for the community, or None when they have no standing there."""
    membership = (
        Membership.objects.filter(user_id=actor.pk, organisation_id=community.organisation_id)
        .only("role")
        .first()
    )
    if membership is None:
        return None
    role = Role(membership.role)
    if role != Role.ORG_ADMIN and not membership.communities.filter(pk=community.pk).exists():
        return None
    return role


def _require(actor: User, community: Community, roles: frozenset[Role], what: str) -> None:
    """Refuse unless the actor holds one of the roles there; ``what`` is a key of _REFUSALS."""
    anonymous, refused = _REFUSALS[what]
    if not isinstance(actor, User) or not actor.is_authenticated:
        raise LedgerError(_(anonymous))
    role = _role_in(actor, community)
    if role not in roles:
        raise LedgerError(_(refused) % {"user": actor.get_username(), "community": str(community)})


def _lock_account(resident: Resident) -> PointsAccount:
    """Lock the resident's points account row (created on first use) for this transaction."""
    account, _created = PointsAccount.objects.get_or_create(
        community_id=resident.community_id, resident=resident
    )
    return PointsAccount.objects.select_for_update().get(pk=account.pk)


def _audit(
    *,
    actor: User | None,
    action: AuditAction,
    subject: Any,
    community: Community,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject=subject,
        organisation=community.organisation,
        reason=reason,
        detail=detail,
    )


def _credit_exists_message(resident: Resident, activity: Activity) -> str:
    return _(
        "%(name)s has already been credited hours for “%(title)s” (activity %(activity)s); "
        "the same activity never credits a person twice."
    ) % {"name": resident.name, "title": activity.title, "activity": activity.pk}


def _create_credit(entry: HourEntry, activity: Activity | None) -> HourEntry:
    """Insert a credit; a concurrent duplicate trips the unique constraint: same message."""
    if activity is not None and (
        HourEntry.objects.filter(
            kind=EntryKind.CREDIT, resident=entry.resident, activity=activity
        ).exists()
    ):
        raise AlreadyCredited(_credit_exists_message(entry.resident, activity))
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        if activity is not None:
            raise AlreadyCredited(_credit_exists_message(entry.resident, activity)) from None
        raise
    return entry


def _place_of(activity: Activity) -> str:
    if activity.place_id is not None and activity.place is not None:
        return activity.place.name
    return activity.place_text


# --- hours ---------------------------------------------------------------------------------------


@transaction.atomic
def hours_credit_from_attendance(*, attendance: Attendance, actor: User) -> HourEntry:
    """Credit a volunteer's hours from check-in to check-out, to the quarter hour (pending)."""
    activity = attendance.activity
    resident = attendance.resident
    _require(actor, resident.community, ORGANISER_ROLES, "credit volunteer hours")
    if activity.community.organisation_id != resident.community.organisation_id:
        raise LedgerError(_("The activity belongs to another organisation."))
    if not attendance.volunteer:
        raise LedgerError(
            _(
                "%(name)s attended “%(title)s” as a participant, not as a volunteer: "
                "no hours are credited."
            )
            % {"name": resident.name, "title": activity.title}
        )
    if attendance.checked_out_at is None:
        raise LedgerError(
            _(
                "%(name)s has no check-out time at “%(title)s”: record the check-out first, "
                "or enter the hours by hand."
            )
            % {"name": resident.name, "title": activity.title}
        )
    if attendance.checked_out_at <= attendance.checked_in_at:
        raise LedgerError(_("The check-out time is not after the check-in time."))
    hours = quarter_hours(attendance.checked_in_at, attendance.checked_out_at)
    if hours <= 0:
        raise LedgerError(
            _("Less than 8 minutes between check-in and check-out: no hours credited.")
        )
    if hours > MAX_HOURS_PER_ENTRY:
        raise LedgerError(
            _("%(hours)s hours between check-in and check-out is more than 24.") % {"hours": hours}
        )
    entry = _create_credit(
        HourEntry(
            community=resident.community,
            resident=resident,
            activity=activity,
            service=activity.title[:300],
            place=_place_of(activity)[:100],
            started_at=attendance.checked_in_at,
            ended_at=attendance.checked_out_at,
            hours=hours,
            kind=EntryKind.CREDIT,
            status=HourStatus.PENDING,
            created_by=actor,
        ),
        activity,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=entry,
        community=entry.community,
        detail={"resident": resident.pk, "activity": activity.pk, "hours": str(hours)},
    )
    return entry


@transaction.atomic
def hours_enter(
    *,
    community: Community,
    resident: Resident,
    activity: Activity | None,
    hours: Decimal | str | int,
    service: str,
    actor: User,
    place: str = "",
    started_at: datetime | None = None,
) -> HourEntry:
    """An organiser's entry of hours (for an activity, or for other service), 0 < hours ≤ 24."""
    _require(actor, community, ORGANISER_ROLES, "enter volunteer hours")
    if resident.community_id != community.pk:
        raise LedgerError(
            _("%(name)s is not a resident of %(community)s.")
            % {"name": resident.name, "community": str(community)}
        )
    if activity is not None and activity.community.organisation_id != community.organisation_id:
        raise LedgerError(_("The activity belongs to another organisation."))
    amount = _decimal(hours, "hours")
    if amount != amount.quantize(CENT):
        raise LedgerError(
            _("Hours are recorded to two decimal places, not %(hours)s.") % {"hours": amount}
        )
    if not Decimal(0) < amount <= MAX_HOURS_PER_ENTRY:
        raise LedgerError(
            _("Hours must be more than 0 and at most 24, not %(hours)s.") % {"hours": amount}
        )
    service = service.strip() or (activity.title if activity is not None else "")
    if not service:
        raise LedgerError(_("Say what the service was."))
    entry = _create_credit(
        HourEntry(
            community=community,
            resident=resident,
            activity=activity,
            service=service[:300],
            place=(place.strip() or (_place_of(activity) if activity is not None else ""))[:100],
            started_at=started_at or (activity.starts_at if activity is not None else None),
            hours=amount.quantize(CENT),
            kind=EntryKind.CREDIT,
            status=HourStatus.PENDING,
            created_by=actor,
        ),
        activity,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=entry,
        community=community,
        detail={
            "resident": resident.pk,
            "activity": activity.pk if activity is not None else None,
            "hours": str(entry.hours),
        },
    )
    return entry


@transaction.atomic
def hours_verify(*, entry: HourEntry, actor: User) -> HourEntry:
    """Staff verify a pending credit: the one change an hour entry allows (pending → verified)."""
    _require(actor, entry.community, STAFF_ROLES, "verify volunteer hours")
    if entry.kind != EntryKind.CREDIT:
        raise LedgerError(_("Only a credit is verified; a reversal follows the entry it reverses."))
    if entry.resident.user_id is not None and entry.resident.user_id == actor.pk:
        raise LedgerError(_("Nobody verifies their own volunteer hours."))
    if HourEntry.objects.filter(reverses=entry).exists():
        raise LedgerError(
            _("Hour entry %(entry)s has been reversed and cannot be verified.")
            % {"entry": entry.pk}
        )
    now = timezone.now()
    updated = HourEntry.objects.filter(pk=entry.pk, status=HourStatus.PENDING).update(
        status=HourStatus.VERIFIED, verified_by=actor, verified_at=now
    )
    if updated != 1:
        raise LedgerError(_("Hour entry %(entry)s is already verified.") % {"entry": entry.pk})
    entry.refresh_from_db()
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=entry,
        community=entry.community,
        reason=_("Hours verified."),
        detail={"resident": entry.resident_id, "hours": str(entry.hours)},
    )
    return entry


@transaction.atomic
def hours_reverse(*, entry: HourEntry, reason: str, actor: User) -> HourEntry:
    """Reverse a credit with a reason. Points earned for it are reversed too (refused if spent)."""
    _require(actor, entry.community, STAFF_ROLES, "reverse volunteer hours")
    reason = reason.strip()
    if not reason:
        raise LedgerError(_("A reversal needs a reason."))
    locked = HourEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.kind != EntryKind.CREDIT:
        raise LedgerError(_("A reversal is not reversed again: enter the hours anew instead."))
    if HourEntry.objects.filter(reverses=locked).exists():
        raise LedgerError(
            _("Hour entry %(entry)s has already been reversed.") % {"entry": locked.pk}
        )
    verified = locked.status == HourStatus.VERIFIED
    reversal = HourEntry(
        community=locked.community,
        resident=locked.resident,
        activity=None,  # the activity stays on the credit; the unique rule is about credits
        service=locked.service,
        place=locked.place,
        started_at=locked.started_at,
        ended_at=locked.ended_at,
        hours=-locked.hours,
        kind=EntryKind.REVERSAL,
        reverses=locked,
        reason=reason[:300],
        # A reversal counts where the reversed entry counts: verified with it, pending with it.
        status=locked.status,
        verified_by=actor if verified else None,
        verified_at=timezone.now() if verified else None,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError:
        raise LedgerError(
            _("Hour entry %(entry)s has already been reversed.") % {"entry": locked.pk}
        ) from None
    credit = PointsEntry.objects.filter(
        hour_entry=locked, kind=PointsKind.CREDIT, reversed_by__isnull=True
    ).first()
    if credit is not None and credit.amount != 0:
        points_reverse(
            entry=credit,
            reason=_("Hours reversed: %(reason)s") % {"reason": reason},
            actor=actor,
        )
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=reversal,
        community=locked.community,
        reason=reason,
        detail={"reverses": locked.pk, "hours": str(reversal.hours)},
    )
    return reversal


# --- points rules --------------------------------------------------------------------------------


def _clean_weights(weights: dict[str, Any]) -> dict[str, str]:
    kinds = set(ActivityKind.values)
    clean: dict[str, str] = {}
    for kind, weight in weights.items():
        if kind not in kinds:
            raise LedgerError(
                _("“%(kind)s” is not an activity kind (one of %(kinds)s).")
                % {"kind": kind, "kinds": ", ".join(sorted(kinds))}
            )
        number = _decimal(weight, "weight", kind=kind)
        if number < 0:
            raise LedgerError(_("The weight of %(kind)s may not be negative.") % {"kind": kind})
        clean[kind] = str(number)
    return clean


@transaction.atomic
def points_rule_publish(
    *,
    community: Community,
    hours_to_points: Decimal | str | int,
    weights: dict[str, Any],
    cap: Decimal | str | int | None,
    text: str,
    approved_by: str,
    actor: User,
) -> PointsRule:
    """Publish a new version of the community's points rules; earlier versions stay as they were."""
    _require(actor, community, STAFF_ROLES, "publish points rules")
    rate = _decimal(hours_to_points, "rate")
    if rate <= 0:
        raise LedgerError(_("Points per hour must be more than 0."))
    cap_value = None if cap is None or cap == "" else _decimal(cap, "cap")
    if cap_value is not None and cap_value <= 0:
        raise LedgerError(_("The cap on stored points must be more than 0 (or none)."))
    if not text.strip():
        raise LedgerError(_("Publish the text of the rules."))
    if not approved_by.strip():
        raise LedgerError(
            _("Say who approved the rules (e.g. the residents' council, decision of 2026-03-02).")
        )
    Community.objects.select_for_update().filter(pk=community.pk).first()  # versions in turn
    last = PointsRule.objects.filter(community=community).order_by("-version").first()
    rule = PointsRule.objects.create(
        community=community,
        version=(last.version + 1) if last is not None else 1,
        hours_to_points=rate.quantize(CENT),
        weights=_clean_weights(weights),
        cap=cap_value.quantize(CENT) if cap_value is not None else None,
        text=text.strip(),
        approved_by=approved_by.strip()[:200],
        published_at=timezone.now(),
        created_by=actor,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=rule,
        community=community,
        detail={
            "version": rule.version,
            "hours_to_points": str(rule.hours_to_points),
            "weights": rule.weights,
            "cap": str(rule.cap) if rule.cap is not None else None,
            "approved_by": rule.approved_by,
        },
    )
    return rule


def points_for(entry: HourEntry, rule: PointsRule) -> Decimal:
    """Points the rule gives for an hour entry: hours × points per hour × weight of its kind."""
    kind = entry.activity.kind if entry.activity is not None else None
    weight = Decimal(str(rule.weights.get(kind, "1"))) if kind else Decimal(1)
    return (entry.hours * rule.hours_to_points * weight).quantize(CENT, rounding=ROUND_HALF_UP)


# --- points --------------------------------------------------------------------------------------


@transaction.atomic
def points_credit_for_hours(*, entry: HourEntry, actor: User) -> PointsEntry:
    """Credit points for verified hours under the current rules, up to the cap; once per entry."""
    resident = entry.resident
    community = resident.community
    _require(actor, community, STAFF_ROLES, "credit points")
    entry = HourEntry.objects.select_related("activity").get(pk=entry.pk)
    if entry.kind != EntryKind.CREDIT or entry.status != HourStatus.VERIFIED:
        raise LedgerError(_("Points are credited only for verified hours."))
    if HourEntry.objects.filter(reverses=entry).exists():
        raise LedgerError(
            _("Hour entry %(entry)s has been reversed: it earns no points.") % {"entry": entry.pk}
        )
    rule = points_rule_current(community)
    if rule is None:
        raise LedgerError(
            _("%(community)s has published no points rules yet.") % {"community": str(community)}
        )
    _lock_account(resident)
    if PointsEntry.objects.filter(hour_entry=entry, kind=PointsKind.CREDIT).exists():
        raise AlreadyCredited(
            _("Hour entry %(entry)s has already earned points.") % {"entry": entry.pk}
        )
    earned = points_for(entry, rule)
    credited = earned
    reason = ""
    if rule.cap is not None:
        room = max(rule.cap - points_balance(resident), Decimal(0))
        credited = min(earned, room)
        if credited < earned:
            reason = _(
                "Cap of %(cap)s points (rules version %(version)s): "
                "%(left_out)s of %(earned)s points not credited."
            ) % {
                "cap": rule.cap,
                "version": rule.version,
                "left_out": earned - credited,
                "earned": earned,
            }
    points = PointsEntry(
        community=community,
        resident=resident,
        amount=credited,
        kind=PointsKind.CREDIT,
        rule=rule,
        hour_entry=entry,
        reason=reason,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            points.save()
    except IntegrityError:
        raise AlreadyCredited(
            _("Hour entry %(entry)s has already earned points.") % {"entry": entry.pk}
        ) from None
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=points,
        community=community,
        reason=reason,
        detail={
            "resident": resident.pk,
            "hour_entry": entry.pk,
            "rule": rule.version,
            "earned": str(earned),
            "credited": str(credited),
        },
    )
    return points


@transaction.atomic
def points_reverse(*, entry: PointsEntry, reason: str, actor: User) -> PointsEntry:
    """Reverse a points credit with a reason; refused when the balance would go below zero."""
    resident = entry.resident
    community = resident.community
    _require(actor, community, STAFF_ROLES, "reverse points")
    reason = reason.strip()
    if not reason:
        raise LedgerError(_("A reversal needs a reason."))
    _lock_account(resident)
    entry = PointsEntry.objects.get(pk=entry.pk)
    if entry.kind == PointsKind.REDEMPTION:
        raise LedgerError(_("A redemption is undone by cancelling it, not by a reversal."))
    if entry.kind != PointsKind.CREDIT:
        raise LedgerError(_("A reversal is not reversed again."))
    if PointsEntry.objects.filter(reverses=entry).exists():
        raise LedgerError(
            _("Points entry %(entry)s has already been reversed.") % {"entry": entry.pk}
        )
    if entry.amount == 0:
        raise LedgerError(
            _("Points entry %(entry)s credited nothing: there is nothing to reverse.")
            % {"entry": entry.pk}
        )
    balance = points_balance(resident)
    if balance - entry.amount < 0:
        raise InsufficientPoints(
            _(
                "Reversing %(points)s points would leave %(name)s with %(left)s "
                "(balance %(balance)s); a balance may not go below zero."
            )
            % {
                "points": entry.amount,
                "name": resident.name,
                "left": balance - entry.amount,
                "balance": balance,
            }
        )
    reversal = PointsEntry(
        community=community,
        resident=resident,
        amount=-entry.amount,
        kind=PointsKind.REVERSAL,
        rule=entry.rule,
        hour_entry=entry.hour_entry,
        reverses=entry,
        reason=reason[:300],
        created_by=actor,
    )
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError:
        raise LedgerError(
            _("Points entry %(entry)s has already been reversed.") % {"entry": entry.pk}
        ) from None
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=reversal,
        community=community,
        reason=reason,
        detail={"reverses": entry.pk, "amount": str(reversal.amount)},
    )
    return reversal


@transaction.atomic
def reward_redeem(*, resident: Resident, reward: Reward, quantity: int, actor: User) -> Redemption:
    """Exchange points for a reward: refused beyond the balance or the stock."""
    community = resident.community
    # Residents redeem their own points; organisers may redeem for a resident at the shop.
    if resident.user_id is None or resident.user_id != actor.pk:
        _require(actor, community, ORGANISER_ROLES, "redeem points")
    if quantity < 1:
        raise LedgerError(_("Redeem at least one."))
    _lock_account(resident)
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if reward.community_id != community.pk:
        raise LedgerError(
            _("“%(reward)s” is not offered in %(community)s.")
            % {"reward": reward.name, "community": str(community)}
        )
    if not reward.active:
        raise LedgerError(_("“%(reward)s” is no longer offered.") % {"reward": reward.name})
    cost = (reward.cost * quantity).quantize(CENT)
    balance = points_balance(resident)
    if balance < cost:
        raise InsufficientPoints(
            _(
                "Not enough points: %(name)s holds %(balance)s points; "
                "%(quantity)s × “%(reward)s” costs %(cost)s."
            )
            % {
                "name": resident.name,
                "balance": balance,
                "quantity": quantity,
                "reward": reward.name,
                "cost": cost,
            }
        )
    if reward.stock is not None:
        taken = Reward.objects.filter(pk=reward.pk, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if taken != 1:
            raise OutOfStock(
                _("Only %(stock)s of “%(reward)s” in stock; %(quantity)s asked for.")
                % {"stock": reward.stock, "reward": reward.name, "quantity": quantity}
            )
    redemption = Redemption.objects.create(
        community=community,
        resident=resident,
        reward=reward,
        quantity=quantity,
        points=cost,
        created_by=actor,
    )
    PointsEntry.objects.create(
        community=community,
        resident=resident,
        amount=-cost,
        kind=PointsKind.REDEMPTION,
        redemption=redemption,
        reason=f"{quantity} × {reward.name}"[:300],
        created_by=actor,
    )
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        subject=redemption,
        community=community,
        detail={
            "resident": resident.pk,
            "reward": reward.pk,
            "quantity": quantity,
            "points": str(cost),
            "balance_before": str(balance),
        },
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, reason: str, actor: User) -> Redemption:
    """Cancel a redemption: the points come back by a reversing entry and the stock is restored."""
    resident = redemption.resident
    community = resident.community
    _require(actor, community, STAFF_ROLES, "cancel a redemption")
    reason = reason.strip()
    if not reason:
        raise LedgerError(_("A cancellation needs a reason."))
    _lock_account(resident)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.cancelled_at is not None:
        raise LedgerError(_("This redemption has already been cancelled."))
    spent = PointsEntry.objects.get(redemption=redemption, kind=PointsKind.REDEMPTION)
    PointsEntry.objects.create(
        community=community,
        resident=resident,
        amount=-spent.amount,
        kind=PointsKind.REVERSAL,
        redemption=redemption,
        reverses=spent,
        reason=reason[:300],
        created_by=actor,
    )
    Reward.objects.filter(pk=redemption.reward_id, stock__isnull=False).update(
        stock=F("stock") + redemption.quantity
    )
    now = timezone.now()
    Redemption.objects.filter(pk=redemption.pk).update(cancelled_at=now)
    redemption.cancelled_at = now
    _audit(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=redemption,
        community=community,
        reason=reason,
        detail={"resident": resident.pk, "points": str(redemption.points)},
    )
    return redemption
