import io

import pytest

from zugong.imports.reader import WorkbookError, check_file, open_sheet
from zugong.imports.rules import REQUIRED, SHEET_NAME

from .helpers import workbook

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
