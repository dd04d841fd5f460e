"""The community fund (社区保障资金): its yearly amount and the negative list of what it may not
pay.

Pure functions; the organisation's figures live in ``FundPolicy`` (see docs/groups.md for the
Chengdu defaults and what they rest on).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Assumed Chengdu defaults for an urban community, to be checked against the current local notice:
# a base of 200,000 yuan a year plus 4,000 yuan for every hundred residents (or part of a hundred).
CHENGDU_BASE = Decimal("200000.00")
CHENGDU_PER_HUNDRED = Decimal("4000.00")

# Default negative list: each item is a rule as people read it and the words that trigger it.
DEFAULT_NEGATIVE_LIST: list[dict[str, Any]] = [
    {
        "label": "不得用于个人或家庭的私人开支",
        "keywords": ["私人", "个人开支", "个人消费", "自家", "私家"],
    },
    {
        "label": "不得用于应由责任主体（物业、开发商、产权单位）承担的事项",
        "keywords": ["物业费", "物业维修", "专项维修资金", "开发商", "产权单位"],
    },
    {
        "label": "不得用于政府部门职责范围内的事项",
        "keywords": ["政府职责", "市政道路", "行政执法", "城管执法"],
    },
    {
        "label": "不得用于发放工资、奖金、补贴或购物卡",
        "keywords": ["工资", "奖金", "补贴发放", "购物卡", "现金红包"],
    },
    {"label": "不得用于宴请和烟酒", "keywords": ["宴请", "烟酒", "酒水"]},
]


def yearly_amount(*, base: Decimal, per_hundred: Decimal, population: int) -> Decimal:
    """Base plus the amount per hundred for every started hundred of residents."""
    if population < 0:
        raise ValueError("A population cannot be negative.")
    hundreds = -(-population // 100)
    return (base + per_hundred * hundreds).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class NegativeMatch:
    label: str
    keyword: str


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def negative_list_match(
    description: str, negative_list: list[dict[str, Any]]
) -> NegativeMatch | None:
    """The first item of the negative list whose keyword appears in the description, if any."""
    folded = _fold(description)
    for item in negative_list:
        for keyword in item.get("keywords", []):
            if keyword and _fold(str(keyword)) in folded:
                return NegativeMatch(label=str(item.get("label", "")), keyword=str(keyword))
    return None


def negative_list_clean(raw: object) -> list[dict[str, Any]]:
    """A negative list as stored: a list of {label, keywords}; refuse anything else."""
    if not isinstance(raw, list):
        raise ValueError("The negative list must be a list of items.")
    items: list[dict[str, Any]] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"Item {number} of the negative list is not a label with keywords.")
        label = str(item.get("label", "")).strip()
        keywords = [str(k).strip() for k in item.get("keywords", []) if str(k).strip()]
        if not label or not keywords:
            raise ValueError(f"Item {number} of the negative list needs a label and keywords.")
        items.append({"label": label, "keywords": keywords})
    return items
