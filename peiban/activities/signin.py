"""Signed QR codes for registering for an activity and checking in to it.

A token is the activity's id signed with a `TimestampSigner` whose salt names the purpose, so a
registration code does not work for checking in and a changed id breaks the signature. Tokens
carry no expiry of their own: a registration code stops working when the activity starts, a
check-in code `CHECK_IN_CLOSES_AFTER` (two hours) after it ends. `max_age` adds a limit on the
token's own age (for codes handed out on a phone rather than printed).
"""

from __future__ import annotations

from datetime import timedelta

import segno
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from peiban.activities import services
from peiban.activities.models import Activity
from peiban.activities.services import ActivityError

__all__ = [
    "PURPOSES",
    "TokenExpired",
    "TokenInvalid",
    "activity_for_token",
    "qr_svg",
    "token_for",
]

PURPOSES = frozenset({"register", "checkin"})


class TokenInvalid(ActivityError):
    """The token was not made by Peiban, was changed, or is for another purpose."""


class TokenExpired(ActivityError):
    """The token is genuine but no longer accepted."""


def _signer(purpose: str) -> signing.TimestampSigner:
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown token purpose {purpose!r}; use one of {sorted(PURPOSES)}.")
    return signing.TimestampSigner(salt=f"peiban.activities.{purpose}")


def token_for(activity: Activity, purpose: str) -> str:
    """A signed token for the activity, to put in a QR code's URL."""
    return _signer(purpose).sign(str(activity.pk))


def _expired() -> TokenExpired:
    return TokenExpired(_("This QR code has expired. Ask the organiser for a new one."))


def activity_for_token(
    token: str, purpose: str, *, max_age: int | timedelta | None = None
) -> Activity:
    """The activity a token names, if it is genuine and still accepted; otherwise
    `TokenInvalid` (forged or changed) or `TokenExpired`, both `ActivityError`s."""
    signer = _signer(purpose)
    try:
        value = signer.unsign(token.strip(), max_age=max_age)
    except signing.SignatureExpired:
        raise _expired() from None
    except signing.BadSignature:
        raise TokenInvalid(
            _("This QR code is not valid. Scan the code on the poster again.")
        ) from None
    activity = (
        Activity.objects.select_related("community").filter(pk=int(value)).first()
        if value.isdigit()
        else None
    )
    if activity is None:
        raise TokenInvalid(_("This activity no longer exists."))
    if activity.cancelled_at is not None:
        raise TokenExpired(_("“%(title)s” was cancelled.") % {"title": activity.title})
    now = timezone.now()
    if purpose == "register" and now >= activity.starts_at:
        raise TokenExpired(
            _("Registration for “%(title)s” closed when it started.") % {"title": activity.title}
        )
    if purpose == "checkin" and now > activity.ends_at + services.CHECK_IN_CLOSES_AFTER:
        raise _expired()
    return activity


def qr_svg(url: str) -> str:
    """An inline SVG QR code for `url`: black on white, scalable (a viewBox, no fixed size),
    with a quiet zone and medium error correction, and nothing loaded from elsewhere."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(
        scale=8,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="peiban-qr",
        lineclass=None,
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)
