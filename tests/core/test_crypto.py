"""Encryption of personal fields, key rotation, lookup hashes, and number validation."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from peiban.core import crypto
from peiban.core.crypto import (
    FieldDecryptionError,
    decrypt,
    encrypt,
    is_mainland_mobile,
    is_valid_id_number,
    lookup_hash,
    normalise_id_number,
    normalise_phone,
    phone_last4,
    rotate,
)

KEY = "current-field-key-for-tests-0123456789abcdef"
OLD_KEY = "old-field-key-for-tests-0123456789abcdefghij"
OLDER_KEY = "older-field-key-for-tests-0123456789abcdefgh"
OTHER_KEY = "someone-elses-field-key-0123456789abcdefghij"


@pytest.fixture
def keys(settings: Any) -> Any:
    settings.FIELD_KEY = KEY
    settings.FIELD_KEYS_OLD = []
    return settings


# --- Encryption ---------------------------------------------------------------------------------


@given(st.text())
def test_it_round_trips_any_text(text: str) -> None:
    assert decrypt(encrypt(text)) == text


@given(st.text(min_size=1))
def test_it_round_trips_any_text_through_a_rotation(text: str) -> None:
    assert decrypt(rotate(encrypt(text))) == text


def test_it_encrypts_the_same_text_differently_each_time(keys: Any) -> None:
    first, second = encrypt("13800138000"), encrypt("13800138000")
    assert first != second
    assert decrypt(first) == decrypt(second) == "13800138000"


def test_it_does_not_leave_the_clear_text_in_the_token(keys: Any) -> None:
    token = encrypt("13800138000")
    assert isinstance(token, str)
    assert "13800138000" not in token
    assert token.startswith("gAAAAA")  # a Fernet token, version byte 0x80


def test_it_keeps_blank_values_blank(keys: Any) -> None:
    assert encrypt("") == ""
    assert decrypt("") == ""
    assert rotate("") == ""


def test_it_decrypts_values_written_under_an_old_key(keys: Any) -> None:
    keys.FIELD_KEY = OLDER_KEY
    from_older = encrypt("110105194912310021")
    keys.FIELD_KEY = OLD_KEY
    from_old = encrypt("13800138000")

    keys.FIELD_KEY = KEY
    keys.FIELD_KEYS_OLD = [OLD_KEY, OLDER_KEY]
    assert decrypt(from_old) == "13800138000"
    assert decrypt(from_older) == "110105194912310021"


def test_it_rotates_a_token_so_the_old_key_can_be_retired(keys: Any) -> None:
    keys.FIELD_KEY = OLD_KEY
    token = encrypt("13800138000")
    keys.FIELD_KEY = KEY
    keys.FIELD_KEYS_OLD = [OLD_KEY]
    rotated = rotate(token)
    assert rotated != token

    keys.FIELD_KEYS_OLD = []
    assert decrypt(rotated) == "13800138000"
    with pytest.raises(FieldDecryptionError):
        decrypt(token)


def test_it_refuses_a_token_written_under_an_unknown_key(keys: Any) -> None:
    keys.FIELD_KEY = OTHER_KEY
    token = encrypt("13800138000")
    keys.FIELD_KEY = KEY
    with pytest.raises(FieldDecryptionError, match="FIELD_KEYS_OLD"):
        decrypt(token)
    with pytest.raises(FieldDecryptionError):
        rotate(token)


def test_it_follows_a_changed_key_setting_despite_its_caches(keys: Any) -> None:
    token = encrypt("secret")
    with override_settings(FIELD_KEY=OTHER_KEY), pytest.raises(FieldDecryptionError):
        decrypt(token)
    assert decrypt(token) == "secret"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1], id="altered"),
        pytest.param(lambda t: t[:20], id="truncated"),
        pytest.param(lambda t: "not a token", id="garbage"),
        pytest.param(lambda t: "密文" + t, id="non-ascii"),
    ],
)
def test_it_refuses_a_tampered_token_with_a_clear_error(keys: Any, mangle: Any) -> None:
    token = mangle(encrypt("13800138000"))
    with pytest.raises(FieldDecryptionError, match="Cannot decrypt a personal field") as caught:
        decrypt(token)
    assert isinstance(caught.value, ValueError)
    assert "13800138000" not in str(caught.value)


def test_it_treats_a_missing_list_of_old_keys_as_empty(keys: Any) -> None:
    del keys.FIELD_KEYS_OLD
    assert decrypt(encrypt("x")) == "x"


@pytest.mark.parametrize(
    ("field_key", "old_keys"),
    [
        pytest.param("", [], id="blank key"),
        pytest.param("too-short", [], id="short key"),
        pytest.param(KEY, ["too-short"], id="short old key"),
        pytest.param(KEY, OLD_KEY, id="old keys given as one string"),
    ],
)
def test_it_refuses_keys_that_are_not_configured_properly(
    keys: Any, field_key: str, old_keys: Any
) -> None:
    keys.FIELD_KEY = field_key
    keys.FIELD_KEYS_OLD = old_keys
    with pytest.raises(ImproperlyConfigured):
        encrypt("x")


def test_it_derives_separate_keys_for_encryption_and_lookups() -> None:
    encryption = crypto._derive(KEY, crypto.ENCRYPTION_INFO)
    lookup = crypto._derive(KEY, crypto.LOOKUP_INFO)
    assert len(encryption) == len(lookup) == 32
    assert encryption != lookup
    assert crypto._derive(OTHER_KEY, crypto.LOOKUP_INFO) != lookup


# --- Lookup hashes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 13800138000",
        "+86 138 0013 8000",
        "8613800138000",
        "0086 138 0013 8000",
        "１３８００１３８０００",  # full-width digits, as some input methods type them
    ],
)
def test_it_hashes_every_way_of_writing_a_phone_number_alike(keys: Any, written: str) -> None:
    assert lookup_hash(written, kind="phone") == lookup_hash("13800138000", kind="phone")


@given(
    mobile=st.integers(min_value=13_000_000_000, max_value=19_999_999_999).map(str),
    prefix=st.sampled_from(["", "+86", "+86 ", "86", "0086", "0086-"]),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_it_hashes_formatted_mobiles_like_their_digits(
    mobile: str, prefix: str, separator: str
) -> None:
    written = prefix + separator.join([mobile[:3], mobile[3:7], mobile[7:]])
    assert normalise_phone(written) == mobile
    assert lookup_hash(written, kind="phone") == lookup_hash(mobile, kind="phone")


def test_it_hashes_an_id_number_regardless_of_spaces_and_the_case_of_x(keys: Any) -> None:
    assert lookup_hash(" 110105 19491231 002x ", kind="id_number") == lookup_hash(
        "11010519491231002X", kind="id_number"
    )


def test_it_hashes_equal_strings_of_different_kinds_differently(keys: Any) -> None:
    hashes = {
        lookup_hash("13800138000", kind="phone"),
        lookup_hash("13800138000", kind="id_number"),
        lookup_hash("8000", kind="phone_last4"),
        lookup_hash("8000", kind="phone"),
    }
    assert len(hashes) == 4


def test_it_hashes_the_last_four_digits_of_a_whole_number(keys: Any) -> None:
    assert lookup_hash("138 0013 8000", kind="phone_last4") == lookup_hash(
        "8000", kind="phone_last4"
    )


def test_it_makes_stable_keyed_hex_hashes(keys: Any) -> None:
    digest = lookup_hash("13800138000", kind="phone")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert lookup_hash("13800138000", kind="phone") == digest
    keys.FIELD_KEY = OTHER_KEY
    assert lookup_hash("13800138000", kind="phone") != digest


def test_it_hashes_with_the_current_key_only(keys: Any) -> None:
    digest = lookup_hash("13800138000", kind="phone")
    keys.FIELD_KEYS_OLD = [OLD_KEY]
    assert lookup_hash("13800138000", kind="phone") == digest


def test_it_gives_blank_values_no_hash(keys: Any) -> None:
    assert lookup_hash("", kind="phone") == ""
    assert lookup_hash(" - ", kind="phone") == ""
    assert lookup_hash("12", kind="phone_last4") == ""
    assert lookup_hash("  ", kind="id_number") == ""


def test_it_refuses_an_unknown_kind_of_hash(keys: Any) -> None:
    with pytest.raises(ValueError, match="Unknown lookup hash kind"):
        lookup_hash("13800138000", kind="mobile")


# --- Normalisation and validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("+86 138 0013 8000", "13800138000"),
        ("010-6552 9988", "01065529988"),
        ("+86 10 6552 9988", "861065529988"),  # not a mobile: the country code stays
        ("86123", "86123"),
        ("+1 (415) 555-0100", "14155550100"),
        ("无", ""),
    ],
)
def test_it_normalises_phone_numbers_to_digits(written: str, normalised: str) -> None:
    assert normalise_phone(written) == normalised


def test_it_takes_the_last_four_digits_of_a_phone_number() -> None:
    assert phone_last4("+86 138 0013 8000") == "8000"
    assert phone_last4("8000") == "8000"
    assert phone_last4("800") == ""


def test_it_normalises_id_numbers() -> None:
    assert normalise_id_number(" 110105 1949 1231 002x\n") == "11010519491231002X"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("13800138000", True),
        ("19912345678", True),
        ("12800138000", False),
        ("1380013800", False),
        ("138001380001", False),
        ("138 0013 8000", False),
        ("２３８００１３８０００", False),
    ],
)
def test_it_recognises_mainland_mobile_numbers(digits: str, valid: bool) -> None:
    assert is_mainland_mobile(digits) is valid


def _check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 from its definition (weights 2^(17-i) mod 11), not from a table."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.integers(min_value=100_000, max_value=999_999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date.today()))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + _check_character(first17)


@given(id_numbers())
def test_it_accepts_generated_id_numbers_with_a_correct_check_character(number: str) -> None:
    assert is_valid_id_number(number)
    assert is_valid_id_number(number.lower())


@given(id_numbers(), st.sampled_from("0123456789X"))
def test_it_refuses_id_numbers_with_a_wrong_check_character(number: str, check: str) -> None:
    if check != number[-1]:
        assert not is_valid_id_number(number[:-1] + check)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),  # the specimen number of GB 11643
        ("11010519491231002x", True),
        ("110105 19491231 002X", True),
        ("110105194912310021", False),  # wrong check character
        ("11010519491231002", False),  # too short
        ("110105194912310", False),  # the old 15-digit form
        ("01010519491231002X", False),  # no region starts with 0
        ("1101051949123100XX", False),
    ],
)
def test_it_validates_id_numbers(number: str, valid: bool) -> None:
    assert is_valid_id_number(number) is valid


@pytest.mark.parametrize(
    "birth", ["19490230", "19491301", "19490000", "18991231", f"{date.today().year + 1}0101"]
)
def test_it_refuses_id_numbers_whose_date_of_birth_is_not_real(birth: str) -> None:
    first17 = f"110105{birth}002"
    assert not is_valid_id_number(first17 + _check_character(first17))
