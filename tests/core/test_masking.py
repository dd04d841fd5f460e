"""Masked display of phone numbers, ID numbers, names and dwellings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peiban.core.crypto import normalise_id_number, normalise_phone
from peiban.core.masking import (
    FORMS_OF_ADDRESS,
    generalise_dwelling,
    mask_id_number,
    mask_name,
    mask_phone,
)

# --- Phone numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("+86 138-1234-1234", "138****1234"),
        ("010-65529988", "010****9988"),
        ("0755 8888 6666", "********6666"),
        ("95588", "*5588"),
        ("1234", "****"),
        ("", ""),
        ("无", ""),
    ],
)
def test_it_masks_phone_numbers(written: str, masked: str) -> None:
    assert mask_phone(written) == masked


phone_like = st.text(alphabet="0123456789０１２３ +-()86", max_size=30) | st.text(max_size=30)


@given(phone_like)
def test_it_never_reveals_more_than_the_first_three_and_last_four_digits(text: str) -> None:
    digits = normalise_phone(text)
    masked = mask_phone(text)
    assert len(masked) == len(digits)
    assert sum(character != "*" for character in masked) <= 7
    for index, character in enumerate(masked):
        if character != "*":
            assert character == digits[index]
            assert index < 3 or index >= len(digits) - 4


@given(st.integers(min_value=13_000_000_000, max_value=19_999_999_999).map(str))
def test_it_hides_the_middle_four_digits_of_every_mobile(mobile: str) -> None:
    masked = mask_phone(f"+86 {mobile}")
    assert masked == mobile[:3] + "****" + mobile[7:]


# --- ID numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("11010519491231002x", "**************002X"),
        ("110105 19491231 0021", "**************0021"),
        ("123X", "****"),
        ("", ""),
    ],
)
def test_it_shows_only_the_last_four_characters_of_an_id_number(written: str, masked: str) -> None:
    assert mask_id_number(written) == masked


@given(st.text(max_size=30))
def test_it_never_reveals_more_than_four_characters_of_an_id_number(text: str) -> None:
    number = normalise_id_number(text)
    masked = mask_id_number(text)
    assert len(masked) == len(number)
    shown = masked.lstrip("*")
    assert len(shown) <= 4
    assert number.endswith(shown)


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小红", "李**"),
        ("欧阳娜娜", "欧***"),
        (" 张 三 ", "张*"),
        ("张", "张"),
        ("Ann Lee", "A** L**"),
        ("  Ann   Lee ", "A** L**"),
        ("Ｍａｒｙ", "M***"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_it_keeps_only_the_first_character_of_a_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "form",
    ["彭女士", "王先生", "刘阿姨", "张大爷", "陈奶奶", "赵爷爷", "李老师", "欧阳女士", "老师"],
)
def test_it_keeps_forms_of_address_which_identify_nobody(form: str) -> None:
    assert mask_name(form) == form


def test_it_masks_a_long_name_that_ends_like_a_form_of_address() -> None:
    assert mask_name("王小明先生") == "王****"


cjk_names = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2)


@given(cjk_names)
def test_it_stars_every_character_of_a_chinese_name_but_the_first(name: str) -> None:
    if not name.endswith(FORMS_OF_ADDRESS):
        assert mask_name(name) == name[0] + "*" * (len(name) - 1)


# --- Dwellings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "building"),
    [
        ("3", "3栋"),
        (" 3 ", "3栋"),
        ("3号", "3栋"),
        ("第3", "3栋"),
        ("b", "B栋"),
        ("１２", "12栋"),
        ("3栋", "3栋"),
        ("3栋2单元501", "3栋"),
        ("5号楼", "5号楼"),
        ("5号楼2单元301室", "5号楼"),
        ("7幢", "7幢"),
        ("A座1201", "A座"),
        ("3-2-501", "3栋"),
        ("", ""),
    ],
)
def test_it_generalises_a_dwelling_to_its_building(label: str, building: str) -> None:
    assert generalise_dwelling(label) == building
