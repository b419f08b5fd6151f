"""Reads of the 学习日 module shared by pages, exports and the API: a session's attendance and notes in figures,
attendance rates per member and per organization (one GROUP BY each), a member's own sessions.

出勤率 = (出席 + 迟到) ÷ 应到 over the sessions that have ended; 请假 is counted apart (it is neither present
nor absent), and an expected attendee who never signed in is absent once the session has ended."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from zugong.core.roles import Action
from zugong.core.scope import self_person_id

from .models import Attendance, LeaveRequest, Reminder, Session, Submission

S = Attendance.Status


def sessions_for(user, action: str = Action.VIEW):
    return Session.objects.restrict(user, action).select_related("org")


def _ended_q(prefix: str = "session__", now=None) -> Q:
    now = now or timezone.now()
    return Q(**{f"{prefix}ends_at__lt": now}) | Q(**{f"{prefix}closed_at__isnull": False})


def effective_status_expr(now=None):
    """The status as counted: 未签到 after the end is 缺席."""
    return Case(
        When(Q(status=S.EXPECTED) & _ended_q(now=now), then=Value(S.ABSENT)),
        default=F("status"),
    )


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def session_summary(session: Session) -> dict:
    """Counts of a session: expected, each status (after its end, 未签到 counts as 缺席), notes handed in,
    reviewed, returned, leave requests waiting."""
    now = timezone.now()
    ended = session.has_ended(now)
    counts = dict(
        Attendance.objects.filter(session=session)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    expected = sum(counts.values())
    if ended:
        counts[S.ABSENT] = counts.get(S.ABSENT, 0) + counts.pop(S.EXPECTED, 0)
    notes = dict(
        Submission.objects.filter(session=session)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    present = counts.get(S.PRESENT, 0) + counts.get(S.LATE, 0)
    return {
        "expected": expected,
        "present": counts.get(S.PRESENT, 0),
        "late": counts.get(S.LATE, 0),
        "leave": counts.get(S.LEAVE, 0),
        "absent": counts.get(S.ABSENT, 0),
        "waiting": counts.get(S.EXPECTED, 0),
        "attended": present,
        "rate": rate(present, expected),
        "notes_submitted": notes.get(Submission.Status.SUBMITTED, 0),
        "notes_reviewed": notes.get(Submission.Status.REVIEWED, 0),
        "notes_returned": notes.get(Submission.Status.RETURNED, 0),
        "notes_missing": expected - sum(v for k, v in notes.items() if k != Submission.Status.RETURNED),
        "leave_waiting": LeaveRequest.objects.filter(
            session=session, status=LeaveRequest.Status.SUBMITTED
        ).count(),
        "ended": ended,
    }


def with_figures(sessions, now=None):
    """Sessions annotated with their attendance as ``session_summary`` counts it (after the end, 未签到 is
    缺席) and the notes handed in, one query for a whole list or export: ``n_expected``, ``n_present``,
    ``n_late``, ``n_leave``, ``n_absent``, ``n_notes``."""
    now = now or timezone.now()
    ended = Q(ends_at__lt=now) | Q(closed_at__isnull=False)
    notes = (
        Submission.objects.filter(session=OuterRef("pk"))
        .exclude(status=Submission.Status.RETURNED)
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    return sessions.annotate(
        n_expected=Count("attendance"),
        n_present=Count("attendance", filter=Q(attendance__status=S.PRESENT)),
        n_late=Count("attendance", filter=Q(attendance__status=S.LATE)),
        n_leave=Count("attendance", filter=Q(attendance__status=S.LEAVE)),
        n_absent=Count(
            "attendance",
            filter=Q(attendance__status=S.ABSENT) | (Q(attendance__status=S.EXPECTED) & ended),
        ),
        n_notes=Coalesce(Subquery(notes[:1]), Value(0)),
    )


def session_roster(session: Session):
    """The expected attendees with their attendance and their notes' status (and the notes' id,
    ``submission_pk``), by 姓氏笔画."""
    return (
        Attendance.objects.filter(session=session)
        .select_related("person", "marked_by")
        .annotate(
            notes_status=Coalesce(
                Submission.objects.filter(session=session, person_id=OuterRef("person_id")).values("status")[
                    :1
                ],
                Value(""),
            ),
            submission_pk=Submission.objects.filter(session=session, person_id=OuterRef("person_id")).values(
                "pk"
            )[:1],
        )
        .order_by("person__name_stroke_key", "person_id")
    )


def _counts(qs, group: list[str], now=None):
    ended = _ended_q(now=now)
    return qs.values(*group).annotate(
        expected=Count("id", filter=ended),
        present=Count("id", filter=ended & Q(status=S.PRESENT)),
        late=Count("id", filter=ended & Q(status=S.LATE)),
        leave=Count("id", filter=ended & Q(status=S.LEAVE)),
        absent=Count("id", filter=ended & (Q(status=S.ABSENT) | Q(status=S.EXPECTED))),
    )


def _with_rates(rows):
    out = []
    for row in rows:
        row = dict(row)
        row["attended"] = row["present"] + row["late"]
        row["rate"] = rate(row["attended"], row["expected"])
        out.append(row)
    return out


def attendance_scope(
    user,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    org=None,
    action: str = Action.VIEW,
):
    qs = Attendance.objects.restrict(user, action).filter(session__archived_at__isnull=True)
    if date_from:
        qs = qs.filter(session__starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(session__starts_at__date__lte=date_to)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    return qs


def rates_by_person(user, date_from=None, date_to=None, org=None, action: str = Action.VIEW) -> list[dict]:
    """Per member: 应到, 出席, 迟到, 请假, 缺席, 出勤率 over ended sessions in the window, by 姓氏笔画."""
    qs = attendance_scope(user, date_from, date_to, org, action)
    rows = (
        _counts(qs, ["person_id", "person__name", "person__name_stroke_key", "person__org__name"])
        .filter(expected__gt=0)  # only those expected at a session that has ended
        .order_by("person__name_stroke_key", "person_id")
    )
    return _with_rates(rows)


def rates_by_org(user, date_from=None, date_to=None, org=None, action: str = Action.VIEW) -> list[dict]:
    """Per organization holding the sessions: sessions held, 应到人次, 出席, 迟到, 请假, 缺席, 出勤率."""
    qs = attendance_scope(user, date_from, date_to, org, action)
    rows = (
        _counts(qs, ["session__org_id", "session__org__name", "session__org__path"])
        .filter(expected__gt=0)
        .order_by("session__org__path")
    )
    rows = _with_rates(rows)
    held = dict(
        Session.objects.restrict(user, action)
        .filter(archived_at__isnull=True, pk__in=qs.values("session_id"))
        .filter(Q(ends_at__lt=timezone.now()) | Q(closed_at__isnull=False))  # held: ended, as the counts
        .values_list("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )
    for row in rows:
        row["sessions"] = held.get(row["session__org_id"], 0)
    return rows


def my_person_rates(person_id: int, year: int) -> dict:
    qs = Attendance.objects.filter(
        person_id=person_id, session__archived_at__isnull=True, session__starts_at__year=year
    )
    rows = _with_rates(_counts(qs, ["person_id"]))
    return (
        rows[0]
        if rows
        else {"expected": 0, "present": 0, "late": 0, "leave": 0, "absent": 0, "attended": 0, "rate": None}
    )


def my_sessions(user, *, upcoming: bool | None = None):
    """The member's own attendance rows (one per session they are expected at), with the session, newest
    first; ``upcoming`` True: not ended yet, False: ended."""
    person_id = self_person_id(user, Action.VIEW)
    if not person_id:
        return Attendance.objects.none()
    qs = Attendance.objects.filter(person_id=person_id, session__archived_at__isnull=True).select_related(
        "session", "session__org"
    )
    now = timezone.now()
    if upcoming is True:
        qs = qs.filter(session__ends_at__gte=now, session__closed_at__isnull=True).order_by(
            "session__starts_at"
        )
    elif upcoming is False:
        qs = qs.filter(_ended_q(now=now)).order_by("-session__starts_at")
    return qs


def my_submission(user, session: Session) -> Submission | None:
    person_id = self_person_id(user, Action.VIEW)
    return Submission.objects.filter(session=session, person_id=person_id).first() if person_id else None


def my_reminders(user):
    person_id = self_person_id(user, Action.VIEW)
    if not person_id:
        return Reminder.objects.none()
    return Reminder.objects.filter(person_id=person_id).select_related("session")


def review_queue(user):
    """Notes waiting for review in the user's CHANGE scope, oldest first."""
    return (
        Submission.objects.restrict(user, Action.CHANGE)
        .filter(status=Submission.Status.SUBMITTED, session__archived_at__isnull=True)
        .select_related("person", "session", "session__org")
        .order_by("submitted_at", "id")
    )


def leave_queue(user):
    return (
        LeaveRequest.objects.restrict(user, Action.CHANGE)
        .filter(status=LeaveRequest.Status.SUBMITTED)
        .select_related("person", "session", "session__org")
        .order_by("created_at", "id")
    )
