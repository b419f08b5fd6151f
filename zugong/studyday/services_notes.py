"""有笔记、有体会、有心得: a member hands in notes and a reflection for a session they were expected at (text,
and optionally a photo or PDF of handwritten notes); the secretary marks it reviewed or returns it with a
comment (a returned one is handed in again); reminders go to those who have not handed in."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, self_person_id
from zugong.training.services_claims import evidence_file_name, sniff_evidence

from .models import Attendance, Reminder, Session, Submission, SubmissionFile
from .services import check_block, check_line, lock_session

MAX_NOTES = 20000
MAX_REFLECTION = 10000
MIN_REFLECTION = 10  # characters: "学习了" is not a reflection


def _check_file(name, data) -> tuple[str, str] | None:
    if not data:
        return None
    try:
        return evidence_file_name(name) or "笔记", sniff_evidence(data, name)
    except ValidationError as exc:
        raise ValidationError(
            {"file": [m.replace("证明材料", "附件") for m in exc.message_dict.get("evidence", exc.messages)]}
        ) from None


@transaction.atomic
def submit_notes(
    *, actor, session: Session, notes: str, reflection: str, file_name: str = "", file_data: bytes = b""
) -> Submission:
    """The member's own notes and reflection: once the session has started, for a session they were expected
    at; a returned one may be handed in again, a reviewed one is final."""
    person_id = self_person_id(actor, Action.VIEW)
    if not person_id:
        raise PermissionDenied("您的账号没有关联党员信息或没有党员权限。")
    session = Session.objects.get(pk=session.pk)
    # The member's attendance row is locked: two taps of 提交 wait for each other (the second is told it is
    # handed in already) instead of both creating a submission.
    if not Attendance.objects.select_for_update().filter(session=session, person_id=person_id).exists():
        raise PermissionDenied("您不在本次会议活动的应到人员名单中。")
    if session.archived_at is not None:
        raise ValidationError("本次会议活动已取消。")
    if not session.needs_notes:
        raise ValidationError("本次会议活动不要求提交笔记和心得。")
    if timezone.now() < session.starts_at:
        raise ValidationError("会议活动开始后才能提交笔记和心得。")
    notes = check_block(notes, "notes", "学习笔记", MAX_NOTES)
    reflection = check_block(reflection, "reflection", "心得体会", MAX_REFLECTION, required=True)
    if len(reflection) < MIN_REFLECTION:
        raise ValidationError({"reflection": f"心得体会不少于 {MIN_REFLECTION} 个字。"})
    checked = _check_file(file_name, file_data)
    existing = Submission.objects.select_for_update().filter(session=session, person_id=person_id).first()
    if existing is not None and existing.status == Submission.Status.REVIEWED:
        raise ValidationError("您的笔记和心得已审阅，不能再修改。")
    if existing is not None and existing.status == Submission.Status.SUBMITTED:
        raise ValidationError("您已提交，正在等待审阅。")
    fields = {
        "notes": notes,
        "reflection": reflection,
        "status": Submission.Status.SUBMITTED,
        "submitted_at": timezone.now(),
    }
    if checked:
        fields |= {
            "file_name": checked[0],
            "file_type": checked[1],
            "file_size": len(file_data),
            "file_sha256": hashlib.sha256(file_data).hexdigest(),
        }
    if existing is None:
        submission = Submission.objects.create(
            session=session, person_id=person_id, org_path=session.org_path, **fields
        )
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=submission)
    else:
        submission = existing
        before = audit.snapshot(submission)
        for name, value in fields.items():
            setattr(submission, name, value)
        submission.save()
        audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=submission, before=before)
    if checked:
        SubmissionFile.objects.update_or_create(submission=submission, defaults={"data": file_data})
    return submission


@transaction.atomic
def review_submission(*, actor, submission: Submission, approve: bool, comment: str = "") -> Submission:
    """The secretary marks notes reviewed (已审阅) or returns them with a comment (已退回)."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    ensure_in_scope(actor, Action.CHANGE, submission)
    if getattr(actor, "person_id", None) == submission.person_id:
        raise PermissionDenied("不能审阅本人的笔记和心得。")
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError("该笔记和心得已处理。")
    if Session.objects.filter(pk=submission.session_id, archived_at__isnull=False).exists():
        raise ValidationError("该会议活动已取消。")
    if not isinstance(approve, bool):
        raise ValidationError({"approve": "请选择审阅通过或退回。"})
    comment = check_line(
        comment, "comment", "退回理由" if not approve else "审阅意见", 500, required=not approve
    )
    before = audit.snapshot(submission)
    submission.status = Submission.Status.REVIEWED if approve else Submission.Status.RETURNED
    submission.reviewed_by, submission.reviewed_at, submission.comment = actor, timezone.now(), comment
    submission.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=submission, before=before)
    return submission


@transaction.atomic
def submission_file(*, actor, submission: Submission) -> tuple[str, str, bytes]:
    """(name, type, bytes) of the photo or PDF, for the member and staff in scope; every download is logged."""
    if not Submission.objects.restrict(actor, Action.VIEW).filter(pk=submission.pk).exists():
        raise PermissionDenied("该笔记不在您的授权范围内。")
    submission = Submission.objects.get(pk=submission.pk)
    data = SubmissionFile.objects.filter(submission=submission).values_list("data", flat=True).first()
    if data is None:
        raise ValidationError("该笔记没有附件。")
    audit.record_event(
        actor=actor,
        event=audit.Events.EXPORT,
        obj=submission,
        detail={"file": submission.file_name, "bytes": submission.file_size},
    )
    return submission.file_name, submission.file_type, bytes(data)


@transaction.atomic
def remind_missing(*, actor, session: Session) -> int:
    """A reminder (shown on the member's own page) to everyone who has not handed in notes and a reflection,
    at most one per person and day. Returns the number sent."""
    session = lock_session(actor, session)
    if not session.needs_notes:
        raise ValidationError("本次会议活动不要求提交笔记和心得。")
    if timezone.now() < session.starts_at:
        raise ValidationError("会议活动尚未开始。")
    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return len(_send(Session.objects.filter(pk=session.pk), actor, today_start, {"session": session.pk}))


def _reminder_text(title: str, starts_at) -> str:
    return f"请提交“{title}”（{timezone.localtime(starts_at):%m月%d日}）的学习笔记和心得体会。"[:300]


def _send(sessions, actor, today_start, detail: dict) -> list[Reminder]:
    """A reminder to every expected member of ``sessions`` with no notes handed in (or returned ones) who has not
    had one since ``today_start``: one query finds them all, one insert writes them, audited."""
    pair = {"session_id": OuterRef("session_id"), "person_id": OuterRef("person_id")}
    owed = (
        Attendance.objects.filter(session__in=sessions)
        .filter(~Exists(Submission.objects.filter(**pair).exclude(status=Submission.Status.RETURNED)))
        .filter(~Exists(Reminder.objects.filter(**pair, sent_at__gte=today_start)))
        .values_list("session_id", "person_id", "session__title", "session__starts_at", "session__org_path")
        .order_by("session_id", "person_id")
    )
    started = timezone.now()
    rows = [
        Reminder(session_id=session_id, person_id=person_id, org_path=org_path, sent_by=actor,
                 text=_reminder_text(title, starts_at))
        for session_id, person_id, title, starts_at, org_path in owed
    ]  # fmt: skip
    rows = Reminder.objects.bulk_create(rows, batch_size=2000)
    if rows and rows[0].pk is None:  # a database that returns no ids from a bulk insert
        rows = list(Reminder.objects.filter(sent_by=actor, sent_at__gte=started, session__in=sessions))
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=rows, detail=detail)
    return rows


@transaction.atomic
def remind_overdue(*, days: int = 3, now=None) -> tuple[int, int]:
    """The scheduled nudge (``manage.py studyday_remind``): for every session that asks for notes and ended in
    the last ``days`` days, a reminder to each member who has not handed them in (at most one a day). Sent by the
    system (the audit rows name no user). Set-based: one query finds every (session, member) owed a reminder,
    one insert writes them. Returns (sessions, reminders)."""
    now = now or timezone.now()
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sessions = Session.objects.filter(
        archived_at__isnull=True,
        needs_notes=True,
        ends_at__lt=now,
        ends_at__gte=now - dt.timedelta(days=days),
    )
    rows = _send(sessions, None, today_start, {"scheduled": days})
    return len({r.session_id for r in rows}), len(rows)


@transaction.atomic
def mark_reminders_read(*, actor, ids=None) -> int:
    """The actor's own unread reminders marked read: those with the given ids (the ones on the page the member
    read), or all of them when ids is None. Another member's ids change nothing."""
    person_id = getattr(actor, "person_id", None)
    if not person_id:
        return 0
    unread = Reminder.objects.select_for_update().filter(person_id=person_id, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    unread = list(unread)
    before = {r.pk: audit.snapshot(r) for r in unread}
    now = timezone.now()
    for reminder in unread:
        reminder.read_at = now
    Reminder.objects.bulk_update(unread, ["read_at"])
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.UPDATE, objs=unread, before=before)
    return len(unread)
