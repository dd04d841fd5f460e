"""Reads of the needs register shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from peiban.needs.models import Action, Need, Notification, Recognition, StageChange
from peiban.needs.services import TRANSITIONS
from peiban.places.addresses import AddressError, parse_address
from peiban.places.models import Community, Resident


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "action" | "stage"
    item: Action | StageChange


def need_timeline(need: Need) -> list[TimelineEntry]:
    actions = need.actions.select_related("by_resident", "by_staff")
    changes = need.stage_changes.select_related("by", "by_resident")
    entries = [TimelineEntry(a.taken_at, "action", a) for a in actions]
    entries += [TimelineEntry(c.at, "stage", c) for c in changes]
    return sorted(entries, key=lambda e: (e.at, e.kind != "stage"))


def next_stages(need: Need) -> list[str]:
    return sorted(TRANSITIONS[need.stage], key=list(TRANSITIONS).index)


def resident_by_room_and_name(community: Community, text: str) -> Resident | None:
    """Find one resident from “5-1-302 王芳” (room then name), “王芳” alone if unique."""
    text = text.strip()
    if not text:
        return None
    parts = text.rsplit(maxsplit=1)
    residents = Resident.objects.filter(community=community, anonymised_at__isnull=True)
    if len(parts) == 2:
        try:
            address = parse_address(parts[0])
        except AddressError:
            address = None
        if address is not None:
            found = residents.filter(
                name=parts[1],
                household__dwelling__building__label=address.building,
                household__dwelling__room=address.room,
            )
            if address.unit:
                found = found.filter(household__dwelling__unit=address.unit)
            matches = list(found[:2])
            return matches[0] if len(matches) == 1 else None
    matches = list(residents.filter(name=text)[:2])
    return matches[0] if len(matches) == 1 else None


def unread_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True).select_related(
        "need__community"
    )


def public_board(community: Community) -> dict[str, Any]:
    return {
        "recognitions": list(
            Recognition.objects.filter(community=community, public=True).select_related("resident")[
                :50
            ]
        ),
    }
