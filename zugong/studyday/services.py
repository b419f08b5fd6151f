"""Writes of the 学习日 and 三会一课 module: the working-day calendar, study plans and their dates, sessions,
their expected attendees and attachments. Every function is keyword-only, runs in one transaction, checks the
actor's scope inside it, refuses bad input with a Chinese ``ValidationError`` before anything is written,
and audits what it writes. Attendance and leave are in ``services_attendance``, notes and reflections in
``services_notes``, spot checks in ``services_checks``, the materials library in ``services_materials``."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, grant_paths, path_prefix_q
from zugong.core.workdays import Calendar
from zugong.orgs.models import Organization
from zugong.people.models import Person
from zugong.training.services_claims import evidence_file_name, sniff_evidence

from .choices import SessionKind
from .models import Attendance, LeaveRequest, PlanItem, Session, SessionFile, StudyPlan

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 20000
MAX_EXPECTED = 5000
MAX_SESSION_HOURS = 24 * 3
MEMBER_STATUSES = ("full", "probationary")


# ---- input checks ---------------------------------------------------------------------------------------


def check_line(value, field: str, label: str, limit: int, *, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 字。"})
    return text


def check_block(value, field: str, label: str, limit: int = MAX_TEXT, *, required: bool = False) -> str:
    text = "\n".join(line.rstrip() for line in str(value or "").replace("\r\n", "\n").strip().split("\n"))
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 字。"})
    return text


def check_int(value, field: str, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: f"{label}应为整数。"})
    if not low <= number <= high:
        raise ValidationError({field: f"{label}应在 {low} 至 {high} 之间。"})
    return number


def check_date(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: f"{label}应为日期。"})
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError({field: f"{label}应在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间。"})
    return value


def check_window(starts_at, ends_at) -> tuple[dt.datetime, dt.datetime]:
    for value, field, label in ((starts_at, "starts_at", "开始时间"), (ends_at, "ends_at", "结束时间")):
        if not isinstance(value, dt.datetime):
            raise ValidationError({field: f"请填写{label}。"})
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError({field: f"{label}应在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间。"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "结束时间应晚于开始时间。"})
    if ends_at - starts_at > dt.timedelta(hours=MAX_SESSION_HOURS):
        raise ValidationError({"ends_at": f"一次会议活动不能超过 {MAX_SESSION_HOURS} 小时。"})
    return starts_at, ends_at


def is_district_office(actor) -> bool:
    """The 组织部 itself: a grant at the district root (the calendar and the requirements are the district's)."""
    return grant_paths(actor, Action.CHANGE) == [""]


def ensure_district_office(actor) -> None:
    if not is_district_office(actor):
        raise PermissionDenied("只有区委组织部可以进行此项设置。")


# ---- study plans ----------------------------------------------------------------------------------------


def period_bounds(year: int, quarter: int | None) -> tuple[dt.date, dt.date]:
    if quarter is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = dt.date(year, 3 * quarter - 2, 1)
    last = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, last - dt.timedelta(days=1)


def study_dates(year: int, quarter: int | None, weekday: int) -> list[tuple[dt.date, dt.date]]:
    """(date held, date scheduled) of a plan's study days: every ``weekday`` (1 = Monday … 5 = Friday) of
    the period; one that is not a working day (a holiday, 国庆, 春节) moves to the next working day. When
    that is on or after the next scheduled study day, or past the period, the week has no study day of its
    own (it is merged into the next)."""
    first, last = period_bounds(year, quarter)
    day = first + dt.timedelta(days=(weekday - 1 - first.weekday()) % 7)
    scheduled = []
    while day <= last:
        scheduled.append(day)
        day += dt.timedelta(days=7)
    calendar = Calendar(first, last)
    out = []
    for i, day in enumerate(scheduled):
        held = calendar.next_workday(day)
        following = scheduled[i + 1] if i + 1 < len(scheduled) else last + dt.timedelta(days=1)
        if held < following:
            out.append((held, day))
    return out


@transaction.atomic
def create_plan(
    *, actor, org: Organization, year, quarter=None, title: str = "", weekday=4, note: str = ""
) -> StudyPlan:
    """A year's (or a quarter's) 学习计划 with its dates generated: every Thursday by default, moved off
    holidays. Topics and materials are filled in afterwards, date by date."""
    ensure_org_in_scope(actor, Action.ADD, org)
    year = check_int(year, "year", "年度", FIRST_YEAR, LAST_YEAR)
    if quarter in ("", None):
        quarter = None
    else:
        quarter = check_int(quarter, "quarter", "季度", 1, 4)
    weekday = check_int(weekday, "weekday", "学习日（星期几）", 1, 5)
    period = f"{year}年" + (f"第{quarter}季度" if quarter else "")
    title = check_line(title, "title", "计划名称", 200, required=False) or f"{org.name}{period}学习计划"
    note = check_block(note, "note", "说明", 2000)
    taken = ValidationError({"year": f"{org.name}已有{period}的学习计划。"})
    if StudyPlan.objects.filter(org=org, year=year, quarter=quarter, archived_at__isnull=True).exists():
        raise taken
    try:
        with transaction.atomic():  # a second click at the same moment meets the constraint, not a 500
            plan = StudyPlan.objects.create(
                org=org, year=year, quarter=quarter, title=title, weekday=weekday, note=note, created_by=actor
            )
    except IntegrityError:
        raise taken from None
    items = PlanItem.objects.bulk_create(
        PlanItem(plan=plan, date=held, scheduled=scheduled)
        for held, scheduled in study_dates(year, quarter, weekday)
    )
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=plan, detail={"dates": len(items)})
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=items, detail={"plan": plan.pk})
    return plan


def _lock_plan(actor, plan) -> StudyPlan:
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_in_scope(actor, Action.CHANGE, plan)
    if plan.archived_at is not None:
        raise ValidationError("该学习计划已归档，不能修改。")
    return plan


def _item_fields(plan: StudyPlan, data: dict) -> dict:
    date = check_date(data.get("date"), "date", "学习日期")
    first, last = period_bounds(plan.year, plan.quarter)
    if not first <= date <= last:
        raise ValidationError({"date": f"学习日期应在计划期内（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}）。"})
    return {
        "date": date,
        "topic": check_line(data.get("topic"), "topic", "学习主题", 200, required=False),
        "materials": check_block(data.get("materials"), "materials", "学习材料", 2000),
    }


@transaction.atomic
def plan_item_set(*, actor, item: PlanItem, data: dict) -> PlanItem:
    """Set a date's topic and materials, or move it."""
    plan = _lock_plan(actor, item.plan)
    item = PlanItem.objects.select_for_update().get(pk=item.pk, plan=plan)
    fields = _item_fields(plan, data)
    if plan.items.filter(date=fields["date"]).exclude(pk=item.pk).exists():
        raise ValidationError({"date": f"计划中已有 {fields['date']:%Y-%m-%d} 的学习安排。"})
    before = audit.snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=item, before=before)
    return item


@transaction.atomic
def plan_item_add(*, actor, plan: StudyPlan, data: dict) -> PlanItem:
    plan = _lock_plan(actor, plan)
    fields = _item_fields(plan, data)
    if plan.items.filter(date=fields["date"]).exists():
        raise ValidationError({"date": f"计划中已有 {fields['date']:%Y-%m-%d} 的学习安排。"})
    item = PlanItem.objects.create(plan=plan, scheduled=fields["date"], **fields)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=item)
    return item


@transaction.atomic
def plan_item_remove(*, actor, item: PlanItem) -> None:
    """Take a date out of the plan (one no session was held for; the audit row keeps what it was)."""
    plan = _lock_plan(actor, item.plan)
    item = PlanItem.objects.select_for_update().get(pk=item.pk, plan=plan)
    if Session.objects.filter(plan_item=item, archived_at__isnull=True).exists():
        raise ValidationError("该日期已安排会议活动，不能删除；请先取消会议活动。")
    audit.record_change(actor=actor, kind=AuditEvent.Kind.DELETE, obj=item, before=audit.snapshot(item))
    item.delete()


@transaction.atomic
def archive_plan(*, actor, plan: StudyPlan, reason: str) -> StudyPlan:
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_in_scope(actor, Action.ARCHIVE, plan)
    if plan.archived_at is not None:
        raise ValidationError("该学习计划已归档。")
    reason = check_line(reason, "reason", "归档原因", 200)
    before = audit.snapshot(plan)
    plan.archived_at, plan.archived_reason = timezone.now(), reason
    plan.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=plan, before=before)
    return plan


# ---- sessions -------------------------------------------------------------------------------------------

SESSION_TEXT = {
    "title": ("主题", 200, True),
    "organizer": ("主持人/组织者", 100, False),
    "place": ("地点", 200, False),
}


def _session_fields(data: dict) -> dict:
    fields = {
        name: check_line(data.get(name), name, label, limit, required=req)
        for name, (label, limit, req) in SESSION_TEXT.items()
    }
    fields["starts_at"], fields["ends_at"] = check_window(data.get("starts_at"), data.get("ends_at"))
    fields["agenda"] = check_block(data.get("agenda"), "agenda", "议程", 5000)
    fields["minutes"] = check_block(data.get("minutes"), "minutes", "会议记录")
    fields["late_after"] = check_int(data.get("late_after", 10), "late_after", "迟到界限（分钟）", 0, 240)
    fields["signin_before"] = check_int(
        data.get("signin_before", 30), "signin_before", "提前签到（分钟）", 0, 240
    )
    fields["needs_notes"] = bool(data.get("needs_notes", True))
    return fields


def _roster_ids(org: Organization) -> list[int]:
    """The members of ``org``'s subtree (正式 and 预备党员, not archived), by id."""
    return list(
        Person.objects.filter(
            path_prefix_q("org_path", org.path), archived_at__isnull=True, party_status__in=MEMBER_STATUSES
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def _chosen_ids(actor, person_ids) -> list[int]:
    """A chosen list of attendees: each a person the actor may see (another branch's person is refused)."""
    try:
        wanted = sorted({int(pk) for pk in person_ids or ()})
    except (TypeError, ValueError):
        raise ValidationError({"person_ids": "应到人员编号不正确。"})
    if not wanted:
        raise ValidationError({"person_ids": "请选择应到人员。"})
    if len(wanted) > MAX_EXPECTED:
        raise ValidationError({"person_ids": f"应到人员不能超过 {MAX_EXPECTED} 人。"})
    found = set(
        Person.objects.restrict(actor, Action.VIEW)
        .filter(pk__in=wanted, archived_at__isnull=True)
        .values_list("id", flat=True)
    )
    if missing := [pk for pk in wanted if pk not in found]:
        raise ValidationError({"person_ids": f"有 {len(missing)} 名人员不存在或不在您的授权范围内。"})
    return wanted


def _add_expected(actor, session: Session, person_ids: list[int]) -> int:
    existing = set(Attendance.objects.filter(session=session).values_list("person_id", flat=True))
    rows = [
        Attendance(session=session, person_id=pk, org_path=session.org_path)
        for pk in person_ids
        if pk not in existing
    ]
    created = Attendance.objects.bulk_create(rows, batch_size=1000)
    if created and created[0].pk is None:  # a backend that does not return ids
        created = list(Attendance.objects.filter(session=session, person_id__in=[r.person_id for r in rows]))
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.CREATE, objs=created, detail={"session": session.pk}
    )
    return len(created)


@transaction.atomic
def create_session(
    *, actor, org: Organization, kind: str, data: dict, person_ids=None, plan_item: PlanItem | None = None
) -> Session:
    """A session of ``org``. Its expected attendees are the organization's members (正式 and 预备, its whole
    subtree), or the chosen ``person_ids`` (a 党小组会, a 支委会 of the committee members, a 党课 for some)."""
    ensure_org_in_scope(actor, Action.ADD, org)
    if kind not in SessionKind.values:
        raise ValidationError({"kind": "会议类型不正确。"})
    fields = _session_fields(data)
    mode = data.get("expected_mode") or Session.Expected.MEMBERS
    if mode not in Session.Expected.values:
        raise ValidationError({"expected_mode": "应到人员的方式不正确。"})
    if plan_item is not None and (plan_item.plan.org_id != org.pk or plan_item.plan.archived_at is not None):
        raise ValidationError({"plan_item": "学习计划安排不属于该组织。"})
    ids = _roster_ids(org) if mode == Session.Expected.MEMBERS else _chosen_ids(actor, person_ids)
    if mode == Session.Expected.MEMBERS and not ids:
        raise ValidationError({"expected_mode": f"{org.name}没有党员，请改为“指定人员”。"})
    session = Session.objects.create(
        org=org,
        org_path=org.path,
        kind=kind,
        expected_mode=mode,
        plan_item=plan_item,
        created_by=actor,
        **fields,
    )
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=session, detail={"expected": len(ids)})
    _add_expected(actor, session, ids)
    return session


def lock_session(actor, session, action: str = Action.CHANGE) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    ensure_in_scope(actor, action, session)
    if session.archived_at is not None:
        raise ValidationError("该会议活动已取消。")
    return session


@transaction.atomic
def update_session(*, actor, session: Session, data: dict) -> Session:
    """Change a session's details, agenda and minutes (会议记录)."""
    session = lock_session(actor, session)
    fields = _session_fields(data)
    timing = ("starts_at", "ends_at", "late_after", "signin_before")
    if any(fields[name] != getattr(session, name) for name in timing) and (
        session.closed_at is not None
        or Attendance.objects.filter(session=session, signed_at__isnull=False).exists()
    ):
        raise ValidationError(
            {
                "starts_at": "已有人签到或考勤已结束，不能再修改时间、迟到界限和提前签到时间（出勤状态据此认定）。"
            }
        )
    before = audit.snapshot(session)
    for name, value in fields.items():
        setattr(session, name, value)
    session.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=session, before=before)
    return session


def close_waiting_leave(
    actor, session: Session, person_ids: list[int], comment: str, *, withdrawn: bool = False
) -> int:
    """Close (不批准, with ``comment``, audited) the leave requests of ``person_ids`` still waiting for a decision
    on ``session``: they no longer need one. ``withdrawn``: the member's own act (a sign-in) closes them as
    已撤回 instead, with no decider. Inside the caller's transaction."""
    waiting = list(
        LeaveRequest.objects.select_for_update().filter(
            session=session, person_id__in=person_ids, status=LeaveRequest.Status.SUBMITTED
        )
    )
    if not waiting:
        return 0
    before = {leave.pk: audit.snapshot(leave) for leave in waiting}
    now = timezone.now()
    for leave in waiting:
        if withdrawn:
            leave.status = LeaveRequest.Status.WITHDRAWN
        else:
            leave.status, leave.decided_by, leave.decided_at = LeaveRequest.Status.REJECTED, actor, now
        leave.comment, leave.updated_at = comment, now
    LeaveRequest.objects.bulk_update(waiting, ["status", "decided_by", "decided_at", "comment", "updated_at"])
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.UPDATE, objs=waiting, before=before, detail={"session": session.pk}
    )
    return len(waiting)


@transaction.atomic
def set_expected(*, actor, session: Session, person_ids) -> tuple[int, int]:
    """Make the chosen list ``person_ids``: add those missing, take out those not chosen who have not
    attended in any way yet. Returns (added, removed)."""
    session = lock_session(actor, session)
    wanted = set(_chosen_ids(actor, person_ids))
    removable = Attendance.objects.filter(session=session, status=Attendance.Status.EXPECTED).exclude(
        person_id__in=wanted
    )
    gone = list(removable)
    if gone and session.has_ended():
        raise ValidationError(
            {
                "person_ids": "会议活动已结束，未签到的人员已计为缺席，不能再从应到名单中移除；请登记为请假或缺席。"
            }
        )
    if gone:
        audit.record_changes_bulk(
            actor=actor,
            kind=AuditEvent.Kind.DELETE,
            objs=gone,
            before={a.pk: audit.snapshot(a) for a in gone},
            detail={"session": session.pk},
        )
        Attendance.objects.filter(pk__in=[a.pk for a in gone]).delete()
        # A leave request of someone no longer expected is closed, not left waiting for ever.
        close_waiting_leave(
            actor, session, [a.person_id for a in gone], "已不在本次会议活动的应到人员名单中，无需请假。"
        )
    added = _add_expected(actor, session, sorted(wanted))
    if session.expected_mode != Session.Expected.CHOSEN:
        before = audit.snapshot(session)
        session.expected_mode = Session.Expected.CHOSEN
        session.save(update_fields=["expected_mode", "updated_at"])
        audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=session, before=before)
    return added, len(gone)


@transaction.atomic
def cancel_session(*, actor, session: Session, reason: str) -> Session:
    """Cancel (archive) a session: it no longer counts for compliance; its records are kept."""
    session = lock_session(actor, session, Action.ARCHIVE)
    reason = check_line(reason, "reason", "取消原因", 200)
    before = audit.snapshot(session)
    session.archived_at, session.archived_reason = timezone.now(), reason
    session.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=session, before=before)
    return session


@transaction.atomic
def add_session_file(*, actor, session: Session, name: str, data: bytes) -> SessionFile:
    """An attachment (PDF, JPG, PNG, Word .docx; at most 5 MB), its type read from its bytes."""
    session = lock_session(actor, session)
    try:
        content_type = sniff_evidence(data, name)
    except ValidationError as exc:
        messages = exc.message_dict.get("evidence", exc.messages)
        raise ValidationError({"file": [m.replace("证明材料", "附件") for m in messages]}) from None
    if session.files.count() >= 50:
        raise ValidationError({"file": "每次会议活动最多 50 个附件。"})
    try:
        row = SessionFile.objects.create(
            session=session, name=evidence_file_name(name) or "附件", content_type=content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=actor,
        )  # fmt: skip
    except IntegrityError:
        raise ValidationError({"file": "附件保存失败，请重试。"})
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=row, detail={"bytes": len(data)})
    return row


@transaction.atomic
def session_file(*, actor, file: SessionFile) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of an attachment for staff in scope; every download is logged."""
    if not SessionFile.objects.restrict(actor, Action.VIEW).filter(pk=file.pk).exists():
        raise PermissionDenied("该附件不在您的授权范围内。")
    row = SessionFile.objects.get(pk=file.pk)
    audit.record_event(
        actor=actor, event=audit.Events.EXPORT, obj=row, detail={"session": row.session_id, "bytes": row.size}
    )
    return row.name, row.content_type, bytes(row.data)
