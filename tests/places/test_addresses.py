"""Reading building, unit and room labels from Chinese rosters (peiban.places.addresses)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peiban.places.addresses import (
    Address,
    AddressError,
    chinese_numeral_to_int,
    make_address,
    normalise_building,
    normalise_room,
    normalise_unit,
    parse_address,
)

FLAT_3_2_301 = Address("3", "2", "301")

# --- A reference formatter for Chinese numerals, written independently of the parser ----------

_DIGIT_CHARS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """The standard Chinese numeral for 0 <= n <= 999: 十二, 二十, 一百零一, 一百一十."""
    assert 0 <= n <= 999
    if n < 10:
        return _DIGIT_CHARS[n]
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    text = ""
    if hundreds:
        text = _DIGIT_CHARS[hundreds] + "百"
        if rest == 0:
            return text
        if tens == 0:
            return text + "零" + _DIGIT_CHARS[ones]
    if tens:
        # 十二 on its own, but 一百一十二 inside a larger number.
        text += ("" if not hundreds and tens == 1 else _DIGIT_CHARS[tens]) + "十"
    if ones:
        text += _DIGIT_CHARS[ones]
    return text


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def test_the_reference_formatter_writes_textbook_numerals() -> None:
    assert [to_chinese(n) for n in (0, 7, 10, 12, 20, 99, 100, 101, 110, 999)] == [
        "零",
        "七",
        "十",
        "十二",
        "二十",
        "九十九",
        "一百",
        "一百零一",
        "一百一十",
        "九百九十九",
    ]


# --- Address ----------------------------------------------------------------------------------


def test_an_address_has_a_key_of_its_three_parts() -> None:
    assert FLAT_3_2_301.key() == ("3", "2", "301")
    assert Address("5", "", "302").key() == ("5", "", "302")


def test_it_labels_an_address_in_chinese() -> None:
    assert FLAT_3_2_301.label() == "3栋2单元301室"
    assert str(FLAT_3_2_301) == "3栋2单元301室"


def test_it_labels_an_address_without_a_unit() -> None:
    assert Address("5", "", "302").label() == "5栋302室"


def test_addresses_are_frozen_and_hashable() -> None:
    assert {FLAT_3_2_301, Address("3", "2", "301")} == {FLAT_3_2_301}
    with pytest.raises(AttributeError):
        FLAT_3_2_301.room = "302"  # type: ignore[misc]


def test_an_address_error_is_a_value_error() -> None:
    assert issubclass(AddressError, ValueError)


# --- Whole addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3栋2单元301室",
        "3幢2单元301室",
        "3号楼2单元301",
        "3座2单元301房",
        "3栋2单元301户",
        "3栋2单元301号",
        "3栋2单元301房间",
        "3号2单元301",
        "3#2单元301",
        "3#楼2单元301",
        "第3栋第2单元301室",
        "三栋二单元301室",
        "三号楼二单元三零一",
        "3楼2单元301",
        "3栋2门301",
        "3栋 2单元 301室",
        "3 栋 2 单元 301 室",
        "３栋２单元３０１室",
        "\u30003栋\u30002单元\u3000301室\u3000",
        "3栋2单元0301",
        "03栋02单元0301室",
        "3栋-2单元-301室",
        "3栋2单元3层301",
        "3号楼2单元3楼301",
    ],
)
def test_it_reads_every_spelling_of_building_unit_and_room(text: str) -> None:
    assert parse_address(text) == FLAT_3_2_301


@pytest.mark.parametrize(
    "text",
    [
        "3-2-301",
        "3－2－301",
        "３－２－３０１",
        "3—2—301",
        "3/2/301",
        "3_2_301",
        "3 - 2 - 301",
        "3 2 301",
        "3-2-301室",
        "3栋2-301",
        "3号2-301",
    ],
)
def test_it_reads_the_3_2_301_shorthand(text: str) -> None:
    assert parse_address(text) == FLAT_3_2_301


@pytest.mark.parametrize(
    "text",
    [
        "梧桐里小区3栋2单元301室",
        "梧桐里小区 3-2-301",
        "梧桐里3号楼2单元301",
        "朝阳区幸福路12号院3栋2单元301",
        "幸福路12号三号楼二单元301",
        "滨江一号3-2-301",
        "七一新村3幢2单元301房",
        "（梧桐里）3-2-301",
        "梧桐里 3-2-301。",
    ],
)
def test_it_ignores_the_compound_name_before_the_address(text: str) -> None:
    assert parse_address(text) == FLAT_3_2_301


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5-302", Address("5", "", "302")),
        ("5栋302", Address("5", "", "302")),
        ("5幢302室", Address("5", "", "302")),
        ("3幢301", Address("3", "", "301")),
        ("5号302号", Address("5", "", "302")),
        ("5号楼3楼302", Address("5", "", "302")),
        ("滨江一号5-302", Address("5", "", "302")),
        ("梧桐里5栋302", Address("5", "", "302")),
    ],
)
def test_it_reads_compounds_without_units(text: str, expected: Address) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("十二栋1单元101", Address("12", "1", "101")),
        ("二十栋301", Address("20", "", "301")),
        ("九十九幢十二单元1201", Address("99", "12", "1201")),
        ("十栋两单元101", Address("10", "2", "101")),
        ("梧桐里十二栋302", Address("12", "", "302")),
        ("一百零一栋101", Address("101", "", "101")),
        ("12栋1201室", Address("12", "", "1201")),
        ("１２－３－１２０１", Address("12", "3", "1201")),
    ],
)
def test_it_reads_larger_and_chinese_building_numbers(text: str, expected: Address) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A座1201", Address("A", "", "1201")),
        ("a座1201", Address("A", "", "1201")),
        ("Ａ座1201", Address("A", "", "1201")),
        ("B栋2单元301", Address("B", "2", "301")),
        ("A3栋301", Address("A3", "", "301")),
        ("3A栋301", Address("3A", "", "301")),
        ("A-2-301", Address("A", "2", "301")),
        ("a3-2-301", Address("A3", "2", "301")),
        ("A03栋301", Address("A3", "", "301")),
        ("SOHO现代城C座2单元1808", Address("C", "2", "1808")),
    ],
)
def test_it_keeps_letter_buildings_in_upper_case(text: str, expected: Address) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋2单元301-1室", Address("3", "2", "301-1")),
        ("3-2-301-1室", Address("3", "2", "301-1")),
        ("5栋301-1室", Address("5", "", "301-1")),
        ("5-301-1室", Address("5", "", "301-1")),
        ("5栋0301-01室", Address("5", "", "301-1")),
    ],
)
def test_it_keeps_a_sub_room_written_with_shi(text: str, expected: Address) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["5-301-1", "3-2-301-1", "3栋301-1", "A座301-1"])
def test_it_rejects_a_sub_room_without_shi_as_ambiguous(text: str) -> None:
    with pytest.raises(AddressError, match="ambiguous sub-room"):
        parse_address(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty address"),
        ("   ", "empty address"),
        ("3栋", "no room number in '3栋'"),
        ("3号楼2单元", "no room number in '3号楼2单元'"),
        ("梧桐里3栋2单元", "no room number in '梧桐里3栋2单元'"),
        ("3栋负一层", "no room number in '3栋负一层'"),
        ("301", "no building number in '301'"),
        ("301室", "no building number in '301室'"),
        ("2单元301", "no building number in '2单元301'"),
        ("3楼301", "no building number in '3楼301'"),
        ("梧桐里小区", "cannot read an address in '梧桐里小区'"),
        ("hello", "cannot read an address in 'hello'"),
        ("32单元301", "no building number"),
    ],
)
def test_it_says_what_is_missing_from_an_address(text: str, message: str) -> None:
    with pytest.raises(AddressError, match=message):
        parse_address(text)


# --- Separate parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "3"),
        ("3栋", "3"),
        ("3幢", "3"),
        ("3座", "3"),
        ("3号楼", "3"),
        ("3楼", "3"),
        ("3#", "3"),
        ("三号楼", "3"),
        ("十二栋", "12"),
        ("第十二幢", "12"),
        ("１栋", "1"),
        ("1 栋", "1"),
        ("03", "3"),
        ("A座", "A"),
        ("a3", "A3"),
        ("梧桐里3栋", "3"),
    ],
)
def test_it_normalises_a_building_column(text: str, expected: str) -> None:
    assert normalise_building(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "栋", "梧桐里", "梧桐里3", "3栋2", "3-2"])
def test_it_rejects_a_building_column_without_a_building(text: str) -> None:
    with pytest.raises(AddressError, match="building"):
        normalise_building(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("\u3000", ""),
        ("2", "2"),
        ("02", "2"),
        ("2单元", "2"),
        ("二单元", "2"),
        ("两单元", "2"),
        ("第二单元", "2"),
        ("十二单元", "12"),
        ("２单元", "2"),
        ("2门", "2"),
    ],
)
def test_it_normalises_a_unit_column(text: str, expected: str) -> None:
    assert normalise_unit(text) == expected


@pytest.mark.parametrize("text", ["单元", "2栋", "123", "x单元y"])
def test_it_rejects_a_unit_column_without_a_unit(text: str) -> None:
    with pytest.raises(AddressError, match="no unit number"):
        normalise_unit(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("301", "301"),
        ("301室", "301"),
        ("301房", "301"),
        ("301户", "301"),
        ("301号", "301"),
        ("0301", "301"),
        ("３０１", "301"),
        ("1201", "1201"),
        ("三零一", "301"),
        ("301-1室", "301-1"),
        ("a301", "A301"),
    ],
)
def test_it_normalises_a_room_column(text: str, expected: str) -> None:
    assert normalise_room(text) == expected


@pytest.mark.parametrize("text", ["", "室", "301-1", "3-2-301", "负一层"])
def test_it_rejects_a_room_column_without_a_room(text: str) -> None:
    with pytest.raises(AddressError, match="room number"):
        normalise_room(text)


# --- Separate columns -------------------------------------------------------------------------


def test_it_makes_an_address_from_separate_columns() -> None:
    assert make_address(building="3栋", unit="二单元", room="0301室") == FLAT_3_2_301
    assert make_address(building="三号楼", unit="2", room="301") == FLAT_3_2_301


def test_it_makes_an_address_without_a_unit() -> None:
    assert make_address(building="5", room="302") == Address("5", "", "302")


@pytest.mark.parametrize("room", ["3-2-301", "3栋2单元301室", "梧桐里3号楼2单元301"])
def test_it_reads_a_whole_address_in_the_room_column_when_the_building_is_empty(
    room: str,
) -> None:
    assert make_address(building="", room=room) == FLAT_3_2_301


@pytest.mark.parametrize("room", ["3-2-301", "2-301", "2单元301", "梧桐里3栋2单元301室"])
def test_it_reads_a_room_column_that_repeats_or_adds_to_the_building(room: str) -> None:
    assert make_address(building="3", room=room) == FLAT_3_2_301


def test_it_takes_the_unit_column_when_the_room_column_has_none() -> None:
    assert make_address(building="5", unit="2", room="5-302") == Address("5", "2", "302")
    assert make_address(building="", unit="2", room="3-301") == Address("3", "2", "301")


def test_it_rejects_a_room_column_naming_another_building() -> None:
    with pytest.raises(AddressError, match="room '4-2-301' is in building 4, not '3'"):
        make_address(building="3", room="4-2-301")


def test_it_rejects_a_room_column_naming_another_unit() -> None:
    with pytest.raises(AddressError, match="does not fit unit '1'"):
        make_address(building="3", unit="1", room="3-2-301")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"building": "", "room": "301"}, "no building number for room '301'"),
        ({"building": "3", "room": ""}, "no room number for building '3'"),
        ({"building": "3", "room": "301-1"}, "ambiguous room '301-1'"),
        ({"building": "3", "room": "hello"}, "cannot read room 'hello'"),
        ({"building": "梧桐里", "room": "301"}, "no building number in '梧桐里'"),
        ({"building": "3", "unit": "单元", "room": "301"}, "no unit number"),
    ],
)
def test_it_says_what_is_wrong_with_separate_columns(columns: dict[str, str], message: str) -> None:
    with pytest.raises(AddressError, match=message):
        make_address(**columns)


# --- Chinese numerals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("〇", 0),
        ("零", 0),
        ("一", 1),
        ("两", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("九十九", 99),
        ("一百", 100),
        ("两百", 200),
        ("一百零一", 101),
        ("一百一十", 110),
        ("一百十", 110),
        ("一百五", 150),
        ("一千零五", 1005),
        ("两千零二十", 2020),
        ("三零一", 301),
        ("二〇二四", 2024),
        ("壹佰贰拾叁", 123),
        ("一十二", 12),
    ],
)
def test_it_reads_chinese_numerals(text: str, expected: int) -> None:
    assert chinese_numeral_to_int(text) == expected


@pytest.mark.parametrize("text", ["", "百", "十十", "一百零", "零十", "二三十", "12", "十a"])
def test_it_rejects_what_is_not_a_chinese_numeral(text: str) -> None:
    with pytest.raises(AddressError):
        chinese_numeral_to_int(text)


@given(st.integers(min_value=1, max_value=999))
@settings(max_examples=200)
def test_it_reads_every_numeral_the_reference_formatter_writes(n: int) -> None:
    assert chinese_numeral_to_int(to_chinese(n)) == n


@given(st.integers(min_value=200, max_value=299))
@settings(max_examples=50)
def test_it_reads_liang_for_two_hundreds(n: int) -> None:
    assert chinese_numeral_to_int("两" + to_chinese(n)[1:]) == n


# --- Properties -------------------------------------------------------------------------------

COMPOUNDS = [
    "",
    "梧桐里小区",
    "幸福家园",
    "七一新村",
    "朝阳区幸福路12号院",
    "滨江一号",
    "阳光100期",
]
BUILDING_SUFFIXES = ["栋", "幢", "号楼", "座", "号", "#"]
UNIT_SUFFIXES = ["单元", "门"]
ROOM_SUFFIXES = ["室", "房", "户", "号", ""]
SEPARATORS = ["-", "－", "/", "—"]
SPACES = ["", "", " ", "\u3000"]


@st.composite
def number_spellings(draw: st.DrawFn, n: int, *, chinese: bool) -> str:
    """One way to write n: digits, full-width digits, a leading zero, or Chinese (n <= 99)."""
    options = [str(n), full_width(str(n)), "0" + str(n)]
    if chinese and n <= 99:
        options.append(to_chinese(n))
    return draw(st.sampled_from(options))


@st.composite
def spelled_addresses(draw: st.DrawFn) -> tuple[Address, str]:
    """A random flat and one of the many ways a roster might write it."""
    building = draw(st.integers(min_value=1, max_value=999))
    unit = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=99)))
    room = draw(st.integers(min_value=1, max_value=99)) * 100 + draw(st.integers(1, 30))
    expected = Address(str(building), "" if unit is None else str(unit), str(room))

    room_text = draw(st.sampled_from([str(room), full_width(str(room)), "0" + str(room)]))
    if draw(st.booleans()):
        space = draw(st.sampled_from(SPACES))
        parts = [
            draw(number_spellings(building, chinese=True)),
            draw(st.sampled_from(BUILDING_SUFFIXES)),
        ]
        if unit is not None:
            parts += [
                draw(number_spellings(unit, chinese=True)),
                draw(st.sampled_from(UNIT_SUFFIXES)),
            ]
        parts += [room_text, draw(st.sampled_from(ROOM_SUFFIXES))]
        text = space.join(parts)
    else:
        separator = draw(st.sampled_from(SEPARATORS))
        numbers = [draw(number_spellings(building, chinese=False))]
        if unit is not None:
            numbers.append(draw(number_spellings(unit, chinese=False)))
        text = separator.join([*numbers, room_text])
    compound = draw(st.sampled_from(COMPOUNDS))
    return expected, compound + draw(st.sampled_from(SPACES)) + text


@given(spelled_addresses())
@settings(max_examples=200)
def test_every_spelling_of_a_flat_parses_to_the_same_address(case: tuple[Address, str]) -> None:
    expected, text = case
    assert parse_address(text) == expected


canonical_buildings = st.one_of(
    st.integers(min_value=1, max_value=9999).map(str),
    st.sampled_from("ABCDEFGH"),
    st.builds(lambda letter, n: f"{letter}{n}", st.sampled_from("ABC"), st.integers(1, 99)),
)
canonical_units = st.one_of(st.just(""), st.integers(min_value=1, max_value=99).map(str))
canonical_rooms = st.one_of(
    st.integers(min_value=1, max_value=99999).map(str),
    st.builds(lambda room, sub: f"{room}-{sub}", st.integers(101, 3999), st.integers(1, 9)),
)


@given(st.builds(Address, canonical_buildings, canonical_units, canonical_rooms))
@settings(max_examples=200)
def test_an_address_reads_back_from_its_label(address: Address) -> None:
    assert parse_address(address.label()) == address


@given(st.builds(Address, canonical_buildings, canonical_units, canonical_rooms))
@settings(max_examples=200)
def test_an_address_is_remade_from_its_own_columns(address: Address) -> None:
    assert make_address(building=address.building, unit=address.unit, room=address.room + "室") == (
        address
    )
