"""Reading roster files (花名册): real .xlsx workbooks built with openpyxl, and CSV in three encodings."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from peiban.places.roster import RosterFileError, RosterReading, read_roster

HEADER = ["楼栋", "单元", "房号", "面积", "姓名"]


def xlsx(*rows: list[object], sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    """A workbook whose first sheet holds `rows`, plus any further named sheets."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for title, sheet_rows in (sheets or {}).items():
        extra = workbook.create_sheet(title)
        for row in sheet_rows:
            extra.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(*rows: list[object], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def read_csv(*rows: list[object], **kwargs: object) -> RosterReading:
    return read_roster(csv_bytes(*rows), filename="roster.csv", **kwargs)  # type: ignore[arg-type]


def reasons(reading: RosterReading) -> list[tuple[int, str]]:
    return [(rejection.row, rejection.reason) for rejection in reading.rejected]


# --- Reading good files ----------------------------------------------------------------------


def test_xlsx_numbers_become_strings_and_decimals() -> None:
    data = xlsx(
        ["楼栋", "单元", "房号", "楼层", "面积(㎡)", "姓名", "电话", "身份证号"],
        [3, 2, 301.0, 3, 89.1, "张三", 13800138000, "11010119900101123X"],
        ["3", "2", "302", "3", "90", "李四", "13900139000", ""],
    )
    reading = read_roster(data, filename="名册.xlsx")

    assert reading.encoding == "xlsx"
    assert reading.rejected == []
    first, second = reading.rows
    assert (first.row, first.building, first.unit, first.room) == (2, "3", "2", "301")
    assert first.floor == 3
    assert first.area == Decimal("89.10")
    assert isinstance(first.area, Decimal)
    assert str(first.area) == "89.10"  # Decimal(89.1) would be 89.09999…
    assert first.phone == "13800138000"
    assert first.id_number == "11010119900101123X"
    assert first.area_source == "registry"
    assert second.row == 3
    assert second.area == Decimal("90.00")
    assert reading.columns["area"] == "面积(㎡)"


def test_area_is_rounded_half_up_to_cents() -> None:
    reading = read_csv(HEADER, [1, 1, 101, "89.565", "甲"], [1, 1, 102, "1,234.5", "乙"])
    assert [row.area for row in reading.rows] == [Decimal("89.57"), Decimal("1234.50")]


@pytest.mark.parametrize(
    "header", ["栋", "楼栋", "楼号", "栋号", "幢", "楼", "座", "Building", "楼 栋："]
)
def test_building_header_synonyms(header: str) -> None:
    reading = read_csv([header, "房号", "姓名"], ["5", "101", "王芳"])
    assert reading.columns["building"] == header.strip()
    assert (reading.rows[0].building, reading.rows[0].room) == ("5", "101")


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        (["单元号"], "unit"),
        (["室"], "room"),
        (["门牌号"], "room"),
        (["户号"], "room"),
        (["面积（平方米）"], "area"),
        (["建筑面积(m²)"], "area"),
        (["专有面积："], "area"),
        (["ＡＲＥＡ"], "area"),
        (["手机号"], "phone"),
        (["联系方式"], "phone"),
        (["证件号码"], "id_number"),
        (["与户主关系"], "relation"),
        (["入住年限"], "years"),
        (["*业主姓名"], "name"),
    ],
)
def test_other_header_synonyms(headers: list[str], field: str) -> None:
    base = ["地址", "面积" if field == "name" else "姓名"]
    reading = read_csv([*base, *headers], ["1-101", "2", "3"])
    assert reading.columns[field] == headers[0]
    assert reading.rejected == []


def test_title_and_blank_rows_before_the_header_keep_sheet_row_numbers() -> None:
    data = xlsx([], [], ["和平里小区业主花名册"], ["序号", *HEADER], [1, 3, 2, 301, 88, "张三"])
    reading = read_roster(data, filename="roster.xlsx")
    assert [row.row for row in reading.rows] == [5]


def test_csv_rows_count_the_header_as_row_one() -> None:
    reading = read_csv(HEADER, [1, 1, 101, "80", "甲"], [], [1, 1, 102, "abc", "乙"])
    assert reading.rows[0].row == 2
    assert reasons(reading) == [(4, "面积 is 'abc', which is not a number")]


def test_shorthand_address_column() -> None:
    reading = read_csv(["地址", "姓名", "电话"], ["3-2-301", "张三", "13800138000"])
    assert reading.rows[0].address == "3-2-301"
    assert reading.rows[0].room == ""
    assert reading.columns == {"address": "地址", "name": "姓名", "phone": "电话"}


def test_dwelling_list_without_people_needs_area() -> None:
    reading = read_csv(["楼号", "房号", "产权面积"], ["1", "101", "70.2"])
    assert reading.rows[0].area == Decimal("70.20")
    assert reading.rows[0].name == ""


@pytest.mark.parametrize(
    ("header", "value", "source"),
    [
        ("测绘面积", "", "survey"),
        ("实测面积", "", "survey"),
        ("合同面积", "", "contract"),
        ("产权面积", "", "registry"),
        ("面积", "", "registry"),
        ("面积", "测绘", "survey"),
        ("面积", "预售", "contract"),
        ("合同面积", "不动产登记", "registry"),
    ],
)
def test_area_source(header: str, value: str, source: str) -> None:
    reading = read_csv(["栋", "房号", header, "面积来源"], ["1", "101", "70", value])
    assert reading.rows[0].area_source == source


def test_use_relation_unsold_years_tags_owner_number_and_note() -> None:
    reading = read_csv(
        ["栋", "房号", "姓名", "房屋用途", "身份", "未售", "居住年限", "标签", "业主编号", "备注"],
        ["1", "101", "甲", "住宅", "业主", "否", "12", "党员、楼长，志愿者; 党员", "Y-7", "好"],
        ["1", "102", "乙", "底商", "承租人", "", "3年", "", "", ""],
        ["1", "103", "丙", "住改商", "业主配偶", "", "", "", "", "第一行\n第二行"],
        ["1", "104", "", "商铺", "", "√", "", "", "", ""],
        ["1", "105", "丁", "", "暂住亲友", "是", "", "", "", ""],
    )
    assert reading.rejected == []
    rows = reading.rows
    assert [r.use for r in rows] == ["residential", "commercial", "converted", "commercial", ""]
    assert [r.relation for r in rows] == ["owner", "tenant", "family", "", ""]
    assert rows[4].relation_text == "暂住亲友"
    assert [r.unsold for r in rows] == [False, False, False, True, True]
    assert [r.years for r in rows] == [12, 3, None, None, None]
    assert rows[0].tags == ("党员", "楼长", "志愿者")
    assert rows[0].owner_number == "Y-7"
    assert rows[2].note == "第一行\n第二行"


def test_placeholder_phone_is_blank() -> None:
    reading = read_csv(["栋", "房号", "姓名", "电话"], ["1", "101", "甲", "无"])
    assert reading.rows[0].phone == ""


def test_blank_rows_are_skipped_silently() -> None:
    reading = read_csv(HEADER, [], ["", " ", "", "", ""], [1, 1, 101, "80", "甲"], [])
    assert [row.row for row in reading.rows] == [4]
    assert reading.rejected == []


# --- Encodings and delimiters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "reported"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk")]
)
def test_encodings(encoding: str, reported: str) -> None:
    data = csv_bytes(["楼栋", "房号", "业主姓名"], ["3号楼", "301", "欧阳娜娜"], encoding=encoding)
    reading = read_roster(data, filename="roster.csv")
    assert reading.encoding == reported
    assert reading.columns["name"] == "业主姓名"  # the BOM does not stick to the first header
    assert reading.columns["building"] == "楼栋"
    assert (reading.rows[0].building, reading.rows[0].name) == ("3号楼", "欧阳娜娜")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(delimiter: str) -> None:
    data = csv_bytes(
        ["楼栋", "房号", "姓名", "备注"], ["3", "301", "张三", "a,b"], delimiter=delimiter
    )
    reading = read_roster(data, filename="roster.txt")
    assert reading.rows[0].name == "张三"
    assert reading.rows[0].note == "a,b"


def test_prefers_a_sheet_named_like_a_roster() -> None:
    data = xlsx(
        ["楼栋", "房号", "姓名"],
        ["9", "901", "别的表"],
        sheets={"业主花名册": [["楼栋", "房号", "姓名"], ["1", "101", "张三"]]},
    )
    assert read_roster(data, filename="roster.xlsx").rows[0].name == "张三"


def test_skips_a_first_sheet_without_a_header() -> None:
    data = xlsx(["填表说明"], sheets={"Sheet2": [["楼栋", "房号", "姓名"], ["1", "101", "张三"]]})
    assert read_roster(data, filename="roster.xlsx").rows[0].name == "张三"


# --- Rejected rows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("面积", "abc", "面积 is 'abc', which is not a number"),
        ("面积", "-3", "面积 is '-3', which is not more than zero"),
        ("面积", "0", "面积 is '0', which is not more than zero"),
        ("面积", "0.001", "面积 is '0.001', which rounds to 0.00"),
        ("面积", "10000.01", "面积 is '10000.01', which is more than 10000 m²"),
        ("面积", "NaN", "面积 is 'NaN', which is not a number"),
        ("楼层", "-2", "楼层 is '-2', which is not a floor between 1 and 200"),
        ("楼层", "999", "楼层 is '999', which is not a floor between 1 and 200"),
        ("楼层", "三楼", "楼层 is '三楼', which is not a whole number"),
        (
            "姓名",
            "<script>alert(1)</script>",
            "姓名 is '<script>alert(1)</script>', which looks like HTML markup",
        ),
        ("姓名", "</b>", "姓名 is '</b>', which looks like HTML markup"),
        ("姓名", "张\x07三", "姓名 is '张\\x07三', which contains a control character"),
        ("姓名", "张\u202e三", "姓名 is '张\\u202e三', which contains a control character"),
        ("姓名", "名" * 51, "姓名 is 51 characters long; the limit is 50"),
        ("电话", "138abc", "电话 is '138abc', which contains letters"),
        ("姓名", "=SUM(A1)", "姓名 is '=SUM(A1)', which is a spreadsheet formula"),
        (
            "姓名",
            '=HYPERLINK("http://evil.example","点我")',
            '姓名 is \'=HYPERLINK("http://evil.example","点我")\', which is a spreadsheet formula',
        ),
        (
            "姓名",
            "+cmd|' /C calc'!A0",
            "姓名 is '+cmd|' /C calc'!A0', which is a spreadsheet formula",
        ),
        ("备注", "-cmd", "备注 is '-cmd', which is a spreadsheet formula"),
        ("姓名", "@SUM(1+1)", "姓名 is '@SUM(1+1)', which is a spreadsheet formula"),
        ("面积", "-(3)", "面积 is '-(3)', which is a spreadsheet formula"),
        ("用途", "车位", "用途 is '车位', which is not one of 住宅, 商业 or 住改商"),
        ("面积来源", "估计", "面积来源 is '估计', which is not one of 登记, 测绘 or 合同"),
        ("未售", "也许", "未售 is '也许', which is not 是 or 否"),
        ("居住年限", "很久", "居住年限 is '很久', which is not a whole number of years"),
    ],
)
def test_row_rejections(column: str, value: str, reason: str) -> None:
    base = ["栋", "房号", "姓名", "面积"]
    header = base if column in base else [*base, column]
    good = ["1", "100", "乙", "70"] + [""] * (len(header) - len(base))
    bad = ["1", "101", "甲", "80"] + [value] * (len(header) - len(base))
    bad[header.index(column)] = value
    reading = read_csv(header, good, bad)
    assert [row.room for row in reading.rows] == ["100"]
    assert reasons(reading) == [(3, reason)]


def test_text_starting_with_a_sign_and_a_digit_is_not_a_formula() -> None:
    reading = read_csv(["栋", "房号", "姓名", "电话"], ["1", "101", "-2+3", "+86 138 0013 8000"])
    assert (reading.rows[0].name, reading.rows[0].phone) == ("-2+3", "+86 138 0013 8000")


def test_name_of_fifty_characters_is_accepted() -> None:
    reading = read_csv(["栋", "房号", "姓名"], ["1", "101", "名" * 50])
    assert reading.rows[0].name == "名" * 50


def test_several_problems_in_one_row_are_all_named() -> None:
    reading = read_csv([*HEADER, "电话"], ["1", "1", "101", "abc", "<i>x", "x1"])
    assert reasons(reading) == [
        (
            2,
            "面积 is 'abc', which is not a number; 姓名 is '<i>x', which looks like HTML "
            "markup; 电话 is 'x1', which contains letters",
        )
    ]


def test_row_without_room_or_address() -> None:
    reading = read_csv(HEADER, ["3", "2", "", "80", "张三"])
    assert reasons(reading) == [(2, "房号 is empty, so the row names no dwelling")]
    reading = read_csv(
        ["楼栋", "房号", "地址", "姓名"], ["3", "", "", "张三"], ["", "", "1-101", "李四"]
    )
    assert reasons(reading) == [(2, "房号 and 地址 are empty, so the row names no dwelling")]
    assert reading.rows[0].address == "1-101"


def test_exact_duplicate_rows_keep_the_first() -> None:
    row = ["3", "2", "301", "89.50", "张三"]
    reading = read_csv(HEADER, row, ["3", "2", "302", "89.50", "张三"], row, row)
    assert [r.row for r in reading.rows] == [2, 3]
    assert reasons(reading) == [(4, "The row duplicates row 2"), (5, "The row duplicates row 2")]


def test_rows_equal_after_reading_are_duplicates() -> None:
    reading = read_csv(
        HEADER, ["3", "2", "301", "89.5", "张三"], ["3", "2", "301", "89.50", " 张三 "]
    )
    assert reasons(reading) == [(3, "The row duplicates row 2")]


def test_xlsx_formulas_are_rejected() -> None:
    data = xlsx(
        ["楼栋", "房号", "面积", "姓名"],
        ["1", "101", "=SUM(A1)", "张三"],
        ["1", "102", 80, '=HYPERLINK("http://evil.example","点我")'],
        ["1", "103", 80, "王五"],
    )
    reading = read_roster(data, filename="roster.xlsx")
    assert [row.row for row in reading.rows] == [4]
    assert reasons(reading) == [
        (2, "面积 is '=SUM(A1)', which is a spreadsheet formula"),
        (3, '姓名 is \'=HYPERLINK("http://evil.example","点我")\', which is a spreadsheet formula'),
    ]


def test_xlsx_identity_number_stored_as_a_number_is_rejected() -> None:
    data = xlsx(["楼栋", "房号", "姓名", "身份证号"], ["1", "101", "张三", 110101199001011234])
    reading = read_roster(data, filename="roster.xlsx")
    assert reading.rejected[0].row == 2
    assert "lost its last digits" in reading.rejected[0].reason
    reading = read_csv(["楼栋", "房号", "姓名", "身份证号"], ["1", "101", "张三", "1.10101E+17"])
    assert reasons(reading) == [
        (
            2,
            "身份证号 is '1.10101E+17', which Excel stored as a number and so lost its last "
            "digits; format the column as text and enter it again",
        )
    ]


# --- Unusable files --------------------------------------------------------------------------


def test_file_over_a_small_limit_is_refused_unread() -> None:
    with pytest.raises(RosterFileError, match=r"^The file is 101 bytes; the limit is 100 bytes\.$"):
        read_roster(b"x" * 101, filename="roster.csv", max_bytes=100)


def test_file_over_the_default_limit_is_refused() -> None:
    data = bytes(21 * 2**20)
    with pytest.raises(RosterFileError, match=r"^The file is 21\.0 MB; the limit is 20 MB\.$"):
        read_roster(data, filename="roster.xlsx")


def test_truncated_xlsx() -> None:
    data = xlsx(HEADER, [1, 1, 101, 80, "张三"])
    with pytest.raises(RosterFileError, match="cannot be read"):
        read_roster(data[: len(data) // 2], filename="roster.xlsx")


def test_xlsx_with_damaged_sheet_data() -> None:
    data = bytearray(xlsx(HEADER, *([1, 1, 100 + i, 80, "张三"] for i in range(50))))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    # The compressed sheet follows its 30-byte local header, name and extra field.
    start = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)
    data[start + 20 : start + 60] = bytes(40)  # the zip directory stays intact
    with pytest.raises(RosterFileError, match="cannot be read"):
        read_roster(bytes(data), filename="roster.xlsx")


@pytest.mark.parametrize("filename", ["roster.csv", "roster.xlsx", "roster"])
def test_random_bytes(filename: str) -> None:
    data = random.Random(7).randbytes(4096)
    with pytest.raises(RosterFileError):
        read_roster(data, filename=filename)


def test_old_xls_file() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)
    with pytest.raises(RosterFileError, match=r"\.xls"):
        read_roster(data, filename="roster.xls")


def test_empty_file() -> None:
    with pytest.raises(RosterFileError, match="empty"):
        read_roster(b"  \r\n", filename="roster.csv")


def test_no_header_in_the_first_ten_rows() -> None:
    rows = [[f"说明 {i}"] for i in range(10)]
    with pytest.raises(RosterFileError, match="No header row"):
        read_csv(*rows, HEADER, [1, 1, 101, 80, "甲"])


def test_duplicate_columns_name_both_headers() -> None:
    with pytest.raises(RosterFileError, match="'建筑面积' and '产权面积（㎡）'"):
        read_csv(["楼栋", "房号", "建筑面积", "产权面积（㎡）"], ["1", "101", "80", "78"])
    data = xlsx(["楼号", "房号", "姓名", "业主姓名"], ["1", "101", "甲", "甲"])
    with pytest.raises(RosterFileError, match="'姓名' and '业主姓名'"):
        read_roster(data, filename="roster.xlsx")


def test_missing_columns_are_named() -> None:
    with pytest.raises(RosterFileError, match=r"missing columns: 房号 \(room\), or 地址"):
        read_csv(["楼栋", "姓名"], ["1", "甲"])
    with pytest.raises(RosterFileError, match=r"missing columns: 姓名 \(name\) or 面积 \(area\)"):
        read_csv(["楼栋", "房号", "电话"], ["1", "101", "138"])
    with pytest.raises(RosterFileError, match=r"楼栋 \(building\) and 房号 \(room\), or 地址"):
        read_csv(["单元", "姓名", "电话"], ["1", "甲", "138"])


def test_too_many_rows() -> None:
    rows = [[1, 1, 100 + i, 80, "甲"] for i in range(6)]
    assert len(read_csv(HEADER, *rows, max_rows=6).rows) == 6
    with pytest.raises(RosterFileError, match="more than 5 rows"):
        read_csv(HEADER, *rows, max_rows=5)


# --- Round trip ------------------------------------------------------------------------------

CHINESE = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高明华丽伟芳娜秀英敏静强磊军洋勇艳杰娟涛超"

people = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),  # building
        st.integers(min_value=1, max_value=6),  # unit
        st.text(alphabet=CHINESE, min_size=1, max_size=6),  # name
        st.decimals(min_value=1, max_value=500, places=2),  # area
        st.sampled_from(["业主", "租户", "家属", ""]),
        st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=people, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_round_trip(people: list[tuple[int, int, str, Decimal, str, str]], encoding: str) -> None:
    rows: list[list[object]] = [
        [building, unit, f"{index + 1:03d}", str(area), name, relation, phone]
        for index, (building, unit, name, area, relation, phone) in enumerate(people)
    ]
    data = csv_bytes(
        ["楼栋", "单元", "房号", "面积", "姓名", "身份", "联系电话"], *rows, encoding=encoding
    )
    reading = read_roster(data, filename="roster.csv")

    assert reading.rejected == []
    assert reading.encoding == encoding
    assert len(reading.rows) == len(people)
    for index, (row, (building, unit, name, area, relation, phone)) in enumerate(
        zip(reading.rows, people, strict=True)
    ):
        assert row.row == index + 2
        assert (row.building, row.unit, row.room) == (str(building), str(unit), f"{index + 1:03d}")
        assert row.name == name
        assert row.area == area
        assert str(row.area) == str(area)
        assert row.relation_text == relation
        assert row.phone == phone
