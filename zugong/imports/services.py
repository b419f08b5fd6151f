"""Roster import: every row is checked first (cells, duplicates inside the file, people already on the
roll); only a file without a single problem is written, in one transaction, or rehearsed (dry run) and
rolled back. Set-based throughout: one query for the organizations, one for the units, one per 1,000 ID
numbers; bulk inserts and updates; the audit rows chained in Python and inserted in bulk."""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zugong.core import audit, bulk, crypto, idnumber
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import grant_paths, scope_q
from zugong.core.strokes import name_key
from zugong.orgs.models import MEMBER_HOLDING_TYPES, Organization, OrgStatus, Unit
from zugong.people.choices import MembershipStatus, Rank
from zugong.people.models import (
    HOME_ADDRESS_CONTEXT,
    ID_NUMBER_CONTEXT,
    PHONE_CONTEXT,
    Membership,
    Person,
)

from . import reader, rules
from .models import ImportJob
from .plan import Plan, basis_of, seal, unseal
from .reader import CellIssue, WorkbookError

log = logging.getLogger(__name__)

CHUNK = 1000
ID_COLUMN = "公民身份号码"
ELSEWHERE = "该人员已在其他组织登记，需办理组织关系转接"
ARCHIVED = "该人员已归档，请先在人员名册中恢复后再导入"
MOVED = "该人员在册的所在党组织与表中不同；变更所在党组织请办理组织关系转接"
CADRE = "区管干部的职务、职级请在“干部信息”中修改"
# Optional columns: on an update, an empty cell keeps what the roster has (an import loses nothing).
OPTIONAL = {
    "民族": ("ethnicity",),
    "学历": ("education",),
    "工作单位": ("unit_id",),
    "职务": ("post",),
    "职级": ("rank",),
}

# Rows processed per running job, for the progress bar. The import writes in one transaction, which
# another connection cannot see into (and SQLite has a single writer), so progress lives in this
# process's memory; a poll served by another process sees the job's phase only.
_progress: dict[int, tuple[str, int, int]] = {}


def progress_of(job_id: int) -> tuple[str, int, int] | None:
    return _progress.get(job_id)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in(paths: list[str], path: str) -> bool:
    return paths == [""] or any(path.startswith(p) for p in paths)


# ---- what the database knows -----------------------------------------------------------------------


def build_lookups(actor, sha256: str = "") -> tuple[rules.Lookups, dict[int, str], str]:
    """The organizations the importer may add to (and their ancestors, for the name paths), and the
    units: one query each. Returns the lookups, {org id: materialized path} and the digest of both with
    the file's (``plan.basis_of``)."""
    add_paths = grant_paths(actor, Action.ADD)
    if not add_paths:
        raise PermissionDenied("您没有导入人员的权限。")
    # The ancestors of the grants' roots name the upper levels of a path such as 示范区委/东城街道党工委/…
    ancestors = {int(s) for p in add_paths for s in p.strip("/").split("/") if s}
    q = scope_q(Organization, actor, Action.ADD)
    orgs = Organization.objects.all() if q is None else Organization.objects.filter(q | Q(pk__in=ancestors))
    rows = list(orgs.values_list("id", "code", "name", "path", "org_type", "status"))
    names = {pk: name for pk, _, name, _, _, _ in rows}
    by_code, by_path, paths, in_scope, holds = {}, {}, {}, set(), set()
    for pk, code, _, path, org_type, status in rows:
        paths[pk] = path
        by_code[code] = pk
        ids = [int(s) for s in path.strip("/").split("/") if s]
        if all(i in names for i in ids):
            by_path.setdefault("/".join(names[i] for i in ids), pk)
        if _in(add_paths, path):
            in_scope.add(pk)
        if org_type in MEMBER_HOLDING_TYPES and status == OrgStatus.ACTIVE:
            holds.add(pk)
    uq = scope_q(Unit, actor, Action.VIEW)
    units = Unit.objects.filter(archived_at__isnull=True)
    if uq is not None:
        units = units.filter(uq | Q(organization_id__in=ancestors))
    unit_by_key: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for pk, name, code in units.values_list("id", "name", "code"):
        unit_by_key[code] = pk
        seen_names[name] = seen_names.get(name, 0) + 1
        unit_by_key.setdefault(name, pk)
    for name, count in seen_names.items():
        if count > 1 and unit_by_key.get(name) is not None:
            del unit_by_key[name]  # two units of that name: the code decides
    look = rules.Lookups(
        org_by_code=by_code,
        org_by_path=by_path,
        org_in_scope=in_scope.__contains__,
        org_holds_members=holds.__contains__,
        unit_by_key=unit_by_key,
        today=timezone.localdate(),
    )
    basis = basis_of(actor_id=actor.pk, sha256=sha256, look=look, org_paths=paths, scope=list(in_scope),
                     holds=list(holds))  # fmt: skip
    return look, paths, basis


def _analyse(actor, data: bytes, *, sha256: str, job_id: int | None = None) -> Plan:
    """Read and check every row. Raises WorkbookError for a problem of the whole file."""
    sheet = reader.open_sheet(
        data,
        sheet_name=rules.SHEET_NAME,
        required_headers=rules.REQUIRED,
        max_rows=settings.ZUGONG_IMPORT_MAX_ROWS,
    )
    look, org_paths, basis = build_lookups(actor, sha256)
    plan = Plan(org_paths=org_paths, basis=basis)
    cipher = crypto.ColumnCipher(ID_NUMBER_CONTEXT)
    first_row: dict[str, int] = {}
    reported: set[int] = set()
    rows_by_hash: dict[str, rules.RowData] = {}
    presents: dict[frozenset, frozenset] = {}  # one set object per combination of filled columns
    for number, raw in sheet.rows:
        plan.row_count += 1
        if job_id is not None and plan.row_count % CHUNK == 0:
            _progress[job_id] = ("校验", plan.row_count, 0)
        d = rules.validate_row(number, raw, look)
        plan.issues.extend(d.issues)
        if not d.id_number:
            continue
        digest = cipher.blind_index(d.id_number)
        first = first_row.setdefault(digest, number)
        if first != number:
            if first not in reported:
                reported.add(first)
                plan.issues.append(CellIssue(first, ID_COLUMN, f"与第 {number} 行的公民身份号码重复"))
            plan.issues.append(CellIssue(number, ID_COLUMN, f"与第 {first} 行的公民身份号码重复"))
            continue
        rows_by_hash[digest] = d
        if not d.issues:
            # A cell counts as filled unless it is empty or only spaces (str.strip covers U+3000, U+00A0).
            present = frozenset(
                h for h, v in raw.items() if v is not None and (type(v) is not str or v.strip())
            )
            plan.good.append((d, digest, presents.setdefault(present, present)))
    _check_against_roll(actor, plan, rows_by_hash)
    _sort_issues(plan)
    return plan


def _sort_issues(plan: Plan) -> None:
    plan.issues.sort(
        key=lambda i: (i.row, rules.HEADERS.index(i.column) if i.column in rules.HEADERS else 99)
    )


def _plan_for_run(actor, job: ImportJob) -> Plan:
    """The rows checked at upload when nothing they depend on has changed (``plan.basis_of``), checked
    again against the roll; otherwise the file read and checked anew."""
    if job.plan_enc:
        _, org_paths, basis = build_lookups(actor, job.sha256)
        if basis == job.plan_basis:
            plan = unseal(job.plan_enc, basis=basis, org_paths=org_paths)
            _progress[job.pk] = ("校验", plan.row_count // 2, plan.row_count)
            _check_against_roll(actor, plan, {digest: d for d, digest, _ in plan.good})
            _sort_issues(plan)
            return plan
    return _analyse(actor, job.payload(), sha256=job.sha256, job_id=job.pk)


def _check_against_roll(actor, plan: Plan, rows_by_hash: dict[str, rules.RowData]) -> None:
    """People already on the roll, one query per 1,000 ID numbers: inside the importer's scope they are
    updated; elsewhere, or archived, the row is refused."""
    change_paths = grant_paths(actor, Action.CHANGE)
    fields = (
        "id_number_hash",
        "pk",
        "org_id",
        "org_path",
        "archived_at",
        "is_district_cadre",
        "post",
        "rank",
    )
    for chunk in _chunks(list(rows_by_hash)):
        for digest, pk, org_id, path, archived_at, cadre, post, rank in Person.objects.filter(
            id_number_hash__in=chunk
        ).values_list(*fields):
            d = rows_by_hash[digest]
            if not _in(change_paths, path):
                d.issues.append(CellIssue(d.row, ID_COLUMN, ELSEWHERE))
            elif archived_at is not None:
                d.issues.append(CellIssue(d.row, ID_COLUMN, ARCHIVED))
            elif d.org_id is not None and d.org_id != org_id:
                d.issues.append(CellIssue(d.row, d.org_header, MOVED))
            elif cadre and ((d.post and d.post != post) or (d.rank != Rank.NONE and d.rank != rank)):
                d.issues.append(CellIssue(d.row, "职务", CADRE))
            else:
                plan.existing[digest] = pk
                continue
            plan.issues.append(d.issues[-1])
    if any(d.issues for d, _, _ in plan.good):
        plan.good = [g for g in plan.good if not g[0].issues]


def _store(job: ImportJob, plan: Plan) -> None:
    if plan.issues:
        job.plan_enc, job.plan_basis = "", ""
    elif not plan.reused:
        job.plan_enc, job.plan_basis = seal(plan), plan.basis
    job.row_count = plan.row_count
    job.issues = [{"row": i.row, "column": i.column, "message": i.message} for i in plan.issues]
    job.error_count = len(plan.issues)
    job.new_count, job.updated_count = plan.new_count, plan.updated_count
    if plan.issues:
        job.status = ImportJob.Status.INVALID
        job.finished_at = timezone.now()


def roster_import_upload(*, actor, file_name: str, data: bytes, dry_run: bool = True) -> ImportJob:
    """Check the file and every row, and record the job. A problem of the whole file (not an .xlsx, too
    big, no such sheet …) raises WorkbookError and nothing is recorded."""
    reader.check_file(data, max_bytes=settings.ZUGONG_IMPORT_MAX_BYTES)
    sha256 = hashlib.sha256(data).hexdigest()
    plan = _analyse(actor, data, sha256=sha256)  # outside a transaction: reading a big file holds no lock
    job = ImportJob(
        created_by=actor,
        file_name=file_name[:200],
        sha256=sha256,
        size=len(data),
        dry_run=dry_run,
    )
    job.set_payload(data)
    _store(job, plan)
    job.save()
    return job


def roster_import_validate(*, actor, job: ImportJob) -> ImportJob:
    """Check the job's file again and record what is wrong with it (the rows as they are now)."""
    try:
        plan = _analyse(actor, job.payload(), sha256=job.sha256)
    except WorkbookError as exc:
        plan = Plan(issues=[CellIssue(1, "文件", str(exc))])
    _store(job, plan)
    if not plan.issues:
        job.status = ImportJob.Status.VALIDATING
    job.save()
    return job


class ImportRefused(Exception):
    """The job cannot run (problems found, already imported, running)."""


def roster_import_start(*, actor, job: ImportJob, dry_run: bool) -> ImportJob:
    """Run now, or in a thread with its own database connection for a long file (the page polls)."""
    if job.row_count <= getattr(settings, "ZUGONG_IMPORT_THREAD_ROWS", 5000):
        return roster_import_run(actor=actor, job=job, dry_run=dry_run)
    _claim(job, dry_run)
    ctx = contextvars.copy_context()  # the request's IP and request id, for the audit rows

    def work():
        try:
            ctx.run(_run_claimed, actor=actor, job=ImportJob.objects.get(pk=job.pk), dry_run=dry_run)
        except Exception:
            log.exception("import job %s failed", job.pk)
        finally:
            connection.close()

    threading.Thread(target=work, name=f"import-{job.pk}", daemon=True).start()
    return job


def _claim(job: ImportJob, dry_run: bool) -> None:
    """Mark the job as running, refusing one that already ran or runs (a double click, two tabs)."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=(ImportJob.Status.VALIDATING, ImportJob.Status.PREVIEWED), error_count=0
    ).update(status=ImportJob.Status.IMPORTING, dry_run=dry_run, progress=0)
    if not claimed:
        raise ImportRefused("该导入任务不能执行：文件有错误，或已导入。")
    job.status, job.dry_run = ImportJob.Status.IMPORTING, dry_run


def roster_import_run(*, actor, job: ImportJob, dry_run: bool) -> ImportJob:
    """Check the file again inside one transaction (the roll may have changed since the preview), then
    write every row or none. A dry run does the same and rolls back, reporting what would happen."""
    _claim(job, dry_run)
    return _run_claimed(actor=actor, job=job, dry_run=dry_run)


def _run_claimed(*, actor, job: ImportJob, dry_run: bool) -> ImportJob:
    _progress[job.pk] = ("校验", 0, job.row_count)
    plan = None
    try:
        with transaction.atomic():
            plan = _plan_for_run(actor, job)
            if plan.issues:
                transaction.set_rollback(True)
            else:
                _write(actor, job, plan)
                audit.record_event(
                    actor=actor,
                    event=audit.Events.IMPORT,
                    obj=job,
                    detail={
                        "file_name": job.file_name,
                        "sha256": job.sha256,
                        "rows": plan.row_count,
                        "new": plan.new_count,
                        "updated": plan.updated_count,
                    },
                )
                if dry_run:
                    transaction.set_rollback(True)
    except WorkbookError as exc:
        plan = Plan(issues=[CellIssue(1, "文件", str(exc))])
    except Exception as exc:
        job.status, job.error = ImportJob.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        job.finished_at = timezone.now()
        job.save()
        raise
    finally:
        _progress.pop(job.pk, None)
    _store(job, plan)
    job.progress = plan.row_count
    if not plan.issues:
        job.status = ImportJob.Status.PREVIEWED if dry_run else ImportJob.Status.DONE
        job.finished_at = timezone.now()
        if not dry_run:
            # The clear ID numbers are on the roll now, encrypted; the file and its checked rows go.
            job.payload_enc, job.plan_enc, job.plan_basis = "", "", ""
    job.save()
    return job


# ---- writing -----------------------------------------------------------------------------------------

NEW_CHUNK = 5000
PERSON_NEW_FIELDS = [
    "name", "name_stroke_key", "sex", "ethnicity", "birth_date", "education", "unit_id", "post", "rank",
    "org_id", "org_path", "party_status", "id_number_enc", "id_number_hash", "id_number_masked", "id_tail",
    "phone_enc", "phone_hash", "phone_masked", "home_address_enc", "created_at", "updated_at",
]  # fmt: skip
MEMBERSHIP_NEW_FIELDS = ["person_id", "status", "join_date", "confirmation_date", "created_at", "updated_at"]
PERSON_UPDATE_FIELDS = [
    "name", "name_stroke_key", "ethnicity", "education", "unit", "post", "rank", "party_status",
    "phone_enc", "phone_hash", "phone_masked", "home_address_enc", "updated_at",
]  # fmt: skip


class _Ciphers:
    def __init__(self):
        self.id = crypto.ColumnCipher(ID_NUMBER_CONTEXT)
        self.phone = crypto.ColumnCipher(PHONE_CONTEXT)
        self.address = crypto.ColumnCipher(HOME_ADDRESS_CONTEXT)


def _membership(person: Person, d: rules.RowData) -> Membership:
    return Membership(
        person=person, status=d.status, join_date=d.join_date, confirmation_date=d.confirmation_date
    )


def _write(actor, job: ImportJob, plan: Plan) -> None:
    c = _Ciphers()
    now = timezone.now()
    new = [g for g in plan.good if g[1] not in plan.existing]
    old = [g for g in plan.good if g[1] in plan.existing]
    done = 0
    status_label = dict(MembershipStatus.choices)
    for batch in _chunks(new, NEW_CHUNK):
        # New people go in as tuples (COPY on PostgreSQL, each row encrypted while the server takes in
        # the ones before it), audited from the same tuples.
        people, members = [], []

        def person_rows(batch=batch, people=people):
            for d, digest, _ in batch:
                row = (
                    d.name, name_key(d.name), d.sex, d.ethnicity, d.birth_date, d.education, d.unit_id, d.post,
                    d.rank, d.org_id, plan.org_paths[d.org_id], d.status, c.id.encrypt(d.id_number), digest,
                    idnumber.mask(d.id_number), d.id_number[-4:], c.phone.encrypt(d.phone),
                    c.phone.blind_index(d.phone), idnumber.mask_phone(d.phone), c.address.encrypt(d.home_address),
                    now, now,
                )  # fmt: skip
                people.append(row)
                yield row

        ids = bulk.insert(Person, PERSON_NEW_FIELDS, person_rows(), count=len(batch))
        members = [
            (pk, d.status, d.join_date, d.confirmation_date, now, now)
            for pk, (d, _, _) in zip(ids, batch, strict=True)
            if d.status
        ]
        member_ids = bulk.insert(Membership, MEMBERSHIP_NEW_FIELDS, members, count=len(members))
        audit.record_rows_bulk(
            actor=actor, model=Person, attnames=PERSON_NEW_FIELDS, rows=people, ids=ids,
            reprs=[row[0] for row in people],
        )  # fmt: skip
        names = {pk: row[0] for pk, row in zip(ids, people, strict=True)}
        audit.record_rows_bulk(
            actor=actor, model=Membership, attnames=MEMBERSHIP_NEW_FIELDS, rows=members, ids=member_ids,
            reprs=[f"{names[m[0]]}（{status_label[m[1]]}）" for m in members],
        )  # fmt: skip
        done += len(batch)
        _progress[job.pk] = ("写入", done, plan.row_count)
    if new:
        _recheck_orgs(actor, {d.org_id for d, _, _ in new})
    for batch in _chunks(old):
        pks = [plan.existing[digest] for _, digest, _ in batch]
        people = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=pks)}
        members = {m.person_id: m for m in Membership.objects.filter(person_id__in=pks)}
        before = {pk: audit.snapshot(p) for pk, p in people.items()}
        member_before = {m.pk: audit.snapshot(m) for m in members.values()}
        changed_members, new_members = [], []
        for (d, _, present), pk in zip(batch, pks, strict=True):
            p = people[pk]
            p.name, p.name_stroke_key, p.updated_at = d.name, name_key(d.name), now
            for header, (attr,) in OPTIONAL.items():
                if header in present:
                    setattr(p, attr, getattr(d, attr))
            if "联系电话" in present and c.phone.blind_index(d.phone) != p.phone_hash:
                p.phone_enc, p.phone_hash = c.phone.encrypt(d.phone), c.phone.blind_index(d.phone)
                p.phone_masked = idnumber.mask_phone(d.phone)
            if "家庭住址" in present:
                p.home_address_enc = c.address.encrypt(d.home_address)
            if d.status:
                p.party_status = d.status
                m = members.get(pk)
                if m is None:
                    new_members.append(_membership(p, d))
                else:
                    m.status, m.join_date, m.confirmation_date = d.status, d.join_date, d.confirmation_date
                    m.updated_at = now
                    changed_members.append(m)
        Person.objects.bulk_update(people.values(), PERSON_UPDATE_FIELDS)
        Membership.objects.bulk_update(
            changed_members, ["status", "join_date", "confirmation_date", "updated_at"]
        )
        bulk.insert_objects(new_members)
        _recheck(actor, Action.CHANGE, pks)
        audit.record_changes_bulk(
            actor=actor, kind=AuditEvent.Kind.UPDATE, objs=list(people.values()), before=before
        )
        audit.record_changes_bulk(
            actor=actor, kind=AuditEvent.Kind.UPDATE, objs=changed_members, before=member_before
        )
        audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=new_members)
        done += len(batch)
        _progress[job.pk] = ("写入", done, plan.row_count)


def _recheck(actor, action: str, pks: list[int]) -> None:
    """After the write, inside the transaction: every person written is within the importer's scope."""
    if Person.objects.restrict(actor, action).filter(pk__in=pks).count() != len(pks):
        raise PermissionDenied("导入的人员超出了您的授权范围，已全部撤销。")


def _recheck_orgs(actor, org_ids: set[int]) -> None:
    """After writing new people, inside the transaction: every organization they went into (their
    ``org_path`` is its path) is one the importer may add people to, by the one scope check."""
    if Organization.objects.restrict(actor, Action.ADD).filter(pk__in=org_ids).count() != len(org_ids):
        raise PermissionDenied("导入的人员超出了您的授权范围，已全部撤销。")
