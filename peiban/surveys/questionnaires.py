"""Peiban's own bilingual needs questionnaire (居民情况和需求调查), written as an XLSForm.

Used by the demo, the tests and as a starting point for organisations: household profile,
satisfaction with security, property service, environment, parking and neighbour relations, needs
for elderly care, children and activities, willingness to volunteer and skills, and the sense of
belonging. Also a small Party-member form (sensitive).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

__all__ = ["NEEDS_CHOICES", "NEEDS_SURVEY", "needs_xlsform", "party_xlsform", "xlsform_bytes"]

EN, ZH = "English (en)", "中文 (zh)"
SURVEY_HEADER = [
    "type",
    "name",
    f"label::{EN}",
    f"label::{ZH}",
    f"hint::{ZH}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{EN}",
    f"constraint_message::{ZH}",
    "calculation",
    "choice_filter",
]
CHOICES_HEADER = ["list_name", "name", f"label::{EN}", f"label::{ZH}"]

SATISFACTION = ("security", "property", "environment", "parking", "neighbours")
SATISFACTION_LABELS = {
    "security": ("Security", "治安"),
    "property": ("Property service", "物业服务"),
    "environment": ("Environment and cleanliness", "环境卫生"),
    "parking": ("Parking", "停车"),
    "neighbours": ("Neighbour relations", "邻里关系"),
}


def _row(
    kind: str,
    name: str,
    en: str = "",
    zh: str = "",
    *,
    hint: str = "",
    required: str = "",
    relevant: str = "",
    constraint: str = "",
    message: tuple[str, str] = ("", ""),
    calculation: str = "",
    choice_filter: str = "",
) -> list[str]:
    return [
        kind,
        name,
        en,
        zh,
        hint,
        required,
        relevant,
        constraint,
        message[0],
        message[1],
        calculation,
        choice_filter,
    ]


NEEDS_SURVEY: list[list[str]] = [
    _row("note", "intro", "Thank you for talking with us.", "感谢您接受我们的走访。"),
    _row("begin_group", "household", "Your household", "家庭情况"),
    _row(
        "integer",
        "household_size",
        "How many people live here?",
        "家里住几口人？",
        hint="包括长期居住的家人",
        required="yes",
        constraint=". >= 1 and . <= 20",
        message=("Between 1 and 20.", "请填 1 到 20 之间的数。"),
    ),
    _row(
        "select_one yes_no",
        "has_elderly",
        "Anyone aged 60 or over?",
        "有 60 岁以上老人吗？",
        required="yes",
    ),
    _row(
        "integer",
        "elderly_count",
        "How many?",
        "几位？",
        required="yes",
        relevant="${has_elderly} = 'yes'",
        constraint=". >= 1 and . <= ${household_size}",
        message=("No more than the household.", "不能多于家庭人数。"),
    ),
    _row(
        "select_one yes_no",
        "has_children",
        "Any children under 12?",
        "有 12 岁以下儿童吗？",
        required="yes",
    ),
    _row("select_one tenure", "tenure", "Do you own or rent?", "您是业主还是租户？"),
    _row("end_group", ""),
    _row("begin_group", "satisfaction", "Satisfaction", "满意度"),
    *[
        _row(
            "select_one sat",
            f"sat_{key}",
            SATISFACTION_LABELS[key][0],
            SATISFACTION_LABELS[key][1],
            required="yes",
        )
        for key in SATISFACTION
    ],
    _row("end_group", ""),
    _row(
        "select_multiple needs or_other",
        "needs",
        "What would help your household most? (up to three)",
        "您家最需要哪些服务？（最多三项）",
        constraint="count-selected(.) <= 3",
        message=("Choose at most three.", "最多选三项。"),
    ),
    _row(
        "select_one yes_no_maybe",
        "volunteer",
        "Would you volunteer?",
        "您愿意做志愿者吗？",
        required="yes",
    ),
    _row(
        "select_multiple skills",
        "skills",
        "What could you offer?",
        "您能提供哪些技能？",
        relevant="${volunteer} != 'no'",
    ),
    _row(
        "integer",
        "belonging",
        "Sense of belonging, 1 to 10",
        "归属感打分（1-10）",
        constraint=". >= 1 and . <= 10",
        message=("Between 1 and 10.", "请打 1 到 10 分。"),
    ),
    _row(
        "text",
        "comments",
        "Anything else?",
        "还有什么想说的？",
        constraint="string-length(.) <= 500",
    ),
    _row("calculate", "needs_n", calculation="count-selected(${needs})"),
]

NEEDS_CHOICES: list[list[str]] = [
    ["yes_no", "yes", "Yes", "是"],
    ["yes_no", "no", "No", "否"],
    ["tenure", "owner", "Owner", "业主"],
    ["tenure", "tenant", "Tenant", "租户"],
    ["sat", "5", "Very satisfied", "非常满意"],
    ["sat", "4", "Satisfied", "满意"],
    ["sat", "3", "Neutral", "一般"],
    ["sat", "2", "Dissatisfied", "不满意"],
    ["sat", "1", "Very dissatisfied", "非常不满意"],
    ["needs", "elderly_care", "Elderly care", "养老服务"],
    ["needs", "childcare", "Children after school", "儿童托管"],
    ["needs", "activities", "Community activities", "社区活动"],
    ["needs", "health", "Health checks", "健康义诊"],
    ["needs", "repairs", "Home repairs", "家电维修"],
    ["yes_no_maybe", "yes", "Yes", "愿意"],
    ["yes_no_maybe", "maybe", "Maybe", "看情况"],
    ["yes_no_maybe", "no", "No", "不愿意"],
    ["skills", "repair", "Repairs", "维修"],
    ["skills", "teaching", "Teaching", "辅导功课"],
    ["skills", "medical", "Medical", "医护"],
    ["skills", "art", "Singing and dancing", "文艺"],
    ["skills", "other", "Other", "其他"],
]

PARTY_SURVEY: list[list[str]] = [
    _row(
        "select_one yes_no", "consent", "Do you agree to answer?", "您同意回答吗？", required="yes"
    ),
    _row(
        "integer",
        "years_member",
        "Years as a Party member",
        "党龄（年）",
        relevant="${consent} = 'yes'",
        constraint=". >= 0 and . <= 90",
    ),
    _row(
        "select_one yes_no",
        "registered_here",
        "Is your membership registered here?",
        "组织关系在本社区吗？",
        relevant="${consent} = 'yes'",
    ),
    _row(
        "select_multiple roles",
        "roles",
        "What would you take on?",
        "您愿意承担哪些工作？",
        relevant="${consent} = 'yes'",
    ),
]
PARTY_CHOICES: list[list[str]] = [
    ["yes_no", "yes", "Yes", "是"],
    ["yes_no", "no", "No", "否"],
    ["roles", "building_lead", "Building lead", "楼栋长"],
    ["roles", "mediation", "Mediation", "调解"],
    ["roles", "visits", "Visiting elderly", "探访老人"],
]


def xlsform_bytes(
    survey: Sequence[Sequence[object]],
    choices: Sequence[Sequence[object]],
    *,
    title: str,
    form_id: str,
    version: str = "1",
    survey_header: Sequence[str] = SURVEY_HEADER,
    choices_header: Sequence[str] = CHOICES_HEADER,
    default_language: str = ZH,
) -> bytes:
    """An XLSForm workbook from rows of the survey and choices sheets."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(list(survey_header))
    for row in survey:
        sheet.append(list(row))
    sheet = workbook.create_sheet("choices")
    sheet.append(list(choices_header))
    for row in choices:
        sheet.append(list(row))
    sheet = workbook.create_sheet("settings")
    sheet.append(["form_title", "form_id", "version", "default_language"])
    sheet.append([title, form_id, version, default_language])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def needs_xlsform(version: str = "1") -> bytes:
    return xlsform_bytes(
        NEEDS_SURVEY,
        NEEDS_CHOICES,
        title="居民情况和需求调查",
        form_id="peiban_needs",
        version=version,
    )


def party_xlsform() -> bytes:
    return xlsform_bytes(PARTY_SURVEY, PARTY_CHOICES, title="党员情况登记", form_id="peiban_party")
