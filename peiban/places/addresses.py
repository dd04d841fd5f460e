"""Reading building, unit and room labels as they appear in Chinese residential rosters.

Rosters spell the same flat in many ways: ``3栋2单元301室``, ``3号楼2单元301``, ``三幢二单元301房``,
``３栋２单元３０１`` (full-width digits), ``3-2-301`` or ``3－2－301`` (shorthand), ``5-302`` or
``5栋302`` (compounds without units), often behind the compound's name
(``梧桐里小区3栋2单元301室``). This module turns all of them into one canonical
:class:`Address` so that two rosters can be matched flat by flat.

Decisions:

* Text is NFKC-normalised (full-width digits, letters, dashes and spaces become ASCII), other
  dashes (``—``, ``–``, ``−``, ...) become ``-``, letters are upper-cased, whitespace is dropped,
  except that whitespace between two digits or letters acts as a separator (``3 2 301`` is
  ``3-2-301``).
* Building markers: 栋, 幢, 座, 号楼, 栋楼, 号栋, 号, ``#``, ``#楼``, an optional leading 第.
  A bare 楼 usually means a floor, so in a whole address ``3楼`` is read as a building only when
  a unit follows (``3楼2单元301``, as in northern cities); in a building column it is accepted.
  Unit markers: 单元, 门. Room markers: 室, 房, 房间, 户, 号, or none.
  Shorthand separators: ``-``, ``/`` and ``_``.
* A floor between unit and room (``3层``, ``3楼``, ``负一层``) is skipped: the room number already
  says which floor it is on. An address that names a floor but no room has no room number.
* Numbers written in Chinese (``十二``, ``二``, ``三零一``) become digits. Leading zeros are
  stripped from every run of digits in a building, unit or room (``0301`` is ``301``,
  ``A03`` is ``A3``, ``02单元`` is ``2``).
* Buildings may carry letters: ``A``, ``A3``, ``3A`` (``A座``, ``B栋``, ``A3栋``); they are kept
  upper-case. Units are one or two digits (after any leading zeros), a Chinese numeral or one
  letter; rooms are digits with an optional letter on either side.
* A sub-room (``301-1``) is kept only when written with 室 (``301-1室``): without it the dash
  is a shorthand separator and ``5-301-1`` is ambiguous, so it is rejected rather than guessed.
* Anything before the address (the compound's name, a street) is ignored, provided it does not
  end in a digit, letter or separator that would run into the building label, nor in a
  labelled part (``3栋301-1`` is not building 301). The earliest reading wins, so the longest
  building label is taken (``十二栋`` is 12, not 2). After a Chinese numeral a bare 号 followed by
  shorthand is taken as the end of a name: ``滨江一号5-302`` is building 5, room 302.
* ``3-2`` is building 3, room 2: two numbers are always building and room.
* Whatever cannot be read raises :class:`AddressError`, whose message names what was missing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Address",
    "AddressError",
    "chinese_numeral_to_int",
    "make_address",
    "normalise_building",
    "normalise_room",
    "normalise_unit",
    "parse_address",
]


class AddressError(ValueError):
    """An address, or part of one, that cannot be read; the message says what was wrong."""


@dataclass(frozen=True)
class Address:
    """One flat, in canonical form: build it with :func:`parse_address` or :func:`make_address`."""

    building: str  # "3", "12", "A", "A3": no 栋 suffix
    unit: str  # "2", or "" when the compound has no units
    room: str  # "301", "1201", "301-1"

    def key(self) -> tuple[str, str, str]:
        """The parts as a tuple, for dictionaries and matching."""
        return (self.building, self.unit, self.room)

    def label(self) -> str:
        """The Chinese display form, e.g. ``3栋2单元301室`` or ``5栋302室``."""
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building}栋{unit}{self.room}室"

    def __str__(self) -> str:
        return self.label()


# --- Chinese numerals -------------------------------------------------------------------------

_CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "幺": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_CN_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS)


def chinese_numeral_to_int(text: str) -> int:
    """Read a Chinese numeral below 10 000.

    Positional forms: ``十`` 10, ``十二`` 12, ``二十`` 20, ``一百零一`` 101, ``两百`` 200; the
    colloquial ``一百五`` is 150. Without any 十/百/千 the digits are read one by one, as in room
    numbers and years: ``三零一`` 301, ``二〇二四`` 2024. 〇 and 零 are 0, 两 and 幺 are 2 and 1;
    the financial forms (壹, 贰, 拾, 佰, ...) are accepted too. ASCII digits are not.

    Raises :class:`AddressError` (a :class:`ValueError`) for anything else.
    """
    s = "".join(text.split())
    if not s:
        raise AddressError("empty numeral")
    if any(ch not in _CN_CHARS for ch in s):
        raise AddressError(f"not a Chinese numeral: {text!r}")
    if not any(ch in _CN_UNITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))

    total = 0
    digit: int | None = None
    last_unit = 10_000
    after_zero = False
    for ch in s:
        if ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                raise AddressError(f"misplaced {ch} in Chinese numeral {text!r}")
            if digit is None:
                # 十二 is 12 and the colloquial 一百十 is 110, but 百 or 零十 alone mean nothing.
                if unit != 10 or after_zero:
                    raise AddressError(f"no digit before {ch} in Chinese numeral {text!r}")
                digit = 1
            total += digit * unit
            last_unit = unit
            digit = None
            after_zero = False
        else:
            value = _CN_DIGITS[ch]
            if digit is not None:
                raise AddressError(f"two digits in a row in Chinese numeral {text!r}")
            if value == 0:
                if last_unit == 10_000:
                    raise AddressError(f"leading zero in Chinese numeral {text!r}")
                after_zero = True
            else:
                digit = value
    if digit is not None:
        # After 零 or 十 a digit is ones; right after 百 or 千 it is the next place down (一百五).
        total += digit if after_zero or last_unit == 10 else digit * (last_unit // 10)
    elif after_zero:
        raise AddressError(f"trailing zero in Chinese numeral {text!r}")
    return total


# --- Patterns ---------------------------------------------------------------------------------
# Patterns run on cleaned text (see _clean): ASCII digits and upper-case letters, no whitespace.

_CN = f"[{_CN_CHARS}]"
_BUILDING_NUMBER = rf"(?:[A-Z]?[0-9]{{1,4}}[A-Z]?|[A-Z]|{_CN}{{1,6}})"
_UNIT_NUMBER = rf"(?:0*[0-9]{{1,2}}|[A-Z]|{_CN}{{1,3}})"
_UNIT_SUFFIX = "(?:单元|门)"
_UNIT_SUFFIX_NEXT = rf"(?=第?{_UNIT_NUMBER}{_UNIT_SUFFIX})"
_SEP = "[-/_]"
# A bare 号 after a Chinese numeral often ends a compound's name (滨江一号, 中海壹号), so
# "滨江一号5-302" is building 5, not building 1, unit 5; "3号2-301" is building 3, unit 2.
_BUILDING_SUFFIX = (
    rf"(?:号楼|栋楼|号栋|#楼|栋|幢|座|#|(?<=[0-9A-Z])号|号(?!{_UNIT_NUMBER}{_SEP})"
    rf"|楼{_UNIT_SUFFIX_NEXT})"
)
_FLOOR = rf"(?:负?(?:[0-9]{{1,2}}|{_CN}{{1,3}})(?:层|楼))"
_ROOM_NUMBER = rf"(?:[A-Z]?[0-9]{{1,5}}[A-Z]?|{_CN}{{1,6}})"
# A sub-room (301-1) only when 室 follows: elsewhere the dash separates building, unit and room.
_ROOM = rf"(?P<room>{_ROOM_NUMBER}(?:-[0-9]{{1,3}}(?=室))?)(?:房间|室|房|户|号)?"
# Where an address may start: not in the middle of a label, right after a separator or right
# after a labelled building, unit, floor or room ("3栋301-1" must not become building 301).
_LABEL_END = f"[0-9A-Z{_CN_CHARS}]"
_START = (
    "(?<![0-9A-Z/_-])"
    + rf"(?<!{_LABEL_END}[栋幢座#楼层室房户门])"
    + "".join(rf"(?<!{_LABEL_END}{marker})" for marker in ("号楼", "栋楼", "号栋", "单元", "房间"))
)

_ADDRESS = re.compile(
    rf"{_START}第?(?P<building>{_BUILDING_NUMBER})(?:{_BUILDING_SUFFIX}{_SEP}?|{_SEP})"
    rf"(?:第?(?P<unit>{_UNIT_NUMBER})(?:{_UNIT_SUFFIX}{_SEP}?|{_SEP}))?"
    rf"(?:{_FLOOR}{_SEP}?)?"
    rf"{_ROOM}"
)
# Used only to explain a failure.
_BUILDING_WITHOUT_ROOM = re.compile(
    rf"{_START}第?{_BUILDING_NUMBER}{_BUILDING_SUFFIX}{_SEP}?"
    rf"(?:第?{_UNIT_NUMBER}(?:{_UNIT_SUFFIX}{_SEP}?|{_SEP}))?(?:{_FLOOR}{_SEP}?)?"
)
_ROOM_WITHOUT_BUILDING = re.compile(
    rf"{_START}(?:第?{_UNIT_NUMBER}(?:{_UNIT_SUFFIX}{_SEP}?|{_SEP}))?(?:{_FLOOR}{_SEP}?)?{_ROOM}"
)
_BUILDING_COLUMN = re.compile(
    rf"{_START}第?(?P<building>{_BUILDING_NUMBER})(?P<suffix>{_BUILDING_SUFFIX}|楼)?"
)
_UNIT_COLUMN = re.compile(rf"第?(?P<unit>{_UNIT_NUMBER}){_UNIT_SUFFIX}?")
_ROOM_COLUMN = re.compile(rf"(?:{_FLOOR}{_SEP}?)?{_ROOM}")

_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−﹘", "-"))
_EDGE_PUNCTUATION = " .,;:。，；：、-/_"
_SPACE_BETWEEN_LABELS = re.compile(r"(?<=[0-9A-Z])\s+(?=[0-9A-Z])")
_SPACE = re.compile(r"\s+")
_REPEATED_SEP = re.compile(r"([-/_])\1+")
_DIGITS = re.compile(r"[0-9]+")
_SUB_ROOM_WITHOUT_MARKER = re.compile(rf"{_ROOM_NUMBER}-[0-9]{{1,3}}")
_SUB_ROOM_AT_END = re.compile(rf"{_ROOM_NUMBER}-[0-9]{{1,3}}$")


def _clean(text: str) -> str:
    """NFKC, ASCII dashes, upper case; whitespace dropped or, between labels, made a separator."""
    s = unicodedata.normalize("NFKC", text).translate(_DASHES).upper()
    s = _SPACE_BETWEEN_LABELS.sub("-", s)
    s = _SPACE.sub("", s)
    s = _REPEATED_SEP.sub(r"\1", s)
    return s.strip(_EDGE_PUNCTUATION)


def _canonical(label: str) -> str:
    """A matched building, unit or room label in canonical form."""
    if label[0] in _CN_CHARS:
        return str(chinese_numeral_to_int(label))
    return _DIGITS.sub(lambda m: str(int(m.group())), label)


# --- Parts ------------------------------------------------------------------------------------


def normalise_building(text: str) -> str:
    """A building label in canonical form: ``三号楼`` → ``3``, ``１栋`` → ``1``, ``A座`` → ``A``.

    A compound's name before the building is ignored when a marker (栋, 号楼, ...) follows it.
    """
    s = _clean(text)
    if not s:
        raise AddressError("empty building")
    for start in range(len(s)):
        match = _BUILDING_COLUMN.fullmatch(s, start)
        # Without a marker only the whole text may be the label: "梧桐里3" is not building 3.
        if match and (start == 0 or match["suffix"]):
            return _canonical(match["building"])
    raise AddressError(f"no building number in {text!r}")


def normalise_unit(text: str) -> str:
    """A unit label in canonical form: ``二单元`` → ``2``, ``02`` → ``2``, empty stays empty."""
    s = _clean(text)
    if not s:
        return ""
    match = _UNIT_COLUMN.fullmatch(s)
    if not match:
        raise AddressError(f"no unit number in {text!r}")
    return _canonical(match["unit"])


def normalise_room(text: str) -> str:
    """A room number in canonical form: ``301室`` → ``301``, ``0301`` → ``301``.

    ``301-1室`` gives ``301-1``; ``301-1`` without 室 is rejected as ambiguous.
    """
    s = _clean(text)
    if not s:
        raise AddressError("empty room number")
    match = _ROOM_COLUMN.fullmatch(s)
    if not match:
        raise AddressError(f"no room number in {text!r}")
    return _canonical(match["room"])


# --- Whole addresses --------------------------------------------------------------------------


def parse_address(text: str) -> Address:
    """Read a whole address or shorthand: ``梧桐里小区3栋2单元301室``, ``3-2-301``, ``5栋302``."""
    s = _clean(text)
    if not s:
        raise AddressError("empty address")
    problem: AddressError | None = None
    # The earliest start that reads wins, so the longest building label is taken ("十二栋").
    for start in range(len(s)):
        match = _ADDRESS.fullmatch(s, start)
        if match is None:
            continue
        try:
            unit = match["unit"]
            return Address(
                building=_canonical(match["building"]),
                unit=_canonical(unit) if unit else "",
                room=_canonical(match["room"]),
            )
        except AddressError as error:  # e.g. a misread Chinese numeral; try a later start
            problem = problem or error
    if problem is not None:
        raise problem
    if _SUB_ROOM_AT_END.search(s) and _ADDRESS.search(f"{s}室"):
        raise AddressError(f"ambiguous sub-room in {text!r}: write it with 室, as in '301-1室'")
    if any(_BUILDING_WITHOUT_ROOM.fullmatch(s, start) for start in range(len(s))):
        raise AddressError(f"no room number in {text!r}")
    if any(_ROOM_WITHOUT_BUILDING.fullmatch(s, start) for start in range(len(s))):
        raise AddressError(f"no building number in {text!r}")
    raise AddressError(f"cannot read an address in {text!r}")


def make_address(*, building: str, unit: str = "", room: str) -> Address:
    """An address from a roster's separate building, unit and room columns.

    Each part is normalised. The room column may hold more than a room: a whole address or
    shorthand (``3-2-301``, read on its own when the building column is empty, and otherwise
    required to agree with it), or unit and room (``2-301``, ``2单元301``) under the building.
    """
    building_text, room_text = _clean(building), _clean(room)
    unit_label = normalise_unit(unit)
    if not room_text:
        raise AddressError(f"no room number for building {building!r}")
    if _ROOM_COLUMN.fullmatch(room_text):
        if not building_text:
            raise AddressError(f"no building number for room {room!r}")
        return Address(normalise_building(building_text), unit_label, normalise_room(room_text))

    if building_text:
        building_label = normalise_building(building_text)
        address = _room_column_under(building_label, room_text)
        if address is None:
            raise _room_column_error(building, room, room_text)
    else:
        address = parse_address(room_text)
    if unit_label and address.unit and unit_label != address.unit:
        raise AddressError(f"room {room!r} does not fit unit {unit!r}")
    return Address(address.building, address.unit or unit_label, address.room)


def _room_column_under(building: str, room: str) -> Address | None:
    """Read a room column that holds more than a room, under a known building.

    It may repeat the building (``3-2-301``, ``5-302``) or give unit and room (``2-301``,
    ``2单元301``); a whole address naming another building does not fit.
    """
    for text in (room, f"{building}栋{room}"):
        try:
            address = parse_address(text)
        except AddressError:
            continue
        if address.building == building:
            return address
    return None


def _room_column_error(building: str, room: str, room_text: str) -> AddressError:
    """Why a room column does not fit its building."""
    if _SUB_ROOM_WITHOUT_MARKER.fullmatch(room_text):
        return AddressError(
            f"ambiguous room {room!r} in building {building!r}: write a sub-room as '301-1室'"
        )
    try:
        other = parse_address(room_text).building
    except AddressError:
        return AddressError(f"cannot read room {room!r} in building {building!r}")
    return AddressError(f"room {room!r} is in building {other}, not {building!r}")
