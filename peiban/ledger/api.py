"""The volunteer ledger through the API: a resident's own hours and points, and redeeming."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from peiban.api.errors import ApiError
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.ledger.models import HourEntry, HourStatus, Reward
from peiban.ledger.selectors import hours_balance, ledger_for, points_balance
from peiban.ledger.services import LedgerError, reward_redeem
from peiban.ledger.views import own_resident, refusal

router = Router(tags=["ledger"])


class HourEntryOut(Schema):
    id: int
    service: str
    place: str
    started_at: datetime | None
    hours: Decimal
    kind: str
    activity: int | None


class PointsEntryOut(Schema):
    id: int
    amount: Decimal
    kind: str
    reason: str
    created_at: datetime
    running_balance: Decimal


class VolunteeringOut(Schema):
    hours: Decimal
    points: Decimal
    hour_entries: list[HourEntryOut]
    points_entries: list[PointsEntryOut]


class RedeemIn(Schema):
    quantity: int = 1


class RedemptionOut(Schema):
    id: int
    reward: int
    quantity: int
    points: Decimal
    balance: Decimal


def _not_linked() -> ApiError:
    return ApiError(
        422,
        "not_linked",
        _(
            "Your account is not linked to a resident of this community yet; "
            "ask the staff to link it before you redeem points."
        ),
    )


@router.get(
    "/communities/{ref}/me/volunteering",
    response=VolunteeringOut,
    summary="Your own hours and points",
)
def my_volunteering(request: HttpRequest, ref: str) -> dict[str, object]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    resident = own_resident(signed_in(request), access.community)
    if resident is None:
        return {"hours": Decimal(0), "points": Decimal(0), "hour_entries": [], "points_entries": []}
    entries = HourEntry.objects.filter(resident=resident, status=HourStatus.VERIFIED).order_by(
        "created_at", "id"
    )
    return {
        "hours": hours_balance(resident),
        "points": points_balance(resident),
        "hour_entries": [
            {
                "id": e.pk,
                "service": e.service,
                "place": e.place,
                "started_at": e.started_at,
                "hours": e.hours,
                "kind": e.kind,
                "activity": e.activity_id,
            }
            for e in entries
        ],
        "points_entries": [
            {
                "id": p.pk,
                "amount": p.amount,
                "kind": p.kind,
                "reason": p.reason,
                "created_at": p.created_at,
                "running_balance": p.running_balance,  # type: ignore[attr-defined]
            }
            for p in ledger_for(resident)
        ],
    }


@router.post(
    "/communities/{ref}/rewards/{pk}/redeem", response=RedemptionOut, summary="Redeem points"
)
def reward_redeem_api(request: HttpRequest, ref: str, pk: int, body: RedeemIn) -> dict[str, object]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    user = signed_in(request)
    reward = Reward.objects.filter(community=access.community, pk=pk, active=True).first()
    if reward is None:
        raise Http404
    resident = own_resident(user, access.community)
    if resident is None:
        raise _not_linked()
    if not 1 <= body.quantity <= 99:
        raise ApiError(422, "invalid", _("Choose how many you want, from 1 to 99."))
    try:
        redemption = reward_redeem(
            resident=resident, reward=reward, quantity=body.quantity, actor=user
        )
    except LedgerError as error:
        raise ApiError(422, "refused", refusal(error)) from None
    return {
        "id": redemption.pk,
        "reward": reward.pk,
        "quantity": redemption.quantity,
        "points": redemption.points,
        "balance": points_balance(resident),
    }
