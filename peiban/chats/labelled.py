"""Reading labelled (text, category) and unlabelled (text) tables for the CLI.

CSV (UTF-8, UTF-8 with BOM, UTF-16 or GBK) or .xlsx; header names: text/文本/内容/消息 and
category/类别/分类. A category may be one of the organisation's categories or a chatter mark
(闲聊, chatter, 非需求, 无) for messages that raise no need.
"""

from __future__ import annotations

from dataclasses import dataclass

from peiban.chats.services import LabelledRow
from peiban.core.models import Organisation
from peiban.needs.services import categories_ensure
from peiban.places.tables import HeaderMap, TableFileError, open_table

MAX_BYTES = 10 * 2**20
MAX_ROWS = 100_000
CHATTER_MARKS = frozenset({"闲聊", "chatter", "非需求", "无", "none", "不是需求"})

COLUMNS = HeaderMap(
    {
        "text": ("text", "文本", "内容", "消息", "消息内容", "content", "message"),
        "category": ("category", "类别", "分类", "label", "标签"),
        "id": ("id", "编号", "序号"),
    }
)


class LabelledFileError(TableFileError):
    pass


@dataclass(frozen=True)
class Rejected:
    row: int
    reason: str


def _open(data: bytes, filename: str, need_category: bool) -> tuple[dict[str, int], object]:
    def recognise(cells: object) -> int:
        found = COLUMNS.count(cells)  # type: ignore[arg-type]
        # A one-column file of texts has a single header: let "text" alone count as two.
        names = {n for _p, n, _h in COLUMNS.recognise(cells)}  # type: ignore[arg-type]
        return found + (1 if names == {"text"} and not need_category else 0)

    source = open_table(
        data,
        filename=filename,
        max_bytes=MAX_BYTES,
        what="a table of messages",
        part="the sheet",
        sheet_words=("消息", "message", "text"),
        recognise=recognise,
        header_examples="text, category (文本, 类别)",
        error=LabelledFileError,
    )
    layout = COLUMNS.layout(source.header, error=LabelledFileError)
    wanted = ("text", "category") if need_category else ("text",)
    missing = [w for w in wanted if w not in layout.positions]
    if missing:
        source.close()
        raise LabelledFileError(
            f"The file needs the columns {', '.join(wanted)}; missing: {', '.join(missing)}."
        )
    return layout.positions, source


def _cell(cells: object, position: int) -> str:
    row = list(cells)  # type: ignore[call-overload]
    value = row[position] if position < len(row) else None
    return "" if value is None else str(value).strip()


def read_labelled(
    data: bytes, *, filename: str, organisation: Organisation
) -> tuple[list[LabelledRow], list[Rejected]]:
    positions, source = _open(data, filename, need_category=True)
    by_name = {c.name: c for c in categories_ensure(organisation)}
    rows: list[LabelledRow] = []
    rejected: list[Rejected] = []
    with source:  # type: ignore[attr-defined]
        for number, cells in source:  # type: ignore[attr-defined]
            text = _cell(cells, positions["text"])
            label = _cell(cells, positions["category"])
            if not text and not label:
                continue
            if len(rows) + len(rejected) >= MAX_ROWS:
                raise LabelledFileError(f"The file has more than {MAX_ROWS} rows; split it.")
            if not text:
                rejected.append(Rejected(number, "the text is empty"))
            elif not label:
                rejected.append(Rejected(number, "the category is empty"))
            elif label.lower() in CHATTER_MARKS:
                rows.append(LabelledRow(number, text[:2000], None))
            elif label in by_name:
                rows.append(LabelledRow(number, text[:2000], by_name[label]))
            else:
                rejected.append(
                    Rejected(number, f"there is no category {label!r} in this organisation")
                )
    return rows, rejected


def read_texts(data: bytes, *, filename: str) -> list[tuple[int, str]]:
    """(row, text) pairs of a table with a text column, or of a plain text file (one per line)."""
    try:
        positions, source = _open(data, filename, need_category=False)
    except LabelledFileError:
        if filename.lower().endswith((".csv", ".xlsx")):
            raise
        from peiban.chats.parsing import ChatFileError, decode

        try:
            text = decode(data)
        except ChatFileError as error:
            raise LabelledFileError(str(error)) from None
        lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
        out = [(n, line) for n, line in lines if line]
        if not out:
            raise LabelledFileError("The file is empty.") from None
        return out
    out = []
    with source:  # type: ignore[attr-defined]
        for number, cells in source:  # type: ignore[attr-defined]
            text = _cell(cells, positions["text"])
            if text:
                out.append((number, text[:2000]))
    return out
