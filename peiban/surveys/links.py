"""Residents answering a form themselves: household codes, the QR code, and the rate limit of
the public page.

A household code names one dwelling for one link: the dwelling's id written in a 32-letter
alphabet, then six letters of an HMAC (keyed with the installation's secret) over the link's
token and the dwelling's id, as ``5C-7KQ2MX``. Nothing is stored: codes are printed again at will,
and closing the link (a new link has a new token) stops every code at once. Six letters are
30 bits; with ten wrong codes per address in fifteen minutes, guessing one is hopeless.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from peiban.activities.signin import qr_svg
from peiban.surveys.models import AnswerLink, LinkAttempt, LinkAttemptKind

__all__ = [
    "LIMITS",
    "attempt_record",
    "client_address",
    "dwelling_id_for_code",
    "household_code",
    "qr_svg",
    "rate_limited",
]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
MAC_LENGTH = 6

# kind → (attempts allowed per address, within this window)
LIMITS: dict[str, tuple[int, timedelta]] = {
    LinkAttemptKind.BAD_CODE: (10, timedelta(minutes=15)),
    LinkAttemptKind.SUBMIT: (30, timedelta(hours=1)),
}


def _encode(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, len(ALPHABET))
        out = ALPHABET[digit] + out
        if number == 0:
            return out


def _mac(token: str, dwelling_id: int) -> str:
    key = hashlib.sha256(f"peiban.surveys.household:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, f"{token}:{dwelling_id}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big")
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(MAC_LENGTH))


def household_code(link: AnswerLink, dwelling_id: int) -> str:
    """The code printed for a dwelling, for this link only."""
    return f"{_encode(dwelling_id)}-{_mac(link.token, dwelling_id)}"


def dwelling_id_for_code(link: AnswerLink, code: str) -> int | None:
    """The dwelling id a code names, if it is genuine for this link; None otherwise."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(normal) <= MAC_LENGTH or len(normal) > MAC_LENGTH + 12:
        return None
    head, mac = normal[:-MAC_LENGTH], normal[-MAC_LENGTH:]
    if any(ch not in ALPHABET for ch in head):
        return None
    number = 0
    for ch in head:
        number = number * len(ALPHABET) + ALPHABET.index(ch)
    if not hmac.compare_digest(mac, _mac(link.token, number)):
        return None
    return number


def client_address(request: HttpRequest) -> str | None:
    # Behind a proxy REMOTE_ADDR is the proxy; deployments set it from X-Forwarded-For there.
    return request.META.get("REMOTE_ADDR") or None


def rate_limited(link: AnswerLink, kind: str, address: str | None) -> bool:
    """Whether this address used up its attempts of this kind on the link."""
    allowed, window = LIMITS[kind]
    recent = LinkAttempt.objects.filter(
        link=link, kind=kind, address=address, created_at__gte=timezone.now() - window
    )
    return recent.count() >= allowed


def attempt_record(link: AnswerLink, kind: str, address: str | None) -> None:
    """Count one attempt, and forget those older than every window."""
    longest = max(window for _allowed, window in LIMITS.values())
    LinkAttempt.objects.filter(link=link, created_at__lt=timezone.now() - longest).delete()
    LinkAttempt.objects.create(link=link, kind=kind, address=address)
