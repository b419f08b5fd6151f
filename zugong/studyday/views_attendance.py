"""One session's page (its figures, the roster with each person's attendance and notes, marking attendance
for many at once, 结束考勤, 催交笔记, its leave requests and attachments), the 签到屏幕 for the room's
projector with its JSON feed, and the leave queue (请假审批)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can
from zugong.core.views_helpers import paginate

from . import selectors, signin
from .forms import MARK_CHOICES, LeaveDecisionForm, UploadForm, parse_marks, parse_was
from .models import Attendance, LeaveRequest, Session
from .services import lock_session
from .services_attendance import close_attendance, decide_leave, mark_attendance
from .services_notes import remind_missing
from .views import SERVICE_ERRORS, error_text, require_staff, safe_next, staff_object
from .views_sessions import session_status

ROSTER_PAGE = 100
S = Attendance.Status


@login_required
@require_safe
def session_detail(request, pk: int):
    user = request.user
    session = staff_object(request, Session, pk)
    now = timezone.now()
    live = session.archived_at is None
    can_change = live and can(user, Action.CHANGE, session)
    page, qs = paginate(request, selectors.session_roster(session), ROSTER_PAGE)
    context = {
        "session": session,
        "status": session_status(session, now),
        "summary": selectors.session_summary(session),
        "page": page,
        "qs": qs,
        "marks": MARK_CHOICES,
        "leaves": LeaveRequest.objects.filter(session=session).select_related("person", "decided_by"),
        "files": session.files.only("pk", "name", "size", "content_type", "created_at", "session_id"),
        "upload_form": UploadForm(),
        "can_change": can_change,
        "can_cancel": live and can(user, Action.ARCHIVE, session),
        "can_close": can_change and session.closed_at is None and session.starts_at <= now,
        "can_remind": can_change and session.needs_notes and session.starts_at <= now,
        "signin_open": session.is_signin_open(now),
        "opens_at": session.signin_opens_at(),
        "plan": session.plan_item.plan if session.plan_item_id else None,
    }
    return render(request, "studyday/session_detail.html", context)


def _detail(session: Session, anchor: str = "") -> str:
    return reverse("studyday:session_detail", args=[session.pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_POST
def session_mark(request, pk: int):
    """One submit for the rows of the roster's page: each ``status_<person id>`` select, with ``was_<person
    id>`` the status the row showed when the page was drawn. Only the rows the organizer changed are sent to
    mark_attendance; a changed row whose status has changed meanwhile (the member signed in with the code,
    a leave was approved, someone else marked it) is left as it is now and counted in the message. A row
    without ``was_`` (a hand-made post) is taken as meant."""
    session = staff_object(request, Session, pk, Action.CHANGE)
    marks, errors = parse_marks(request.POST)
    was = parse_was(request.POST)
    back = safe_next(request, _detail(session, "roster"))
    if errors:
        messages.error(request, "出勤未登记：" + "；".join(errors))
        return redirect(back)
    wanted = {person_id: status for person_id, status in marks.items() if was.get(person_id) != status}
    stale = 0
    try:
        with transaction.atomic():
            # the session first, then its rows: the same order as the services, so no deadlock; the rows
            # stay locked until mark_attendance has written, so a sign-in cannot slip in between
            lock_session(request.user, session)
            now = dict(
                Attendance.objects.select_for_update()
                .filter(session=session, person_id__in=[p for p in wanted if p in was])
                .values_list("person_id", "status")
            )
            for person_id in [p for p in wanted if p in now and now[p] != was[p]]:
                del wanted[person_id]
                stale += 1
            changed = (
                mark_attendance(
                    actor=request.user, session=session, marks=wanted, note=request.POST.get("note", "")
                )
                if wanted
                else 0
            )
    except SERVICE_ERRORS as exc:
        messages.error(request, f"出勤未登记：{error_text(exc)}")
        return redirect(back)
    if changed:
        messages.success(request, f"已登记 {changed} 人的出勤。")
    elif not stale:
        messages.success(request, "出勤没有变化。")
    if stale:
        messages.warning(request, f"{stale} 人的出勤在此期间已变化（如已扫码签到），未覆盖，请刷新后核对。")
    return redirect(back)


@login_required
@require_POST
def session_close(request, pk: int):
    session = staff_object(request, Session, pk, Action.CHANGE)
    try:
        absent = close_attendance(actor=request.user, session=session)
    except SERVICE_ERRORS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, f"考勤已结束，{absent} 名未签到人员记为缺席。" if absent else "考勤已结束。"
        )
    return redirect(_detail(session))


@login_required
@require_POST
def session_remind(request, pk: int):
    session = staff_object(request, Session, pk, Action.CHANGE)
    try:
        sent = remind_missing(actor=request.user, session=session)
    except SERVICE_ERRORS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            f"已提醒 {sent} 人提交学习笔记和心得体会。"
            if sent
            else "没有需要提醒的人员（今天已提醒过的不再重复）。",
        )
    return redirect(_detail(session, "roster"))


# ---- the screen -----------------------------------------------------------------------------------------


def signin_url(request, session: Session, code: str) -> str:
    """The member's own sign-in page for the session, with the code, as an absolute URL for the QR."""
    path = reverse("mystudy:signin", args=[session.pk])
    return request.build_absolute_uri(f"{path}?code={code}")


def screen_state(request, session: Session) -> dict:
    """What the screen shows now: inside the sign-in window the code, its QR and the seconds until it
    changes; outside it only why there is none. Always the counts signed / expected."""
    now = timezone.now()
    counts = Attendance.objects.filter(session=session).aggregate(
        expected=Count("id"), signed=Count("id", filter=Q(status__in=(S.PRESENT, S.LATE)))
    )
    state = {
        "open": False,
        "signed": counts["signed"],
        "expected": counts["expected"],
        "code": "",
        "qr": "",
        "seconds_left": 0,
    }
    if session.archived_at is not None:
        return state | {"state": "cancelled", "message": "本次会议活动已取消"}
    if now < session.signin_opens_at():
        opens = timezone.localtime(session.signin_opens_at())
        return state | {"state": "before", "message": f"签到尚未开始（{opens:%m月%d日 %H:%M} 开始签到）"}
    if not session.is_signin_open(now):
        return state | {"state": "after", "message": "签到已结束"}
    code, seconds_left = signin.current_code(session.pk)
    qr = segno.make(signin_url(request, session, code), error="m").svg_data_uri(scale=8, border=2)
    return state | {
        "state": "open",
        "open": True,
        "message": "请扫码或输入签到码签到",
        "code": code,
        "qr": qr,
        "seconds_left": seconds_left,
    }


@login_required
@require_safe
def screen(request, pk: int):
    session = staff_object(request, Session, pk, Action.CHANGE)
    context = {"session": session, "s": screen_state(request, session), "period": signin.SLOT_SECONDS}
    response = render(request, "studyday/screen.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def screen_code(request, pk: int):
    session = staff_object(request, Session, pk, Action.CHANGE)
    response = JsonResponse(screen_state(request, session), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


# ---- leave ----------------------------------------------------------------------------------------------


@login_required
@require_safe
def leave_queue(request):
    user = request.user
    require_staff(user, Action.CHANGE)
    page, qs = paginate(request, selectors.leave_queue(user))
    return render(request, "studyday/leave_queue.html", {"page": page, "qs": qs})


@login_required
@require_http_methods(["GET", "POST"])
def leave_decide(request, pk: int):
    """Approve (attendance becomes 请假) or refuse with a reason; back to ``next`` or the queue."""
    user = request.user
    leave = staff_object(request, LeaveRequest, pk, Action.CHANGE)
    back = safe_next(request, reverse("studyday:leave_queue"))
    form = LeaveDecisionForm(
        request.POST if request.method == "POST" else None, auto_id=f"id_leave{leave.pk}_%s"
    )
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            decide_leave(actor=user, leave=leave, approve=approve, comment=form.cleaned_data["comment"])
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            verb = "已批准" if approve else "未批准"
            messages.success(request, f"{verb}{leave.person.name}的请假申请（{leave.session.title}）。")
            return redirect(back)
    context = {"leave": leave, "form": form, "next": back}
    return render(request, "studyday/leave_decide.html", context)
