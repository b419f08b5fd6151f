"""笔记抽查 pages: the checks, drawing a new one, one check (its members with their grades, progress, results
by organization and the Excel of the grades), grading one member's notes beside what they handed in, the
reproduction of a draw, and the results of a year by organization. Thin: checks through
``get_object_for_user`` (another branch's check is a 404), figures from ``selectors_checks``, writes through
``services_checks``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.exports import rows_xlsx_response, xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.core.views_helpers import form_write, paginate
from zugong.orgs.models import Organization, OrgStatus, OrgType

from . import selectors_checks as selectors
from . import services_checks as services
from .forms import parse_id
from .forms_checks import GradeForm, SpotCheckForm, year_choices
from .models import SpotCheck, SpotCheckItem

SERVICE_ERRORS = (ValidationError, PermissionDenied)


def require_staff(user, action: str = Action.VIEW) -> None:
    """The staff pages: a grant over some subtree (not a plain 党员, not the 三员)."""
    if not grant_paths(user, action):
        raise PermissionDenied("您没有办理笔记抽查的权限。")


def organizer_orgs(user):
    """The organizations the user may organize a check for (the department: the district)."""
    return (
        Organization.objects.restrict(user, Action.CHANGE)
        .filter(status=OrgStatus.ACTIVE, org_type__in=services.ORGANIZER_TYPES)
        .order_by("path")
    )


def scope_orgs(user):
    """The organizations a check may cover: those in the user's scope (a 党小组 comes with its branch)."""
    return (
        Organization.objects.restrict(user, Action.ADD)
        .filter(status=OrgStatus.ACTIVE)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )


def year_of(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _check(request, pk: int, action: str = Action.VIEW) -> SpotCheck:
    require_staff(request.user)
    return get_object_for_user(request.user, SpotCheck, action, pk=pk)


def _item(request, pk: int, action: str = Action.VIEW) -> SpotCheckItem:
    """An item through its check's scope: 404 when the check is out of view, 403 when it may be seen but
    not graded."""
    user = request.user
    require_staff(user)
    item = (
        SpotCheckItem.objects.filter(pk=pk, check_run__in=SpotCheck.objects.restrict(user, Action.VIEW))
        .select_related("check_run", "check_run__org", "person", "org", "graded_by")
        .first()
    )
    if item is None:
        raise Http404("记录不存在或不在您的授权范围内。")
    if action != Action.VIEW and not can(user, action, item.check_run):
        raise PermissionDenied("只有组织抽查的单位可以评定。")
    return item


def _errors(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


@login_required
@require_safe
def check_list(request):
    user = request.user
    require_staff(user)
    page, qs = paginate(request, selectors.checks_for(user))
    context = {
        "page": page,
        "qs": qs,
        "can_create": organizer_orgs(user).exists(),
        "can_configure": services.is_district_admin(user),
    }
    return render(request, "studyday/checks/list.html", context)


def default_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """From the first day of this quarter to today."""
    today = today or timezone.localdate()
    return today.replace(month=((today.month - 1) // 3) * 3 + 1, day=1), today


def _initial(user, copy: str) -> dict:
    date_from, date_to = default_window()
    initial = {
        "title": f"{date_to.year}年学习笔记抽查",
        "date_from": date_from,
        "date_to": date_to,
        "percent": 10,
    }
    earlier = selectors.checks_for(user).filter(pk=pk).first() if (pk := parse_id(copy)) else None
    if earlier is not None:  # the same parameters and seed: the same draw again
        initial.update(
            title=f"{earlier.title}（重现）", org=earlier.org_id, date_from=earlier.date_from,
            date_to=earlier.date_to, organizations=earlier.org_ids, size=earlier.size,
            percent=earlier.percent, seed=earlier.seed,
        )  # fmt: skip
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def check_create(request):
    user = request.user
    require_staff(user, Action.CHANGE)
    orgs = organizer_orgs(user)
    if not orgs.exists():
        raise PermissionDenied("笔记抽查由组织部或党(工)委组织，您没有抽取的权限。")
    initial = _initial(user, request.GET.get("copy", ""))
    initial.setdefault("org", orgs.first())
    form = SpotCheckForm(request.POST or None, orgs=orgs, scope_orgs=scope_orgs(user), initial=initial)
    done = form_write(
        request,
        form,
        lambda _data: services.draw_spot_check(actor=user, **form.service_kwargs()),
        message=lambda c: (
            f"已从 {c.candidates} 名候选党员中抽取 {c.items.count()} 名（随机种子 {c.seed}，已记录）。"
        ),
        success_url=lambda c: reverse("studychecks:detail", args=[c.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "studyday/checks/form.html", {"form": form})


@login_required
@require_safe
def check_detail(request, pk: int):
    check = _check(request, pk)
    user = request.user
    page, qs = paginate(request, selectors.items_of(check))
    context = {
        "check": check,
        "page": page,
        "qs": qs,
        "progress": selectors.progress(check),
        "results": selectors.check_results(check),
        "scope": Organization.objects.filter(pk__in=check.org_ids).order_by("path"),
        "can_grade": can(user, Action.CHANGE, check) and check.status == SpotCheck.Status.GRADING,
        "can_export": can(user, Action.EXPORT, check),
        "grades": SpotCheckItem.Grade.choices,
    }
    return render(request, "studyday/checks/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def item_grade(request, pk: int):
    item = _item(request, pk, Action.CHANGE if request.method == "POST" else Action.VIEW)
    check = item.check_run
    form = GradeForm(request.POST or None, initial={"grade": item.grade or None, "comment": item.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.grade_item(actor=request.user, item=item, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已评定：{item.person.name}（第 {item.position} 名）。")
            after = selectors.next_ungraded(check, item.position)
            if request.POST.get("next") == "detail" or after is None:
                return redirect(f"{reverse('studychecks:detail', args=[check.pk])}#item-{item.pk}")
            return redirect("studychecks:grade", pk=after.pk)
    context = {
        "item": item,
        "check": check,
        "form": form,
        "notes": selectors.member_notes(check, item.person_id),
        "can_grade": can(request.user, Action.CHANGE, check) and check.status == SpotCheck.Status.GRADING,
    }
    return render(request, "studyday/checks/grade.html", context)


@login_required
@require_POST
def check_finish(request, pk: int):
    check = _check(request, pk, Action.CHANGE)
    try:
        services.finish_check(actor=request.user, check=check)
    except SERVICE_ERRORS as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "抽查已完成，评定结果已锁定。")
    return redirect("studychecks:detail", pk=check.pk)


@login_required
@require_safe
def check_verify(request, pk: int):
    check = _check(request, pk)
    context = {
        "check": check,
        "v": selectors.verify(check),
        "can_create": organizer_orgs(request.user).exists(),
    }
    return render(request, "studyday/checks/verify.html", context)


def _grade_label(value: str) -> str:
    return SpotCheckItem.Grade(value).label if value else "未评定"


ITEM_COLUMNS = [
    ("序号", lambda i: i.position),
    ("姓名", lambda i: i.person.name),
    ("所在组织", lambda i: i.org.name),
    ("评定", lambda i: _grade_label(i.grade)),
    ("评语", lambda i: i.comment),
    ("评阅人", lambda i: (i.graded_by.display_name or i.graded_by.username) if i.graded_by_id else ""),
    ("评阅时间", lambda i: timezone.localtime(i.graded_at).strftime("%Y-%m-%d %H:%M") if i.graded_at else ""),
]


@login_required
@require_safe
def check_export(request, pk: int):
    check = _check(request, pk, Action.EXPORT)
    return xlsx_response(
        request=request,
        queryset=selectors.items_of(check),
        filename=f"笔记抽查-{check.title}",
        title="抽查结果",
        columns=ITEM_COLUMNS,
        what=f"studyday.spot_check:{check.pk}",
    )


# ---- results of a year ----------------------------------------------------------------------------------


@login_required
@require_safe
def results(request):
    user = request.user
    require_staff(user)
    year = year_of(request)
    context = {
        "year": year,
        "years": year_choices(year),
        "data": selectors.year_results(user, year),
        "can_export": bool(grant_paths(user, Action.EXPORT)),
        "can_configure": services.is_district_admin(user),
    }
    return render(request, "studyday/checks/results.html", context)


RESULT_HEADERS = ["组织", "抽查人数", "优", "良", "合格", "不合格", "未评定", "优良率（%）", "合格率（%）"]


def result_cells(row: dict) -> list:
    rates = [float(r) if r is not None else None for r in (row["good_rate"], row["pass_rate"])]
    counts = [row[k] for k in ("total", "excellent", "good", "pass", "fail", "ungraded")]
    return [row["org_name"], *counts, *rates]


@login_required
@require_safe
def results_export(request):
    user = request.user
    require_staff(user, Action.EXPORT)
    year = year_of(request)
    data = selectors.year_results(user, year)
    rows = [result_cells(r) for r in [*data["rows"], data["total"]]]
    return rows_xlsx_response(
        request=request, filename=f"{year}年笔记抽查结果", title=f"{year}年笔记抽查结果", headers=RESULT_HEADERS,
        rows=rows, detail={"what": "studyday.spot_check_results", "year": year},
    )  # fmt: skip
