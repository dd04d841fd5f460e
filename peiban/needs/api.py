"""Needs through the API: what a resident mini-program and an integration need."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from peiban.api.errors import ApiError
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.needs.access import can_work_on, get_need_for_user, may_verify, needs_for_user
from peiban.needs.models import Action, Category, Channel, Need, Stage
from peiban.needs.selectors import resident_by_room_and_name, unread_notifications
from peiban.needs.services import (
    NeedError,
    action_add,
    categories_ensure,
    help_offer,
    need_move,
    need_raise,
    notifications_read,
)
from peiban.places.models import Resident

router = Router(tags=["needs"])


class CategoryOut(Schema):
    id: int
    name: str
    hint: str


class NeedOut(Schema):
    id: int
    title: str
    description: str
    category: str
    channel: str
    stage: str
    urgency: str
    visibility: str
    building: str | None
    raised_at: datetime
    lead: str | None
    version: int


class NeedIn(Schema):
    title: str
    description: str = ""
    category: int
    urgency: str = "normal"
    visibility: str = "private"
    channel: str | None = None
    raised_by: str | None = None


class MoveIn(Schema):
    to_stage: str
    version: int
    note: str = ""


class ActionIn(Schema):
    kind: str
    description: str
    outcome: str = ""
    by: str = "resident"
    resident: str | None = None


class ActionOut(Schema):
    id: int
    kind: str
    by_resident: bool
    taken_at: datetime
    description: str
    outcome: str


class HelpIn(Schema):
    message: str


class NotificationOut(Schema):
    id: int
    need: int
    text: str
    created_at: datetime


def _need(n: Need) -> dict[str, object]:
    return {
        "id": n.pk,
        "title": n.title,
        "description": n.description,
        "category": n.category.name,
        "channel": n.channel,
        "stage": n.stage,
        "urgency": n.urgency,
        "visibility": n.visibility,
        "building": n.building.label if n.building else None,
        "raised_at": n.raised_at,
        "lead": n.lead.name if n.lead else None,
        "version": n.version,
    }


def _refuse(error: NeedError) -> ApiError:
    return ApiError(422, "refused", str(error))


@router.get("/communities/{ref}/need-categories", response=list[CategoryOut])
def category_list(request: HttpRequest, ref: str) -> list[Category]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    categories_ensure(access.community.organisation)
    return list(access.community.organisation.need_categories.filter(active=True))


@router.get("/communities/{ref}/needs", response=list[NeedOut], summary="Needs you may see")
@paginate(LimitOffsetPagination)
def need_list(request: HttpRequest, ref: str, stage: str = "") -> list[dict[str, object]]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    needs = needs_for_user(access, signed_in(request)).select_related(
        "category", "building", "lead"
    )
    if stage:
        needs = needs.filter(stage=stage)
    return [_need(n) for n in needs.order_by("-raised_at")[:500]]


@router.post("/communities/{ref}/needs", response=NeedOut, summary="Raise a need")
def need_create(request: HttpRequest, ref: str, body: NeedIn) -> dict[str, object]:
    access = get_community_access(request.user, ref, need=Can.PARTICIPATE)
    user = signed_in(request)
    category = access.community.organisation.need_categories.filter(pk=body.category).first()
    if category is None:
        raise ApiError(422, "invalid", "Choose a category of this organisation.")
    staff = access.can(Can.EDIT)
    raiser = (
        resident_by_room_and_name(access.community, body.raised_by or "")
        if staff
        else Resident.objects.filter(user=user, community=access.community).first()
    )
    try:
        need = need_raise(
            community=access.community,
            title=body.title,
            description=body.description,
            category=category,
            channel=(body.channel or Channel.OTHER) if staff else Channel.APP,
            raised_by=raiser,
            recorded_by=user,
            urgency=body.urgency,
            visibility=body.visibility,
        )
    except NeedError as error:
        raise _refuse(error) from None
    return _need(need)


@router.get("/communities/{ref}/needs/{pk}", response=NeedOut, summary="One need")
def need_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, object]:
    _access, need = get_need_for_user(request.user, ref, pk)
    return _need(need)


@router.get("/communities/{ref}/needs/{pk}/actions", response=list[ActionOut])
def action_list(request: HttpRequest, ref: str, pk: int) -> list[dict[str, object]]:
    _access, need = get_need_for_user(request.user, ref, pk)
    return [
        {
            "id": a.pk,
            "kind": a.kind,
            "by_resident": a.by_resident_side,
            "taken_at": a.taken_at,
            "description": a.description,
            "outcome": a.outcome,
        }
        for a in need.actions.all()
    ]


@router.post("/communities/{ref}/needs/{pk}/actions", response=ActionOut)
def action_create(request: HttpRequest, ref: str, pk: int, body: ActionIn) -> dict[str, object]:
    access, need = get_need_for_user(request.user, ref, pk, write=True)
    user = signed_in(request)
    try:
        if body.by == "staff":
            if not access.can(Can.EDIT):
                raise NeedError("Only staff record steps taken by staff.")
            action: Action = action_add(
                need=need,
                kind=body.kind,
                description=body.description,
                outcome=body.outcome,
                by_staff=user,
                recorded_by=user,
            )
        else:
            resident = resident_by_room_and_name(access.community, body.resident or "") or need.lead
            action = action_add(
                need=need,
                kind=body.kind,
                description=body.description,
                outcome=body.outcome,
                by_resident=resident,
                recorded_by=user,
            )
    except NeedError as error:
        raise _refuse(error) from None
    return {
        "id": action.pk,
        "kind": action.kind,
        "by_resident": action.by_resident_side,
        "taken_at": action.taken_at,
        "description": action.description,
        "outcome": action.outcome,
    }


@router.post(
    "/communities/{ref}/needs/{pk}/move", response=NeedOut, summary="Next step in the loop"
)
def need_move_api(request: HttpRequest, ref: str, pk: int, body: MoveIn) -> dict[str, object]:
    access, need = get_need_for_user(request.user, ref, pk)
    user = signed_in(request)
    verifying = body.to_stage == Stage.VERIFIED and may_verify(need, user)
    if not (verifying or can_work_on(access, need, user)):
        raise ApiError(404, "not_found", "This record does not exist, or you may not see it.")
    if body.to_stage not in Stage.values:
        raise ApiError(422, "invalid", "Unknown stage.")
    try:
        need_move(
            need=need,
            to_stage=body.to_stage,
            actor=user,
            note=body.note,
            expected_version=body.version,
        )
    except NeedError as error:
        raise _refuse(error) from None
    return _need(need)


@router.post("/communities/{ref}/needs/{pk}/help", response={204: None}, summary="Offer to help")
def need_help(request: HttpRequest, ref: str, pk: int, body: HelpIn) -> Status[None]:
    access, need = get_need_for_user(request.user, ref, pk)
    resident = Resident.objects.filter(user=signed_in(request), community=access.community).first()
    if resident is None:
        raise ApiError(422, "refused", "Only residents with a resident record can offer help.")
    try:
        help_offer(need=need, resident=resident, message=body.message)
    except NeedError as error:
        raise _refuse(error) from None
    return Status(204, None)


@router.get("/notifications", response=list[NotificationOut], tags=["account"])
def notification_list(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {"id": n.pk, "need": n.need_id, "text": n.text, "created_at": n.created_at}
        for n in unread_notifications(signed_in(request))[:100]
    ]


@router.post("/notifications/read", response={204: None}, tags=["account"])
def notification_read(request: HttpRequest) -> Status[None]:
    notifications_read(user=signed_in(request))
    return Status(204, None)
