"""Read an XLSForm workbook into the form definition Peiban stores.

pyxform checks the workbook as ODK and KoboToolbox would (matching groups, known choice lists,
references to existing questions) and gives the structure; before that, this module reads the
``survey`` sheet itself so that anything Peiban cannot run is refused with its sheet, row and
column named: question types beyond the supported set, columns such as ``repeat_count``, and
expressions that do not parse or use unsupported functions.

The stored definition is plain JSON::

    {"title", "id_string", "version", "default_language", "languages": [...],
     "questions": [node, ...], "choices": {list_name: [{"name", "label": {lang: text}, ...}]}}

where a node is ``{"name", "type", "row", "label", "hint", "required", "relevant", "constraint",
"constraint_message", "calculation", "choice_filter", "list_name", "or_other", "children"}``
(only the keys that apply). Types: text, integer, decimal, date, select_one, select_multiple,
note, calculate, group, repeat. Labels without a language are stored under ``"default"``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from peiban.surveys.expressions import ExpressionError, parse

__all__ = [
    "MAX_FORM_BYTES",
    "FormFileError",
    "ParsedForm",
    "read_xlsform",
]

MAX_FORM_BYTES = 5 * 2**20
DEFAULT_LANGUAGE = "default"

# XLSForm types Peiban runs, as written in the type column (first word).
QUESTION_TYPES = {
    "text": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "note": "note",
    "calculate": "calculate",
    "select_one": "select_one",
    "select one": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
}
STRUCTURE_TYPES = {
    "begin_group",
    "begin group",
    "end_group",
    "end group",
    "begin_repeat",
    "begin repeat",
    "end_repeat",
    "end repeat",
}
# Metadata that collection tools fill in themselves; accepted and not asked.
METADATA_TYPES = {"start", "end", "today", "deviceid", "username", "audit", "phonenumber"}
UNSUPPORTED_COLUMNS = ("repeat_count", "trigger", "body::accuracyThreshold")
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "required")
ANSWERED_TYPES = {"text", "integer", "decimal", "date", "select_one", "select_multiple"}


class FormFileError(ValueError):
    """The workbook cannot become a form; the message names the sheet, row and column."""


@dataclass(frozen=True)
class ParsedForm:
    definition: dict[str, Any]
    warnings: list[str]

    @property
    def question_count(self) -> int:
        return count_questions(self.definition["questions"])


def count_questions(nodes: list[dict[str, Any]]) -> int:
    total = 0
    for node in nodes:
        if node["type"] in ("group", "repeat"):
            total += count_questions(node.get("children", []))
        elif node["type"] in ANSWERED_TYPES:
            total += 1
    return total


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _scan_survey(data: bytes) -> dict[str, int]:
    """Check the survey sheet row by row; return the row of each question name."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise FormFileError(
            "The file is not an Excel workbook (.xlsx) that can be read; save the XLSForm "
            "again as .xlsx and use the new copy."
        ) from exc
    try:
        sheets = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
        sheet = sheets.get("survey")
        if sheet is None:
            raise FormFileError(
                "The workbook has no sheet named 'survey'; an XLSForm needs the sheets "
                "'survey' and 'choices'."
            )
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise FormFileError("The 'survey' sheet is empty.")
    header = [_cell(value).lower() for value in rows[0]]
    if "type" not in header or "name" not in header:
        raise FormFileError(
            "The 'survey' sheet's first row must name the columns 'type' and 'name'."
        )
    position = {name: index for index, name in enumerate(header) if name}
    problems: list[str] = []
    names: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):

        def value(column: str, cells: tuple[object, ...] = cells) -> str:
            index = position.get(column)
            return _cell(cells[index]) if index is not None and index < len(cells) else ""

        raw_type = value("type")
        if not raw_type:
            continue
        type_text = re.sub(r"\s+", " ", raw_type.lower())
        known = (
            type_text in STRUCTURE_TYPES
            or _SELECT.fullmatch(type_text) is not None
            or type_text in METADATA_TYPES
            or (type_text in QUESTION_TYPES and not type_text.startswith("select"))
        )
        if not known:
            problems.append(
                f"sheet 'survey', row {number}, column type: the question type "
                f"'{raw_type}' is not supported by Peiban"
            )
            continue
        for column in UNSUPPORTED_COLUMNS:
            if value(column.lower()):
                letter = _column_letter(position[column.lower()])
                problems.append(
                    f"sheet 'survey', row {number}, column {column} ({letter}): "
                    f"'{column}' is not supported by Peiban"
                )
        for column in EXPRESSION_COLUMNS:
            text = value(column)
            if not text or (column == "required" and text.lower() in _FLAGS):
                continue
            try:
                parse(text)
            except ExpressionError as error:
                letter = _column_letter(position[column])
                problems.append(
                    f"sheet 'survey', row {number}, column {column} ({letter}): "
                    f"the expression '{text}' cannot be used: {error}"
                )
        name = value("name")
        if name:
            names.setdefault(name, number)
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise FormFileError(f"The form uses what Peiban cannot run: {shown}{more}.")
    return names


_SELECT = re.compile(
    r"(select_one|select_multiple|select one|select all that apply) \S+( or_other)?"
)
_FLAGS = {"yes": True, "true": True, "true()": True, "1": True, "no": False, "false": False}
_FLAGS |= {"false()": False, "0": False}


def _texts(value: object) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v not in (None, "")}
    return {DEFAULT_LANGUAGE: str(value)}


class _Converter:
    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        self.languages: set[str] = set()

    def texts(self, value: object) -> dict[str, str]:
        texts = _texts(value)
        self.languages.update(texts)
        return texts

    def choices(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            choice: dict[str, Any] = {
                "name": str(item.get("name", "")),
                "label": self.texts(item.get("label")),
            }
            extra = {
                str(k): _cell(v)
                for k, v in item.items()
                if k not in ("name", "label", "media") and not isinstance(v, dict)
            }
            if extra:
                choice["columns"] = extra
            out.append(choice)
        return out

    def nodes(self, children: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for child in children:
            node = self.node(child)
            if node is not None:
                out.append(node)
        return out

    def node(self, child: dict[str, Any]) -> dict[str, Any] | None:
        kind = str(child.get("type", ""))
        name = str(child.get("name", ""))
        if kind == "group" and name == "meta":
            return None
        if kind in METADATA_TYPES:
            return None
        bind = child.get("bind") or {}
        node: dict[str, Any] = {"name": name, "row": self.rows.get(name, 0)}
        if kind in ("group", "repeat"):
            node["type"] = kind
            node["children"] = self.nodes(child.get("children", []))
        elif kind == "select one":
            node["type"] = "select_one"
        elif kind == "select all that apply":
            node["type"] = "select_multiple"
        else:
            node["type"] = kind
        label = self.texts(child.get("label"))
        if label:
            node["label"] = label
        hint = self.texts(child.get("hint"))
        if hint:
            node["hint"] = hint
        required = str(bind.get("required", "")).strip()
        if required:
            flag = _FLAGS.get(required.lower())
            node["required"] = flag if flag is not None else required
        for key in ("relevant", "constraint", "calculate"):
            if bind.get(key):
                node["calculation" if key == "calculate" else key] = str(bind[key])
        message = bind.get("jr:constraintMsg")
        if message:
            node["constraint_message"] = self.texts(message)
        required_message = bind.get("jr:requiredMsg")
        if required_message:
            node["required_message"] = self.texts(required_message)
        if child.get("choice_filter"):
            node["choice_filter"] = str(child["choice_filter"])
        if node["type"] in ("select_one", "select_multiple"):
            node["list_name"] = str(child.get("list_name") or child.get("itemset") or "")
        return node


def _mark_or_other(nodes: list[dict[str, Any]]) -> None:
    """pyxform turns `or_other` into an 'other' choice and a `<name>_other` text question whose
    relevance is written as an XPath path; rewrite it in the ${} form Peiban evaluates."""
    names = {node["name"]: node for node in nodes}
    for node in nodes:
        if node["type"] in ("group", "repeat"):
            _mark_or_other(node["children"])
        if node["type"] == "text" and node["name"].endswith("_other"):
            select = names.get(node["name"][: -len("_other")])
            if (
                select is not None
                and select["type"] in ("select_one", "select_multiple")
                and "../" in node.get("relevant", "")
            ):
                select["or_other"] = True
                node["relevant"] = f"selected(${{{select['name']}}}, 'other')"
                node["row"] = select["row"]


def _chinese(language: str) -> bool:
    return "zh" in language.lower() or "中文" in language


def _translate_other(nodes: list[dict[str, Any]], choices: dict[str, Any]) -> None:
    """pyxform labels the generated 'other' choice and its text question in English only."""
    for node in nodes:
        if node["type"] in ("group", "repeat"):
            _translate_other(node["children"], choices)
        if node.get("or_other"):
            for choice in choices.get(node.get("list_name", ""), []):
                if choice["name"] == "other":
                    for language in choice["label"]:
                        if _chinese(language) and choice["label"][language] == "Other":
                            choice["label"][language] = "其他"
        if node["type"] == "text" and node["name"].endswith("_other") and node.get("label"):
            languages = {lang for c in choices.values() for ch in c for lang in ch["label"]}
            if node["label"] == {DEFAULT_LANGUAGE: "Specify other."}:
                node["label"] = {
                    lang: ("请注明其他" if _chinese(lang) else "Specify other.")
                    for lang in (languages - {DEFAULT_LANGUAGE}) or {DEFAULT_LANGUAGE}
                }


def read_xlsform(data: bytes, *, filename: str = "form.xlsx") -> ParsedForm:
    """The form definition in an XLSForm workbook, or FormFileError saying what is wrong."""
    from pyxform import xls2json, xls2json_backends
    from pyxform.errors import PyXFormError

    if len(data) > MAX_FORM_BYTES:
        raise FormFileError("The form file is larger than 5 MB; an XLSForm is much smaller.")
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise FormFileError(
            f"{filename} is not an Excel workbook (.xlsx); an XLSForm is an .xlsx file with "
            "the sheets 'survey', 'choices' and 'settings'."
        )
    rows = _scan_survey(data)
    warnings: list[str] = []
    try:
        workbook = xls2json_backends.get_xlsform(data, file_type=".xlsx")
        parsed = xls2json.workbook_to_json(
            workbook, fallback_form_name="data", default_language=None, warnings=warnings
        )
    except PyXFormError as error:
        raise FormFileError(f"The XLSForm is not valid: {error}") from None
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise FormFileError(f"The XLSForm cannot be read: {error}") from None
    converter = _Converter(rows)
    questions = converter.nodes(parsed.get("children", []))
    _mark_or_other(questions)
    choices = {
        str(list_name): converter.choices(items)
        for list_name, items in (parsed.get("choices") or {}).items()
    }
    _translate_other(questions, choices)
    if count_questions(questions) == 0:
        raise FormFileError("The form has no questions to answer.")
    languages = sorted(converter.languages - {DEFAULT_LANGUAGE}) or [DEFAULT_LANGUAGE]
    default = str(parsed.get("default_language") or "")
    if default not in languages:
        default = languages[0] if languages else DEFAULT_LANGUAGE
    definition = {
        "title": str(parsed.get("title") or parsed.get("id_string") or filename),
        "id_string": str(parsed.get("id_string") or ""),
        "version": str(parsed.get("version") or ""),
        "default_language": default,
        "languages": languages,
        "questions": questions,
        "choices": choices,
    }
    return ParsedForm(definition=definition, warnings=warnings)
