"""The import of the online academy's export (姓名, 身份证号, 课程名称, 学习时长（分钟）, 学习日期) into the credit
ledger, by the 干部教育科 only.

Every row is checked first: the cells, duplicates inside the file, the person behind the ID number (one
query per 5,000 numbers, by blind index), the year's rules. A file with a single problem is refused as a
whole (``ImportRejected`` lists every bad row; nothing is written). A good file is written in one
transaction, set-based: the entries with ``INSERT … ON CONFLICT DO NOTHING`` on (person, source_key), then
one recompute per year touched for the cadres concerned, then the audit rows in bulk. The source key is
a digest of person, course and date, so importing the same file twice adds nothing the second
time (the batch says added 0, skipped N).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import sqlite3
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from zugong.core import audit, crypto, idnumber
from zugong.core.roles import Action
from zugong.imports import reader
from zugong.imports.reader import CellIssue, WorkbookError, clean_text
from zugong.orgs.models import Organization
from zugong.people.models import ID_NUMBER_CONTEXT, Person

from . import ledger
from .models import Category, CreditEntry, CreditRuleSet, ImportBatch, Source
from .services import ensure_training_office

HEADERS = ["姓名", "身份证号", "课程名称", "学习时长（分钟）", "学习日期"]
NAME, ID_NUMBER, COURSE, MINUTES, DATE = HEADERS
MAX_ROWS = 200_000
MAX_BYTES = 20 * 1024 * 1024
SHEET_NAME = "学习记录"  # the template's sheet; another file's first sheet is read
FILE_COLUMN = "文件"
MAX_MINUTES = Decimal(1440)
MAX_TITLE = 200
CHUNK = 5000  # ID numbers or source keys per lookup query
INSERT_BATCH = 5000  # rows a statement
CENT = Decimal("0.01")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The reader folds the header text (NFKC: “（” becomes “(”), so the headers are looked up folded too.
KEYS = {h: clean_text(h) for h in HEADERS}
ORDER = {h: i for i, h in enumerate(HEADERS)}

NOT_FOUND = "系统中没有该身份证号的人员"
NAME_MISMATCH = "姓名与身份证号不符"
NOT_CADRE = "该人员不是区管干部，网络学院学时只记入区管干部的学分"
ARCHIVED = "该人员已归档"
CLOSED = "该年度已关账"


class ImportRejected(Exception):
    """The file was refused as a whole; ``issues`` lists every problem, ``rows`` the data rows read."""

    def __init__(self, issues: list[CellIssue], rows: int):
        self.issues, self.rows = issues, rows
        bad = len({i.row for i in issues if i.column != FILE_COLUMN})
        if bad:
            message = f"共 {bad} 行有误，未导入任何记录。"
        else:
            message = "".join(i.message for i in issues[:1]) + "未导入任何记录。"
        super().__init__(message)


@dataclass
class ImportCheck:
    rows: int = 0
    new: int = 0  # entries the import would add
    existing: int = 0  # rows imported before (same person, course and date)
    issues: list[CellIssue] = field(default_factory=list)
    years: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Row:
    row: int
    name: str
    digest: str = ""  # the ID number's blind index
    course: str = ""
    minutes: Decimal | None = None
    date: dt.date | None = None
    person_id: int | None = None
    source_key: str = ""  # sha256 of person, course and date: the entry's idempotency key
    bad: bool = False


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    issues: list[CellIssue] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)
    existing: set[tuple[int, str]] = field(default_factory=set)  # (person id, source key) already there
    missing_years: set[int] = field(default_factory=set)  # open years without a rule set yet (this year)
    names: dict[int, str] = field(default_factory=dict)  # person id -> name on the roll

    def issue(self, r: _Row, column: str, message: str) -> None:
        r.bad = True
        self.issues.append(CellIssue(r.row, column, message, self.letters.get(column, "")))

    def fresh(self) -> list[_Row]:
        return [r for r in self.rows if (r.person_id, r.source_key) not in self.existing]

    def check(self) -> ImportCheck:
        good = [r for r in self.rows if not r.bad]
        existing = sum(1 for r in good if (r.person_id, r.source_key) in self.existing)
        return ImportCheck(
            rows=len(self.rows), new=len(good) - existing, existing=existing, issues=self.issues,
            years={r.date.year for r in self.rows if r.date is not None},
        )  # fmt: skip


# ---- reading (no database) -------------------------------------------------------------------------------


def _sheet_name(data: bytes) -> str:
    """The template's sheet when the file has it, else the first sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        raise WorkbookError("文件已损坏或不是有效的 .xlsx 文件。")
    names = [el.get("name", "") for el in root.iter() if el.tag.endswith("}sheet") or el.tag == "sheet"]
    if not names:
        raise WorkbookError("工作簿中没有工作表。")
    return SHEET_NAME if SHEET_NAME in names else names[0]


def _minutes(value) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("学习时长不能为空")
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise ValueError("学习时长应为分钟数，例如 45")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = clean_text(value).replace(" ", "").removesuffix("分钟")
    try:
        minutes = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"学习时长“{text[:20]}”不是数字，应为分钟数，例如 45")
    if not minutes.is_finite():
        raise ValueError("学习时长应为分钟数，例如 45")
    if minutes > MAX_MINUTES:
        raise ValueError("学习时长不能超过 1440 分钟（一天）")
    minutes = minutes.quantize(CENT, rounding=ROUND_HALF_UP)
    if minutes <= 0:
        raise ValueError("学习时长应大于 0 分钟")
    return minutes


def _read(data: bytes) -> _Plan:
    """Read and check every row's cells, and duplicates inside the file. A problem of the whole file
    becomes one issue on row 1."""
    plan = _Plan()
    try:
        reader.check_file(data, max_bytes=MAX_BYTES)
        sheet = reader.open_sheet(
            data, sheet_name=_sheet_name(data), required_headers=list(KEYS.values()), max_rows=MAX_ROWS
        )
        plan.letters = {h: reader.column_letter(sheet.headers, k) for h, k in KEYS.items()}
        cipher = crypto.ColumnCipher(ID_NUMBER_CONTEXT)
        today = timezone.localdate()
        first: dict[tuple[str, str, dt.date], int] = {}
        for number, raw in sheet.rows:
            r = _Row(row=number, name=clean_text(raw.get(KEYS[NAME])))
            plan.rows.append(r)
            if not r.name:
                plan.issue(r, NAME, "姓名不能为空")
            id_text = clean_text(raw.get(KEYS[ID_NUMBER]))
            if not id_text:
                plan.issue(r, ID_NUMBER, "身份证号不能为空")
            else:
                try:
                    r.digest = cipher.blind_index(idnumber.parse(id_text)[0])
                except ValidationError as exc:
                    plan.issue(r, ID_NUMBER, exc.messages[0].replace("公民身份号码", "身份证号"))
            r.course = clean_text(raw.get(KEYS[COURSE]))
            if not r.course:
                plan.issue(r, COURSE, "课程名称不能为空")
            elif len(r.course) > MAX_TITLE:
                plan.issue(r, COURSE, f"课程名称不能超过 {MAX_TITLE} 个字（现为 {len(r.course)} 个）")
            elif CONTROL.search(r.course):
                plan.issue(r, COURSE, "课程名称含有不可见的控制字符")
            try:
                r.minutes = _minutes(raw.get(KEYS[MINUTES]))
            except ValueError as exc:
                plan.issue(r, MINUTES, str(exc))
            value = raw.get(KEYS[DATE])
            if value is None or (isinstance(value, str) and not value.strip()):
                plan.issue(r, DATE, "学习日期不能为空")
            else:
                try:
                    r.date = reader.parse_date(value)
                except ValueError as exc:
                    plan.issue(r, DATE, str(exc))
                else:
                    if r.date > today:
                        plan.issue(r, DATE, f"学习日期 {r.date} 晚于今天")
                        r.date = None
            if r.digest and r.course and r.date is not None:
                earlier = first.setdefault((r.digest, r.course, r.date), number)
                if earlier != number:
                    plan.issue(r, COURSE, f"与第 {earlier} 行重复（同一人员、课程和学习日期）")
        if not plan.rows:
            plan.issues.append(CellIssue(1, FILE_COLUMN, "文件中没有数据行。"))
    except WorkbookError as exc:
        plan.rows, plan.issues = [], [CellIssue(1, FILE_COLUMN, str(exc))]
    return plan


# ---- checking against the database ---------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_people(actor, plan: _Plan) -> None:
    """Each ID number to a person, in bulk: known, same name, a district cadre, not archived."""
    by_digest: dict[str, list[_Row]] = defaultdict(list)
    for r in plan.rows:
        if r.digest:
            by_digest[r.digest].append(r)
    found: dict[str, tuple] = {}
    for chunk in _chunks(list(by_digest)):
        people = Person.objects.restrict(actor, Action.VIEW).filter(id_number_hash__in=chunk)
        for digest, *rest in people.values_list(
            "id_number_hash", "pk", "name", "is_district_cadre", "archived_at"
        ):
            found[digest] = tuple(rest)
    for digest, rows in by_digest.items():
        person = found.get(digest)
        for r in rows:
            if person is None:
                plan.issue(r, ID_NUMBER, NOT_FOUND)
                continue
            pk, name, cadre, archived_at = person
            if r.name and "".join(r.name.split()) != "".join(name.split()):
                plan.issue(r, NAME, NAME_MISMATCH)
            elif archived_at is not None:
                plan.issue(r, ID_NUMBER, ARCHIVED)
            elif not cadre:
                plan.issue(r, ID_NUMBER, NOT_CADRE)
            else:
                r.person_id = pk
                plan.names[pk] = name


def _check_years(plan: _Plan, *, lock: bool) -> None:
    """Each row's year has an open rule set; this year's may be created by the import."""
    years = sorted({r.date.year for r in plan.rows if r.date is not None})
    if not years:
        return
    sets = CreditRuleSet.objects.filter(year__in=years)
    if lock:
        sets = sets.select_for_update()
    closed = dict(sets.values_list("year", "closed"))
    this_year = timezone.localdate().year
    plan.missing_years = {y for y in years if y not in closed and y == this_year}
    for r in plan.rows:
        if r.date is None:
            continue
        year = r.date.year
        if closed.get(year):
            plan.issue(r, DATE, f"{CLOSED}（{year}年度），不能再导入")
        elif year not in closed and year != this_year:
            plan.issue(r, DATE, f"{year}年度尚未设置学分规则")


def source_key(person_id: int, course: str, date: dt.date) -> str:
    """An imported entry's idempotency key: the same person, course and date give the same key — the rule
    that finds duplicates inside a file. A later file with another duration for the same course is not
    counted a second time (the entry already imported stands; the office corrects it by hand)."""
    return hashlib.sha256(f"{person_id}|{course}|{date}".encode()).hexdigest()[:64]


def _set_keys(plan: _Plan) -> None:
    for r in plan.rows:
        if r.person_id is not None and r.course and r.minutes is not None and r.date is not None:
            r.source_key = source_key(r.person_id, r.course, r.date)


def _check_existing(plan: _Plan) -> None:
    """The (person, source key) pairs already in the ledger, a query per 5,000 rows."""
    rows = [r for r in plan.rows if r.source_key]
    for chunk in _chunks(rows):
        found = (
            CreditEntry.objects.filter(
                person_id__in={r.person_id for r in chunk}, source_key__in={r.source_key for r in chunk}
            )
            .exclude(source_key="")
            .values_list("person_id", "source_key")
        )
        plan.existing.update(found)


def _sort(plan: _Plan) -> None:
    plan.issues.sort(key=lambda i: (i.row, ORDER.get(i.column, -1)))


def _analyse(actor, plan: _Plan, *, lock: bool) -> None:
    if plan.issues and not plan.rows:
        return
    _check_people(actor, plan)
    _check_years(plan, lock=lock)
    _set_keys(plan)
    _check_existing(plan)
    _sort(plan)


def check_workbook(*, actor, data: bytes, file_name: str) -> ImportCheck:
    """What the import would do with this file, writing nothing: rows, entries new and already there,
    every problem, the years concerned."""
    ensure_training_office(actor)
    plan = _read(data)
    _analyse(actor, plan, lock=False)
    return plan.check()


# ---- writing ------------------------------------------------------------------------------------------

# The columns that differ from row to row; the others are the same for the whole batch.
VARYING = ["person_id", "year", "date", "title", "source_key", "minutes"]
AUDIT_FIELDS = [*VARYING, "category", "source", "batch_id", "hours", "created_by_id"]


def run_import(*, actor, data: bytes, file_name: str) -> ImportBatch:
    """Check the file, then write every row or none (``ImportRejected``). Rows imported before are
    skipped; the cadres' years are recomputed; the batch, its entries and the event are audited."""
    ensure_training_office(actor)
    plan = _read(data)  # outside the transaction: reading a big file holds no lock
    if plan.issues and not plan.rows:
        raise ImportRejected(plan.issues, 0)
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        ensure_training_office(actor)
        _analyse(actor, plan, lock=True)
        if plan.issues:
            raise ImportRejected(plan.issues, len(plan.rows))
        for year in plan.missing_years:
            ledger.ensure_rule_set(year)
        root = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
        if root is None:
            raise ValidationError("尚未建立区委党组织，无法导入。")
        fresh = plan.fresh()
        batch = ImportBatch.objects.create(
            org=root, file_name=(file_name or "")[:200], sha256=sha256, rows=len(plan.rows), added=len(fresh),
            skipped=len(plan.rows) - len(fresh), imported_by=actor,
        )  # fmt: skip
        _insert(actor, batch, fresh, plan.names)
        years: dict[int, set[int]] = defaultdict(set)
        for r in fresh:
            years[r.date.year].add(r.person_id)
        for year in sorted(years):
            ledger.recompute(year, person_ids=years[year])
        audit.record_event(
            actor=actor,
            event=audit.Events.IMPORT,
            obj=batch,
            detail={
                "kind": "training_online",
                "file_name": batch.file_name,
                "sha256": sha256,
                "rows": batch.rows,
                "added": batch.added,
                "skipped": batch.skipped,
                "years": sorted(years),
                "cadres": len({r.person_id for r in fresh}),
            },
        )
    return batch


def _insert(actor, batch: ImportBatch, fresh: list[_Row], names: dict[int, str]) -> None:
    """The new entries, ``ON CONFLICT DO NOTHING`` on (person, source_key): a row another import wrote
    meanwhile is skipped, and the batch's counts say what this one added. Audited from the same tuples."""
    if not fresh:
        return
    template = CreditEntry(
        category=Category.ONLINE, source=Source.IMPORT, batch=batch, hours=Decimal(0), created_by=actor
    )
    rows = [(r.person_id, r.date.year, r.date, r.course, r.source_key, r.minutes) for r in fresh]
    _insert_ignoring_known(template, rows)
    by_key = {(row[0], row[4]): row for row in rows}
    same = (template.category, template.source, batch.pk, template.hours, actor.pk)
    ids, audited, reprs = [], [], []
    for pk, person_id, key in CreditEntry.objects.filter(batch=batch).values_list(
        "pk", "person_id", "source_key"
    ):
        row = by_key[(person_id, key)]
        ids.append(pk)
        audited.append(row + same)
        reprs.append(f"{names.get(person_id, '')} {row[2]} {row[3]}")
    if len(ids) != batch.added:  # another import wrote some of these rows meanwhile
        batch.added, batch.skipped = len(ids), batch.rows - len(ids)
        batch.save(update_fields=["added", "skipped", "updated_at"])
    audit.record_rows_bulk(
        actor=actor, model=CreditEntry, attnames=AUDIT_FIELDS, rows=audited, ids=ids, reprs=reprs
    )


def _insert_ignoring_known(template: CreditEntry, rows: list[tuple]) -> None:
    """``INSERT … SELECT … FROM (VALUES …) ON CONFLICT (person_id, source_key) WHERE source_key <> ''
    DO NOTHING`` (the partial unique index ``credit_source_once``): only the ``VARYING`` columns travel
    per row, the rest once a statement from ``template``; thousands of rows a statement (``bulk_create``
    would send SQLite 35 rows a statement, and quote 28 values a row)."""
    quote, pg = connection.ops.quote_name, connection.vendor == "postgresql"
    fields = [f for f in CreditEntry._meta.concrete_fields if not f.primary_key]
    where = {name: i for i, name in enumerate(VARYING, start=1)}
    select, constants = [], []
    for f in fields:
        expr = f"v.column{where[f.attname]}" if f.attname in where else "%s"
        if f.attname not in where:
            constants.append(f.get_db_prep_save(f.pre_save(template, True), connection))
        # PostgreSQL types a VALUES list's literals as text: cast each column (SQLite applies the column's type)
        select.append(f"CAST({expr} AS {f.cast_db_type(connection)})" if pg else expr)
    prep = [CreditEntry._meta.get_field(name) for name in VARYING]
    needs_prep = [i for i, f in enumerate(prep) if f.get_internal_type() in ("DateField", "DecimalField")]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:
        limit = 65535
    per = max(1, min((limit - len(constants)) // len(VARYING), INSERT_BATCH))
    row_sql = "(" + ", ".join(["%s"] * len(VARYING)) + ")"
    head = (
        f"INSERT INTO {quote(CreditEntry._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT {', '.join(select)} FROM (VALUES "
    )
    # "WHERE 1 = 1": SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT
    key = f"{quote('person_id')}, {quote('source_key')}"
    tail = f") v WHERE 1 = 1 ON CONFLICT ({key}) WHERE NOT ({quote('source_key')} = '') DO NOTHING"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = list(constants)
            for row in chunk:
                row = list(row)
                for i in needs_prep:
                    row[i] = prep[i].get_db_prep_save(row[i], connection)
                params.extend(row)
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)


# ---- files handed back ------------------------------------------------------------------------------------

BOLD = Font(bold=True)
EXAMPLE = ["张三", "110101198001010011", "学习贯彻党的二十大精神专题网络课程", 45]
NOTES = [
    (NAME, "必填。与系统人员名册中的姓名一致。"),
    (ID_NUMBER, "必填。18 位，末位可为 X；请将该列设为“文本”格式，避免 Excel 改成科学计数法。"),
    (COURSE, f"必填。不超过 {MAX_TITLE} 个字。"),
    (MINUTES, "必填。大于 0、不超过 1440 的分钟数，可有两位小数；按当年学分规则折算为网络学时。"),
    (DATE, "必填。如 2025-03-15；不能晚于今天；该年度须已设置学分规则且未关账。"),
]
TEMPLATE_ROWS = 2000


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_xlsx() -> bytes:
    """The template: the five headers, an example row to delete, column widths, a 说明 sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append(HEADERS)
    ws.append([*EXAMPLE, timezone.localdate()])
    for cell in ws[1]:
        cell.font = BOLD
    for letter, width in zip("ABCDE", (12, 24, 48, 18, 14), strict=True):
        ws.column_dimensions[letter].width = width
    for row in range(2, TEMPLATE_ROWS + 2):
        ws.cell(row=row, column=2).number_format = "@"  # text: the ID number stays as typed
        ws.cell(row=row, column=5).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["列", "填写要求"])
    for cell in notes[1]:
        cell.font = BOLD
    for row in NOTES:
        notes.append(list(row))
    notes.append([])
    for line in (
        "第 2 行是示例，导入前请删除。可以直接上传网络学院导出的文件，多出的列不读取。",
        "整表校验通过后一次性导入；有任何一行有误则不导入任何记录，并列出全部有误的行。",
        "同一人员、同一课程、同一学习日期的记录只记一次：同一文件重复导入不会重复计入学时；时长更正须由干部教育科手工调整。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    return _save(wb)


def issues_xlsx(issues) -> bytes:
    """The problems as a workbook: 行号, 列, 问题. ``issues`` are ``CellIssue`` or dicts with the same keys."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("有误的行")
    for letter, width in (("A", 8), ("B", 18), ("C", 70)):
        ws.column_dimensions[letter].width = width
    header = []
    for text in ("行号", "列", "问题"):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = BOLD
        header.append(cell)
    ws.append(header)
    for issue in issues:
        get = issue.get if isinstance(issue, dict) else lambda name, i=issue: getattr(i, name, "")
        ws.append([get("row"), get("column"), get("message")])
    return _save(wb)
