"""Reading an uploaded roster workbook safely: the file is checked before openpyxl parses it, rows are
streamed (read-only mode), and every problem becomes a Chinese message with its row and column.

Nothing here touches the database."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

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


def _sheet_xml_path(data: bytes, sheet_index: int) -> str | None:
    """The zip path of the n-th worksheet (for reading its merged cells without loading the sheet)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        candidates = sorted(
            (n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
            key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)),
        )
    return candidates[sheet_index] if sheet_index < len(candidates) else None


def merged_ranges(data: bytes, sheet_index: int) -> list[str]:
    path = _sheet_xml_path(data, sheet_index)
    if path is None:
        return []
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(path) as fh:
        for _, elem in iterparse(fh, events=("end",)):
            if elem.tag.endswith("}mergeCell"):
                found.append(elem.get("ref", ""))
            elem.clear()
    return found


def open_sheet(data: bytes, *, sheet_name: str, required_headers: list[str], max_rows: int) -> SheetRows:
    """Open the named sheet, check its header row, and stream its data rows.

    Raises WorkbookError for problems of the whole file (no such sheet, missing headers, empty sheet)."""
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
    ws = wb[sheet_name]
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None or all(v is None for v in header_row):
        raise WorkbookError(f"工作表“{sheet_name}”是空的：第 1 行应为表头。")
    headers = [clean_text(v) if v is not None else "" for v in header_row]
    missing = [h for h in required_headers if h not in headers]
    if missing:
        raise WorkbookError(f"表头缺少以下列：{'、'.join(missing)}。请使用下载的模板，不要修改第 1 行。")
    sheet_index = wb.sheetnames.index(sheet_name)
    merged = [r for r in merged_ranges(data, sheet_index) if range_boundaries(r)[3] >= 2]
    if merged:
        shown = "、".join(merged[:10]) + ("等" if len(merged) > 10 else "")
        raise WorkbookError(f"表中有合并单元格（{shown}），每个人员应占一行，请取消合并并补全内容后再导入。")

    def generate():
        count = 0
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue  # blank rows (a sheet may claim a million of them) are skipped
            count += 1
            if count > max_rows:
                raise WorkbookError(f"数据超过 {max_rows:,} 行上限，请分批导入。")
            yield number, {h: v for h, v in zip(headers, values, strict=False) if h}

    wb_rows = generate()
    return SheetRows(headers=headers, rows=wb_rows, merged=merged)


def clean_text(value) -> str:
    """Full-width characters folded (NFKC), stray and non-breaking spaces removed at the ends."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
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
