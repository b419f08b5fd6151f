"""The member's own pages, phone-first (mounted at /studyday/me/, namespace "mystudy"): 我的学习, one session as
the member sees it, 签到 with the room's code, 提交笔记和心得, 请假 and its withdrawal, and the attendance history.

A member is any logged-in user whose account is linked to a person; every record is read by that person
(``person_id=user.person_id``), never through a staff scope, so a secretary who is also a member sees here only
their own rows, and a session the member is not expected at is a 404 like one that does not exist. Every write
goes through ``services_attendance`` / ``services_notes`` (which check again and audit)."""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import self_person_id
from zugong.core.views_helpers import paginate

from . import selectors, services_attendance, services_notes
from .forms import MAX_ID
from .forms_mine import LeaveForm, NotesForm, SignInForm, clean_code
from .models import Attendance, LeaveRequest, Submission
from .selectors_materials import readable_materials

S = Attendance.Status
SIGNED = (S.PRESENT, S.LATE)
NOT_EXPECTED = "您不在本次会议活动的应到人员名单中；如需参加，请联系组织者。"
STATUS_CLASS = {
    S.PRESENT: "text-bg-success",
    S.LATE: "text-bg-warning",
    S.LEAVE: "text-bg-info",
    S.ABSENT: "text-bg-danger",
    S.EXPECTED: "text-bg-secondary",
}
NOTES_CLASS = {
    "due": "text-bg-danger",
    Submission.Status.SUBMITTED: "text-bg-warning",
    Submission.Status.RETURNED: "text-bg-danger",
    Submission.Status.REVIEWED: "text-bg-success",
}


# ---- who and which rows -----------------------------------------------------------------------------------


def member_required(view):
    """Logged in, the account linked to a person and holding a grant; otherwise a page that says so (403)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        # The scope's self clause: a person linked, and a 党员 (or staff) grant still held.
        if not self_person_id(request.user, Action.VIEW):
            return render(request, "studyday/mine/no_person.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def my_row(user, session_pk: int) -> Attendance | None:
    if session_pk > MAX_ID:  # a foreign key lookup would pass it to SQLite, which overflows: no such session
        return None
    return (
        Attendance.objects.select_related("session", "session__org")
        .filter(session_id=session_pk, person_id=user.person_id)
        .first()
    )


def my_row_or_404(user, session_pk: int) -> Attendance:
    row = my_row(user, session_pk)
    if row is None:
        raise Http404("记录不存在或不在您的授权范围内。")
    return row


def signed_text(row: Attendance) -> str:
    """出席，19:02 — the status and the time of a sign-in."""
    when = f"，{timezone.localtime(row.signed_at):%H:%M}" if row.signed_at else ""
    return f"{row.get_status_display()}{when}"


def decorate(
    row: Attendance, submission: Submission | None = None, leave: LeaveRequest | None = None, now=None
):
    """What the pages show of one of the member's sessions (set on the row)."""
    session = row.session
    now = now or timezone.now()
    status = row.effective_status
    row.status_label = S(status).label
    row.status_class = STATUS_CLASS.get(status, "text-bg-secondary")
    row.signed = row.status in SIGNED
    row.cancelled = session.archived_at is not None
    row.can_sign_in = not row.signed and session.is_signin_open(now)
    row.started = now >= session.starts_at
    row.ended = session.has_ended(now)
    row.submission = submission
    row.leave = leave
    row.can_leave = (
        not row.cancelled
        and not row.ended
        and not row.signed
        and row.status != S.LEAVE
        and (
            leave is None or leave.status not in (LeaveRequest.Status.SUBMITTED, LeaveRequest.Status.APPROVED)
        )
    )
    if submission is not None:
        row.notes_state, row.notes_label = submission.status, submission.get_status_display()
    elif session.needs_notes and row.started and not row.cancelled:
        row.notes_state, row.notes_label = "due", "待提交"
    else:
        row.notes_state, row.notes_label = "", ""
    row.notes_class = NOTES_CLASS.get(row.notes_state, "text-bg-secondary")
    row.can_notes = (
        session.needs_notes
        and row.started
        and not row.cancelled
        and (submission is None or submission.status == "returned")
    )
    return row


def _by_session(model, person_id: int, session_ids, **filters) -> dict:
    out = {}
    for obj in model.objects.filter(person_id=person_id, session_id__in=session_ids, **filters).order_by(
        "-created_at", "-id"
    ):
        out.setdefault(obj.session_id, obj)
    return out


def decorate_all(rows, person_id: int):
    """Decorate a page of rows with their notes and leave, two queries for the page."""
    rows = list(rows)
    ids = [row.session_id for row in rows]
    submissions = _by_session(Submission, person_id, ids)
    leaves = _by_session(LeaveRequest, person_id, ids)
    now = timezone.now()
    return [decorate(row, submissions.get(row.session_id), leaves.get(row.session_id), now) for row in rows]


# ---- 我的学习 ------------------------------------------------------------------------------------------------


@member_required
@require_safe
def home(request):
    user = request.user
    year = timezone.localdate().year
    reminders = list(selectors.my_reminders(user).filter(read_at__isnull=True)[:20])
    context = {
        "person": user.person,
        "upcoming": decorate_all(selectors.my_sessions(user, upcoming=True)[:20], user.person_id),
        "past": decorate_all(selectors.my_sessions(user, upcoming=False)[:10], user.person_id),
        "reminders": reminders,
        "year": year,
        "rates": selectors.my_person_rates(user.person_id, year),
    }
    return render(request, "studyday/mine/home.html", context)


@member_required
@require_POST
def reminders_read(request):
    """知道了: the reminders that were on the member's page are marked read, not one that came in since (a GET of
    我的学习 changes nothing)."""
    ids = [int(v) for v in request.POST.getlist("id") if v.isascii() and v.isdigit() and len(v) <= 18]
    services_notes.mark_reminders_read(actor=request.user, ids=ids)
    return redirect("mystudy:home")


@member_required
@require_safe
def session(request, pk: int):
    user = request.user
    row = my_row_or_404(user, pk)
    leaves = list(
        LeaveRequest.objects.filter(session_id=pk, person_id=user.person_id).order_by("-created_at")
    )
    decorate(row, selectors.my_submission(user, row.session), leaves[0] if leaves else None)
    materials = readable_materials(user).filter(session_id=pk).order_by("title", "id")
    context = {"row": row, "session": row.session, "materials": materials}
    return render(request, "studyday/mine/session.html", context)


# ---- 签到 ---------------------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def signin(request, pk: int):
    """The code from the room's screen: typed, or carried by the QR's ``?code=`` (which only fills the form;
    the member signs in by tapping 签到). Not expected (or no such session): the refusal, as a 404."""
    user = request.user
    row = my_row(user, pk)
    if row is None:
        return render(request, "studyday/mine/refused.html", {"message": NOT_EXPECTED}, status=404)
    session = row.session
    if row.status in SIGNED:
        if request.method == "POST":
            messages.info(request, f"您已签到（{signed_text(row)}）。")
            return redirect("mystudy:session", pk=pk)
        context = {"row": decorate(row), "session": session, "signed": True}
        return render(request, "studyday/mine/signin.html", context)
    form = SignInForm(request.POST or None, initial={"code": clean_code(request.GET.get("code"))})
    if request.method == "POST" and form.is_valid():
        try:
            row, newly = services_attendance.sign_in(
                actor=user, session_id=pk, code=form.cleaned_data["code"]
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_service_error(form, exc)
        else:
            if newly:
                messages.success(request, f"签到成功（{signed_text(row)}）。")
            else:
                messages.info(request, f"您已签到（{signed_text(row)}）。")
            return redirect("mystudy:session", pk=pk)
    now = timezone.now()
    context = {
        "row": decorate(row, now=now),
        "session": session,
        "form": form,
        "open": session.is_signin_open(now),
        "not_yet": now < session.signin_opens_at(),
    }
    return render(request, "studyday/mine/signin.html", context)


# ---- 笔记和心得 ----------------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def notes(request, pk: int):
    user = request.user
    row = my_row_or_404(user, pk)
    session = row.session
    submission = selectors.my_submission(user, session)
    decorate(row, submission)
    initial = {}
    if submission is not None and submission.status == Submission.Status.RETURNED:
        initial = {"notes": submission.notes, "reflection": submission.reflection}
    form = NotesForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            services_notes.submit_notes(
                actor=user,
                session=session,
                notes=data["notes"],
                reflection=data["reflection"],
                file_name=upload.name if upload else "",
                file_data=upload.read() if upload else b"",
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, "已提交笔记和心得，请等待支部审阅。")
            return redirect("mystudy:notes", pk=pk)
    context = {"row": row, "session": session, "submission": submission, "form": form}
    return render(request, "studyday/mine/notes.html", context)


@member_required
@require_safe
def notes_file(request, pk: int):
    """The photo or PDF of the member's own notes (Submission pk); another's is a 404."""
    user = request.user
    submission = Submission.objects.filter(pk=pk, person_id=user.person_id).first()
    if submission is None:
        raise Http404("记录不存在或不在您的授权范围内。")
    try:
        name, content_type, data = services_notes.submission_file(actor=user, submission=submission)
    except ValidationError as exc:
        raise Http404("；".join(exc.messages)) from None
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---- 请假 ---------------------------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def leave(request, pk: int):
    user = request.user
    row = my_row_or_404(user, pk)
    session = row.session
    leaves = list(
        LeaveRequest.objects.filter(session=session, person_id=user.person_id).order_by("-created_at")
    )
    decorate(row, None, leaves[0] if leaves else None)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_attendance.request_leave(actor=user, session=session, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, "已提交请假申请，请等待支部书记审批。")
            return redirect("mystudy:leave", pk=pk)
    context = {"row": row, "session": session, "leaves": leaves, "form": form}
    return render(request, "studyday/mine/leave.html", context)


@member_required
@require_POST
def leave_withdraw(request, pk: int):
    """撤回 a waiting leave request (LeaveRequest pk) of the member's own; another's is a 404."""
    user = request.user
    leave_request = LeaveRequest.objects.filter(pk=pk, person_id=user.person_id).first()
    if leave_request is None:
        raise Http404("记录不存在或不在您的授权范围内。")
    try:
        services_attendance.withdraw_leave(actor=user, leave=leave_request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, "已撤回请假申请。")
    return redirect("mystudy:leave", pk=leave_request.session_id)


# ---- 出勤记录 ------------------------------------------------------------------------------------------------


def _years(person_id: int, this_year: int) -> list[int]:
    first = (
        Attendance.objects.filter(person_id=person_id, session__archived_at__isnull=True)
        .order_by("session__starts_at")
        .values_list("session__starts_at", flat=True)
        .first()
    )
    start = timezone.localtime(first).year if first else this_year
    return list(range(max(this_year, start), min(start, this_year) - 1, -1))


@member_required
@require_safe
def attendance(request):
    user = request.user
    this_year = timezone.localdate().year
    years = _years(user.person_id, this_year)
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if year not in years:
        year = this_year
    rows = (
        selectors.my_sessions(user)
        .filter(session__starts_at__year=year)
        .order_by("-session__starts_at", "-id")
    )
    page, qs = paginate(request, rows)
    page.object_list = decorate_all(page.object_list, user.person_id)
    context = {
        "year": year,
        "years": years,
        "rates": selectors.my_person_rates(user.person_id, year),
        "page": page,
        "qs": qs,
    }
    return render(request, "studyday/mine/attendance.html", context)
