"""学习计划执行 pages: per organization in the user's view, the study plan's dates of a year against the 学习日
held (filter by year, parent organization, name, only those behind; sorted; paginated), and its Excel export
(the same rows). Figures from ``selectors_adherence``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from zugong.core.exports import rows_xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.core.views_helpers import paginate

from . import services_checks as services
from .forms_checks import AdherenceFilterForm
from .selectors_adherence import adherence, filter_rows
from .views_checks import require_staff, year_of
from .views_compliance import filtered as compliance_filtered


def filtered(request, year: int, action: str = Action.VIEW):
    return compliance_filtered(
        request, year, action, form_class=AdherenceFilterForm, report_of=adherence, filter_of=filter_rows
    )


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
    return rows_xlsx_response(
        request=request, filename=f"{year}年学习计划执行情况", title=f"{year}年学习计划执行情况", headers=headers,
        rows=table, detail={"what": "studyday.adherence", "year": year},
    )  # fmt: skip
