"""How personal data is shown by default: masked, so a screen or printout identifies nobody.

- phone numbers: the first three and last four digits of an 11-digit number (``138****1234``);
  other numbers keep only their last four digits;
- resident ID numbers: the last four characters (``**************123X``);
- names in public lists: the first character (``张*``, ``A** L**``), except forms of address such as
  ``彭女士`` or ``王阿姨``, which do not identify anyone;
- dwellings in public outputs: the building only (``3栋``), never the unit or the room.

Pure functions: they need neither settings nor a database.
"""

from __future__ import annotations

import re
import unicodedata

from peiban.core.crypto import normalise_id_number, normalise_phone

FORMS_OF_ADDRESS = ("女士", "先生", "阿姨", "大爷", "奶奶", "爷爷", "老师")
FORM_OF_ADDRESS_MAX_LENGTH = 4
BUILDING_SUFFIX = "栋"

_LATIN = re.compile(r"[A-Za-z]")
_WHITESPACE = re.compile(r"\s+")
_BARE_BUILDING = re.compile(r"(?:第)?([0-9A-Za-z]+)号?")
_BUILDING_WITH_SUFFIX = re.compile(r"(.+?(?:号楼|栋|幢|座|楼))")
_BUILDING_UNIT_ROOM = re.compile(r"([0-9A-Za-z]+)[-－—/]")


def _star_all_but_last4(text: str) -> str:
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_phone(text: str) -> str:
    """``138****1234`` for 11-digit numbers; otherwise only the last four digits are shown.

    The number is normalised first (digits only, no +86), so ``"+86 138 0013 8000"`` gives
    ``138****8000``. Numbers of four digits or fewer are starred entirely.
    """
    digits = normalise_phone(text)
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return _star_all_but_last4(digits)


def mask_id_number(text: str) -> str:
    """All but the last four characters starred: ``**************123X`` for an 18-character ID."""
    return _star_all_but_last4(normalise_id_number(text))


def _mask_word(word: str) -> str:
    return word[:1] + "*" * (len(word) - 1)


def mask_name(text: str) -> str:
    """Keep the first character of a name and star the rest, one star per character.

    ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; Latin names are masked word by word
    (``Ann Lee`` → ``A** L**``). Short forms of address (``彭女士``, ``李老师``) are kept.
    """
    name = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not name:
        return ""
    if _LATIN.search(name):
        return " ".join(_mask_word(word) for word in name.split(" "))
    name = name.replace(" ", "")
    if len(name) <= FORM_OF_ADDRESS_MAX_LENGTH and name.endswith(FORMS_OF_ADDRESS):
        return name
    return _mask_word(name)


def generalise_dwelling(building_label: str) -> str:
    """The building alone, for public outputs: ``"3"``, ``"3号"`` and ``"3-2-501"`` give ``"3栋"``.

    A label with its own building word keeps it and loses anything after it (``"5号楼2单元"`` →
    ``"5号楼"``, ``"A座1201"`` → ``"A座"``). Any other label is returned as it is (trimmed).
    """
    label = _WHITESPACE.sub("", unicodedata.normalize("NFKC", building_label))
    if not label:
        return ""
    if bare := _BARE_BUILDING.fullmatch(label):
        return bare.group(1).upper() + BUILDING_SUFFIX
    if suffixed := _BUILDING_WITH_SUFFIX.match(label):
        return suffixed.group(1)
    if hyphenated := _BUILDING_UNIT_ROOM.match(label):
        return hyphenated.group(1).upper() + BUILDING_SUFFIX
    return label
