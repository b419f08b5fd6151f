"""三会一课 compliance pages: the organizations in the user's view against the required frequencies (filter
by year, parent organization, name, only those behind; sorted; paginated), its Excel export (the same rows),
and the requirements themselves, which only the 组织部 (org_admin at the district root) edits. Figures from
``selectors_compliance``; writes through ``services_checks``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.exports import rows_xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.core.views_helpers import paginate
from zugong.orgs.models import OrgType

from . import services_checks as services
from .choices import SessionKind
from .forms_checks import ComplianceFilterForm, RequirementFormSet
from .models import Requirement
from .selectors_compliance import TYPE_LABELS, UNIT, Report, compliance, filter_rows
from .views_checks import require_staff, year_of


def filtered(
    request,
    year: int,
    action: str = Action.VIEW,
    *,
    form_class=ComplianceFilterForm,
    report_of=compliance,
    filter_of=filter_rows,
) -> tuple[ComplianceFilterForm, Report | None, list]:
    """The filter, the report and its rows as the request asks (None and [] when the filter is invalid:
    the list then shows nothing and says why, rather than everything). The 学习计划执行 pages pass their own
    form, report and filter."""
    user = request.user
    form = form_class(request.GET, user=user, year=year)
    if not form.is_valid():
        return form, None, []
    data = form.cleaned_data
    report = report_of(user, year, org=data.get("org"), action=action)
    rows = filter_of(
        report.rows, q=data.get("q") or "", behind=data.get("behind"), sort=data.get("sort") or "path"
    )
    return form, report, rows


@login_required
@require_safe
def compliance_list(request):
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
        "shown_behind": sum(1 for r in rows if r.is_behind),
        "can_export": bool(grant_paths(user, Action.EXPORT)),
        "can_configure": services.is_district_admin(user),
        "applies": [
            (r, "、".join(TYPE_LABELS.get(t, t) for t in r.org_types))
            for r in (report.requirements if report else [])
        ],
    }
    return render(request, "studyday/checks/compliance.html", context)


def cell_text(cell) -> str:
    if cell is None:
        return "—"
    text = cell.text
    if cell.missed:
        text += f"；未达标：{'、'.join(cell.missed)}"
    if cell.current is not None:
        text += f"；{cell.current_label}进行中，已开 {cell.current_held} 次"
    return text


@login_required
@require_safe
def compliance_export(request):
    user = request.user
    require_staff(user, Action.EXPORT)
    year = year_of(request)
    form, report, rows = filtered(request, year, Action.EXPORT)
    if report is None:
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('studychecks:compliance')}?{request.GET.urlencode()}")
    headers = ["组织名称", "组织编码", "组织类别", "上级组织"]
    headers += [
        f"{SessionKind(r.kind).label}（{r.get_period_display()}至少{r.times}次）" for r in report.requirements
    ]
    headers += ["是否落后", "落后期数"]
    table = (
        [r.name, r.code, r.type_label, r.parent_name, *(cell_text(c) for c in r.columns),
         "是" if r.is_behind else "否", r.behind]
        for r in rows
    )  # fmt: skip
    return rows_xlsx_response(
        request=request, filename=f"{year}年三会一课落实情况", title=f"{year}年三会一课落实情况", headers=headers,
        rows=table, detail={"what": "studyday.compliance", "year": year},
    )  # fmt: skip


def _requirement_initial() -> list[dict]:
    """One row per kind of session: its requirement, or an inactive monthly one for a kind without."""
    existing = {r.kind: r for r in Requirement.objects.all()}
    rows = []
    for kind in SessionKind.values:
        r = existing.get(kind)
        if r is None:
            rows.append({"kind": kind, "active": False, "period": "month", "times": 1, "org_types": []})
        else:
            rows.append(
                {
                    "kind": kind,
                    "active": r.active,
                    "period": r.period,
                    "times": r.times,
                    "org_types": r.org_types,
                }
            )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def requirements(request):
    user = request.user
    if not services.is_district_admin(user):
        raise PermissionDenied("只有区委组织部管理员可以设置三会一课频次要求。")
    initial = _requirement_initial()
    formset = RequirementFormSet(request.POST or None, initial=initial, prefix="req")
    if request.method == "POST" and formset.is_valid():
        known = set(Requirement.objects.values_list("kind", flat=True))
        try:
            with transaction.atomic():  # all rows or none
                for data in formset.cleaned_data:
                    if data["kind"] not in known and not data["active"]:
                        continue  # a kind without a requirement, left off
                    services.requirement_save(actor=user, **data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            messages.success(request, "已保存三会一课频次要求，落实情况按新的要求统计。")
            return redirect("studychecks:requirements")
    labels = dict(SessionKind.choices)
    rows = [(f, labels.get(f.initial.get("kind") or f["kind"].value(), "")) for f in formset.forms]
    context = {"formset": formset, "rows": rows, "units": UNIT, "org_types": OrgType.choices}
    return render(request, "studyday/checks/requirements.html", context)
