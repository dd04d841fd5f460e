"""From parsed messages to proposals: which messages raise a need, where, how urgent, and which
of them speak of the same thing.

Pure functions over messages and a classifier; no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peiban.chats.classifier import Classifier
from peiban.chats.features import features
from peiban.chats.lexicon import AGREEMENT_WORDS, ANGER_WORDS, DANGER_WORDS
from peiban.chats.parsing import Message
from peiban.needs.models import Urgency
from peiban.places.addresses import AddressError, normalise_building, parse_address

GROUP_WINDOW = timedelta(hours=48)
AGREEMENT_WINDOW = timedelta(hours=2)
AGREEMENT_MAX_LENGTH = 30

_CN = "零〇一二两三四五六七八九十"
_SHORTHAND = re.compile(r"(?<![0-9\-])([0-9]{1,3})-([0-9]{1,2})-([0-9]{3,4})(?![0-9\-])")
_BUILDING = re.compile(
    rf"(?<![0-9{_CN}])((?:[0-9]{{1,3}}|[{_CN}]{{1,3}}|[A-Z])(?:号楼|栋|幢|座))"
    rf"(?:([0-9]{{1,2}}|[{_CN}])单元)?(?:([0-9]{{3,4}})(?:室|房|号)?)?"
)


@dataclass(frozen=True)
class Place:
    building: str  # canonical label, as Building.label ("5", "A")
    unit: str = ""
    room: str = ""
    mentioned: str = ""

    def label(self) -> str:
        return self.mentioned


def find_place(text: str) -> Place | None:
    """The first building (and room) named in a message: 5栋, 五号楼, 3-2-301, 5栋2单元302."""
    clean = unicodedata.normalize("NFKC", text).upper()
    match = _SHORTHAND.search(clean)
    if match:
        try:
            address = parse_address(match.group(0))
        except AddressError:
            pass
        else:
            return Place(address.building, address.unit, address.room, match.group(0))
    match = _BUILDING.search(clean)
    if match:
        try:
            building = normalise_building(match.group(1))
        except AddressError:
            return None
        if match.group(3):
            try:
                address = parse_address(match.group(0))
            except AddressError:
                return Place(building, mentioned=match.group(1))
            return Place(address.building, address.unit, address.room, match.group(0))
        return Place(building, mentioned=match.group(1))
    return None


def urgency_of(text: str) -> tuple[str, str]:
    """(urgency, the word that set it): danger words first, then anger, else normal."""
    for word in DANGER_WORDS:
        if word in text:
            return Urgency.DANGER, word
    for word in ANGER_WORDS:
        if word in text:
            return Urgency.HIGH, word
    if text.count("!") + text.count("！") >= 3:
        return Urgency.HIGH, "！！！"
    return Urgency.NORMAL, ""


def is_agreement(text: str) -> bool:
    return len(text) <= AGREEMENT_MAX_LENGTH and any(w in text for w in AGREEMENT_WORDS)


_URGENCY_ORDER = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.HIGH: 2, Urgency.DANGER: 3}


@dataclass
class Draft:
    """A proposal before it is saved."""

    category: str
    confidence: float
    place: Place | None
    urgency: str
    urgency_reason: str
    messages: list[Message] = field(default_factory=list)
    words: set[str] = field(default_factory=set)

    @property
    def first_at(self) -> datetime:
        return self.messages[0].sent_at

    @property
    def last_at(self) -> datetime:
        return self.messages[-1].sent_at

    @property
    def people(self) -> int:
        return len({m.sender for m in self.messages if m.sender}) or 1

    def title(self) -> str:
        text = " ".join(self.messages[0].text.split())
        return text if len(text) <= 60 else text[:59] + "…"

    def join(self, message: Message, urgency: str, reason: str) -> None:
        self.messages.append(message)
        if _URGENCY_ORDER[Urgency(urgency)] > _URGENCY_ORDER[Urgency(self.urgency)]:
            self.urgency, self.urgency_reason = urgency, reason


def _similar(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def propose(messages: Sequence[Message], classifier: Classifier) -> list[Draft]:
    """Drafts in the order their first message was written.

    A message raising a need joins an open draft of the same category when both name the same
    building (or neither names one and their words overlap) within two days; a short agreement
    ("我家也是", "+1") joins the draft raised just before it, within two hours.
    """
    drafts: list[Draft] = []
    last: Draft | None = None
    for message in sorted(messages, key=lambda m: (m.sent_at, m.line)):
        text = message.text
        urgency, reason = urgency_of(text)
        if (
            last is not None
            and is_agreement(text)
            and message.sent_at - last.last_at <= AGREEMENT_WINDOW
        ):
            last.join(message, urgency, reason)
            continue
        feats = features(text)
        is_need, _p, category, confidence = classifier.classify_features(feats)
        if not is_need and urgency != Urgency.DANGER:
            continue
        place = find_place(text)
        words = {f for f in feats if f.startswith("c:")}
        match = None
        for draft in reversed(drafts):
            if message.sent_at - draft.last_at > GROUP_WINDOW:
                continue
            if draft.category != category:
                continue
            same_place = (
                place is not None
                and draft.place is not None
                and draft.place.building == place.building
            )
            no_place = place is None or draft.place is None
            if same_place or (no_place and _similar(words, draft.words) >= 0.2):
                match = draft
                break
        if match is None:
            match = Draft(category, confidence, place, urgency, reason, [message], words)
            drafts.append(match)
        else:
            match.join(message, urgency, reason)
            match.words |= words
            if match.place is None and place is not None:
                match.place = place
        last = match
    return drafts
