"""Export files as KoboToolbox, ODK Central, 问卷星 and a plain spreadsheet write them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from peiban.surveys.questionnaires import NEEDS_CHOICES

LABELS_ZH = {(row[0], row[1]): row[3] for row in NEEDS_CHOICES}
LISTS = {
    "has_elderly": "yes_no",
    "has_children": "yes_no",
    "tenure": "tenure",
    "volunteer": "yes_no_maybe",
    "needs": "needs",
    "skills": "skills",
    **{f"sat_{k}": "sat" for k in ("security", "property", "environment", "parking", "neighbours")},
}
GROUPS = {
    "household_size": "household",
    "has_elderly": "household",
    "elderly_count": "household",
    "has_children": "household",
    "tenure": "household",
    **{
        f"sat_{k}": "satisfaction"
        for k in ("security", "property", "environment", "parking", "neighbours")
    },
}
QUESTIONS = [
    "household_size",
    "has_elderly",
    "elderly_count",
    "has_children",
    "tenure",
    "sat_security",
    "sat_property",
    "sat_environment",
    "sat_parking",
    "sat_neighbours",
    "needs",
    "needs_other",
    "volunteer",
    "skills",
    "belonging",
    "comments",
]
TITLES_ZH = {
    "household_size": "家里住几口人？",
    "has_elderly": "有 60 岁以上老人吗？",
    "elderly_count": "几位？",
    "has_children": "有 12 岁以下儿童吗？",
    "tenure": "您是业主还是租户？",
    "sat_security": "治安",
    "sat_property": "物业服务",
    "sat_environment": "环境卫生",
    "sat_parking": "停车",
    "sat_neighbours": "邻里关系",
    "needs": "您家最需要哪些服务？（最多三项）",
    "volunteer": "您愿意做志愿者吗？",
    "skills": "您能提供哪些技能？",
    "belonging": "归属感打分（1-10）",
    "comments": "还有什么想说的？",
}
NEEDS_NAMES = ["elderly_care", "childcare", "activities", "health", "repairs", "other"]


def csv_bytes(
    rows: Sequence[Sequence[object]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    quote_all: bool = False,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], *, merge: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def kobo(
    responses: list[dict[str, Any]], *, hxl: bool = True, flags: bool = True, text: bool = True
) -> bytes:
    header = [f"{GROUPS[q]}/{q}" if q in GROUPS else q for q in QUESTIONS]
    if flags:
        header += [f"needs/{c}" for c in NEEDS_NAMES]
    header += ["地址", "_id", "_uuid", "_submission_time", "_validation_status", "_index"]
    rows: list[list[object]] = [header]
    if hxl:
        rows.append(["#indicator" if i % 2 else "" for i in range(len(header))])
    for index, answers in enumerate(responses, start=1):
        row: list[object] = [answers.get(q, "") if text or q != "needs" else "" for q in QUESTIONS]
        if flags:
            chosen = answers.get("needs", "").split()
            row += ["1" if c in chosen else "0" for c in NEEDS_NAMES]
        row += [
            answers.get("_address", ""),
            str(1000 + index),
            answers.get("_uuid", f"uuid-{index}"),
            "2026-03-05T10:00:00",
            "",
            str(index),
        ]
        rows.append(row)
    return csv_bytes(rows, delimiter=";", quote_all=True)


def odk(responses: list[dict[str, Any]]) -> bytes:
    header = ["SubmissionDate", *[f"{GROUPS[q]}-{q}" if q in GROUPS else q for q in QUESTIONS]]
    header += ["栋", "单元", "房号", "meta-instanceID", "KEY", "SubmitterID", "ReviewState"]
    rows: list[list[object]] = [header]
    for index, answers in enumerate(responses, start=1):
        building, unit, room = answers.get("_parts", ("", "", ""))
        rows.append(
            [
                "2026-03-05T10:00:00.000Z",
                *[answers.get(q, "") for q in QUESTIONS],
                building,
                unit,
                room,
                f"uuid:{index}",
                f"uuid:{index}",
                "7",
                "",
            ]
        )
    return csv_bytes(rows)


def _wjx_value(question: str, value: str) -> str:
    if not value:
        return "(跳过)"
    if question in LISTS:
        labels = [LABELS_ZH.get((LISTS[question], name), "其他") for name in value.split()]
        return "┋".join(labels)
    return value


def wjx(responses: list[dict[str, Any]], *, as_xlsx: bool = True, merge: str = "") -> bytes:
    titled = [q for q in QUESTIONS if q in TITLES_ZH]
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    header += [f"{n}、{TITLES_ZH[q]}" for n, q in enumerate(titled, start=1)]
    header += ["住址"]
    rows: list[list[object]] = [header]
    for index, answers in enumerate(responses, start=1):
        values = []
        for q in titled:
            value = _wjx_value(q, answers.get(q, ""))
            if q == "needs" and answers.get("needs_other"):
                value = value.replace("其他", f"其他〖{answers['needs_other']}〗")
            values.append(value)
        rows.append(
            [
                index,
                "2026/3/5 10:00:00",
                "95秒",
                "手机提交",
                "直接访问",
                "1.2.3.4(上海)",
                *values,
                answers.get("_address", ""),
            ]
        )
    return xlsx_bytes(rows, merge=merge) if as_xlsx else csv_bytes(rows, encoding="gbk")


def plain(responses: list[dict[str, Any]]) -> bytes:
    rows: list[list[object]] = [QUESTIONS]
    rows += [[answers.get(q, "") for q in QUESTIONS] for answers in responses]
    return csv_bytes(rows)
