"""出勤统计: attendance rates by organization and by member over a date range (this year by default), each
with its Excel export. Figures from ``selectors.rates_by_org`` / ``rates_by_person`` — the same numbers on
the page and in the file."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from zugong.core.exports import rows_xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.core.views_helpers import paginate

from . import selectors
from .filters import visible_orgs
from .forms import StatsForm
from .views import require_staff

VIEWS = {"orgs": "按组织", "people": "按党员"}


def this_year(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def stats_form(request) -> tuple[StatsForm, dict | None]:
    """The range form and what it asks for (None when the input is wrong: nothing is shown then)."""
    date_from, date_to = this_year()
    data = request.GET.copy()
    data.setdefault("date_from", date_from.isoformat())
    data.setdefault("date_to", date_to.isoformat())
    form = StatsForm(data, orgs=visible_orgs(request))
    if not form.is_valid():
        return form, None
    return form, {
        "date_from": form.cleaned_data.get("date_from"),
        "date_to": form.cleaned_data.get("date_to"),
        "org": form.cleaned_data.get("org"),
    }


@login_required
@require_safe
def stats(request):
    user = request.user
    require_staff(user)
    form, query = stats_form(request)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "orgs"
    rows: list[dict] = []
    if query is not None:
        rows = (
            selectors.rates_by_org(user, **query)
            if view == "orgs"
            else selectors.rates_by_person(user, **query)
        )
    page, qs = paginate(request, rows)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("view", None)
    context = {
        "form": form,
        "view": view,
        "views": VIEWS,
        "page": page,
        "qs": qs,
        "range_qs": params.urlencode(),
        "can_export": bool(grant_paths(user, Action.EXPORT)) and query is not None,
        "totals": _totals(rows),
    }
    return render(request, "studyday/stats.html", context)


def _totals(rows: list[dict]) -> dict:
    keys = ("expected", "present", "late", "leave", "absent", "attended")
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["rate"] = selectors.rate(total["attended"], total["expected"])
    return total


def _number(value):
    return float(value) if value is not None else None


ORG_HEADERS = ["党组织", "会议活动（次）", "应到（人次）", "出席", "迟到", "请假", "缺席", "出勤率（%）"]
PERSON_HEADERS = ["姓名", "所在组织", "应到（次）", "出席", "迟到", "请假", "缺席", "出勤率（%）"]


def _counts(row: dict) -> list:
    return [row["expected"], row["present"], row["late"], row["leave"], row["absent"], _number(row["rate"])]


def _export(request, view: str):
    user = request.user
    require_staff(user, Action.EXPORT)
    form, query = stats_form(request)
    if query is None:
        messages.error(request, "统计条件有误，请修改后再导出。")
        return redirect(f"{reverse('studyday:stats')}?{request.GET.urlencode()}")
    if view == "orgs":
        data = selectors.rates_by_org(user, **query, action=Action.EXPORT)
        headers, rows = ORG_HEADERS, [[r["session__org__name"], r["sessions"], *_counts(r)] for r in data]
    else:
        data = selectors.rates_by_person(user, **query, action=Action.EXPORT)
        headers, rows = (
            PERSON_HEADERS,
            [[r["person__name"], r["person__org__name"], *_counts(r)] for r in data],
        )
    span = f"{query['date_from'] or '不限'}至{query['date_to'] or '不限'}"
    title = f"出勤统计（{VIEWS[view]}）"
    return rows_xlsx_response(
        request=request, filename=title, title=title, headers=headers, rows=rows,
        detail={"what": f"studyday.rates_by_{view}"}, note=f"统计区间：{span}",
    )  # fmt: skip


@login_required
@require_safe
def stats_org_export(request):
    return _export(request, "orgs")


@login_required
@require_safe
def stats_person_export(request):
    return _export(request, "people")
