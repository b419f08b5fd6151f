"""Workbooks built in the tests, in the template's columns."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from zugong.core import idnumber
from zugong.imports.rules import HEADERS, SHEET_NAME


def new_id(seq: int, birth=dt.date(1988, 5, 4)) -> str:
    return idnumber.make("110102", birth, seq)


def row(**cells) -> list:
    """A sheet row from header=value pairs; the others empty."""
    return [cells.get(h) for h in HEADERS]


def member(name: str, id_number, org_code: str, **more) -> list:
    cells = {
        "姓名": name,
        "公民身份号码": id_number,
        "所在党组织编码": org_code,
        "党员类别": "正式党员",
        "入党日期": "2012-07-01",
        "转正日期": "2013-07-01",
        **more,
    }
    return row(**cells)


def workbook(rows=(), *, sheet=SHEET_NAME, headers=HEADERS, setup=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if headers:
        ws.append(list(headers))
    for r in rows:
        ws.append(r)
    if setup:
        setup(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
