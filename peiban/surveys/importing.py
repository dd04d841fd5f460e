"""Responses from KoboToolbox, ODK Central, 问卷星 (wjx.cn) and plain spreadsheets.

Reading (no database access) opens the file with the shared table reader (peiban/places/tables.py:
.xlsx or CSV in UTF-8, UTF-16 or GBK, delimiter sniffed), recognises the export's format from its
columns, maps every column to a question, a multiple-choice flag column, a metadata column or a
dwelling column (and refuses a column that matches nothing), turns choice labels back into choice
names and checks each row with the same checks the web form uses (types, choices, relevance,
required, constraints). Saving links each response to its dwelling when the file names one, skips
duplicates (the same submission id or 序号, or the same dwelling twice in a wave) and writes all
rows or none (unless partial).

Formats (domain-rules.md §10):

* ``kobo`` — ``;``-separated, quoted; headers are question names or group paths (``g/q``),
  optionally a row of HXL tags (``#...``) under them; a multiple choice as a space-separated column
  and/or one 1/0 column per choice (``q/choice``); ``_uuid``/``_id``, ``_submission_time`` ….
* ``odk`` — ODK Central: group paths joined with ``-``; ``SubmissionDate``, ``KEY`` ….
* ``wjx`` — 问卷星: 序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP, then ``N、题干``
  titles matched to question labels; ``┋`` between chosen options, ``选项〖文本〗`` for typed text,
  ``(空)`` and ``(跳过)`` for blank.
* ``csv`` — headers are the question names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.places.addresses import Address, AddressError, make_address, parse_address
from peiban.places.cells import Rejection, cell_text, is_blank
from peiban.places.models import Dwelling, Household
from peiban.places.tables import TableFileError, open_table
from peiban.surveys.answers import check_answers, choice_labels, iter_questions, label_in
from peiban.surveys.models import Form, FormVersion, Response, ResponseSource, Wave
from peiban.surveys.services import answers_insert

__all__ = [
    "FORMATS",
    "ImportResult",
    "ImportedRow",
    "ResponsesFileError",
    "ResponsesReading",
    "ResponsesRejected",
    "read_responses",
    "responses_import",
]

FORMATS = ("auto", "kobo", "odk", "wjx", "csv")
MAX_BYTES = 200 * 2**20
MAX_ROWS = 200_000
BATCH = 2000

BLANKS = {"(空)", "（空）", "(跳过)", "（跳过）", "n/a", "N/A"}
FLAG_TRUE = {"1", "1.0", "true", "TRUE", "True", "是"}
FLAG_FALSE = {"0", "0.0", "false", "FALSE", "False", "否", ""}

KOBO_META = {
    "_id": "id",
    "_uuid": "uuid",
    "meta/instanceid": "instance",
    "instanceid": "instance",
    "_submission_time": "submitted",
    "_validation_status": "",
    "_index": "",
    "_parent_index": "",
    "_notes": "",
    "_status": "",
    "_submitted_by": "",
    "__version__": "",
    "_version_": "",
    "_tags": "",
    "_attachments": "",
    "_geolocation": "",
    "formhub/uuid": "",
    "meta/rootuuid": "",
    "meta/deprecatedid": "",
    "start": "",
    "end": "",
    "today": "",
    "deviceid": "",
    "username": "",
}
ODK_META = {
    "submissiondate": "submitted",
    "key": "instance",
    "meta-instanceid": "instance",
    "instanceid": "instance",
    "submitterid": "",
    "submittername": "",
    "attachmentspresent": "",
    "attachmentsexpected": "",
    "status": "",
    "reviewstate": "",
    "deviceid": "",
    "edits": "",
    "formversion": "",
    "start": "",
    "end": "",
    "today": "",
}
WJX_META = {
    "序号": "serial",
    "提交答卷时间": "submitted",
    "所用时间": "",
    "来源": "",
    "来源详情": "",
    "来自ip": "",
    "总分": "",
    "用户id": "",
}
DWELLING_COLUMNS = {
    "地址": "address",
    "住址": "address",
    "门牌": "address",
    "门牌号": "address",
    "房屋": "address",
    "address": "address",
    "dwelling": "address",
    "栋": "building",
    "楼栋": "building",
    "楼号": "building",
    "栋号": "building",
    "building": "building",
    "单元": "unit",
    "unit": "unit",
    "房号": "room",
    "房间号": "room",
    "室": "room",
    "room": "room",
}
_WJX_TITLE = re.compile(r"^\s*(\d+)\s*[、.．]\s*(.*)$", re.S)
_WJX_TYPED = re.compile(r"^(.*?)〖(.*)〗$", re.S)


class ResponsesFileError(TableFileError):
    """The whole file is unusable; the message says why."""


@dataclass
class ImportedRow:
    row: int
    answers: dict[str, Any]
    submission_id: str = ""
    submitted_at: datetime | None = None
    address: Address | None = None
    dwelling_id: int | None = None  # already known (the web form, the demo)


@dataclass
class ResponsesReading:
    format: str
    rows: list[ImportedRow]
    rejected: list[Rejection]
    columns: int = 0


@dataclass
class ImportResult:
    imported: int = 0
    linked: int = 0
    duplicates: list[Rejection] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    format: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": len(self.duplicates),
            "duplicate_rows": [{"row": d.row, "reason": d.reason} for d in self.duplicates],
            "linked": self.linked,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "format": self.format,
        }


class ResponsesRejected(ValueError):
    def __init__(self, result: ImportResult) -> None:
        super().__init__(
            f"{len(result.rejected)} row(s) of the file have problems; nothing was imported."
        )
        self.result = result


# --- Columns ------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", "", text.lstrip("\ufeff"))


@dataclass(frozen=True)
class Column:
    position: int
    header: str
    kind: str  # "question", "flag", "meta", "dwelling", "ignore"
    target: str = ""  # the question name, the meta key, the dwelling part
    choice: str = ""  # for a flag column

    @property
    def letter(self) -> str:
        return get_column_letter(self.position + 1)

    def where(self) -> str:
        return f"column {self.letter} ('{self.header}')"


class _Questions:
    """The form's questions looked up by name, path and label."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition
        nodes = list(iter_questions(definition["questions"], into_repeats=False))
        self.nodes = {n["name"]: n for n in nodes if n["type"] not in ("note", "calculate")}
        self.groups = {n["name"] for n in _groups(definition["questions"])}
        self.by_label: dict[str, str] = {}
        for node in self.nodes.values():
            for text in (node.get("label") or {}).values():
                self.by_label.setdefault(_fold(_plain(text)), node["name"])
        self.labels = {
            name: choice_labels(definition, node.get("list_name", ""))
            for name, node in self.nodes.items()
            if node["type"] in ("select_one", "select_multiple")
        }

    def by_path(self, header: str, separator: str) -> Column | None:
        """A question (or a choice's flag column) named by a header, with group prefixes."""
        if header in self.nodes:
            return Column(0, header, "question", header)
        parts = header.split(separator) if separator else [header]
        # the longest tail of the path that names a question, after group names only
        for start in range(1, len(parts)):
            if not all(p in self.groups for p in parts[:start]):
                break
            tail = separator.join(parts[start:])
            if tail in self.nodes:
                return Column(0, header, "question", tail)
        if len(parts) >= 2:
            question, choice = separator.join(parts[:-1]), parts[-1]
            found = self.by_path(question, separator) if question not in self.nodes else None
            name = question if question in self.nodes else (found.target if found else "")
            node = self.nodes.get(name)
            if (
                node is not None
                and node["type"] == "select_multiple"
                and choice in self.labels.get(name, {})
            ):
                return Column(0, header, "flag", name, self.labels[name][choice])
        return None


def _groups(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        if node["type"] == "group":
            yield node
            yield from _groups(node["children"])


def _plain(text: str) -> str:
    """A label without markdown emphasis or trailing punctuation, for matching titles."""
    text = re.sub(r"[*_#]", "", text)
    return text.strip().rstrip("：:?？。 ")


def _detect(header: Sequence[object]) -> str:
    folded = {_fold(cell_text(cell)) for cell in header}
    if (
        "序号" in folded
        or "提交答卷时间" in folded
        or any(_WJX_TITLE.match(cell_text(c)) for c in header)
    ):
        return "wjx"
    if "submissiondate" in folded or "meta-instanceid" in folded:
        return "odk"
    if folded & {"_uuid", "_id", "_submission_time", "_index", "meta/instanceid"}:
        return "kobo"
    return "csv"


def _map_columns(header: Sequence[object], fmt: str, questions: _Questions) -> list[Column]:
    meta = {"kobo": KOBO_META, "odk": ODK_META, "wjx": WJX_META}.get(fmt, {})
    separator = {"kobo": "/", "odk": "-", "csv": "/"}.get(fmt, "/")
    columns: list[Column] = []
    problems: list[str] = []
    for position, cell in enumerate(header):
        text = cell_text(cell)
        folded = _fold(text)
        if not text:
            columns.append(Column(position, "", "ignore"))
            continue
        found: Column | None = None
        if fmt == "wjx":
            match = _WJX_TITLE.match(text)
            title = match[2] if match else text
            inner = title.strip()
            if inner.startswith(("(", "（")) and inner.endswith((")", "）")):
                inner = inner[1:-1]  # a sub-item: N、(子项)
            name = questions.by_label.get(_fold(_plain(inner))) or (
                inner if inner in questions.nodes else None
            )
            if name is not None:
                found = Column(position, text, "question", name)
        else:
            found = questions.by_path(text, separator)
            if found is None and questions.by_label.get(_fold(_plain(text))):
                found = Column(0, text, "question", questions.by_label[_fold(_plain(text))])
        if found is not None:
            columns.append(Column(position, text, found.kind, found.target, found.choice))
        elif folded in meta:
            columns.append(Column(position, text, "meta", meta[folded]))
        elif folded in DWELLING_COLUMNS:
            columns.append(Column(position, text, "dwelling", DWELLING_COLUMNS[folded]))
        elif fmt in ("kobo", "odk") and (folded.startswith("_") or folded.startswith("meta")):
            columns.append(Column(position, text, "ignore"))
        else:
            problems.append(
                f"column {get_column_letter(position + 1)} ('{text}') matches no question of "
                "the form"
            )
    if problems:
        shown = "; ".join(problems[:8])
        more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
        raise ResponsesFileError(
            f"The header row has columns Peiban cannot place: {shown}{more}. Rename them to the "
            "form's question names or remove them."
        )
    if not any(c.kind in ("question", "flag") for c in columns):
        raise ResponsesFileError("No column of the file matches a question of the form.")
    return columns


# --- Values -------------------------------------------------------------------------------------


def _choice_names(
    text: str, fmt: str, kind: str, labels: dict[str, str]
) -> tuple[list[str], str, list[str]]:
    """Choice names from a cell, any typed 'other' text, and the unknown values."""
    if fmt == "wjx" and kind == "select_multiple":
        parts = [p.strip() for p in text.split("┋")]
    elif kind == "select_multiple":
        parts = text.split() if all(p in labels for p in text.split()) else [text]
        if parts == [text] and "┋" in text:
            parts = [p.strip() for p in text.split("┋")]
    else:
        parts = [text]
    names: list[str] = []
    other = ""
    unknown: list[str] = []
    for part in parts:
        if not part:
            continue
        typed = _WJX_TYPED.match(part)
        if typed:
            part, other = typed[1].strip(), typed[2].strip()
        name = labels.get(part) or labels.get(_plain(part))
        if name is None:
            unknown.append(part)
        else:
            names.append(name)
    return names, other, unknown


def _row_answers(
    number: int, cells: Sequence[object], columns: list[Column], fmt: str, questions: _Questions
) -> ImportedRow | list[str]:
    answers: dict[str, Any] = {}
    flags: dict[str, list[str]] = {}
    problems: list[str] = []
    where: dict[str, Column] = {}
    row = ImportedRow(row=number, answers=answers)
    parts: dict[str, str] = {}
    for column in columns:
        if column.kind == "ignore":
            continue
        value = cells[column.position] if column.position < len(cells) else None
        if isinstance(value, str):
            value = value.replace("\u00a0", " ").strip()
        if is_blank(value) or (isinstance(value, str) and value in BLANKS):
            continue
        text = cell_text(value)
        if column.kind == "meta":
            if column.target in ("uuid", "instance", "serial") or (
                column.target == "id" and not row.submission_id
            ):
                row.submission_id = text
            elif column.target == "submitted":
                row.submitted_at = _datetime(value)
            continue
        if column.kind == "dwelling":
            parts[column.target] = text
            continue
        node = questions.nodes[column.target]
        where.setdefault(column.target, column)
        if column.kind == "flag":
            if text in FLAG_TRUE:
                flags.setdefault(column.target, []).append(column.choice)
            elif text not in FLAG_FALSE:
                problems.append(f"{column.where()}: '{text}' should be 1 or 0")
            continue
        if node["type"] in ("select_one", "select_multiple"):
            names, other, unknown = _choice_names(
                text, fmt, node["type"], questions.labels[column.target]
            )
            if unknown:
                shown = "', '".join(unknown)
                problems.append(
                    f"{column.where()}: '{shown}' is not a choice of question {column.target}"
                )
                continue
            answers[column.target] = names if node["type"] == "select_multiple" else names[0]
            other_name = f"{column.target}_other"
            if other and other_name in questions.nodes:
                answers.setdefault(other_name, other)
        elif isinstance(value, datetime) and node["type"] == "date":
            answers[column.target] = value.date().isoformat()
        else:
            answers[column.target] = value if not isinstance(value, str) else text
    for name, chosen in flags.items():
        given = answers.get(name)
        current = list(given) if isinstance(given, list) else []
        answers[name] = list(dict.fromkeys(current + chosen))
    if problems:
        return problems
    if parts:
        try:
            if "address" in parts:
                row.address = parse_address(parts["address"])
            else:
                row.address = make_address(
                    building=parts.get("building", ""),
                    unit=parts.get("unit", ""),
                    room=parts.get("room", ""),
                )
        except AddressError as error:
            return [f"the dwelling cannot be read: {error}"]
    checked = check_answers(questions.definition, answers)
    for problem in checked.problems:
        found = where.get(problem.question)
        place = found.where() if found else f"question {problem.question}"
        problems.append(f"{place}: {problem.message}")
    if problems:
        return problems
    row.answers = checked.answers
    return row


def _datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        text = cell_text(value).replace("/", "-")
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _check_merged(
    header: Sequence[object], first: Sequence[object] | None, header_row: int
) -> None:
    """A blank header cell over data usually means merged header cells (问卷星 exports)."""
    if first is None:
        return
    for position, value in enumerate(first):
        blank_header = position >= len(header) or is_blank(header[position])
        if blank_header and not is_blank(value):
            letter = get_column_letter(position + 1)
            raise ResponsesFileError(
                f"Column {letter} has data but no header in row {header_row}; the header cells "
                "may be merged. Unmerge them so that every column has its own title, then try "
                "again."
            )


def read_responses(
    data: bytes, *, filename: str, definition: dict[str, Any], fmt: str = "auto"
) -> ResponsesReading:
    """Read an export into checked rows and rejections; ResponsesFileError if unusable."""
    if fmt not in FORMATS:
        raise ResponsesFileError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    questions = _Questions(definition)
    known = (
        set(questions.nodes)
        | set(questions.by_label)
        | set(KOBO_META)
        | set(ODK_META)
        | set(WJX_META)
    )

    def recognise(cells: Sequence[object]) -> int:
        count = 0
        for cell in cells:
            text = cell_text(cell)
            folded = _fold(text)
            match = _WJX_TITLE.match(text)
            if (
                folded in known
                or text in known
                or text.split("/")[-1] in questions.nodes
                or text.split("-")[-1] in questions.nodes
                or match is not None
            ):
                count += 1
        return count

    source = open_table(
        data,
        filename=filename,
        max_bytes=MAX_BYTES,
        what="a survey export",
        part="the responses sheet",
        sheet_words=("response", "data", "sheet", "答卷", "数据"),
        recognise=recognise,
        header_examples="the form's question names, 序号 or _uuid",
        error=ResponsesFileError,
    )
    with source:
        header = list(source.header)
        detected = _detect(header) if fmt == "auto" else fmt
        columns = _map_columns(header, detected, questions)
        rows: list[ImportedRow] = []
        rejected: list[Rejection] = []
        first = True
        for number, cells in source:
            if all(is_blank(c) for c in cells):
                continue
            if first:
                first = False
                if detected == "kobo" and any(cell_text(c).startswith("#") for c in cells):
                    continue  # the HXL tags under the header
                _check_merged(header, cells, source.header_row)
            if len(rows) + len(rejected) >= MAX_ROWS:
                raise ResponsesFileError(
                    f"The file has more than {MAX_ROWS} rows; split it into smaller files."
                )
            parsed = _row_answers(number, cells, columns, detected, questions)
            if isinstance(parsed, list):
                rejected.append(Rejection(row=number, reason="; ".join(parsed)))
            else:
                rows.append(parsed)
    return ResponsesReading(format=detected, rows=rows, rejected=rejected, columns=len(columns))


# --- Saving -------------------------------------------------------------------------------------


def _dwellings(
    form: Form,
) -> tuple[dict[tuple[str, str, str], int], dict[int, int]]:
    """The community's dwellings by (building, unit, room), and each one's household."""
    households: dict[int, int] = {}
    for dwelling_id, household_id in (
        Household.objects.filter(community_id=form.community_id)
        .order_by("-pk")
        .values_list("dwelling_id", "pk")
    ):
        households[dwelling_id] = household_id
    by_address = {
        (building, unit, room): pk
        for pk, building, unit, room in Dwelling.objects.filter(
            community_id=form.community_id
        ).values_list("pk", "building__label", "unit", "room")
    }
    return by_address, households


@transaction.atomic
def responses_import(
    *,
    form: Form,
    reading: ResponsesReading,
    wave: Wave | None = None,
    partial: bool = False,
    actor: User | AnonymousUser | None = None,
) -> ImportResult:
    """Save the rows read: all or nothing unless partial; duplicates are listed and skipped."""
    version = form.versions.order_by("-number").first()
    if version is None:
        raise ResponsesFileError("The form has no version to import into.")
    wave = wave or form.waves.order_by("-number").first()
    if wave is None:
        raise ResponsesFileError("The form has no wave to import into.")
    source = ResponseSource(reading.format) if reading.format in ResponseSource.values else "csv"
    result = ImportResult(rejected=list(reading.rejected), format=reading.format)
    linking = any(r.address or r.dwelling_id for r in reading.rows)
    dwellings, households = _dwellings(form) if linking else ({}, {})
    known = set(dwellings.values())
    seen_ids = set(
        Response.objects.filter(form=form)
        .exclude(submission_id="")
        .values_list("submission_id", flat=True)
    )
    seen_dwellings = set(
        Response.objects.filter(wave=wave, dwelling__isnull=False).values_list(
            "dwelling_id", flat=True
        )
    )
    first_id: dict[str, int] = {}
    first_dwelling: dict[int, int] = {}
    pending: list[Response] = []
    for row in reading.rows:
        dwelling_id: int | None = None
        household_id: int | None = None
        if row.dwelling_id is not None:
            if row.dwelling_id not in known:
                result.rejected.append(Rejection(row.row, "the dwelling is not in this community"))
                continue
            dwelling_id = row.dwelling_id
        elif row.address is not None:
            dwelling_id = dwellings.get(row.address.key())
            if dwelling_id is None:
                result.rejected.append(
                    Rejection(row.row, f"there is no dwelling {row.address.label()} here")
                )
                continue
        if dwelling_id is not None:
            household_id = households.get(dwelling_id)
        if row.submission_id:
            if row.submission_id in first_id:
                result.duplicates.append(
                    Rejection(row.row, f"the same submission as row {first_id[row.submission_id]}")
                )
                continue
            if row.submission_id in seen_ids:
                result.duplicates.append(
                    Rejection(row.row, f"submission {row.submission_id} was imported before")
                )
                continue
        if dwelling_id is not None:
            if dwelling_id in first_dwelling:
                result.duplicates.append(
                    Rejection(
                        row.row,
                        f"{row.address.label() if row.address else ''} answered already in "
                        f"row {first_dwelling[dwelling_id]}",
                    )
                )
                continue
            if dwelling_id in seen_dwellings:
                result.duplicates.append(
                    Rejection(
                        row.row,
                        f"{row.address.label() if row.address else ''} has answered in this "
                        "wave already",
                    )
                )
                continue
            first_dwelling[dwelling_id] = row.row
            result.linked += 1
        if row.submission_id:
            first_id[row.submission_id] = row.row
        pending.append(
            Response(
                form=form,
                version=version,
                wave=wave,
                dwelling_id=dwelling_id,
                household_id=household_id,
                answers=row.answers,
                source=source,
                submission_id=row.submission_id[:100],
                submitted_at=row.submitted_at,
                created_by=actor if isinstance(actor, User) else None,
            )
        )
    if result.rejected and not partial:
        result.linked = 0
        raise ResponsesRejected(result)
    _save(pending, version)
    result.imported = len(pending)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=form,
        organisation=form.organisation,
        reason="import responses",
        detail={
            "format": reading.format,
            "imported": result.imported,
            "duplicates": len(result.duplicates),
            "rejected": len(result.rejected),
        },
    )
    return result


def _save(pending: list[Response], version: FormVersion) -> None:
    for start in range(0, len(pending), BATCH):
        batch = Response.objects.bulk_create(pending[start : start + BATCH])
        answers_insert(batch, version.definition)


def label_for(definition: dict[str, Any], name: str, language: str) -> str:
    node = next((n for n in iter_questions(definition["questions"]) if n["name"] == name), None)
    return label_in(node.get("label") if node else None, language, name)
