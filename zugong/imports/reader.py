"""Reading an uploaded roster workbook safely: the file is checked before it is parsed, rows are read by
calamine (or streamed by openpyxl in read-only mode for unusual sheets), and every problem becomes a
Chinese message with its row and column.

Nothing here touches the database."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from python_calamine import CalamineWorkbook

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format
MAX_CELL_CHARS = 500


class WorkbookError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class CellIssue:
    row: int  # the Excel row number the user sees
    column: str  # the header text (or the column letter when there is no header)
    message: str
    letter: str = ""


@dataclass
class SheetRows:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]  # (Excel row number, {header: raw value})
    merged: list[str] = field(default_factory=list)


def check_file(data: bytes, *, max_bytes: int) -> None:
    if len(data) == 0:
        raise WorkbookError("上传的文件是空的。")
    if len(data) > max_bytes:
        raise WorkbookError(f"文件大小 {len(data) / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB。")
    if data.startswith(OLE_MAGIC):
        raise WorkbookError("这是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中“另存为 .xlsx”后再导入。")
    if not data.startswith(XLSX_MAGIC):
        raise WorkbookError("文件不是 Excel（.xlsx）格式，请使用下载的模板填写后上传。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise WorkbookError("文件已损坏或不是有效的 .xlsx 文件。")
    if "xl/workbook.xml" not in names:
        raise WorkbookError("文件不是 Excel 工作簿（可能是 Word 或其他格式改了扩展名）。")


# ---- what the sheet's XML says, read once in chunks without building elements -------------------------

SCAN_CHUNK = 4 * 1024 * 1024
# One pass finds formulas (<f>), merged ranges (<mergeCell ref=…>) and row numbers (<row r=…>), with or
# without a namespace prefix; a second, literal-led one finds a cell beyond column Z (r="AA1").
MARKUP = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:(f)[\s>/]|mergeCell\s[^>]*?\bref=\"([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)\""
    rb"|row\s[^>]*?\br=\"(\d+)\")"
)
WIDE_CELL = re.compile(rb'r="[A-Z]{2,3}\d')


@dataclass
class SheetScan:
    formulas: bool = False
    merged: list[str] = field(default_factory=list)
    last_row: int = 0
    wide: bool = False


def sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip path of the named worksheet, from xl/workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = next(
        (
            value
            for el in workbook.iter()
            if el.tag.endswith("}sheet") and el.get("name") == sheet_name
            for key, value in el.attrib.items()
            if key.endswith("}id")
        ),
        None,
    )
    target = next(
        (
            el.get("Target", "")
            for el in rels.iter()
            if el.tag.endswith("}Relationship") and el.get("Id") == rel_id
        ),
        None,
    )
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def scan_sheet(data: bytes, sheet_name: str) -> SheetScan | None:
    """Formulas, merged cells, the last row number and whether a column beyond Z is used, from one pass
    over the sheet's XML in chunks (a chunk is cut after its last ``>``, so no tag is split)."""
    scan = SheetScan()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = sheet_part(zf, sheet_name)
        if part is None or part not in zf.namelist():
            return None
        with zf.open(part) as fh:
            carry = b""
            while True:
                chunk = fh.read(SCAN_CHUNK)
                buf = carry + chunk
                cut = len(buf) if not chunk else buf.rfind(b">") + 1
                part_buf, carry = buf[:cut], buf[cut:]
                last_row = scan.last_row
                for _formula, merged, row in MARKUP.findall(part_buf):
                    if row:
                        last_row = max(last_row, int(row))
                    elif merged:
                        scan.merged.append(merged.decode())
                    else:
                        scan.formulas = True
                scan.last_row = last_row
                scan.wide = scan.wide or WIDE_CELL.search(part_buf) is not None
                if not chunk:
                    break
    return scan


def open_sheet(data: bytes, *, sheet_name: str, required_headers: list[str], max_rows: int) -> SheetRows:
    """Open the named sheet, check its header row, and stream its data rows.

    A plain sheet (no formulas, columns A–Z, no more rows than the limit allows) is read by calamine, which
    is an order of magnitude faster than openpyxl; anything else (formulas to report cell by cell, a sheet
    claiming a million rows that calamine would lay out densely) is streamed by openpyxl in read-only mode.
    Raises WorkbookError for problems of the whole file (no such sheet, missing headers, empty sheet)."""
    scan = scan_sheet(data, sheet_name)
    merged = [r for r in (scan.merged if scan else []) if range_boundaries(r)[3] >= 2]
    if scan is not None and not scan.formulas and not scan.wide and scan.last_row <= max_rows * 3 // 2 + 1:
        try:
            found = _calamine_rows(data, sheet_name)
        except Exception:  # calamine refuses some files openpyxl reads; openpyxl gives the message
            found = None
        if found is not None:
            headers, rows = found
            return _sheet_rows(sheet_name, headers, rows, required_headers, merged, max_rows)
    return _openpyxl_sheet(data, sheet_name, required_headers, merged, max_rows)


def _calamine_rows(data: bytes, sheet_name: str):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = wb.get_sheet_by_name(sheet_name)
    start = sheet.start
    if start is None:
        return [], iter(())
    if start[0] != 0:  # the first row is empty: no header row
        return [], iter(())
    rows = sheet.iter_rows()
    header_row = [None if v == "" else v for v in next(rows, [])]

    def values():
        for number, row in enumerate(rows, start=2):
            # openpyxl's conventions, which the rules expect: None for an empty cell, int for a whole number
            yield (
                number,
                [None if v == "" else (int(v) if type(v) is float and v.is_integer() else v) for v in row],
            )

    return header_row, values()


def _openpyxl_sheet(data: bytes, sheet_name: str, required_headers, merged, max_rows) -> SheetRows:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise WorkbookError(
            f"无法读取该工作簿：{type(exc).__name__}。请用 Excel 或 WPS 打开检查后另存为 .xlsx。"
        )
    if sheet_name not in wb.sheetnames:
        raise WorkbookError(
            f"找不到名为“{sheet_name}”的工作表（文件中的工作表：{'、'.join(wb.sheetnames) or '无'}）。"
            "请使用下载的模板。"
        )
    rows = wb[sheet_name].iter_rows(values_only=True)
    header_row = next(rows, None)
    return _sheet_rows(
        sheet_name, header_row or [], enumerate(rows, start=2), required_headers, merged, max_rows
    )


def _sheet_rows(sheet_name, header_row, rows, required_headers, merged, max_rows) -> SheetRows:
    if not header_row or all(v is None for v in header_row):
        raise WorkbookError(f"工作表“{sheet_name}”是空的：第 1 行应为表头。")
    headers = [clean_text(v) if v is not None else "" for v in header_row]
    missing = [h for h in required_headers if h not in headers]
    if missing:
        raise WorkbookError(f"表头缺少以下列：{'、'.join(missing)}。请使用下载的模板，不要修改第 1 行。")
    if merged:
        shown = "、".join(merged[:10]) + ("等" if len(merged) > 10 else "")
        raise WorkbookError(f"表中有合并单元格（{shown}），每个人员应占一行，请取消合并并补全内容后再导入。")

    def generate():
        count = 0
        for number, values in rows:
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue  # blank rows (a sheet may claim a million of them) are skipped
            count += 1
            if count > max_rows:
                raise WorkbookError(f"数据超过 {max_rows:,} 行上限，请分批导入。")
            yield number, {h: v for h, v in zip(headers, values, strict=False) if h}

    return SheetRows(headers=headers, rows=generate(), merged=merged)


def clean_text(value) -> str:
    """Full-width characters folded (NFKC), stray and non-breaking spaces removed at the ends."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text.isascii():  # NFKC leaves ASCII as it is, and there is no U+3000 or U+00A0 in it
        return text.strip()
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u3000", " ").replace("\xa0", " ").strip()


def column_letter(headers: list[str], header: str) -> str:
    return get_column_letter(headers.index(header) + 1) if header in headers else ""


DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value) -> dt.date:
    """A date from an Excel date cell, a serial number, or text such as 2005-07-01, 2005/7/1, 2005年7月1日,
    20050701. Raises ValueError with a Chinese message."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 10000 < value < 80000 and float(value).is_integer():
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError("日期格式不正确（应为 2005-07-01 这样的日期）")
    text = clean_text(value).replace(" ", "")
    for pattern in DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise ValueError(f"“{text}”不是有效日期")
    raise ValueError(f"日期“{text[:20]}”格式不正确（应为 2005-07-01 这样的日期）")
