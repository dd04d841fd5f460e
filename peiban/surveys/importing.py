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
  The XLSX export puts each repeat on its own sheet (named after the repeat) whose rows point at
  their parent with ``_parent_index`` (the parent's ``_index``) and ``_submission__uuid``.
* ``odk`` — ODK Central: group paths joined with ``-``; ``SubmissionDate``, ``KEY`` …. Each repeat
  is a file ``<form>-<repeat>.csv`` whose rows point at their parent's ``KEY`` with
  ``PARENT_KEY``; Central's export is a zip of these files, and the zip is read as it comes.
* ``wjx`` — 问卷星: 序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP, then ``N、题干``
  titles matched to question labels; ``┋`` between chosen options, ``选项〖文本〗`` for typed text,
  ``(空)`` and ``(跳过)`` for blank.
* ``csv`` — headers are the question names.

Repeat rows become the response's repeat answers exactly as the web form stores them (a list of
answer dictionaries under the repeat's name) and are checked with the response.

Reading streams: `stream_responses` maps the headers and reads the repeat tables up front, then
yields the main table's rows one at a time, so an import of 100,000 rows holds one batch of
responses in memory, not the file's worth. Saving writes batches of responses with one multi-row
``INSERT … RETURNING`` and their Answer rows with one ``executemany``, inside one transaction that
is rolled back if any row is rejected (unless partial).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.places.addresses import Address, AddressError, make_address, parse_address
from peiban.places.cells import Rejection, cell_text, is_blank
from peiban.places.models import Dwelling, Household
from peiban.places.tables import TableFileError, TableSource, open_table
from peiban.surveys.answers import (
    Problem,
    check_answers,
    choice_labels,
    iter_questions,
    label_in,
)
from peiban.surveys.models import (
    Answer,
    Form,
    FormVersion,
    Response,
    ResponseSource,
    ResponseStatus,
    Wave,
)
from peiban.surveys.services import ANSWER_COLUMNS, answer_values, question_types

__all__ = [
    "FORMATS",
    "ImportResult",
    "ImportedRow",
    "Preview",
    "ResponsesFileError",
    "ResponsesReading",
    "ResponsesRejected",
    "Staged",
    "TableMapping",
    "discard_staged",
    "preview_responses",
    "read_responses",
    "responses_import",
    "stage_files",
    "staged_files",
    "stream_responses",
]

FORMATS = ("auto", "kobo", "odk", "wjx", "csv")
MAX_BYTES = 200 * 2**20
MAX_ROWS = 200_000
MAX_FILES = 50
BATCH = 2000
MEMO = 4000  # distinct cell texts remembered per choice column

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
# The columns of a repeat's sheet (KoboToolbox XLSX) or file (ODK Central) that link its rows.
KOBO_REPEAT_META = {
    "_index": "index",
    "_parent_index": "parent_index",
    "_parent_table_name": "",
    "_submission__uuid": "submission",
}
ODK_REPEAT_META = {"parent_key": "parent_key", "key": "key"}
REPEAT_MARKERS = {"_parent_index", "_parent_table_name", "_submission__uuid", "parent_key"}
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
_ZIP_MAGIC = b"PK\x03\x04"


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


@dataclass(frozen=True)
class Column:
    position: int
    header: str
    kind: str  # "question", "flag", "meta", "dwelling", "ignore", "unmatched"
    target: str = ""  # the question name, the meta key, the dwelling part
    choice: str = ""  # for a flag column

    @property
    def letter(self) -> str:
        return get_column_letter(self.position + 1)

    def where(self) -> str:
        return f"column {self.letter} ('{self.header}')"


@dataclass
class TableMapping:
    """How one sheet or file of an export was read: its columns and rows."""

    label: str  # "sheet 'members'", "file 'needs-members.csv'", or "" for a single table
    repeat: str = ""  # the repeat whose rows it holds ("" for the main table)
    header_row: int = 1
    columns: list[Column] = field(default_factory=list)
    rows: int = 0

    @property
    def unmatched(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "unmatched"]

    @property
    def mapped(self) -> list[Column]:
        return [c for c in self.columns if c.kind not in ("ignore", "unmatched")]


@dataclass
class ResponsesReading:
    """Rows read from an export. `rows` is a list (read_responses) or a stream read once
    (stream_responses) that appends the rows it rejects to `rejected` as it goes."""

    format: str
    rows: Iterable[ImportedRow]
    rejected: list[Rejection]
    columns: int = 0
    tables: list[TableMapping] = field(default_factory=list)
    close: Callable[[], None] | None = None

    @property
    def main(self) -> TableMapping | None:
        return self.tables[0] if self.tables else None


@dataclass
class ImportResult:
    imported: int = 0
    linked: int = 0
    duplicates: list[Rejection] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    format: str = ""
    repeat_rows: int = 0  # repeat instances saved with the responses

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": len(self.duplicates),
            "duplicate_rows": [{"row": d.row, "reason": d.reason} for d in self.duplicates],
            "linked": self.linked,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "format": self.format,
            "repeat_rows": self.repeat_rows,
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


def _groups(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        if node["type"] == "group":
            yield node
            yield from _groups(node["children"])


@dataclass(frozen=True)
class _Repeat:
    name: str
    node: dict[str, Any]
    parent: str  # the enclosing repeat ("" at the top level)
    path: tuple[str, ...]  # the groups and repeats around it, outermost first


def _repeats(
    nodes: list[dict[str, Any]], parent: str = "", path: tuple[str, ...] = ()
) -> Iterator[_Repeat]:
    for node in nodes:
        if node["type"] == "repeat":
            yield _Repeat(node["name"], node, parent, path)
            yield from _repeats(node["children"], node["name"], (*path, node["name"]))
        elif node["type"] == "group":
            yield from _repeats(node["children"], parent, (*path, node["name"]))


class _Questions:
    """A table's questions looked up by name, path and label: the form's top level, or the
    questions of one repeat (whose group path prefixes are then the repeat's own path)."""

    def __init__(self, definition: dict[str, Any], repeat: _Repeat | None = None) -> None:
        self.definition = definition
        scope = repeat.node["children"] if repeat else definition["questions"]
        nodes = list(iter_questions(scope, into_repeats=False))
        self.nodes = {n["name"]: n for n in nodes if n["type"] not in ("note", "calculate")}
        self.groups = {n["name"] for n in _groups(scope)}
        if repeat is not None:
            self.groups |= {*repeat.path, repeat.name}
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
    if "submissiondate" in folded or "meta-instanceid" in folded or "parent_key" in folded:
        return "odk"
    if folded & {"_uuid", "_id", "_submission_time", "_index", "meta/instanceid", "_parent_index"}:
        return "kobo"
    return "csv"


def _map_columns(
    header: Sequence[object],
    fmt: str,
    questions: _Questions,
    *,
    repeat: bool = False,
    strict: bool = True,
    where: str = "",
) -> list[Column]:
    """Every column's meaning; a column that matches nothing is refused (strict) or marked
    "unmatched" (for the preview)."""
    meta: dict[str, str] = {"kobo": KOBO_META, "odk": ODK_META, "wjx": WJX_META}.get(fmt, {})
    if repeat:
        meta = {**dict.fromkeys(meta, ""), **KOBO_REPEAT_META, **ODK_REPEAT_META}
    separator = {"kobo": "/", "odk": "-", "csv": "/"}.get(fmt, "/")
    columns: list[Column] = []
    for position, cell in enumerate(header):
        text = cell_text(cell)
        folded = _fold(text)
        if not text:
            columns.append(Column(position, "", "ignore"))
            continue
        found: Column | None = None
        if fmt == "wjx" and not repeat:
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
            if found is None and repeat and separator != "-":
                found = questions.by_path(text, "-")
            if found is None and questions.by_label.get(_fold(_plain(text))):
                found = Column(0, text, "question", questions.by_label[_fold(_plain(text))])
        if found is not None:
            columns.append(Column(position, text, found.kind, found.target, found.choice))
        elif folded in meta:
            columns.append(Column(position, text, "meta", meta[folded]))
        elif folded in DWELLING_COLUMNS and not repeat:
            columns.append(Column(position, text, "dwelling", DWELLING_COLUMNS[folded]))
        elif (fmt in ("kobo", "odk") or repeat) and (
            folded.startswith("_") or folded.startswith("meta")
        ):
            columns.append(Column(position, text, "ignore"))
        else:
            columns.append(Column(position, text, "unmatched"))
    problems = [
        f"column {c.letter} ('{c.header}') matches no question of the form"
        for c in columns
        if c.kind == "unmatched"
    ]
    if problems and strict:
        shown = "; ".join(problems[:8])
        more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
        place = f"The header row of {where}" if where else "The header row"
        raise ResponsesFileError(
            f"{place} has columns Peiban cannot place: {shown}{more}. Rename them to the "
            "form's question names or remove them."
        )
    if not repeat and not any(c.kind in ("question", "flag") for c in columns):
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


@dataclass
class _Cells:
    """One row's cells read into raw answers (choice labels turned into names), before the check."""

    answers: dict[str, Any]
    meta: dict[str, str]
    submitted: object
    parts: dict[str, str]
    problems: list[str]
    where: dict[str, Column]


class _RowReader:
    """Reads the cells of one table's rows; the columns are planned once, choice cells are
    remembered by their text (a survey's answers repeat a few dozen texts many times)."""

    def __init__(self, columns: list[Column], fmt: str, questions: _Questions) -> None:
        self.fmt = fmt
        self.questions = questions
        self.plan: list[tuple[int, Column, str, dict[str, Any]]] = []
        for column in columns:
            if column.kind in ("ignore", "unmatched"):
                continue
            kind = column.kind
            if kind in ("question", "flag"):
                kind = "flag" if kind == "flag" else questions.nodes[column.target]["type"]
            self.plan.append((column.position, column, kind, {}))

    def choices(self, column: Column, kind: str, text: str, memo: dict[str, Any]) -> Any:
        found = memo.get(text)
        if found is None:
            found = _choice_names(text, self.fmt, kind, self.questions.labels[column.target])
            if len(memo) < MEMO:
                memo[text] = found
        return found

    def read(self, cells: Sequence[object]) -> _Cells:
        answers: dict[str, Any] = {}
        meta: dict[str, str] = {}
        parts: dict[str, str] = {}
        flags: dict[str, list[str]] = {}
        problems: list[str] = []
        where: dict[str, Column] = {}
        submitted: object = None
        size = len(cells)
        for position, column, kind, memo in self.plan:
            if position >= size:
                continue
            value = cells[position]
            if value is None:
                continue
            if isinstance(value, str):
                value = value.replace("\u00a0", " ").strip()
                if not value or value in BLANKS:
                    continue
            elif is_blank(value):
                continue
            text = value if isinstance(value, str) else cell_text(value)
            if kind == "meta":
                if column.target == "submitted":
                    submitted = value
                elif column.target:
                    meta.setdefault(column.target, text)
                continue
            if kind == "dwelling":
                parts[column.target] = text
                continue
            target = column.target
            if target not in where:
                where[target] = column
            if kind == "flag":
                if text in FLAG_TRUE:
                    flags.setdefault(target, []).append(column.choice)
                elif text not in FLAG_FALSE:
                    problems.append(f"{column.where()}: '{text}' should be 1 or 0")
                continue
            if kind == "select_one" or kind == "select_multiple":
                names, other, unknown = self.choices(column, kind, text, memo)
                if unknown:
                    shown = "', '".join(unknown)
                    problems.append(
                        f"{column.where()}: '{shown}' is not a choice of question {target}"
                    )
                    continue
                answers[target] = list(names) if kind == "select_multiple" else names[0]
                other_name = f"{target}_other"
                if other and other_name in self.questions.nodes:
                    answers.setdefault(other_name, other)
            elif kind == "date" and isinstance(value, datetime):
                answers[target] = value.date().isoformat()
            else:
                answers[target] = text if isinstance(value, str) else value
        for name, chosen in flags.items():
            given = answers.get(name)
            current = list(given) if isinstance(given, list) else []
            answers[name] = list(dict.fromkeys(current + chosen))
        return _Cells(answers, meta, submitted, parts, problems, where)


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


# --- Files and tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    name: str
    data: bytes


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return True  # let the table reader explain a damaged workbook


def _unzip(file: _File) -> list[_File]:
    """The CSV files of a zip archive (ODK Central's export), media left out."""
    try:
        with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir()
                and info.filename.lower().endswith(".csv")
                and not info.filename.startswith(("media/", "__MACOSX/"))
            ]
            if len(members) > MAX_FILES:
                raise ResponsesFileError(
                    f"The zip file '{file.name}' holds {len(members)} CSV files; at most "
                    f"{MAX_FILES} are read."
                )
            if sum(info.file_size for info in members) > MAX_BYTES:
                raise ResponsesFileError(
                    f"The zip file '{file.name}' unpacks to more than {MAX_BYTES // 2**20} MB."
                )
            out = [_File(info.filename.rsplit("/", 1)[-1], archive.read(info)) for info in members]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ResponsesFileError(
            f"The zip file '{file.name}' cannot be read; download the export again."
        ) from exc
    if not out:
        raise ResponsesFileError(f"The zip file '{file.name}' holds no CSV file.")
    return out


def _repeat_header(cells: Sequence[object]) -> bool:
    return any(_fold(cell_text(c)) in REPEAT_MARKERS for c in cells)


@dataclass
class _RepeatTable:
    label: str  # "sheet 'members'" or "file 'needs-members.csv'"
    name: str  # the sheet title or the file name
    header: Sequence[object]
    header_row: int
    rows: Iterator[tuple[int, Sequence[object]]]


def _workbook_repeat_sheets(data: bytes) -> tuple[list[_RepeatTable], Callable[[], None]]:
    """The repeat sheets of a KoboToolbox XLSX export (the main sheet was opened already by the
    table reader, which also checked the workbook's size and health)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    tables: list[_RepeatTable] = []
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            for number, cells in rows:
                if all(is_blank(c) for c in cells):
                    continue
                if number > 10:
                    break
                if _repeat_header(cells):
                    tables.append(
                        _RepeatTable(f"sheet '{sheet.title}'", sheet.title, cells, number, rows)
                    )
                break
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged sheet
        workbook.close()
        raise ResponsesFileError(
            "A sheet of the workbook cannot be read; it may be damaged. Open it in Excel or WPS, "
            "save it again and use the new copy."
        ) from exc
    return tables, workbook.close


def _find_repeat(
    table: _RepeatTable, fmt: str, repeats: dict[str, _Repeat], definition: dict[str, Any]
) -> _Repeat:
    """The repeat a sheet or file holds: by its name (sheet title, ``<form>-<repeat>.csv``),
    else by its columns."""
    stem = re.sub(r"(~\d+)?(\.csv)?$", "", table.name, flags=re.I)
    named = [
        r
        for r in repeats.values()
        if table.name in (r.name, r.name[:31]) or stem == r.name or stem.endswith(f"-{r.name}")
    ]
    if named:
        return max(named, key=lambda r: len(r.name))
    best: tuple[int, _Repeat | None] = (0, None)
    for repeat in repeats.values():
        questions = _Questions(definition, repeat)
        found = sum(
            1
            for cell in table.header
            if questions.by_path(cell_text(cell), "/" if fmt == "kobo" else "-") is not None
        )
        if found > best[0]:
            best = (found, repeat)
    if best[1] is not None:
        return best[1]
    known = ", ".join(repeats) or "none"
    raise ResponsesFileError(
        f"The {table.label} holds repeat rows, but it matches no repeat of the form (the form's "
        f"repeats: {known}). Remove it, or import the file into the form it came from."
    )


@dataclass
class _Origin:
    """Where a repeat instance came from, for messages about it."""

    label: str
    row: int
    where: dict[str, Column]
    problems: list[str]

    def place(self, question: str = "") -> str:
        column = self.where.get(question)
        inside = f", {column.where()}" if column else (f", question {question}" if question else "")
        return f"{self.label} row {self.row}{inside}"


ORIGIN = "\x00origin"  # a key no question can have: the instance's _Origin, read by the check


@dataclass
class _Linked:
    """Repeat instances waiting for their parent row: main rows by (kind, key)."""

    by_parent: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = field(default_factory=dict)


class _Stream:
    """The tables of one import: the main table streamed, the repeat tables read up front."""

    def __init__(
        self,
        files: list[_File],
        *,
        definition: dict[str, Any],
        fmt: str,
        strict: bool,
    ) -> None:
        if fmt not in FORMATS:
            raise ResponsesFileError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
        self.definition = definition
        self.questions = _Questions(definition)
        self.repeats = {r.name: r for r in _repeats(definition["questions"])}
        self.closers: list[Callable[[], None]] = []
        self.rejected: list[Rejection] = []
        self.tables: list[TableMapping] = []
        self.strict = strict
        # repeat instances by their own key (for nested repeats), and those waiting for a parent
        self.own: dict[str, dict[str, dict[str, Any]]] = {}
        self.pending: list[tuple[_Repeat, str, str, dict[str, Any]]] = []
        self.linked = _Linked()
        expanded: list[_File] = []
        for file in files:
            if file.data.startswith(_ZIP_MAGIC) and not _is_workbook(file.data):
                expanded.extend(_unzip(file))
            else:
                expanded.append(file)
        try:
            self._open(expanded, fmt)
        except BaseException:
            self.close()
            raise

    # -- opening

    def _known(self) -> set[str]:
        known = (
            set(self.questions.nodes)
            | set(self.questions.by_label)
            | set(KOBO_META)
            | set(ODK_META)
            | set(WJX_META)
        )
        for repeat in self.repeats.values():
            known |= {n["name"] for n in iter_questions(repeat.node["children"])}
        return known | REPEAT_MARKERS | {"key"}

    def _recognise(self, *, main_only: bool) -> Callable[[Sequence[object]], int]:
        known = self._known()

        def recognise(cells: Sequence[object]) -> int:
            count = 0
            for cell in cells:
                text = cell_text(cell)
                folded = _fold(text)
                if main_only and folded in REPEAT_MARKERS:
                    return 0
                if (
                    folded in known
                    or text in known
                    or text.split("/")[-1] in known
                    or text.split("-")[-1] in known
                    or _WJX_TITLE.match(text) is not None
                ):
                    count += 1
            return count

        return recognise

    def _table(self, file: _File, *, main_only: bool) -> TableSource:
        return open_table(
            file.data,
            filename=file.name,
            max_bytes=MAX_BYTES,
            what="a survey export",
            part="the responses sheet",
            sheet_words=("response", "data", "sheet", "答卷", "数据"),
            recognise=self._recognise(main_only=main_only),
            header_examples="the form's question names, 序号 or _uuid",
            error=ResponsesFileError,
        )

    def _open(self, files: list[_File], fmt: str) -> None:
        if sum(len(f.data) for f in files) > MAX_BYTES:
            raise ResponsesFileError(f"The files are larger than {MAX_BYTES // 2**20} MB in all.")
        main: TableSource | None = None
        main_name = ""
        repeat_tables: list[_RepeatTable] = []
        for file in files:
            workbook = file.data.startswith(_ZIP_MAGIC)
            source = self._table(file, main_only=workbook)
            self.closers.append(source.close)
            if _repeat_header(source.header):
                label = f"file '{file.name}'"
                repeat_tables.append(
                    _RepeatTable(label, file.name, source.header, source.header_row, iter(source))
                )
                continue
            if main is not None:
                raise ResponsesFileError(
                    f"Both '{main_name}' and '{file.name}' look like the main table of responses; "
                    "give one main file and the repeat files (with PARENT_KEY) that go with it."
                )
            main, main_name = source, file.name
            if workbook and len(files) == 1:
                sheets, close = _workbook_repeat_sheets(file.data)
                self.closers.append(close)
                repeat_tables.extend(sheets)
        if main is None:
            raise ResponsesFileError(
                "Every file holds repeat rows (with PARENT_KEY or _parent_index); add the main "
                "file of responses."
            )
        self.main = main
        self.header = list(main.header)
        self.format = _detect(self.header) if fmt == "auto" else fmt
        self.columns = _map_columns(self.header, self.format, self.questions, strict=self.strict)
        label = "" if not repeat_tables else f"'{main_name}'"
        self.tables.append(TableMapping(label, "", main.header_row, self.columns))
        self.reader = _RowReader(self.columns, self.format, self.questions)
        folded = [_fold(cell_text(c)) for c in self.header]
        self.key_positions = {
            kind: folded.index(name)
            for kind, name in (("index", "_index"), ("uuid", "_uuid"), ("key", "key"))
            if name in folded
        }
        for table in repeat_tables:
            self._read_repeat(table)

    def _read_repeat(self, table: _RepeatTable) -> None:
        """Read a repeat table whole; its instances wait for their parents."""
        repeat = _find_repeat(table, self.format, self.repeats, self.definition)
        fmt = "odk" if _fold_set(table.header) & {"parent_key"} else "kobo"
        questions = _Questions(self.definition, repeat)
        columns = _map_columns(
            table.header, fmt, questions, repeat=True, strict=self.strict, where=table.label
        )
        mapping = TableMapping(table.label, repeat.name, table.header_row, columns)
        self.tables.append(mapping)
        targets = {c.target for c in columns if c.kind == "meta"}
        # The ways a row may name its parent, in order: (kind of key, the row's column).
        links: list[tuple[str, str]]
        if fmt == "odk":
            links = [("key", "parent_key")]
        elif repeat.parent:
            links = [("index", "parent_index")]
        else:
            links = [("index", "parent_index"), ("uuid", "submission")]
        links = [
            (kind, column)
            for kind, column in links
            if column in targets and (repeat.parent or kind in self.key_positions)
        ]
        if not links:
            wanted = (
                "PARENT_KEY, and the main table KEY"
                if fmt == "odk"
                else "_parent_index"
                + (
                    ""
                    if repeat.parent
                    else " (with _index in the main sheet) or _submission__uuid (with _uuid in the "
                    "main sheet)"
                )
            )
            raise ResponsesFileError(
                f"The rows of the {table.label} cannot be linked to their parents: it needs the "
                f"column {wanted}."
            )
        reader = _RowReader(columns, fmt, questions)
        own: dict[str, dict[str, Any]] = self.own.setdefault(repeat.name, {})
        for number, cells in table.rows:
            if all(is_blank(c) for c in cells):
                continue
            mapping.rows += 1
            if mapping.rows > MAX_ROWS:
                raise ResponsesFileError(
                    f"The {table.label} has more than {MAX_ROWS} rows; split the export."
                )
            read = reader.read(cells)
            instance = read.answers
            origin = _Origin(table.label, number, read.where, read.problems)
            instance[ORIGIN] = origin
            key = read.meta.get("key") or read.meta.get("index") or ""
            if key:
                own[key] = instance
            link = next(((k, read.meta[c]) for k, c in links if read.meta.get(c)), None)
            if link is None:
                self.rejected.append(
                    Rejection(number, f"{table.label} row {number}: the row names no parent")
                )
                continue
            self.pending.append((repeat, link[0], link[1], instance))

    def _link(self) -> None:
        """Nested instances into their parent instances; top-level ones wait for main rows."""
        for repeat, kind, parent, instance in self.pending:
            if repeat.parent:
                outer = self.own.get(repeat.parent, {}).get(parent)
                if outer is None:
                    self._orphan(instance, f"no row of the {repeat.parent} table is {parent}")
                    continue
                outer.setdefault(repeat.name, []).append(instance)
                continue
            key = (kind, parent)
            self.linked.by_parent.setdefault(key, {}).setdefault(repeat.name, []).append(instance)
        self.pending.clear()
        self.own.clear()

    def _orphan(self, instance: dict[str, Any], why: str) -> None:
        origin: _Origin = instance[ORIGIN]
        self.rejected.append(
            Rejection(origin.row, f"{origin.label} row {origin.row}: {why}; the row was not read")
        )

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()

    # -- the main rows

    def rows(self) -> Iterator[ImportedRow]:
        """The main table's rows, checked; rejected rows go to `rejected`."""
        try:
            self._link()
            yield from self._rows()
            main_key = {"index": "_index", "uuid": "_uuid", "key": "KEY"}
            for (kind, key), found in self.linked.by_parent.items():
                for instances in found.values():
                    for instance in instances:
                        self._orphan(
                            instance,
                            f"no row of the main table has {main_key[kind]} {key}",
                        )
        finally:
            self.close()

    def _rows(self) -> Iterator[ImportedRow]:
        first = True
        count = 0
        mapping = self.tables[0]
        dates: dict[str, datetime | None] = {}
        for number, cells in self.main:
            if all(is_blank(c) for c in cells):
                continue
            if first:
                first = False
                if self.format == "kobo" and any(cell_text(c).startswith("#") for c in cells):
                    continue  # the HXL tags under the header
                _check_merged(self.header, cells, self.main.header_row)
            count += 1
            if count > MAX_ROWS:
                raise ResponsesFileError(
                    f"The file has more than {MAX_ROWS} rows; split it into smaller files."
                )
            mapping.rows = count
            parsed = self._row(number, cells, dates)
            if isinstance(parsed, list):
                self.rejected.append(Rejection(row=number, reason="; ".join(parsed)))
            else:
                yield parsed

    def _row(
        self, number: int, cells: Sequence[object], dates: dict[str, datetime | None]
    ) -> ImportedRow | list[str]:
        read = self.reader.read(cells)
        problems = read.problems
        answers = read.answers
        if self.linked.by_parent:
            for kind, position in self.key_positions.items():
                if position < len(cells) and not is_blank(cells[position]):
                    found = self.linked.by_parent.pop((kind, cell_text(cells[position])), None)
                    for name, instances in (found or {}).items():
                        answers.setdefault(name, []).extend(instances)
        if len(self.tables) > 1:
            for instance in _instances(answers):
                origin: _Origin = instance[ORIGIN]
                problems.extend(f"{origin.place()}, {p}" for p in origin.problems)
        meta = read.meta
        row = ImportedRow(
            row=number,
            answers=answers,
            submission_id=meta.get("uuid")
            or meta.get("instance")
            or meta.get("serial")
            or meta.get("id")
            or "",
        )
        submitted = read.submitted
        if isinstance(submitted, str):
            if submitted not in dates and len(dates) < MEMO:
                dates[submitted] = _datetime(submitted)
            row.submitted_at = dates[submitted] if submitted in dates else _datetime(submitted)
        elif submitted is not None:
            row.submitted_at = _datetime(submitted)
        if problems:
            return problems
        if read.parts:
            parts = read.parts
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
        checked = check_answers(self.definition, answers)
        for problem in checked.problems:
            problems.append(self._place(problem, answers, read.where))
        if problems:
            return problems
        row.answers = checked.answers
        return row

    def _place(self, problem: Problem, answers: dict[str, Any], where: dict[str, Column]) -> str:
        if problem.repeat:
            origin = _origin_of(answers, problem.repeat, problem.index)
            if origin is not None:
                return f"{origin.place(problem.question)}: {problem.message}"
            return (
                f"{problem.repeat} #{problem.index}, question {problem.question}: {problem.message}"
            )
        found = where.get(problem.question)
        place = found.where() if found else f"question {problem.question}"
        return f"{place}: {problem.message}"


def _fold_set(cells: Sequence[object]) -> set[str]:
    return {_fold(cell_text(c)) for c in cells}


def _instances(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Every repeat instance read from a repeat table, nested ones too."""
    out: list[dict[str, Any]] = []
    for value in answers.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and ORIGIN in item:
                    out.append(item)
                    out.extend(_instances(item))
    return out


def _count_instances(answers: dict[str, Any]) -> int:
    """The repeat instances among checked answers, nested ones included."""
    count = 0
    for value in answers.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            count += len(value) + sum(_count_instances(item) for item in value)
    return count


def _origin_of(answers: dict[str, Any], repeat: str, index: int) -> _Origin | None:
    """The origin of the index-th instance of a repeat (the first such, for nested repeats)."""
    found = answers.get(repeat)
    if isinstance(found, list) and 0 < index <= len(found):
        item = found[index - 1]
        if isinstance(item, dict) and isinstance(item.get(ORIGIN), _Origin):
            return item[ORIGIN]
    for value in answers.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    nested = _origin_of(item, repeat, index)
                    if nested is not None:
                        return nested
    return None


def stream_responses(
    data: bytes,
    *,
    filename: str,
    definition: dict[str, Any],
    fmt: str = "auto",
    extra: Sequence[tuple[str, bytes]] = (),
    strict: bool = True,
) -> ResponsesReading:
    """Open an export (and any repeat files) and map its headers; its rows are a stream, read
    once, checked as they come (ResponsesFileError if the file is unusable). Close it, or read
    it to the end."""
    files = [_File(filename, data), *(_File(name, more) for name, more in extra)]
    stream = _Stream(files, definition=definition, fmt=fmt, strict=strict)
    return ResponsesReading(
        format=stream.format,
        rows=stream.rows(),
        rejected=stream.rejected,
        columns=len(stream.columns),
        tables=stream.tables,
        close=stream.close,
    )


def read_responses(
    data: bytes,
    *,
    filename: str,
    definition: dict[str, Any],
    fmt: str = "auto",
    extra: Sequence[tuple[str, bytes]] = (),
) -> ResponsesReading:
    """Read an export into checked rows and rejections; ResponsesFileError if unusable."""
    reading = stream_responses(data, filename=filename, definition=definition, fmt=fmt, extra=extra)
    reading.rows = list(reading.rows)
    return reading


# --- Saving -------------------------------------------------------------------------------------


@dataclass
class _Planned:
    row: ImportedRow
    dwelling_id: int | None
    household_id: int | None


class _Planner:
    """Decides for each row read whether it is saved, a duplicate or rejected (unknown dwelling),
    with the form's earlier submission ids and the wave's answered dwellings loaded once."""

    def __init__(self, form: Form, wave: Wave, result: ImportResult) -> None:
        self.form = form
        self.result = result
        self.seen_ids = set(
            Response.objects.filter(form=form)
            .exclude(submission_id="")
            .values_list("submission_id", flat=True)
        )
        self.seen_dwellings = set(
            Response.objects.filter(wave=wave, dwelling__isnull=False).values_list(
                "dwelling_id", flat=True
            )
        )
        self.first_id: dict[str, int] = {}
        self.first_dwelling: dict[int, int] = {}
        self.dwellings: dict[tuple[str, str, str], int] | None = None
        self.households: dict[int, int] = {}
        self.known: set[int] | None = None

    def _load_dwellings(self) -> dict[tuple[str, str, str], int]:
        """The community's dwellings by (building, unit, room), and each one's household
        (loaded on the first row that names a dwelling)."""
        if self.dwellings is None:
            for dwelling_id, household_id in (
                Household.objects.filter(community_id=self.form.community_id)
                .order_by("-pk")
                .values_list("dwelling_id", "pk")
            ):
                self.households[dwelling_id] = household_id
            self.dwellings = {
                (building, unit, room): pk
                for pk, building, unit, room in Dwelling.objects.filter(
                    community_id=self.form.community_id
                ).values_list("pk", "building__label", "unit", "room")
            }
        return self.dwellings

    def _known_dwellings(self) -> set[int]:
        if self.known is None:
            self.known = set(self._load_dwellings().values())
        return self.known

    def plan(self, rows: Iterable[ImportedRow]) -> Iterator[_Planned]:
        result = self.result
        for row in rows:
            dwelling_id: int | None = None
            if row.dwelling_id is not None:
                if row.dwelling_id not in self._known_dwellings():
                    result.rejected.append(
                        Rejection(row.row, "the dwelling is not in this community")
                    )
                    continue
                dwelling_id = row.dwelling_id
            elif row.address is not None:
                dwelling_id = self._load_dwellings().get(row.address.key())
                if dwelling_id is None:
                    result.rejected.append(
                        Rejection(row.row, f"there is no dwelling {row.address.label()} here")
                    )
                    continue
            if row.submission_id:
                if row.submission_id in self.first_id:
                    result.duplicates.append(
                        Rejection(
                            row.row,
                            f"the same submission as row {self.first_id[row.submission_id]}",
                        )
                    )
                    continue
                if row.submission_id in self.seen_ids:
                    result.duplicates.append(
                        Rejection(row.row, f"submission {row.submission_id} was imported before")
                    )
                    continue
            label = row.address.label() if row.address else ""
            if dwelling_id is not None:
                if dwelling_id in self.first_dwelling:
                    result.duplicates.append(
                        Rejection(
                            row.row,
                            f"{label} answered already in row {self.first_dwelling[dwelling_id]}",
                        )
                    )
                    continue
                if dwelling_id in self.seen_dwellings:
                    result.duplicates.append(
                        Rejection(row.row, f"{label} has answered in this wave already")
                    )
                    continue
                self.first_dwelling[dwelling_id] = row.row
                result.linked += 1
            if row.submission_id:
                self.first_id[row.submission_id] = row.row
            household_id = self.households.get(dwelling_id) if dwelling_id is not None else None
            yield _Planned(row, dwelling_id, household_id)


def _target(form: Form, wave: Wave | None) -> tuple[FormVersion, Wave]:
    version = form.versions.order_by("-number").first()
    if version is None:
        raise ResponsesFileError("The form has no version to import into.")
    wave = wave or form.waves.order_by("-number").first()
    if wave is None:
        raise ResponsesFileError("The form has no wave to import into.")
    return version, wave


def _close(reading: ResponsesReading) -> None:
    if reading.close is not None:
        reading.close()


@transaction.atomic
def responses_import(
    *,
    form: Form,
    reading: ResponsesReading,
    wave: Wave | None = None,
    partial: bool = False,
    actor: User | AnonymousUser | None = None,
) -> ImportResult:
    """Save the rows read: all or nothing unless partial; duplicates are listed and skipped.

    The rows are saved in batches as they are read; a rejected row (when not partial) stops the
    writing, the rest is still read for its problems, and the transaction is rolled back."""
    try:
        version, wave = _target(form, wave)
    except ResponsesFileError:
        _close(reading)
        raise
    source = ResponseSource(reading.format) if reading.format in ResponseSource.values else "csv"
    streamed = not isinstance(reading.rows, list)
    # A stream appends its rejections to reading.rejected while it is read: share the list, so
    # that rejections stay in row order; a list reading's rejections are copied.
    result = ImportResult(
        rejected=reading.rejected if streamed else list(reading.rejected), format=reading.format
    )
    saver = _Saver(form=form, version=version, wave=wave, source=source, actor=actor)
    pending: list[_Planned] = []
    for planned in _Planner(form, wave, result).plan(reading.rows):
        if result.rejected and not partial:
            continue  # nothing will be kept: read on for the problems only
        pending.append(planned)
        if len(pending) >= saver.batch:
            result.imported += len(pending)
            result.repeat_rows += saver.save(pending)
            pending = []
    if result.rejected and not partial:
        result.linked = 0
        result.imported = 0
        raise ResponsesRejected(result)  # rolls back what was written
    result.imported += len(pending)
    result.repeat_rows += saver.save(pending)
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


RESPONSE_COLUMNS = (
    "form_id",
    "version_id",
    "wave_id",
    "dwelling_id",
    "household_id",
    "answers",
    "status",
    "source",
    "submission_id",
    "consent",
    "submitted_at",
    "created_at",
    "created_by_id",
)


class _Saver:
    """Writes planned rows: each batch of responses with one multi-row INSERT … RETURNING id
    (the ORM's bulk_create spends more time building model instances and SQL than the database
    spends inserting), then their Answer rows with one executemany."""

    def __init__(
        self,
        *,
        form: Form,
        version: FormVersion,
        wave: Wave,
        source: str,
        actor: User | AnonymousUser | None,
    ) -> None:
        self.form = form
        self.version = version
        self.wave = wave
        self.source = str(source)
        self.actor_id = actor.pk if isinstance(actor, User) else None
        self.types = question_types(version.definition)
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.json = Response._meta.get_field("answers")
        limit = connection.features.max_query_params or 999
        self.batch = max(1, min(BATCH, limit // len(RESPONSE_COLUMNS)))
        qn = connection.ops.quote_name
        self.response_sql = (
            f"INSERT INTO {qn(Response._meta.db_table)} "  # noqa: S608 - names, not data
            f"({', '.join(qn(c) for c in RESPONSE_COLUMNS)}) VALUES "
        )
        self.row_placeholder = "(" + ", ".join(["%s"] * len(RESPONSE_COLUMNS)) + ")"
        self.returning = f" RETURNING {qn(Response._meta.pk.column or 'id')}"
        self.answer_sql = (
            f"INSERT INTO {qn(Answer._meta.db_table)} "  # noqa: S608 - names, not data
            f"({', '.join(qn(c) for c in ANSWER_COLUMNS)}) VALUES "
            f"({', '.join(['%s'] * len(ANSWER_COLUMNS))})"
        )
        self.dates: dict[datetime, object] = {}

    def _when(self, moment: datetime | None) -> object:
        if moment is None:
            return None
        found = self.dates.get(moment)
        if found is None:
            found = connection.ops.adapt_datetimefield_value(moment)
            if len(self.dates) < MEMO:
                self.dates[moment] = found
        return found

    def _insert(self, planned: list[_Planned]) -> list[int]:
        if not connection.features.can_return_rows_from_bulk_insert:
            saved = Response.objects.bulk_create(
                [
                    Response(
                        form=self.form,
                        version=self.version,
                        wave=self.wave,
                        dwelling_id=p.dwelling_id,
                        household_id=p.household_id,
                        answers=p.row.answers,
                        source=self.source,
                        submission_id=p.row.submission_id[:100],
                        submitted_at=p.row.submitted_at,
                        created_by_id=self.actor_id,
                    )
                    for p in planned
                ]
            )
            return [int(r.pk) for r in saved]
        params: list[Any] = []
        prep = self.json.get_db_prep_save
        form_id, version_id, wave_id = self.form.pk, self.version.pk, self.wave.pk
        status = str(ResponseStatus.SUBMITTED)
        for p in planned:
            params += (
                form_id,
                version_id,
                wave_id,
                p.dwelling_id,
                p.household_id,
                prep(p.row.answers, connection),
                status,
                self.source,
                p.row.submission_id[:100],
                False,
                self._when(p.row.submitted_at),
                self.now,
                self.actor_id,
            )
        sql = self.response_sql + ", ".join([self.row_placeholder] * len(planned)) + self.returning
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [int(row[0]) for row in cursor.fetchall()]

    def save(self, planned: list[_Planned]) -> int:
        """Write the rows; the number of repeat instances among their answers."""
        if not planned:
            return 0
        ids = self._insert(planned)
        form_id, wave_id, types = self.form.pk, self.wave.pk, self.types
        answers: list[tuple[Any, ...]] = []
        instances = 0
        for pk, p in zip(ids, planned, strict=True):
            instances += _count_instances(p.row.answers)
            answers.extend(
                (pk, form_id, wave_id, question[:100], instance, choice, number, text)
                for question, instance, choice, number, text in answer_values(p.row.answers, types)
            )
        with connection.cursor() as cursor:
            cursor.executemany(self.answer_sql, answers)
        return instances


# --- Preview --------------------------------------------------------------------------------------


@dataclass
class Preview:
    """What an import would do, without writing: the tables and their columns, the first rows as
    they would be stored, duplicates and rejections (ResponsesFileError if unusable)."""

    format: str
    tables: list[TableMapping]
    rows: int
    sample: list[ImportedRow]
    result: ImportResult

    @property
    def unmatched(self) -> list[tuple[str, Column]]:
        return [(t.label, c) for t in self.tables for c in t.unmatched]

    @property
    def instances(self) -> int:
        return sum(t.rows for t in self.tables[1:])


def preview_responses(
    files: Sequence[tuple[str, bytes]],
    *,
    form: Form,
    wave: Wave | None = None,
    fmt: str = "auto",
    sample: int = 5,
) -> Preview:
    """Read the files as an import would, and report without writing. Columns that match no
    question are listed (not refused) so that the page can show them all."""
    version, wave = _target(form, wave)
    (name, data), *extra = files
    reading = stream_responses(
        data,
        filename=name,
        definition=version.definition,
        fmt=fmt,
        extra=extra,
        strict=False,
    )
    result = ImportResult(rejected=reading.rejected, format=reading.format)
    shown: list[ImportedRow] = []
    try:
        for planned in _Planner(form, wave, result).plan(reading.rows):
            result.imported += 1
            result.repeat_rows += _count_instances(planned.row.answers)
            if len(shown) < sample:
                shown.append(planned.row)
    finally:
        _close(reading)
    main = reading.main
    return Preview(
        format=reading.format,
        tables=reading.tables,
        rows=main.rows if main else 0,
        sample=shown,
        result=result,
    )


# --- Staged uploads (the preview page) ------------------------------------------------------------

STAGE_FOLDER = ("private", "survey-imports")
STAGE_LIFETIME = 24 * 3600  # seconds; older uploads are deleted


@dataclass(frozen=True)
class Staged:
    """Files uploaded for an import, kept privately between the preview and the import."""

    token: str
    form: int
    user: int
    fmt: str
    files: list[tuple[str, bytes]]


def _stage_root() -> Path:
    return Path(settings.MEDIA_ROOT).joinpath(*STAGE_FOLDER)


def _stage_sweep(now: float) -> None:
    """Delete staged uploads older than a day."""
    root = _stage_root()
    if not root.is_dir():
        return
    for folder in root.iterdir():
        try:
            if now - folder.stat().st_mtime > STAGE_LIFETIME:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def stage_files(*, form: Form, user: User, files: Sequence[tuple[str, bytes]], fmt: str) -> str:
    """Keep uploaded files under MEDIA_ROOT/private (never served) for a day; their token."""
    now = time.time()
    _stage_sweep(now)
    token = uuid.uuid4().hex
    folder = _stage_root() / token
    folder.mkdir(parents=True, mode=0o700)
    names = []
    for number, (name, data) in enumerate(files):
        (folder / str(number)).write_bytes(data)
        names.append(name.replace("\\", "/").rsplit("/", 1)[-1][:200] or "file")
    manifest = {"form": form.pk, "user": user.pk, "format": fmt, "names": names, "at": now}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return token


def staged_files(*, token: str, form: Form, user: User) -> Staged | None:
    """The files staged with a token by this user for this form, if not expired."""
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    folder = _stage_root() / token
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest["form"] != form.pk or manifest["user"] != user.pk:
            return None
        if time.time() - float(manifest["at"]) > STAGE_LIFETIME:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        files = [
            (str(name), (folder / str(number)).read_bytes())
            for number, name in enumerate(manifest["names"])
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    fmt = manifest.get("format", "auto")
    return Staged(token, form.pk, user.pk, fmt if fmt in FORMATS else "auto", files)


def discard_staged(token: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}", token):
        shutil.rmtree(_stage_root() / token, ignore_errors=True)


def label_for(definition: dict[str, Any], name: str, language: str) -> str:
    node = next((n for n in iter_questions(definition["questions"]) if n["name"] == name), None)
    return label_in(node.get("label") if node else None, language, name)
