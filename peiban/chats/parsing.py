"""Reading chat exports and pasted chat into messages: who wrote what, and when.

Layouts understood (they may be mixed in one paste):

* a header line with the time and the sender, the message on the following lines, as written by
  the common chat export tools: ``2024-05-03 08:12:45 张阿姨`` or ``张阿姨 2024-05-03 08:12``
  (``张阿姨(wxid_abc) 2024/5/3 8:12:45`` too, the bracketed account is dropped);
* one line per message: ``[2024-05-03 08:12] 张阿姨: 电梯又坏了`` or ``2024-05-03 08:12 张阿姨：…``;
* a paste from the phone: ``张阿姨：电梯又坏了``, with day lines such as ``2024年5月3日`` or
  ``—— 5月3日 下午3:05 ——`` setting the date and time of the lines after them;
* a CSV or Excel export with sender, time and content columns (发送人/昵称/NickName, 时间/StrTime,
  内容/消息/StrContent).

Lines that are not messages (``张三撤回了一条消息``, ``[图片]``, ``李四加入了群聊``) are skipped.
A time without a date takes the last date seen; a message without any time takes the intake time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from peiban.places.cells import decode_text
from peiban.places.tables import HeaderMap, TableFileError, open_table

MAX_BYTES = 5 * 2**20
MAX_MESSAGES = 50_000
MAX_TEXT = 2000


class ChatFileError(ValueError):
    """The chat text or file cannot be read; the message says why (and where)."""


class ChatTableError(ChatFileError, TableFileError):
    pass


@dataclass(frozen=True)
class Message:
    line: int  # line (or spreadsheet row) where the message starts
    sender: str
    sent_at: datetime
    text: str


_DATE = r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
_TIME = (
    r"(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?"
)
_STAMP = rf"{_DATE}(?:\s+|T)?{_TIME}"
_NAME = r"(?P<name>[^\s:：\[\]【】]{1,24}?)(?:\s*[(（][^()（）]{1,40}[)）])?"
_TIME_FIRST = re.compile(rf"^\[?{_STAMP}\]?\s+{_NAME}\s*$")
_NAME_FIRST = re.compile(rf"^{_NAME}\s+\[?{_STAMP}\]?\s*$")
_INLINE = re.compile(rf"^\[?{_STAMP}\]?\s*{_NAME}\s*[:：]\s*(?P<text>.+)$")
_INLINE_TIME_ONLY = re.compile(rf"^\[?{_TIME}\]?\s+{_NAME}\s*[:：]\s*(?P<text>.+)$")
_NAME_COLON = re.compile(r"^(?P<name>[^\s:：，,。!！?？\[\]【】]{1,12})\s*[:：]\s*(?P<text>.+)$")
_DAY_LINE = re.compile(
    r"^[-—=\s]*(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s*(?:星期|周)[一二三四五六日天])?"
    r"(?:\s*(?P<ampm>上午|下午|晚上|凌晨|中午)?\s*(?P<H>\d{1,2})[:：](?P<M>\d{2}))?[-—=\s]*$"
)
_TIME_LINE = re.compile(r"^[-—=\s]*(?:(?:昨天|今天)\s*)?" + _TIME + r"[-—=\s]*$")
_SYSTEM = re.compile(
    r"(撤回了一条消息|加入了群聊|退出了群聊|移出了群聊|修改群名为|拍了拍|邀请.{1,30}加入|"
    r"^\[(?:图片|表情|语音|视频|文件|动画表情|链接|位置|红包|转账)\]$|^以下是新消息$)"
)
_NOT_NAMES = frozenset({"注意", "通知", "提醒", "地址", "时间", "电话", "备注", "公告", "重要"})


def _hour(hour: int, ampm: str | None) -> int:
    if ampm in ("下午", "晚上") and hour < 12:
        return hour + 12
    if ampm == "中午" and hour < 11:
        return hour + 12
    return hour


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _stamp(match: re.Match[str], day: date | None) -> tuple[date, time]:
    groups = match.groupdict()
    if groups.get("y"):
        day = date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
    if day is None:
        day = timezone.localdate()
    at = time(_hour(int(groups["H"]), groups.get("ampm")), int(groups["M"]), int(groups["S"] or 0))
    return day, at


def _clean_line(line: str) -> str:
    return line.replace("\u200b", "").replace("\ufeff", "").replace("\u3000", " ").rstrip()


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM), UTF-16 with BOM, or GBK."""
    if len(data) > MAX_BYTES:
        raise ChatFileError(f"The file is {len(data) / 2**20:.1f} MB; the limit is 5 MB.")
    text, _encoding = decode_text(data, error=ChatFileError)
    if "\x00" in text:
        raise ChatFileError("The file contains binary data; upload a text (.txt) or CSV export.")
    return text


def parse_chat(text: str, *, now: datetime | None = None) -> list[Message]:
    """The messages of pasted or exported chat text, in the order written."""
    now = now or timezone.now()
    messages: list[Message] = []
    day: date | None = None
    clock: time | None = None
    current: dict[str, object] | None = None
    body: list[str] = []

    def flush() -> None:
        nonlocal current, body
        if current is not None:
            message_text = "\n".join(b for b in body if b).strip()
            if message_text and not _SYSTEM.search(message_text):
                if len(messages) >= MAX_MESSAGES:
                    raise ChatFileError(
                        f"The chat has more than {MAX_MESSAGES} messages; split it into parts."
                    )
                messages.append(
                    Message(
                        line=int(str(current["line"])),
                        sender=str(current["sender"])[:60],
                        sent_at=current["at"],  # type: ignore[arg-type]
                        text=message_text[:MAX_TEXT],
                    )
                )
        current, body = None, []

    def start(number: int, sender: str, at: datetime, first: str = "") -> None:
        flush()
        nonlocal current
        current = {"line": number, "sender": sender.strip(), "at": at}
        if first:
            body.append(first.strip())

    for number, raw in enumerate(text.splitlines(), start=1):
        line = _clean_line(raw)
        stripped = line.strip()
        if not stripped:
            continue
        if _SYSTEM.search(stripped):
            continue
        match = _INLINE.match(stripped)
        if match:
            d, t = _stamp(match, day)
            day, clock = d, t
            start(number, match["name"], _aware(d, t), match["text"])
            continue
        match = _TIME_FIRST.match(stripped) or _NAME_FIRST.match(stripped)
        if match:
            d, t = _stamp(match, day)
            day, clock = d, t
            start(number, match["name"], _aware(d, t))
            continue
        match = _DAY_LINE.match(stripped)
        if match and (match["H"] or match["y"] or "月" in stripped):
            flush()
            year = int(match["y"]) if match["y"] else (day or timezone.localdate()).year
            day = date(year, int(match["m"]), int(match["d"]))
            if match["H"]:
                clock = time(_hour(int(match["H"]), match["ampm"]), int(match["M"]))
            continue
        match = _TIME_LINE.match(stripped)
        if match:
            flush()
            clock = time(_hour(int(match["H"]), match["ampm"]), int(match["M"]))
            continue
        match = _INLINE_TIME_ONLY.match(stripped)
        if match:
            d, t = _stamp(match, day)
            day, clock = d, t
            start(number, match["name"], _aware(d, t), match["text"])
            continue
        match = _NAME_COLON.match(stripped)
        if match and match["name"] not in _NOT_NAMES and not match["name"].isdigit():
            at = _aware(day, clock or time(12)) if day else now
            start(number, match["name"], at, match["text"])
            continue
        if current is None:
            # Text before any sender: a paste of bare messages, one per line.
            at = _aware(day, clock or time(12)) if day else now
            start(number, "", at, stripped)
            flush()
            continue
        body.append(stripped)
    flush()
    return messages


_COLUMNS = HeaderMap(
    {
        "sender": (
            "发送人",
            "发送者",
            "昵称",
            "群昵称",
            "姓名",
            "sender",
            "nickname",
            "name",
            "from",
        ),
        "time": (
            "时间",
            "发送时间",
            "日期时间",
            "time",
            "strtime",
            "datetime",
            "timestamp",
            "date",
        ),
        "text": (
            "内容",
            "消息",
            "消息内容",
            "聊天内容",
            "content",
            "strcontent",
            "message",
            "text",
        ),
    }
)
_CELL_STAMP = re.compile(rf"^\s*{_STAMP}\s*$")


def _cell_time(value: object, row: int) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if text.isdigit() and len(text) in (10, 13):  # a Unix timestamp (seconds or milliseconds)
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, tz=timezone.get_current_timezone())
    match = _CELL_STAMP.match(text)
    if match is None:
        raise ChatFileError(
            f"Row {row}: the time {text!r} cannot be read; write it as 2024-05-03 08:12."
        )
    d, t = _stamp(match, None)
    return _aware(d, t)


def parse_table(data: bytes, *, filename: str) -> list[Message]:
    """The messages of a CSV or Excel export with sender, time and content columns."""
    try:
        source = open_table(
            data,
            filename=filename,
            max_bytes=MAX_BYTES,
            what="a chat export",
            part="the sheet",
            sheet_words=("聊天", "消息", "chat"),
            recognise=_COLUMNS.count,
            header_examples="发送人, 时间, 内容",
            error=ChatTableError,
        )
    except TableFileError as error:
        raise ChatFileError(str(error)) from None
    with source:
        layout = _COLUMNS.layout(source.header, error=ChatTableError)
        missing = [name for name in ("sender", "time", "text") if name not in layout.positions]
        if missing:
            raise ChatFileError(
                "The chat export needs sender, time and content columns (发送人, 时间, 内容); "
                f"missing: {', '.join(missing)}."
            )
        messages: list[Message] = []
        for number, cells in source:
            row: Sequence[object] = cells

            def cell(name: str, row: Sequence[object] = row) -> object:
                position = layout.positions[name]
                return row[position] if position < len(row) else None

            text = str(cell("text") or "").strip()
            if not text or _SYSTEM.search(text):
                continue
            if len(messages) >= MAX_MESSAGES:
                raise ChatFileError(f"The chat has more than {MAX_MESSAGES} messages.")
            messages.append(
                Message(
                    line=number,
                    sender=str(cell("sender") or "").strip()[:60],
                    sent_at=_cell_time(cell("time"), number),
                    text=text[:MAX_TEXT],
                )
            )
    return messages


def looks_like_table(data: bytes) -> bool:
    if data.startswith(b"PK\x03\x04"):
        return True
    try:
        first = decode(data[:4096] if len(data) > 4096 else data).splitlines()
    except ChatFileError:
        return False
    head = next((line for line in first if line.strip()), "")
    return _COLUMNS.count(re.split(r"[,;\t]", head)) >= 2


def read_chat_file(data: bytes, *, filename: str) -> list[Message]:
    """Messages of an uploaded export: a CSV/Excel table or plain text."""
    if not data.strip():
        raise ChatFileError("The file is empty.")
    if looks_like_table(data) or filename.lower().endswith((".csv", ".xlsx")):
        return parse_table(data, filename=filename)
    return parse_chat(decode(data))
