from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from peiban.chats.detect import find_place, is_agreement, urgency_of
from peiban.chats.parsing import ChatFileError, parse_chat, read_chat_file


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_export_layout_with_header_lines_and_multiline_messages() -> None:
    text = (
        "2026-05-03 08:12:45 张阿姨\n5栋电梯又坏了\n我妈下不了楼\n\n"
        "2026-05-03 08:20:01 老李(wxid_abc)\n收到\n"
        "老王 2026/5/3 9:05\n好的\n"
    )
    messages = parse_chat(text)
    assert [(m.sender, m.text) for m in messages] == [
        ("张阿姨", "5栋电梯又坏了\n我妈下不了楼"),
        ("老李", "收到"),
        ("老王", "好的"),
    ]
    assert messages[0].sent_at == local(2026, 5, 3, 8, 12, 45)
    assert messages[2].sent_at == local(2026, 5, 3, 9, 5)


def test_one_line_messages_and_system_lines_are_skipped() -> None:
    text = (
        "[2026-05-03 08:12] 张阿姨: 电梯又坏了\n"
        "2026-05-03 08:13 老李：收到\n"
        "王芳撤回了一条消息\n"
        "2026-05-03 08:14 小陈: [图片]\n"
    )
    messages = parse_chat(text)
    assert [(m.sender, m.text) for m in messages] == [("张阿姨", "电梯又坏了"), ("老李", "收到")]


def test_phone_paste_takes_the_day_line_and_name_colon() -> None:
    text = "2026年5月3日 下午3:05\n张阿姨：楼上太吵了\n注意：明天停水\n"
    messages = parse_chat(text)
    assert messages[0].sender == "张阿姨"
    assert messages[0].sent_at == local(2026, 5, 3, 15, 5)
    # "注意：" is not a sender: the line continues the message before it.
    assert messages[0].text == "楼上太吵了\n注意：明天停水"


def test_csv_export_with_sender_time_content_columns_in_gbk() -> None:
    data = "发送人,时间,内容\n张阿姨,2026-05-03 08:12,5栋电梯又坏了\n老李,2026-05-03 08:13,收到\n"
    messages = read_chat_file(data.encode("gbk"), filename="chat.csv")
    assert [(m.line, m.sender, m.text) for m in messages] == [
        (2, "张阿姨", "5栋电梯又坏了"),
        (3, "老李", "收到"),
    ]


def test_csv_export_missing_a_column_is_refused_by_name() -> None:
    data = "发送人,内容\n张阿姨,5栋电梯又坏了\n".encode()
    with pytest.raises(ChatFileError, match="missing: time"):
        read_chat_file(data, filename="chat.csv")


def test_csv_export_with_an_unreadable_time_names_the_row() -> None:
    data = "发送人,时间,内容\n张阿姨,昨天,5栋电梯又坏了\n".encode()
    with pytest.raises(ChatFileError, match="Row 2"):
        read_chat_file(data, filename="chat.csv")


def test_empty_file_is_refused() -> None:
    with pytest.raises(ChatFileError, match="empty"):
        read_chat_file(b"  \n", filename="chat.txt")


@pytest.mark.parametrize(
    ("text", "building", "room"),
    [
        ("5栋电梯又坏了", "5", ""),
        ("五号楼的鸡天天叫", "5", ""),
        ("3-2-301厨房漏水", "3", "301"),
        ("5栋2单元302室楼上漏水", "5", "302"),
        ("A座门口堵了", "A", ""),
    ],
)
def test_buildings_and_rooms_named_in_messages(text: str, building: str, room: str) -> None:
    place = find_place(text)
    assert place is not None
    assert (place.building, place.room) == (building, room)


@pytest.mark.parametrize("text", ["5月5号开会", "3楼装修好吵", "大家早上好"])
def test_dates_and_floors_are_not_buildings(text: str) -> None:
    assert find_place(text) is None


def test_urgency_danger_before_anger() -> None:
    assert urgency_of("燃气味好重，快来人")[0] == "danger"
    assert urgency_of("电梯又坏了，气死了")[0] == "high"
    assert urgency_of("明天能不能修一下")[0] == "normal"
    assert is_agreement("我家也是")
    assert not is_agreement("我家也是这样，楼上每天半夜都在拖椅子，吵得整晚睡不着，已经好几个月")


@given(st.text(max_size=300))
def test_parsing_any_text_never_fails_and_keeps_no_blank_messages(text: str) -> None:
    for message in parse_chat(text):
        assert message.text.strip()
        assert len(message.sender) <= 60


@given(st.integers(1, 99), st.integers(1, 9), st.integers(101, 2999))
def test_any_shorthand_address_reads_back(building: int, unit: int, room: int) -> None:
    place = find_place(f"我家{building}-{unit}-{room}漏水了")
    assert place is not None
    assert (place.building, place.unit, place.room) == (str(building), str(unit), str(room))


def test_xlsx_export_with_wechat_style_columns() -> None:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["NickName", "StrTime", "StrContent"])
    sheet.append(["张阿姨", datetime(2026, 5, 3, 8, 12), "5栋电梯又坏了"])
    sheet.append(["老李", "2026-05-03 08:13:00", "收到"])
    data = BytesIO()
    book.save(data)
    messages = read_chat_file(data.getvalue(), filename="chat.xlsx")
    assert [(m.sender, m.text) for m in messages] == [("张阿姨", "5栋电梯又坏了"), ("老李", "收到")]
    assert messages[0].sent_at == local(2026, 5, 3, 8, 12)
