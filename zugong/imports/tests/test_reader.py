import datetime as dt
import io

import pytest

from zugong.imports import reader
from zugong.imports.reader import WorkbookError, check_file, open_sheet
from zugong.imports.rules import HEADERS, REQUIRED, SHEET_NAME

from .helpers import member, new_id, workbook

MB = 1024 * 1024


def read(data: bytes, max_rows=1000):
    check_file(data, max_bytes=5 * MB)
    sheet = open_sheet(data, sheet_name=SHEET_NAME, required_headers=REQUIRED, max_rows=max_rows)
    return list(sheet.rows)


def test_it_refuses_a_file_that_is_not_xlsx():
    with pytest.raises(WorkbookError, match="不是 Excel"):
        read("姓名,公民身份号码\n王小红,110101198503080027\n".encode())


def test_it_refuses_a_renamed_xls():
    with pytest.raises(WorkbookError, match=r"旧版 Excel（\.xls）"):
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def test_it_refuses_a_docx_renamed_to_xlsx():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(WorkbookError, match="不是 Excel 工作簿"):
        read(buf.getvalue())


def test_it_refuses_an_empty_file_and_an_empty_sheet():
    with pytest.raises(WorkbookError, match="空的"):
        read(b"")
    with pytest.raises(WorkbookError, match="是空的"):
        read(workbook(headers=None))


def test_it_names_the_sheets_it_found_when_the_sheet_is_wrong():
    with pytest.raises(WorkbookError, match="找不到名为“人员名册”的工作表（文件中的工作表：Sheet1）"):
        read(workbook(sheet="Sheet1"))


def test_it_refuses_missing_headers():
    with pytest.raises(WorkbookError, match="表头缺少以下列：公民身份号码"):
        read(workbook(headers=["姓名"]))


def test_it_refuses_merged_cells():
    def merge(ws):
        ws.merge_cells("L2:L3")

    with pytest.raises(WorkbookError, match="合并单元格（L2:L3）"):
        read(workbook([["王小红"], ["李建国"]], setup=merge))


def test_it_refuses_an_upload_over_the_size_limit():
    with pytest.raises(WorkbookError, match="超过上限 5 MB"):
        check_file(b"PK\x03\x04" + b"0" * (6 * MB), max_bytes=5 * MB)


def test_it_skips_blank_rows_of_a_sheet_claiming_a_million_rows():
    def far_cell(ws):
        ws.cell(row=1_048_576, column=1, value=" ")

    data = workbook([["王小红", "110101198503080027"]], setup=far_cell)
    rows = read(data)
    assert [number for number, _ in rows] == [2]


def test_it_stops_at_the_row_limit():
    data = workbook([["王小红", "110101198503080027"]] * 5)
    with pytest.raises(WorkbookError, match="超过 3 行上限"):
        read(data, max_rows=3)


def test_it_reads_formulas_as_formulas_not_values():
    data = workbook([["王小红", "110101198503080027", "=1+1"]])
    ((_, row),) = read(data)
    assert row["民族"] == "=1+1"


def rows_read_by_openpyxl(data: bytes, monkeypatch) -> list:
    with monkeypatch.context() as m:
        m.setattr(reader, "_calamine_rows", lambda *a: None)
        return read(data)


def plain(rows):
    """Dates as dates: openpyxl gives a datetime for a date cell, calamine a date."""
    return [(n, {h: v.date() if isinstance(v, dt.datetime) else v for h, v in r.items()}) for n, r in rows]


def test_it_reads_a_plain_sheet_with_calamine_and_gets_what_openpyxl_gets(monkeypatch):
    calls = []
    real = reader._calamine_rows
    monkeypatch.setattr(reader, "_calamine_rows", lambda *a: calls.append(a) or real(*a))
    data = workbook(
        [
            member("王小红", new_id(1), "SFQ01", 入党日期=dt.date(2012, 7, 1), 联系电话=13812345678),
            member("李建国", 110101198503080027.0, "ＳＦＱ０２ ", 转正日期="2013/7/1"),
            [None] * len(HEADERS),
            member("赵 六", new_id(2), "SFQ01", 家庭住址="幸福路　1 号", 入党日期=38534),
        ]
    )
    fast = read(data)
    assert len(calls) == 1, "a plain sheet is read by calamine"
    assert [n for n, _ in fast] == [2, 3, 5]
    assert fast[0][1]["联系电话"] == 13812345678 and fast[0][1]["入党日期"] == dt.date(2012, 7, 1)
    assert fast[0][1]["工作单位"] is None  # an empty cell is None, as openpyxl gives it
    assert plain(fast) == plain(rows_read_by_openpyxl(data, monkeypatch))


def test_it_finds_the_sheet_by_its_relationship_not_by_file_order():
    def second_sheet_first(ws):
        wb = ws.parent
        other = wb.create_sheet("说明", 0)  # sheet1.xml is now the notes; 人员名册 is sheet2.xml
        other.merge_cells("A1:C5")

    data = workbook([["王小红", "110101198503080027"]], setup=second_sheet_first)
    assert [n for n, _ in read(data)] == [2]  # the notes' merged cells are not the roster's


def test_it_falls_back_to_openpyxl_for_formulas_and_far_rows():
    scan = reader.scan_sheet(workbook([["王小红", "110101198503080027", "=1+1"]]), SHEET_NAME)
    assert scan.formulas and scan.last_row == 2 and not scan.wide

    def far(ws):
        ws.cell(row=1_048_576, column=1, value=" ")
        ws.cell(row=3, column=30, value="x")

    scan = reader.scan_sheet(workbook([["王小红"]], setup=far), SHEET_NAME)
    assert scan.last_row == 1_048_576 and scan.wide and not scan.formulas
