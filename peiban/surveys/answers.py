"""Check one response against its form definition with the expression evaluator.

Answers are stored as the text a form holds (as ODK does): ``"12"`` for an integer, ``"3.5"`` for a
decimal, ``"2026-03-05"`` for a date, a choice name for a single choice, choice names joined by one
space for a multiple choice. Names are unique across an XLSForm, so answers inside groups are stored
flat; a repeat is a list of such dictionaries under the repeat's name.

The check walks the questions in order: a question whose ``relevant`` (or whose group's) is false
is not asked, and any answer given to it is dropped; a relevant, required question needs an answer;
a given answer must fit its type, exist among its (filtered) choices and satisfy its
``constraint``; ``calculate`` fields are computed. Inside a repeat, ``${name}`` sees the same repeat
instance first and the top level otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from peiban.surveys.expressions import (
    Context,
    ExpressionError,
    as_boolean,
    as_text,
    evaluate,
    parse,
)

__all__ = [
    "Checked",
    "Problem",
    "check_answers",
    "choice_labels",
    "coerce_date",
    "find_question",
    "iter_questions",
    "label_in",
]


@dataclass(frozen=True)
class Problem:
    question: str  # the question's name ("" for the whole response)
    message: str
    repeat: str = ""
    index: int = 0  # 1-based instance of the repeat


@dataclass
class Checked:
    answers: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)  # the relevant questions, for the web form

    @property
    def ok(self) -> bool:
        return not self.problems


def iter_questions(
    nodes: list[dict[str, Any]], *, into_repeats: bool = True
) -> Iterator[dict[str, Any]]:
    """Every question node (not groups or repeats), in order."""
    for node in nodes:
        if node["type"] == "group" or (node["type"] == "repeat" and into_repeats):
            yield from iter_questions(node["children"], into_repeats=into_repeats)
        elif node["type"] != "repeat":
            yield node


def find_question(definition: dict[str, Any], name: str) -> dict[str, Any] | None:
    for node in _walk(definition["questions"]):
        if node["name"] == name:
            return node
    return None


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        if node["type"] in ("group", "repeat"):
            yield from _walk(node["children"])


def label_in(texts: Mapping[str, str] | None, language: str, fallback: str = "") -> str:
    """The text in a language, else the default, else any, else the fallback."""
    if not texts:
        return fallback
    if language in texts:
        return texts[language]
    for key in texts:
        if language and language in key:  # "zh" finds "中文 (zh)"
            return texts[key]
    return texts.get("default") or next(iter(texts.values()), fallback)


def choice_labels(definition: dict[str, Any], list_name: str) -> dict[str, str]:
    """The names of a list's choices keyed by each of their labels (any language) and names."""
    out: dict[str, str] = {}
    for choice in definition["choices"].get(list_name, []):
        out[choice["name"]] = choice["name"]
    for choice in definition["choices"].get(list_name, []):
        for label in choice["label"].values():
            out.setdefault(label.strip(), choice["name"])
    return out


# --- Values ------------------------------------------------------------------------------------

_DATE_FORMATS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)


def coerce_date(value: object) -> str | None:
    """An ISO date from a date, a datetime or text as 2026-03-05, 2026/3/5 or 2026年3月5日."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    text = re.split(r"[ T]", text, maxsplit=1)[0] if re.match(r"\d{4}-", text) else text
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
            except ValueError:
                return None
    return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


# The names of a choice list, in order and as a set, remembered per list object: a form's choice
# lists do not change while answers are checked against it, and an import checks thousands.
_CHOICE_NAMES: dict[int, tuple[list[dict[str, Any]], tuple[str, ...], frozenset[str]]] = {}


def _choice_names(choices: list[dict[str, Any]]) -> tuple[tuple[str, ...], frozenset[str]]:
    found = _CHOICE_NAMES.get(id(choices))
    if found is None or found[0] is not choices:  # a new list, or an id reused after a free
        if len(_CHOICE_NAMES) > 512:
            _CHOICE_NAMES.clear()
        order = tuple(c["name"] for c in choices)
        found = (choices, order, frozenset(order))
        _CHOICE_NAMES[id(choices)] = found
    return found[1], found[2]


def _coerce(
    node: dict[str, Any], value: object, definition: dict[str, Any]
) -> tuple[str, str | None]:
    """The answer as form text, and a problem (or None)."""
    kind = node["type"]
    if kind == "integer":
        if isinstance(value, bool):
            return "", _("Enter a whole number.")
        if isinstance(value, int):
            return str(value), None
        if isinstance(value, float) and value.is_integer():
            return str(int(value)), None
        text = str(value).strip()
        if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            return str(int(Decimal(text))), None
        return "", _("“%(value)s” is not a whole number.") % {"value": text}
    if kind == "decimal":
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return "", _("“%(value)s” is not a number.") % {"value": value}
        if not number.is_finite():
            return "", _("“%(value)s” is not a number.") % {"value": value}
        text = format(number.normalize(), "f")
        return text, None
    if kind == "date":
        iso = coerce_date(value)
        if iso is None:
            return "", _("“%(value)s” is not a date; write it as 2026-03-05.") % {"value": value}
        return iso, None
    if kind in ("select_one", "select_multiple"):
        order, names = _choice_names(definition["choices"].get(node.get("list_name", ""), []))
        if isinstance(value, list | tuple):
            picked = [str(v).strip() for v in value if str(v).strip()]
        else:
            picked = str(value).split()  # choice names never contain spaces
        if kind == "select_one" and len(picked) > 1:
            return "", _("Choose only one answer.")
        unknown = [p for p in picked if p not in names]
        if unknown:
            return "", _("“%(value)s” is not one of the choices.") % {"value": " ".join(unknown)}
        if len(picked) == 1:
            return picked[0], None
        chosen = set(picked)
        return " ".join(name for name in order if name in chosen), None
    return str(value).strip(), None


# --- The check ---------------------------------------------------------------------------------


class _Checker:
    def __init__(self, definition: dict[str, Any], language: str, today: date | None) -> None:
        self.definition = definition
        self.language = language
        self.today = today
        self.problems: list[Problem] = []
        self.shown: set[str] = set()

    def value(self, expression: str, scope: Mapping[str, str], current: str = "") -> Any:
        try:
            return evaluate(expression, Context(answers=scope, current=current, today=self.today))
        except ExpressionError:
            return False

    def nodes(
        self,
        nodes: list[dict[str, Any]],
        raw: Mapping[str, Any],
        out: dict[str, Any],
        scope: dict[str, str],
        *,
        repeat: str = "",
        index: int = 0,
    ) -> None:
        for node in nodes:
            name = node["name"]
            relevant = not node.get("relevant") or as_boolean(self.value(node["relevant"], scope))
            if node["type"] == "group":
                if relevant:
                    self.nodes(node["children"], raw, out, scope, repeat=repeat, index=index)
                continue
            if not relevant:
                scope[name] = ""
                continue
            self.shown.add(name)
            if node["type"] == "repeat":
                instances = raw.get(name) or []
                if not isinstance(instances, list):
                    instances = []
                rows: list[dict[str, Any]] = []
                for number, instance in enumerate(instances, start=1):
                    inner: dict[str, Any] = {}
                    inner_scope = dict(scope)
                    source = instance if isinstance(instance, Mapping) else {}
                    self.nodes(
                        node["children"], source, inner, inner_scope, repeat=name, index=number
                    )
                    rows.append(inner)
                out[name] = rows
                scope[name] = str(len(rows))
                continue
            if node["type"] == "note":
                continue
            if node["type"] == "calculate":
                result = self.value(node.get("calculation", ""), scope)
                text = as_text(result)
                out[name] = scope[name] = "" if text == "NaN" else text
                continue
            value = raw.get(name)
            if _blank(value):
                scope[name] = ""
                required = node.get("required", False)
                if isinstance(required, str):
                    required = as_boolean(self.value(required, scope))
                if required:
                    message = label_in(node.get("required_message"), self.language)
                    self.fail(node, message or _("An answer is required."), repeat, index)
                continue
            text, problem = _coerce(node, value, self.definition)
            if problem is None and node.get("choice_filter") and text:
                problem = self.filtered_out(node, text, scope)
            if (
                problem is None
                and node.get("constraint")
                and not as_boolean(self.value(node["constraint"], scope, current=text))
            ):
                problem = label_in(node.get("constraint_message"), self.language) or _(
                    "This answer is not allowed."
                )
            if problem is not None:
                self.fail(node, problem, repeat, index)
                scope[name] = ""
                continue
            out[name] = scope[name] = text

    def filtered_out(self, node: dict[str, Any], text: str, scope: Mapping[str, str]) -> str | None:
        allowed = {c["name"] for c in self.offered(node, scope)}
        wrong = [name for name in text.split() if name not in allowed]
        if wrong:
            return _("“%(value)s” cannot be chosen with the earlier answers.") % {
                "value": " ".join(wrong)
            }
        return None

    def offered(self, node: dict[str, Any], scope: Mapping[str, str]) -> list[dict[str, Any]]:
        return offered_choices(self.definition, node, scope, today=self.today)

    def fail(self, node: dict[str, Any], message: str, repeat: str, index: int) -> None:
        self.problems.append(Problem(node["name"], message, repeat, index))


def offered_choices(
    definition: dict[str, Any],
    node: dict[str, Any],
    scope: Mapping[str, str],
    *,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The choices a select offers given the earlier answers (its `choice_filter`)."""
    choices: list[dict[str, Any]] = definition["choices"].get(node.get("list_name", ""), [])
    expression = node.get("choice_filter")
    if not expression:
        return choices
    parsed = parse(expression)
    out = []
    for choice in choices:
        columns = {"name": choice["name"], **choice.get("columns", {})}
        context = Context(answers=scope, choice=columns, today=today)
        try:
            if as_boolean(evaluate(parsed, context)):
                out.append(choice)
        except ExpressionError:
            continue
    return out


def check_answers(
    definition: dict[str, Any],
    raw: Mapping[str, Any],
    *,
    language: str = "",
    today: date | None = None,
) -> Checked:
    """Clean answers and the problems found; answers to questions not asked are dropped."""
    checker = _Checker(definition, language or definition.get("default_language", ""), today)
    out: dict[str, Any] = {}
    checker.nodes(definition["questions"], raw, out, {})
    return Checked(answers=out, problems=checker.problems, shown=checker.shown)
