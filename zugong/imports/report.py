"""The files the import hands back: the blank template, and the user's own sheet annotated with every
problem (a red cell and a 错误说明 column), both real .xlsx files that open in Excel and WPS."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .reader import CellIssue
from .rules import COLUMNS, HEADERS, SHEET_NAME

RED = PatternFill("solid", fgColor="FFC7CE")
BOLD = Font(bold=True)
TEXT_COLUMNS = ("公民身份号码", "联系电话", "所在党组织编码")
TEMPLATE_ROWS = 2000  # rows pre-formatted as text for the ID column


def template_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = BOLD
    for index, (header, required, _example, note) in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = max(12, len(header) * 2 + 4)
        if note:
            ws.cell(row=1, column=index).comment = Comment(("必填。" if required else "") + note, "组工")
        if header in TEXT_COLUMNS:
            # Text format stops Excel from turning an ID number into 1.10101E+17.
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
    status = DataValidation(type="list", formula1='"预备党员,正式党员"', allow_blank=True)
    ws.add_data_validation(status)
    status.add(f"L2:L{TEMPLATE_ROWS + 1}")
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列", "是否必填", "示例", "说明"])
    for cell in help_ws[1]:
        cell.font = BOLD
    for header, required, example, note in COLUMNS:
        help_ws.append([header, "必填" if required else "选填", example, note])
    help_ws.append([])
    help_ws.append(
        [
            "按公民身份号码新增或更新：号码已在册的人员会被更新，否则新增。整表校验通过后一次性写入，有任何错误则不写入。"
        ]
    )
    for letter, width in (("A", 16), ("B", 10), ("C", 44), ("D", 60)):
        help_ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def annotated_workbook(data: bytes, issues: list[CellIssue], *, sheet_name: str = SHEET_NAME):
    """The uploaded sheet again, with a first column 错误说明 and the bad cells filled red. Streams the
    input (read-only) into a write-only workbook; returns a temporary file positioned at 0."""
    import tempfile

    by_row: dict[int, list[CellIssue]] = defaultdict(list)
    for issue in issues:
        by_row[issue.row].append(issue)
    src = load_workbook(io.BytesIO(data), read_only=True, data_only=False)[sheet_name]
    out = Workbook(write_only=True)
    ws = out.create_sheet(sheet_name)
    rows = src.iter_rows(values_only=True)
    headers = [str(h) if h is not None else "" for h in next(rows)]
    header_cells = []
    for value in ["错误说明", *headers]:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = BOLD
        header_cells.append(cell)
    ws.append(header_cells)
    for number, values in enumerate(rows, start=2):
        problems = by_row.get(number, [])
        bad_columns = {p.column for p in problems}
        note = WriteOnlyCell(ws, value="；".join(f"{p.column}：{p.message}" for p in problems) or None)
        if problems:
            note.fill = RED
        cells = [note]
        for header, value in zip(headers, values or (), strict=False):
            cell = WriteOnlyCell(ws, value=value)
            if header in bad_columns:
                cell.fill = RED
            cells.append(cell)
        ws.append(cells)
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse, which closes it
    out.save(tmp)
    tmp.seek(0)
    return tmp
