"""Encryption and keyed lookup hashes for personal fields (phone and ID numbers).

Keys
    Every key is derived from ``settings.FIELD_KEY`` with HKDF-SHA256, one per purpose, told apart
    by the HKDF ``info`` label: ``"peiban field encryption v1"`` for Fernet and ``"peiban field
    lookup v1"`` for HMAC. The derived keys are cached per key string, so tests that override the
    setting get keys derived from their own value.

Encryption
    ``encrypt`` returns a Fernet token (AES-128-CBC with HMAC-SHA256, a timestamp, and a random IV,
    so the same text encrypts differently each time). ``decrypt`` tries the current key first and
    then each key in the optional ``settings.FIELD_KEYS_OLD`` (most recent first), so values written
    before a key rotation stay readable; ``rotate`` re-encrypts a token under the current key.
    Blank text is stored blank: ``encrypt("") == ""``.

Lookup hashes
    Encrypted columns cannot be searched, so each searchable value is stored a second time as
    ``lookup_hash(value, kind=...)``: an HMAC-SHA256 of the *normalised* value with its kind
    mixed in. Lookup hashes use the **current key only**; after a rotation the stored hashes are
    stale until ``peiban rotate-field-key`` recomputes them (it decrypts each value, which works
    with the old keys, and stores a new token and new hashes).

Validation helpers for mainland mobile numbers and resident ID numbers live here too, because they
share the normalisation that the hashes depend on.
"""

from __future__ import annotations

import base64
import hmac
import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from hashlib import sha256

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENCRYPTION_INFO = b"peiban field encryption v1"
LOOKUP_INFO = b"peiban field lookup v1"
MIN_KEY_LENGTH = 32

PHONE = "phone"
ID_NUMBER = "id_number"
PHONE_LAST4 = "phone_last4"
HASH_KINDS = frozenset({PHONE, ID_NUMBER, PHONE_LAST4})

_NON_DIGITS = re.compile(r"[^0-9]")
_WHITESPACE = re.compile(r"\s+")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_ID_NUMBER = re.compile(r"[1-9][0-9]{16}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_DIGITS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)


class FieldDecryptionError(ValueError):
    """An encrypted value could not be decrypted with the current key or any old key."""


# --- Keys ---------------------------------------------------------------------------------------


def _checked(key: object, name: str) -> str:
    if not isinstance(key, str) or len(key) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{name} must be a string of at least {MIN_KEY_LENGTH} characters."
        )
    return key


def _current_key() -> str:
    return _checked(getattr(settings, "FIELD_KEY", ""), "FIELD_KEY")


def _old_keys() -> tuple[str, ...]:
    old = getattr(settings, "FIELD_KEYS_OLD", None) or []
    if isinstance(old, str):
        raise ImproperlyConfigured("FIELD_KEYS_OLD must be a list of keys, not a single string.")
    return tuple(_checked(key, "Each entry of FIELD_KEYS_OLD") for key in old)


@lru_cache(maxsize=32)
def _derive(key: str, info: bytes) -> bytes:
    """Derive a 32-byte key for one purpose (told apart by ``info``) from a configured key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        key.encode("utf-8")
    )


@lru_cache(maxsize=8)
def _fernet(current: str, old: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(key, ENCRYPTION_INFO))) for key in (current, *old)]
    )


def _keyring() -> MultiFernet:
    return _fernet(_current_key(), _old_keys())


# --- Encryption ---------------------------------------------------------------------------------


def encrypt(value: str) -> str:
    """Encrypt text under the current key; blank text stays blank."""
    if value == "":
        return ""
    return _keyring().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token written under the current key or any key in ``FIELD_KEYS_OLD``."""
    if token == "":
        return ""
    try:
        return _keyring().decrypt(token).decode("utf-8")
    except (InvalidToken, ValueError) as error:
        raise FieldDecryptionError(
            "Cannot decrypt a personal field: the value was altered, or it was encrypted with a "
            "key that is neither FIELD_KEY nor listed in FIELD_KEYS_OLD."
        ) from error


def rotate(token: str) -> str:
    """Re-encrypt a token under the current key (it may have been written under an old one)."""
    if token == "":
        return ""
    try:
        return _keyring().rotate(token).decode("ascii")
    except (InvalidToken, ValueError) as error:
        raise FieldDecryptionError(
            "Cannot re-encrypt a personal field: the value was altered, or it was encrypted with "
            "a key that is neither FIELD_KEY nor listed in FIELD_KEYS_OLD."
        ) from error


# --- Normalisation and validation ----------------------------------------------------------------


def normalise_phone(text: str) -> str:
    """Digits only (full-width digits count), without the +86 / 0086 prefix of a mainland mobile.

    ``"+86 138 0013 8000"``, ``"0086-13800138000"`` and ``"13800138000"`` all give
    ``"13800138000"``. Other numbers (landlines, foreign numbers) keep all their digits.
    """
    digits = _NON_DIGITS.sub("", unicodedata.normalize("NFKC", text))
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    if len(digits) == 15 and digits.startswith("00861"):
        return digits[4:]
    return digits


def phone_last4(text: str) -> str:
    """The last four digits of a phone number, or ``""`` when it has fewer than four."""
    digits = normalise_phone(text)
    return digits[-4:] if len(digits) >= 4 else ""


def normalise_id_number(text: str) -> str:
    """A resident ID number without whitespace and with an upper-case check letter X."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).upper()


def is_mainland_mobile(digits: str) -> bool:
    """Whether ``digits`` (already normalised) is an 11-digit mainland mobile number (1[3-9]…)."""
    return _MAINLAND_MOBILE.fullmatch(digits) is not None


def _id_check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_DIGITS[total % 11]


def is_valid_id_number(text: str) -> bool:
    """Whether ``text`` is an 18-character PRC resident ID number.

    Checks the shape, the ISO 7064 MOD 11-2 check character, and that the date of birth (characters
    7 to 14) is a real date between 1900-01-01 and tomorrow (a day of slack for time zones).
    """
    number = normalise_id_number(text)
    if _ID_NUMBER.fullmatch(number) is None:
        return False
    if _id_check_digit(number[:17]) != number[17]:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born <= date.today() + timedelta(days=1)


# --- Lookup hashes -------------------------------------------------------------------------------


def _normalise(value: str, kind: str) -> str:
    if kind == PHONE:
        return normalise_phone(value)
    if kind == PHONE_LAST4:
        return phone_last4(value)
    if kind == ID_NUMBER:
        return normalise_id_number(value)
    raise ValueError(f"Unknown lookup hash kind {kind!r}; use one of {sorted(HASH_KINDS)}.")


def lookup_hash(value: str, *, kind: str) -> str:
    """A keyed HMAC-SHA256 (hex) of the normalised value, for exact-match searches.

    ``kind`` is ``"phone"``, ``"id_number"`` or ``"phone_last4"``; it is mixed into the message,
    so equal strings of different kinds hash differently. A value that normalises to nothing gets
    ``""`` (no hash), so blanks never look like a real value. Uses the current ``FIELD_KEY`` only;
    ``peiban rotate-field-key`` recomputes stored hashes after a rotation.
    """
    normalised = _normalise(value, kind)
    if normalised == "":
        return ""
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(_derive(_current_key(), LOOKUP_INFO), message, sha256).hexdigest()
