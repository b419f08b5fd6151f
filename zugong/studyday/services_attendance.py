"""Attendance (考勤): a member signs in with the code on the room's screen, inside the sign-in window; the
organizer marks people present, late, on leave or absent; closing the attendance writes 缺席 for those who
never came. Leave requests (请假) are approved by the secretary. One row per expected attendee and session:
a second sign-in finds the row already signed and changes nothing (the row is locked while it is written,
so two sign-ins at once give one)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action, Role
from zugong.core.scope import ensure_in_scope, self_person_id, user_grants

from . import signin
from .models import Attendance, LeaveRequest, Session
from .services import check_line, close_waiting_leave, lock_session

S = Attendance.Status
EVENT_REFUSED = "studyday_signin_refused"
MAX_FAILURES = 5  # wrong codes a member may type for one session …
FAILURE_WINDOW = dt.timedelta(minutes=10)  # … within this time; then sign-in waits (a code is six digits)
MARKS = (S.PRESENT, S.LATE, S.LEAVE, S.ABSENT, S.EXPECTED)


class SignInRefused(ValidationError):
    """Why a sign-in was not taken, in Chinese for the member."""


def _person_id(actor) -> int:
    """The actor's own person, through the scope's self clause (a 党员 grant, or a staff grant, still held)."""
    person_id = self_person_id(actor, Action.VIEW)
    if not person_id:
        raise PermissionDenied("您的账号没有关联党员信息或没有党员权限，不能办理；请联系党组织。")
    return person_id


def _recent_failures(actor, session_id: int, now: dt.datetime) -> int:
    return AuditEvent.objects.filter(
        event=EVENT_REFUSED, actor_id=actor.pk, object_id=str(session_id), at__gte=now - FAILURE_WINDOW
    ).count()


def ensure_leave_approver(actor, leave: LeaveRequest) -> None:
    """请假 is approved by the secretary of the organization (or of one above it) or the 组织部."""
    if not any(
        g.role in (Role.SECRETARY, Role.ORG_ADMIN) and leave.org_path.startswith(g.path)
        for g in user_grants(actor)
    ):
        raise PermissionDenied("请假由党组织书记审批。")


def status_at(session: Session, at: dt.datetime) -> str:
    """出席, or 迟到 when it is past the start plus the grace minutes."""
    late_from = session.starts_at + dt.timedelta(minutes=session.late_after)
    return S.LATE if at > late_from else S.PRESENT


def sign_in(*, actor, session_id: int, code, at: dt.datetime | None = None) -> tuple[Attendance, bool]:
    """The member's own sign-in with the screen's code. Returns (the attendance row, whether this call
    signed it: False when it was signed already). A wrong code is logged (outside the transaction, so that
    the refusal stays); after ``MAX_FAILURES`` wrong codes in ``FAILURE_WINDOW`` the member waits."""
    person_id = _person_id(actor)
    now = at or timezone.now()
    with transaction.atomic():
        # The row lock first, then the session: read after the lock, the session shows a 结束考勤 that
        # committed while this sign-in waited for the row (close_attendance locks the unsigned rows).
        row = (
            Attendance.objects.select_for_update().filter(session_id=session_id, person_id=person_id).first()
        )
        session = Session.objects.filter(pk=session_id).first() if row is not None else None
        if row is None or session is None:
            raise SignInRefused("您不在本次会议活动的应到人员名单中；如需参加，请联系组织者。")
        if session.archived_at is not None:
            raise SignInRefused("本次会议活动已取消。")
        if row.status in (S.PRESENT, S.LATE):
            return row, False
        if now < session.signin_opens_at():
            raise SignInRefused(
                f"签到尚未开始，{timezone.localtime(session.signin_opens_at()):%H:%M} 起可以签到。"
            )
        if now > session.ends_at or session.closed_at is not None:
            raise SignInRefused("签到已结束；如确已参加，请联系组织者补登。")
        if _recent_failures(actor, session.pk, now) >= MAX_FAILURES:
            raise SignInRefused("签到码输错次数过多，请 10 分钟后再试，或请组织者登记。")
        wrong = not signin.code_matches(session.pk, code, at=now.timestamp())
        if not wrong:
            before = {"status": row.status, "signed_at": None, "method": row.method}
            row.status, row.signed_at, row.method = status_at(session, now), now, Attendance.Method.CODE
            row.save(update_fields=["status", "signed_at", "method", "updated_at"])
            audit.record_change(
                actor=actor, kind=AuditEvent.Kind.UPDATE, obj=row, before=before,
                after={"status": row.status, "signed_at": row.signed_at.isoformat(), "method": row.method},
            )  # fmt: skip
            close_waiting_leave(actor, session, [person_id], "本人已签到，请假申请自动撤回。", withdrawn=True)
            return row, True
    audit.record_event(actor=actor, event=EVENT_REFUSED, obj=session, detail={"reason": "wrong_code"})
    raise SignInRefused("签到码不正确或已过期，请输入屏幕上显示的最新签到码。")


@transaction.atomic
def mark_attendance(*, actor, session: Session, marks: dict, note: str = "") -> int:
    """The organizer records attendance: ``marks`` maps a person id to 出席/迟到/请假/缺席 (or back to 未签到).
    Only the session's expected attendees; returns the number of rows changed."""
    session = lock_session(actor, session)
    note = check_line(note, "note", "备注", 200, required=False)
    try:
        wanted = {int(pk): str(status) for pk, status in (marks or {}).items()}
    except (TypeError, ValueError):
        raise ValidationError({"marks": "人员编号不正确。"})
    if bad := sorted({status for status in wanted.values() if status not in MARKS}):
        raise ValidationError({"marks": f"出勤状态不正确：{'、'.join(bad)}。"})
    rows = list(Attendance.objects.select_for_update().filter(session=session, person_id__in=list(wanted)))
    if len(rows) != len(wanted):
        raise ValidationError({"marks": "有人员不在本次会议活动的应到名单中。"})
    now = timezone.now()
    changed, before = [], {}
    for row in rows:
        status = wanted[row.person_id]
        if row.status == status:
            continue
        before[row.pk] = audit.snapshot(row)
        row.status, row.method, row.marked_by = status, Attendance.Method.ORGANIZER, actor
        row.updated_at = now
        row.signed_at = now if status in (S.PRESENT, S.LATE) and row.signed_at is None else row.signed_at
        if status not in (S.PRESENT, S.LATE):
            row.signed_at = None
        row.note = note or row.note
        changed.append(row)
    Attendance.objects.bulk_update(
        changed, ["status", "method", "marked_by", "signed_at", "note", "updated_at"]
    )
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.UPDATE, objs=changed, before=before, detail={"session": session.pk}
    )
    # A leave request still waiting for someone now marked present is closed: they came.
    came = [row.person_id for row in changed if row.status in (S.PRESENT, S.LATE)]
    close_waiting_leave(actor, session, came, "已登记为到会，无需请假。")
    return len(changed)


@transaction.atomic
def close_attendance(*, actor, session: Session) -> int:
    """End the attendance: who never signed in (and has no approved leave) is 缺席. Sign-in stops."""
    session = lock_session(actor, session)
    if session.closed_at is not None:
        raise ValidationError("本次会议活动的考勤已结束。")
    if timezone.now() < session.starts_at:
        raise ValidationError("会议活动尚未开始，不能结束考勤。")
    missing = list(Attendance.objects.select_for_update().filter(session=session, status=S.EXPECTED))
    before = {row.pk: audit.snapshot(row) for row in missing}
    for row in missing:
        row.status, row.method = S.ABSENT, Attendance.Method.CLOSE
        row.updated_at = timezone.now()
    Attendance.objects.bulk_update(missing, ["status", "method", "updated_at"])
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.UPDATE, objs=missing, before=before, detail={"session": session.pk}
    )
    snap = audit.snapshot(session)
    session.closed_at = timezone.now()
    session.save(update_fields=["closed_at", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=session, before=snap)
    return len(missing)


# ---- leave ----------------------------------------------------------------------------------------------


@transaction.atomic
def request_leave(*, actor, session: Session, reason: str) -> LeaveRequest:
    """A member asks leave for a session they are expected at, before it ends."""
    person_id = _person_id(actor)
    session = Session.objects.select_for_update().get(pk=session.pk)
    row = Attendance.objects.filter(session=session, person_id=person_id).first()
    if row is None:
        raise PermissionDenied("您不在本次会议活动的应到人员名单中。")
    if session.archived_at is not None:
        raise ValidationError("本次会议活动已取消。")
    if session.has_ended():
        raise ValidationError("会议活动已结束，不能再请假。")
    if row.status in (S.PRESENT, S.LATE):
        raise ValidationError("您已签到，无需请假。")
    reason = check_line(reason, "reason", "请假事由", 300)
    if LeaveRequest.objects.filter(
        session=session, person_id=person_id, status__in=["submitted", "approved"]
    ).exists():
        raise ValidationError("您已提交过本次会议活动的请假申请。")
    leave = LeaveRequest.objects.create(
        session=session, person_id=person_id, org_path=session.org_path, reason=reason, submitted_by=actor
    )
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=leave)
    return leave


@transaction.atomic
def decide_leave(*, actor, leave: LeaveRequest, approve: bool, comment: str = "") -> LeaveRequest:
    """The secretary approves (attendance becomes 请假) or refuses with a reason."""
    leave = LeaveRequest.objects.select_for_update().select_related("session").get(pk=leave.pk)
    ensure_in_scope(actor, Action.CHANGE, leave)
    ensure_leave_approver(actor, leave)
    if leave.status != LeaveRequest.Status.SUBMITTED:
        raise ValidationError("该请假申请已处理。")
    if leave.session.archived_at is not None:
        raise ValidationError("该会议活动已取消。")
    if getattr(actor, "person_id", None) == leave.person_id:
        raise PermissionDenied("不能审批本人的请假申请。")
    if not isinstance(approve, bool):
        raise ValidationError({"approve": "请选择批准或不批准。"})
    comment = check_line(
        comment, "comment", "不批准的理由" if not approve else "审批意见", 300, required=not approve
    )
    row = None
    if approve:
        row = (
            Attendance.objects.select_for_update()
            .filter(session=leave.session, person_id=leave.person_id)
            .first()
        )
        if row is None:
            raise ValidationError("该党员已不在本次会议活动的应到人员名单中。")
        if row.status in (S.PRESENT, S.LATE):
            raise ValidationError("该党员已签到出席，无需批准请假；可请其撤回申请，或选择不批准。")
    before = audit.snapshot(leave)
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED
    leave.decided_by, leave.decided_at, leave.comment = actor, timezone.now(), comment
    leave.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=leave, before=before)
    if row is not None and row.status in (S.EXPECTED, S.ABSENT):
        snap = audit.snapshot(row)
        row.status, row.method, row.marked_by = S.LEAVE, Attendance.Method.LEAVE, actor
        row.save(update_fields=["status", "method", "marked_by", "updated_at"])
        audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=row, before=snap)
    return leave


@transaction.atomic
def withdraw_leave(*, actor, leave: LeaveRequest) -> LeaveRequest:
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    if getattr(actor, "person_id", None) != leave.person_id:
        raise PermissionDenied("只能撤回本人的请假申请。")
    if leave.status != LeaveRequest.Status.SUBMITTED:
        raise ValidationError("该请假申请已处理，不能撤回。")
    before = audit.snapshot(leave)
    leave.status = LeaveRequest.Status.WITHDRAWN
    leave.save(update_fields=["status", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=leave, before=before)
    return leave
