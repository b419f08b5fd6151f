"""Streamed Excel export of any list: rows are read in chunks and written by openpyxl's write-only
workbook to a temporary file, so memory stays flat however many rows there are."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(
    *, title: str, headers: list[str], rows: Iterable[list], watermark: str = ""
) -> tuple[object, int]:
    """Write rows to a temporary xlsx file; return (file object positioned at 0, row count)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    if watermark:
        cell = WriteOnlyCell(ws, value=watermark)
        cell.font = Font(color="808080", italic=True)
        ws.append([cell])
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    count = 0
    for row in rows:
        ws.append(row)
        count += 1
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse, which closes it
    wb.save(tmp)
    tmp.seek(0)
    return tmp, count


def rows_xlsx_response(
    *,
    request,
    filename: str,
    title: str,
    headers: list[str],
    rows: Iterable[list],
    detail: dict,
    note: str = "",
) -> FileResponse:
    """Export ``rows`` (already restricted and filtered) under ``headers``: the exporter's watermark line (and
    ``note``), one audit event "export" with ``detail``, the row count and the filter, a dated file name."""
    user = request.user
    now = timezone.localtime()
    watermark = (
        f"导出人：{user.display_name or user.username}（{user.username}）  导出时间：{now:%Y-%m-%d %H:%M:%S}"
    )
    tmp, count = write_xlsx(
        title=title, headers=headers, rows=rows, watermark=f"{watermark}  {note}" if note else watermark
    )
    audit.record_event(
        actor=user, event="export", detail={**detail, "rows": count, "filter": request.GET.urlencode()}
    )
    name = f"{filename}-{now:%Y%m%d%H%M}.xlsx"
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def xlsx_response(
    *, request, queryset, filename: str, title: str, columns: list[tuple[str, Callable]], what: str
) -> FileResponse:
    """Export ``queryset`` (already restricted and filtered) with ``columns`` of (header, getter)."""
    rows = ([getter(obj) for _, getter in columns] for obj in queryset.iterator(chunk_size=2000))
    return rows_xlsx_response(
        request=request, filename=filename, title=title, headers=[h for h, _ in columns], rows=rows,
        detail={"what": what},
    )  # fmt: skip
