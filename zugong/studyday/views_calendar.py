"""节假日与调休: the official calendar's exceptions by year (every staff member reads them: study days and
working-day deadlines follow them), which only the 区委组织部 changes — one day at a time, a removal after a
confirmation, or a year's notice pasted one day a line (bad lines named by number, nothing saved)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core import workdays
from zugong.core.forms import attach_service_error
from zugong.core.models import WorkdayOverride

from . import services, services_calendar
from .forms import WorkdayForm, WorkdayImportForm
from .views import SERVICE_ERRORS, error_text, require_staff


def _year(value) -> int:
    try:
        year = int(str(value))
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def require_office(user) -> None:
    """Only the 组织部 (a grant at the district root) changes the calendar; others get 403 before anything."""
    require_staff(user)
    if not services.is_district_office(user):
        raise PermissionDenied("只有区委组织部可以修改节假日与调休。")


def _calendar_url(year: int) -> str:
    return f"{reverse('studyday:calendar')}?year={year}"


def _page(request, year: int, *, add_form=None, import_form=None, status: int = 200):
    user = request.user
    days = workdays.year_days(year)
    years = {d.year for d in WorkdayOverride.objects.dates("date", "year")}
    years |= {timezone.localdate().year, timezone.localdate().year + 1, year}
    is_office = services.is_district_office(user)
    first, last = workdays.BUILTIN_YEARS
    context = {
        "year": year,
        "years": sorted(years, reverse=True),
        "days": days,
        "builtin": first <= year <= last,
        "builtin_years": f"{first}–{last}",
        "entered": sum(1 for d in days if d.entered),
        "holidays": sum(1 for d in days if d.kind == WorkdayOverride.Kind.HOLIDAY),
        "workdays": sum(1 for d in days if d.kind == WorkdayOverride.Kind.WORKDAY),
        "is_office": is_office,
        "add_form": (add_form or WorkdayForm(initial={"kind": WorkdayOverride.Kind.HOLIDAY}))
        if is_office
        else None,
        "import_form": (import_form or WorkdayImportForm()) if is_office else None,
    }
    return render(request, "studyday/calendar.html", context, status=status)


@login_required
@require_safe
def calendar(request):
    require_staff(request.user)
    return _page(request, _year(request.GET.get("year")))


@login_required
@require_POST
def workday_add(request):
    user = request.user
    require_office(user)
    form = WorkdayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = services_calendar.workday_set(
                actor=user, date=data["date"], kind=data["kind"], name=data["name"]
            )
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已保存：{row}。")
            return redirect(_calendar_url(row.date.year))
    year = (
        form.cleaned_data.get("date").year
        if form.cleaned_data.get("date")
        else _year(request.POST.get("year"))
    )
    return _page(request, year, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def workday_remove(request):
    """Confirm (GET ?date=) then remove (POST date) one day of the table."""
    user = request.user
    require_office(user)
    raw = request.POST.get("date") if request.method == "POST" else request.GET.get("date")
    try:
        day = dt.date.fromisoformat(str(raw or ""))
    except ValueError:
        raise Http404("日期格式不正确。") from None
    row = WorkdayOverride.objects.filter(date=day).first()
    if row is None:
        raise Http404("该日期不在节假日与调休表中。")
    error = ""
    if request.method == "POST":
        try:
            services_calendar.workday_remove(actor=user, date=day)
        except SERVICE_ERRORS as exc:
            error = error_text(exc)
        else:
            messages.success(request, f"已删除：{row}。")
            return redirect(_calendar_url(day.year))
    return render(request, "studyday/calendar_remove.html", {"row": row, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def workdays_import(request):
    user = request.user
    require_office(user)
    form = WorkdayImportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services_calendar.workdays_import(actor=user, text=form.cleaned_data["text"])
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已导入 {count} 天的节假日与调休安排。")
            first = form.cleaned_data["text"].strip()[:4]
            return redirect(_calendar_url(_year(first)))
    return render(request, "studyday/calendar_import.html", {"form": form})
