"""The web form: answers read from a POST, and the fields to render, from one definition.

The page is rendered on the server; every change is posted back (htmx) and the same checks that
accept a response (peiban/surveys/answers.py) decide which questions are shown and which answers
need attention, so there is no second expression engine in JavaScript.

Input names: a question's name; inside a repeat ``<repeat>-<n>-<name>``, with ``<repeat>-count``
holding the number of instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from peiban.surveys.answers import Checked, label_in, offered_choices

__all__ = ["Field", "answers_from_post", "fields_for", "language_for"]

MAX_INSTANCES = 30


def language_for(definition: dict[str, Any], code: str) -> str:
    """The form's language for a request language code ("zh-hans" → "中文 (zh)")."""
    short = (code or "").split("-")[0].lower()
    for language in definition.get("languages", []):
        if f"({short})" in language.lower() or language.lower() == short:
            return str(language)
    return str(definition.get("default_language", ""))


def _repeat_count(post: QueryDict, name: str, extra: int = 0) -> int:
    try:
        count = int(post.get(f"{name}-count", "0"))
    except ValueError:
        count = 0
    return max(0, min(count + extra, MAX_INSTANCES))


def answers_from_post(
    definition: dict[str, Any], post: QueryDict, *, add_to: str = ""
) -> dict[str, Any]:
    """Raw answers from a posted web form (checked afterwards like any response)."""
    answers: dict[str, Any] = {}

    def read(nodes: list[dict[str, Any]], prefix: str, out: dict[str, Any]) -> None:
        for node in nodes:
            kind, name = node["type"], node["name"]
            if kind == "group":
                read(node["children"], prefix, out)
            elif kind == "repeat":
                count = _repeat_count(post, name, 1 if add_to == name else 0)
                instances: list[dict[str, Any]] = []
                for number in range(1, count + 1):
                    inner: dict[str, Any] = {}
                    read(node["children"], f"{name}-{number}-", inner)
                    instances.append(inner)
                out[name] = instances
            elif kind == "select_multiple":
                values = post.getlist(f"{prefix}{name}")
                if values:
                    out[name] = values
            elif kind not in ("note", "calculate"):
                value = post.get(f"{prefix}{name}", "")
                if value.strip():
                    out[name] = value.strip()

    read(definition["questions"], "", answers)
    return answers


@dataclass
class Field:
    kind: str  # question type, or "group", "repeat", "instance"
    name: str  # the input name
    label: str = ""
    hint: str = ""
    required: bool = False
    value: str = ""
    values: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    children: list[Field] = field(default_factory=list)
    count: int = 0


def fields_for(
    definition: dict[str, Any],
    raw: dict[str, Any],
    checked: Checked,
    *,
    language: str,
    show_errors: bool,
) -> list[Field]:
    """The fields to render, only those relevant now, with the values typed and any problems."""
    errors = {(p.question, p.repeat, p.index): p.message for p in checked.problems}
    scope: dict[str, str] = {k: v for k, v in checked.answers.items() if isinstance(v, str)}

    def build(
        nodes: list[dict[str, Any]],
        source: dict[str, Any],
        prefix: str,
        repeat: str,
        index: int,
        shown: set[str] | None,
    ) -> list[Field]:
        out: list[Field] = []
        for node in nodes:
            kind, name = node["type"], node["name"]
            label = label_in(node.get("label"), language, name)
            if kind == "group":
                children = build(node["children"], source, prefix, repeat, index, shown)
                if children:
                    out.append(Field("group", name, label, children=children))
                continue
            if shown is not None and name not in shown:
                continue
            if kind == "calculate":
                continue
            if kind == "repeat":
                instances = source.get(name) or []
                field_ = Field("repeat", name, label, count=len(instances))
                for number, instance in enumerate(instances, start=1):
                    field_.children.append(
                        Field(
                            "instance",
                            f"{name}-{number}",
                            f"{label} {number}",
                            children=build(
                                node["children"], instance, f"{name}-{number}-", name, number, shown
                            ),
                        )
                    )
                out.append(field_)
                continue
            given = source.get(name, "")
            values = given if isinstance(given, list) else str(given).split()
            field_ = Field(
                kind,
                f"{prefix}{name}",
                label,
                hint=label_in(node.get("hint"), language),
                required=node.get("required") is True,
                value="" if isinstance(given, list) else str(given),
                values=[str(v) for v in values],
            )
            if kind in ("select_one", "select_multiple"):
                field_.choices = [
                    (c["name"], label_in(c.get("label"), language, c["name"]))
                    for c in offered_choices(definition, node, scope)
                ]
            message = errors.get((name, repeat, index), "")
            if message and (show_errors or (given not in ("", [], None))):
                field_.error = message
            out.append(field_)
        return out

    return build(definition["questions"], raw, "", "", 0, checked.shown)
