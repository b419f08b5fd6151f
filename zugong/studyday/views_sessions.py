"""会议活动 pages: the list (filters, search, order, pages) and its Excel export with the attendance in
figures, a new session (from a plan's date or from scratch; expected: the organization's members or a
chosen list), editing it and its minutes, the chosen list, cancelling, and its attachments."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import grant_paths, path_prefix_q
from zugong.core.views_helpers import form_write, htmx_partial, invalid_filter_redirect, paginate, sort_links
from zugong.orgs.models import Organization, OrgStatus
from zugong.people.models import Person
from zugong.training.services_claims import MAX_EVIDENCE_BYTES

from . import selectors, services
from .choices import SessionKind
from .filters import SESSION_SORTS, SessionFilter
from .forms import (
    DEFAULT_END,
    DEFAULT_START,
    ExpectedForm,
    ReasonForm,
    SessionEditForm,
    SessionForm,
    UploadForm,
    local_at,
    parse_id,
    session_initial,
)
from .models import Attendance, PlanItem, Session, SessionFile
from .views import SERVICE_ERRORS, error_text, file_response, require_staff, staff_object

PEOPLE_LIMIT = 500  # people offered for a chosen list; a bigger organization picks a smaller one


# ---- the list -------------------------------------------------------------------------------------------


def _session_filter(request, action: str) -> SessionFilter:
    queryset = selectors.with_figures(selectors.sessions_for(request.user, action))
    return SessionFilter(request.GET or None, queryset=queryset, request=request)


def session_status(s: Session, now=None) -> str:
    if s.archived_at is not None:
        return "已取消"
    now = now or timezone.now()
    if s.has_ended(now):
        return "已结束"
    return "进行中" if s.starts_at <= now else "未开始"


@login_required
@require_safe
def session_list(request):
    user = request.user
    require_staff(user)
    filterset = _session_filter(request, Action.VIEW)
    valid = filterset.is_valid() if filterset.is_bound else True
    page, qs = paginate(request, filterset.qs if valid else Session.objects.none())
    now = timezone.now()
    rows = [(s, session_status(s, now), _rate(s, now)) for s in page]
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "rows": rows,
        "qs": qs,
        "can_create": bool(grant_paths(user, Action.ADD)),
        "can_export": bool(grant_paths(user, Action.EXPORT)),
    }
    context["sort"], context["sort_links"] = sort_links(request, SESSION_SORTS)
    template = "studyday/session_table.html" if htmx_partial(request) else "studyday/session_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _local(value, fmt: str) -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _rate(s, now=None) -> float | None:
    """出勤率 once the session has ended (before, "0/19 0%" would read as a failure)."""
    if s.archived_at is not None or not s.has_ended(now or timezone.now()):
        return None
    value = selectors.rate(s.n_present + s.n_late, s.n_expected)
    return float(value) if value is not None else None


SESSION_COLUMNS = [
    ("日期", lambda s: _local(s.starts_at, "%Y-%m-%d")),
    ("时间", lambda s: f"{_local(s.starts_at, '%H:%M')}–{_local(s.ends_at, '%H:%M')}"),
    ("类型", lambda s: s.get_kind_display()),
    ("主题", lambda s: s.title),
    ("党组织", lambda s: s.org.name),
    ("地点", lambda s: s.place),
    ("主持人/组织者", lambda s: s.organizer),
    ("应到", lambda s: s.n_expected),
    ("出席", lambda s: s.n_present),
    ("迟到", lambda s: s.n_late),
    ("请假", lambda s: s.n_leave),
    ("缺席", lambda s: s.n_absent),
    ("出勤率（%）", _rate),
    ("已交笔记", lambda s: s.n_notes),
    ("状态", session_status),
    ("取消原因", lambda s: s.archived_reason),
]


@login_required
@require_safe
def session_export(request):
    require_staff(request.user, Action.EXPORT)
    filterset = _session_filter(request, Action.EXPORT)
    if filterset.is_bound and not filterset.is_valid():
        return invalid_filter_redirect(request, "studyday:session_list")
    return xlsx_response(
        request=request,
        queryset=filterset.qs,
        filename="会议活动",
        title="会议活动",
        columns=SESSION_COLUMNS,
        what="studyday.sessions",
    )


# ---- create ---------------------------------------------------------------------------------------------


def session_orgs(user):
    return Organization.objects.restrict(user, Action.ADD).filter(status=OrgStatus.ACTIVE).order_by("path")


def org_people(user, org: Organization | None):
    """The people of ``org``'s subtree the user may see, by 姓氏笔画 (at most ``PEOPLE_LIMIT``)."""
    if org is None:
        return Person.objects.none()
    return (
        Person.objects.restrict(user, Action.VIEW)
        .filter(path_prefix_q("org_path", org.path), archived_at__isnull=True)
        .select_related("org")
        .order_by("name_stroke_key", "id")
    )


def _plan_item(user, value) -> PlanItem | None:
    pk = parse_id(value)
    if pk is None:
        return None
    return (
        PlanItem.objects.restrict(user, Action.VIEW)
        .filter(pk=pk, plan__archived_at__isnull=True)
        .select_related("plan", "plan__org")
        .first()
    )


def _initial(request, orgs) -> tuple[dict, PlanItem | None]:
    """A new session's defaults; from a plan's date (``?item=``): a 学习日 on that date, 14:30–16:30, its
    topic as the title and its materials in the agenda."""
    day = timezone.localdate() + dt.timedelta(days=1)
    first = orgs.first()
    initial = {
        "kind": SessionKind.STUDY_DAY,
        "org": first.pk if first else None,
        "starts_at": local_at(day, DEFAULT_START),
        "ends_at": local_at(day, DEFAULT_END),
        "late_after": 10,
        "signin_before": 30,
        "needs_notes": True,
        "expected_mode": Session.Expected.MEMBERS,
    }
    item = _plan_item(request.user, request.GET.get("item"))
    if item is not None:
        initial.update(
            org=item.plan.org_id,
            title=item.topic or f"{item.date:%m月%d日}学习日",
            starts_at=local_at(item.date, DEFAULT_START),
            ends_at=local_at(item.date, DEFAULT_END),
            agenda=f"学习材料：{item.materials}" if item.materials else "",
            plan_item=item.pk,
        )
    elif (org_pk := parse_id(request.GET.get("org"))) and orgs.filter(pk=org_pk).exists():
        initial["org"] = org_pk
    if (kind := request.GET.get("kind")) in SessionKind.values:
        initial["kind"] = kind
    return initial, item


def _chosen_org(form, orgs) -> Organization | None:
    if form.is_bound:
        value = form.data.get("org", "")
        return orgs.filter(pk=pk).first() if (pk := parse_id(value)) else None
    return orgs.filter(pk=form.initial.get("org")).first() if form.initial.get("org") else None


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    orgs = session_orgs(user)
    initial, item = _initial(request, orgs)
    form = SessionForm(request.POST if request.method == "POST" else None, orgs=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        org, kind, person_ids = data.pop("org"), data.pop("kind"), data.pop("person_ids")
        plan_item = None
        if data.pop("plan_item", None):
            plan_item = _plan_item(user, form.cleaned_data["plan_item"])
            if plan_item is None:
                form.add_error(None, "学习计划安排不存在或已归档。")
        if not form.errors:
            try:
                session = services.create_session(
                    actor=user, org=org, kind=kind, data=data, person_ids=person_ids, plan_item=plan_item
                )
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                count = session.attendance.count()
                messages.success(request, f"已登记“{session.title}”，应到 {count} 人。")
                return redirect("studyday:session_detail", pk=session.pk)
    org = _chosen_org(form, orgs)
    people = org_people(user, org)
    chosen = set(form["person_ids"].value() or []) if form.is_bound else set()
    context = {
        "form": form,
        "item": item,
        "org": org,
        "people": people[:PEOPLE_LIMIT],
        "people_total": people.count(),
        "limit": PEOPLE_LIMIT,
        "chosen": {str(pk) for pk in chosen},
    }
    return render(request, "studyday/session_form.html", context)


@login_required
@require_safe
def session_people(request):
    """The checkbox list of an organization's people (the new-session form reloads it when the
    organization changes)."""
    user = request.user
    require_staff(user, Action.ADD)
    value = request.GET.get("org", "")
    org = session_orgs(user).filter(pk=pk).first() if (pk := parse_id(value)) else None
    people = org_people(user, org)
    context = {
        "org": org,
        "people": people[:PEOPLE_LIMIT],
        "people_total": people.count(),
        "limit": PEOPLE_LIMIT,
        "chosen": set(),
    }
    return render(request, "studyday/_people.html", context)


# ---- change ---------------------------------------------------------------------------------------------


def _live_session(request, pk: int, action: str = Action.CHANGE) -> Session:
    session = staff_object(request, Session, pk, action)
    if session.archived_at is not None:
        raise Http404("该会议活动已取消。")
    return session


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    user = request.user
    session = _live_session(request, pk)
    form = SessionEditForm(
        request.POST if request.method == "POST" else None, initial=session_initial(session)
    )
    done = form_write(
        request,
        form,
        lambda data: services.update_session(actor=user, session=session, data=data),
        message=lambda s: f"已保存“{s.title}”。",
        success_url=reverse("studyday:session_detail", args=[session.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "studyday/session_edit.html", {"form": form, "session": session})


@login_required
@require_http_methods(["GET", "POST"])
def session_expected(request, pk: int):
    """The chosen list of expected attendees: tick to add; untick to take out those not yet attended."""
    user = request.user
    session = _live_session(request, pk)
    form = ExpectedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            added, removed = services.set_expected(
                actor=user, session=session, person_ids=form.cleaned_data["person_ids"]
            )
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"应到人员已更新：增加 {added} 人，移出 {removed} 人。")
            return redirect("studyday:session_detail", pk=session.pk)
    rows = {
        a.person_id: a
        for a in Attendance.objects.filter(session=session).select_related("person", "person__org")
    }
    offered = list(org_people(user, session.org)[:PEOPLE_LIMIT])
    people = [a.person for a in rows.values()] + [p for p in offered if p.pk not in rows]
    people.sort(key=lambda p: (p.name_stroke_key, p.pk))
    if form.is_bound:
        chosen = {str(v) for v in request.POST.getlist("person_ids")}
    else:
        chosen = {str(pk) for pk in rows}
    context = {
        "session": session,
        "form": form,
        "people": people,
        "kept": {str(pk) for pk, a in rows.items() if a.status != Attendance.Status.EXPECTED},
        "chosen": chosen,
        "limited": len(offered) >= PEOPLE_LIMIT,
        "limit": PEOPLE_LIMIT,
    }
    return render(request, "studyday/session_expected.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request, pk: int):
    user = request.user
    session = _live_session(request, pk, Action.ARCHIVE)
    form = ReasonForm(request.POST if request.method == "POST" else None, label="取消原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_session(actor=user, session=session, reason=form.cleaned_data["reason"])
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已取消“{session.title}”。")
            return redirect("studyday:session_detail", pk=session.pk)
    summary = selectors.session_summary(session)
    return render(
        request, "studyday/session_cancel.html", {"form": form, "session": session, "summary": summary}
    )


# ---- attachments ----------------------------------------------------------------------------------------


@login_required
@require_POST
def session_file_upload(request, pk: int):
    user = request.user
    session = _live_session(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_EVIDENCE_BYTES:
                raise ValidationError({"file": "附件不能超过 5 MB。"})
            row = services.add_session_file(actor=user, session=session, name=upload.name, data=upload.read())
        except SERVICE_ERRORS as exc:
            messages.error(request, f"附件未上传：{error_text(exc)}")
        else:
            messages.success(request, f"已上传附件“{row.name}”。")
    else:
        errors = [e for errs in form.errors.values() for e in errs]
        messages.error(request, f"附件未上传：{'；'.join(errors)}")
    return redirect(f"{reverse('studyday:session_detail', args=[session.pk])}#files")


@login_required
@require_safe
def session_file_download(request, pk: int):
    row = staff_object(request, SessionFile, pk)
    try:
        name, content_type, data = services.session_file(actor=request.user, file=row)
    except SERVICE_ERRORS as exc:
        raise PermissionDenied(error_text(exc)) from None
    inline = request.GET.get("inline") == "1" and content_type in (
        "image/jpeg",
        "image/png",
        "application/pdf",
    )
    return file_response(name, content_type, data, inline=inline)
