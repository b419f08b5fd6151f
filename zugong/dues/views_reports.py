"""党费报表: 月度收缴, 欠交名单, 上缴党费 and a member's 个人年度党费明细, each with its Excel export. Thin: the
figures come from ``selectors`` (the same for page and export), organizations and people only through
``get_object_for_user`` (another branch's organization or member is a 404), and the reports need a grant on
some organization (a plain 党员 reads only their own statement)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from zugong.core.exports import xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.core.views_helpers import paginate, sort_links
from zugong.orgs.models import Organization
from zugong.orgs.selectors import visible_ancestors
from zugong.people.models import Person

from . import rules, selectors

FIRST_YEAR = 2008  # the regulation in force since April 2008


# ---- parameters -------------------------------------------------------------------------------------


def _require_reports(user, action: str = Action.VIEW) -> None:
    if not grant_paths(user, action):
        if action == Action.EXPORT:
            raise PermissionDenied("您没有导出党费报表的权限。")
        raise PermissionDenied("您没有查看党费报表的权限。")


def _current_month() -> dt.date:
    return rules.month_start(timezone.localdate())


def _month_param(request) -> dt.date:
    """``?month=YYYY-MM`` (the month picker); the current month when absent or not a month."""
    raw = request.GET.get("month", "").strip()
    if raw:
        try:
            month = dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            messages.error(request, f"月份“{raw[:20]}”格式不正确，已显示本月。")
        else:
            if FIRST_YEAR <= month.year <= _current_month().year + 1:
                return month
            messages.error(request, "月份超出范围，已显示本月。")
    return _current_month()


def _year_param(request) -> int:
    """``?year=YYYY``; the current year when absent or out of range."""
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "").strip()
    if raw:
        if raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year:
            return int(raw)
        messages.error(request, f"年份“{raw[:10]}”不正确，已显示{this_year}年。")
    return this_year


def _years() -> list[int]:
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


def _org_param(request, action: str) -> Organization | None:
    """``?org=pk`` narrows a report to a subtree the user may see; anything else there is a 404."""
    raw = request.GET.get("org", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("组织参数不正确。")
    return get_object_for_user(request.user, Organization, action, pk=int(raw))


def _org_or_top(user, pk: int | None, action: str) -> Organization | None:
    if pk is not None:
        return get_object_for_user(user, Organization, action, pk=pk)
    return selectors.scope_top_org(user, action)


class Rows:
    """A list handed to ``xlsx_response``, which reads ``.iterator(chunk_size=…)``."""

    def __init__(self, rows):
        self.rows = rows

    def iterator(self, chunk_size=None):
        return iter(self.rows)


def yuan(fen) -> Decimal | None:
    """Fen as a yuan number for Excel (exact: a Decimal with 2 places)."""
    return None if fen is None else (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def percent(rate) -> Decimal | None:
    return None if rate is None else (rate * 100).quantize(Decimal("0.01"))


def _org_name(row) -> str:
    org = row["org"]
    if org is None:
        return "其他（组织已调整）"
    return f"{org.name}（本级）" if row.get("own") else org.name


# ---- 月度收缴 ------------------------------------------------------------------------------------------

MONTH_COLUMNS = [
    ("党组织", _org_name),
    ("应交人数", lambda r: r["members"]),
    ("应交（元）", lambda r: yuan(r["due_fen"])),
    ("已交（元）", lambda r: yuan(r["paid_fen"])),
    ("未交（元）", lambda r: yuan(r["owed_fen"])),
    ("收缴率（%）", lambda r: percent(r["rate"])),
    ("未交人数", lambda r: r["unpaid_members"]),
    ("缺收入基数人数", lambda r: r["missing_base"]),
]


def _chart_data(rows, series) -> dict:
    """What static/dues/charts.js draws: the collection rate per organization and the year month by month (rates in
    percent, amounts in yuan: floats for display only, the figures themselves are the table's)."""
    named = [r for r in rows if r["org"] is not None]
    return {
        "rates": {
            "names": [_org_name(r) if r["own"] else (r["org"].short_name or r["org"].name) for r in named],
            "values": [float(percent(r["rate"])) if r["rate"] is not None else None for r in named],
        },
        "year": {  # months without a ledger are gaps, not zeros
            "months": [f"{s['month'].month}月" for s in series],
            "due": [float(yuan(s["due_fen"])) if s["members"] else None for s in series],
            "paid": [float(yuan(s["paid_fen"])) if s["members"] else None for s in series],
        },
    }


@login_required
@require_safe
def month_report(request, pk: int | None = None):
    user = request.user
    _require_reports(user)
    org = _org_or_top(user, pk, Action.VIEW)
    month = _month_param(request)
    rows = selectors.month_summary(user, month, org)
    series = selectors.year_series(user, month.year, org)
    context = {
        "org": org,
        "ancestors": visible_ancestors(user, org) if org is not None else [],
        "month": month,
        "rows": rows,
        "total": selectors.summary_total(rows),
        "chart": _chart_data(rows, series),
        "can_export": can(user, Action.EXPORT, model=Organization),
        "query": request.GET.urlencode(),
    }
    return render(request, "dues/reports/month.html", context)


@login_required
@require_safe
def month_export(request, pk: int | None = None):
    user = request.user
    _require_reports(user, Action.EXPORT)
    org = _org_or_top(user, pk, Action.EXPORT)
    month = _month_param(request)
    rows = selectors.month_summary(user, month, org, action=Action.EXPORT)
    total = selectors.summary_total(rows)
    total["label"] = "合计"
    columns = [("党组织", lambda r: r.get("label") or _org_name(r)), *MONTH_COLUMNS[1:]]
    scope = org.name if org is not None else "授权范围"
    return xlsx_response(
        request=request,
        queryset=Rows([*rows, total]),
        filename=f"党费月度收缴-{month:%Y%m}",
        title=f"{scope}{month:%Y年%m月}党费收缴",
        columns=columns,
        what="dues.report_month",
    )


# ---- 欠交名单 ------------------------------------------------------------------------------------------

ARREARS_COLUMNS = [
    ("姓名", lambda r: r["person__name"]),
    ("所在党组织", lambda r: r["person__org__name"]),
    ("欠交月数", lambda r: r["unpaid_months"]),
    ("连续未交月数", lambda r: r["consecutive"]),
    ("欠交金额（元）", lambda r: yuan(r["owed_fen"])),
    ("首个未交月份", lambda r: f"{r['first_unpaid']:%Y-%m}"),
    ("最近未交月份", lambda r: f"{r['last_unpaid']:%Y-%m}"),
]


def _arrears_sort(request) -> str:
    value = request.GET.get("sort", "-consecutive")
    return value if value in selectors.ARREARS_SORTS else "-consecutive"


@login_required
@require_safe
def arrears_report(request):
    user = request.user
    _require_reports(user)
    org = _org_param(request, Action.VIEW)
    as_of = _month_param(request)
    sort = _arrears_sort(request)
    page, qs = paginate(request, selectors.arrears(user, as_of, org=org, sort=sort))
    current, links = sort_links(request, selectors.ARREARS_SORTS)
    context = {
        "org": org,
        "month": as_of,
        "page": page,
        "qs": qs,
        "sort": current or sort,
        "sort_links": links,
        "can_export": can(user, Action.EXPORT, model=Organization),
        "query": request.GET.urlencode(),
    }
    return render(request, "dues/reports/arrears.html", context)


@login_required
@require_safe
def arrears_export(request):
    user = request.user
    _require_reports(user, Action.EXPORT)
    org = _org_param(request, Action.EXPORT)
    as_of = _month_param(request)
    queryset = selectors.arrears(user, as_of, org=org, action=Action.EXPORT, sort=_arrears_sort(request))
    return xlsx_response(
        request=request,
        queryset=queryset,
        filename=f"党费欠交名单-{as_of:%Y%m}",
        title=f"截至{as_of:%Y年%m月}党费欠交名单",
        columns=ARREARS_COLUMNS,
        what="dues.report_arrears",
    )


# ---- 上缴党费 ------------------------------------------------------------------------------------------

REMITTANCE_COLUMNS = [
    ("党(工)委", lambda r: r.get("label") or r["org"].name),
    ("党费收入（元）", lambda r: yuan(r["dues_fen"])),
    ("自愿多交留存（元）", lambda r: yuan(r["voluntary_fen"])),
    ("年度收缴合计（元）", lambda r: yuan(r["collected_fen"])),
    ("应上缴（元）", lambda r: yuan(r["remit_fen"])),
    ("上缴中央（元）", lambda r: yuan(r["to_centre_fen"])),
    ("上缴截止日期", lambda r: r["due_by"]),
]


@login_required
@require_safe
def remittance_report(request):
    user = request.user
    _require_reports(user)
    year = _year_param(request)
    rows = selectors.remittance(user, year)
    context = {
        "year": year,
        "years": _years(),
        "rows": rows,
        "total": selectors.remittance_total(rows),
        "permille": rows[0]["remit_permille"] if rows else selectors.remit_permille_for(year),
        "due_by": dt.date(year + 1, 4, 30),
        "can_export": can(user, Action.EXPORT, model=Organization),
        "query": request.GET.urlencode(),
    }
    return render(request, "dues/reports/remittance.html", context)


@login_required
@require_safe
def remittance_export(request):
    user = request.user
    _require_reports(user, Action.EXPORT)
    year = _year_param(request)
    rows = selectors.remittance(user, year, action=Action.EXPORT)
    total = {**selectors.remittance_total(rows), "label": "合计", "due_by": dt.date(year + 1, 4, 30)}
    return xlsx_response(
        request=request,
        queryset=Rows([*rows, total] if rows else []),
        filename=f"上缴党费-{year}",
        title=f"{year}年度上缴党费",
        columns=REMITTANCE_COLUMNS,
        what="dues.report_remittance",
    )


# ---- 个人年度党费明细 ------------------------------------------------------------------------------------

STATEMENT_COLUMNS = [
    ("月份", lambda m: f"{m['month']:%Y-%m}"),
    ("收缴党组织", lambda m: m["org"].name if m["org"] else ""),
    ("交纳类别", lambda m: m["category"]),
    ("收入基数（元）", lambda m: yuan(m["base_fen"])),
    ("应交（元）", lambda m: yuan(m["due_fen"]) if m["entry"] else None),
    ("已交（元）", lambda m: yuan(m["paid_fen"]) if m["entry"] else None),
    ("未交（元）", lambda m: yuan(m["owed_fen"]) if m["entry"] else None),
    ("收据号", lambda m: "、".join(a.payment.receipt_no for a in m["allocations"])),
    ("交纳日期", lambda m: "、".join(f"{a.payment.paid_on:%Y-%m-%d}" for a in m["allocations"])),
]


@login_required
@require_safe
def statement(request, pk: int):
    user = request.user
    person = get_object_for_user(user, Person, Action.VIEW, pk=pk)
    year = _year_param(request)
    context = {
        "person": person,
        "year": year,
        "years": _years(),
        "data": selectors.annual_statement(person, year),
        "can_export": can(user, Action.EXPORT, person),
        "query": request.GET.urlencode(),
    }
    return render(request, "dues/reports/statement.html", context)


@login_required
@require_safe
def statement_export(request, pk: int):
    person = get_object_for_user(request.user, Person, Action.EXPORT, pk=pk)
    year = _year_param(request)
    data = selectors.annual_statement(person, year)
    return xlsx_response(
        request=request,
        queryset=Rows(data["months"]),
        filename=f"个人党费明细-{person.name}-{year}",
        title=f"{person.name}{year}年党费明细",
        columns=STATEMENT_COLUMNS,
        what="dues.report_statement",
    )
