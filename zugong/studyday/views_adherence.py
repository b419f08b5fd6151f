"""学习计划执行 pages: per organization in the user's view, the study plan's dates of a year against the 学习日
held (filter by year, parent organization, name, only those behind; sorted; paginated), and its Excel export
(the same rows). Figures from ``selectors_adherence``."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from zugong.core import audit
from zugong.core.exports import XLSX, write_xlsx
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.core.views_helpers import paginate

from . import services_checks as services
from .forms_checks import AdherenceFilterForm
from .selectors_adherence import Report, adherence, filter_rows
from .views_checks import require_staff, year_of


def filtered(
    request, year: int, action: str = Action.VIEW
) -> tuple[AdherenceFilterForm, Report | None, list]:
    """The filter, the report and its rows as the request asks (None and [] when the filter is invalid)."""
    form = AdherenceFilterForm(request.GET, user=request.user, year=year)
    if not form.is_valid():
        return form, None, []
    data = form.cleaned_data
    report = adherence(request.user, year, org=data.get("org"), action=action)
    rows = filter_rows(
        report.rows, q=data.get("q") or "", behind=data.get("behind"), sort=data.get("sort") or "path"
    )
    return form, report, rows


@login_required
@require_safe
def adherence_list(request):
    user = request.user
    require_staff(user)
    year = year_of(request)
    form, report, rows = filtered(request, year)
    page, qs = paginate(request, rows)
    context = {
        "year": year,
        "filter": form,
        "report": report,
        "page": page,
        "qs": qs,
        "can_export": bool(grant_paths(user, Action.EXPORT)),
        "can_configure": services.is_district_admin(user),
    }
    return render(request, "studyday/checks/adherence.html", context)


@login_required
@require_safe
def adherence_export(request):
    user = request.user
    require_staff(user, Action.EXPORT)
    year = year_of(request)
    form, report, rows = filtered(request, year, Action.EXPORT)
    if report is None:
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('studychecks:adherence')}?{request.GET.urlencode()}")
    headers = ["组织名称", "组织编码", "组织类别", "上级组织", "计划日期（已到期）", "已落实", "未落实",
               "落实率（%）", "待开展", "情况", "未落实日期"]  # fmt: skip
    table = (
        [r.name, r.code, r.type_label, r.parent_name, r.planned, r.held, r.behind,
         None if r.rate is None else float(r.rate), r.upcoming, r.status,
         "、".join(f"{d:%Y-%m-%d}" for d in r.missed)]
        for r in rows
    )  # fmt: skip
    now = timezone.localtime()
    watermark = (
        f"导出人：{user.display_name or user.username}（{user.username}）  导出时间：{now:%Y-%m-%d %H:%M:%S}"
    )
    tmp, count = write_xlsx(
        title=f"{year}年学习计划执行情况", headers=headers, rows=table, watermark=watermark
    )
    audit.record_event(
        actor=user,
        event="export",
        detail={"what": "studyday.adherence", "year": year, "rows": count, "filter": request.GET.urlencode()},
    )
    response = FileResponse(tmp, content_type=XLSX)
    name = f"{year}年学习计划执行情况-{now:%Y%m%d%H%M}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
