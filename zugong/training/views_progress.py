"""累计学分制 progress pages for staff: the overview with its charts, the cadres' list, one cadre's page, units
and teams, the shortfall list with its reminders, and their Excel exports (the year-end one ordered by unit then
姓氏笔画). Thin: figures from ``selectors`` (the same for page and export), people through
``get_object_for_user`` (another branch's cadre is a 404), writes through ``services``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user
from zugong.core.views_helpers import paginate
from zugong.people.models import Person

from . import rules as R
from . import selectors, services
from .forms_claims import ProgressFilterForm
from .models import CreditRuleSet, CreditYear, Grade, RankGroup, Reminder

# ---- shared -----------------------------------------------------------------------------------------------


def require_staff(user, action: str = Action.VIEW) -> list[str]:
    """The staff pages: a grant over some subtree (not a plain 党员 or cadre, not the 三员)."""
    return services.ensure_training_staff(user, action)


def is_staff(user) -> bool:
    try:
        require_staff(user)
    except PermissionDenied:
        return False
    return True


def year_of(request) -> int:
    return selectors.year_param(request.GET.get("year") or request.POST.get("year"))


def years_for(year: int) -> list[int]:
    """The years the selector offers: every year with rules, this year and the one shown."""
    years = set(CreditRuleSet.objects.values_list("year", flat=True))
    years.update({timezone.localdate().year, year})
    return sorted(years, reverse=True)


def rule_set_of(year: int) -> CreditRuleSet | None:
    return CreditRuleSet.objects.filter(year=year).prefetch_related("rules").first()


def rules_of(rule_set, year: int) -> R.Rules:
    return R.Rules.of(rule_set) if rule_set is not None else R.Rules.defaults(year)


def year_context(request, year: int) -> dict:
    rule_set = rule_set_of(year)
    return {
        "year": year,
        "years": years_for(year),
        "rule_set": rule_set,
        "is_office": services.is_training_office(request.user),
        "query": request.GET.urlencode(),
    }


class Rows:
    """A list handed to ``xlsx_response``, which reads ``.iterator(chunk_size=…)``."""

    def __init__(self, rows):
        self.rows = rows

    def iterator(self, chunk_size=None):
        return iter(self.rows)


def num(value) -> Decimal | None:
    """A Decimal for a numeric Excel cell."""
    return None if value is None else Decimal(str(value))


def yes_no(value) -> str:
    return "是" if value else "否"


def grade_label(value) -> str:
    return Grade(value).label if value in Grade.values else str(value or "")


def rank_label(value) -> str:
    return RankGroup(value).label if value in RankGroup.values else str(value or "")


def floats(values) -> list:
    return [None if v is None else float(v) for v in values]


# ---- overview ---------------------------------------------------------------------------------------------


def unit_name(unit) -> str:
    return "（未填单位）" if unit is None else (unit.short_name or unit.name)


def chart_data(data: dict, target) -> dict:
    """What static/training/charts.js draws (floats for display only; the figures are the page's)."""
    return {
        "grades": {
            "names": [g["label"] for g in data["grades"]],
            "values": [g["count"] for g in data["grades"]],
        },
        "units": {
            "names": [unit_name(u["unit"]) for u in data["units"]],
            "values": floats(u["avg_total"] for u in data["units"]),
            "target": float(target) if target is not None else None,
        },
        "categories": {
            "names": [c["label"] for c in data["categories"]],
            "values": floats(c["credits"] for c in data["categories"]),
        },
    }


@login_required
@require_safe
def overview(request):
    user = request.user
    require_staff(user)
    year = year_of(request)
    context = year_context(request, year)
    data = selectors.district_overview(user, year)
    rules = rules_of(context["rule_set"], year)
    context.update(
        {
            "data": data,
            "rules": rules,
            "chart": chart_data(data, rules.total_credits),
            "can_export": can(user, Action.EXPORT, model=CreditYear),
        }
    )
    return render(request, "training/overview.html", context)


# ---- the cadres' list ---------------------------------------------------------------------------------------

PROGRESS_COLUMNS = [
    ("单位", lambda s: s.person.unit.name if s.person.unit_id else ""),
    ("姓名", lambda s: s.person.name),
    ("职务", lambda s: s.person.post),
    ("职级类别", lambda s: rank_label(s.rank_group)),
    ("学时", lambda s: num(s.hours)),
    ("周期累计学时", lambda s: num(s.cycle_hours)),
    ("网络学时", lambda s: num(s.online_hours)),
    ("脱产天数", lambda s: num(s.full_time_days)),
    ("必修学分", lambda s: num(s.credits_required)),
    ("本年学分", lambda s: num(s.credits_earned)),
    ("上年结转", lambda s: num(s.carried_in)),
    ("总学分", lambda s: num(s.credits_total)),
    ("年度等次", lambda s: grade_label(s.grade)),
    ("年度达标", lambda s: yes_no(s.met_target)),
]


def filtered_progress(request, year: int, action: str = Action.VIEW):
    form = ProgressFilterForm(request.GET, user=request.user)
    queryset = selectors.summaries_for(request.user, year, action)
    if not form.is_valid():
        return form, None
    return form, form.filter(queryset)


@login_required
@require_safe
def progress(request):
    user = request.user
    require_staff(user)
    year = year_of(request)
    form, queryset = filtered_progress(request, year)
    page, qs = paginate(request, queryset if queryset is not None else CreditYear.objects.none())
    context = year_context(request, year)
    context.update(
        {"filter": form, "page": page, "qs": qs, "can_export": can(user, Action.EXPORT, model=CreditYear)}
    )
    return render(request, "training/progress.html", context)


@login_required
@require_safe
def progress_export(request):
    require_staff(request.user, Action.EXPORT)
    year = year_of(request)
    form, queryset = filtered_progress(request, year, Action.EXPORT)
    if queryset is None:
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('training:progress')}?{request.GET.urlencode()}")
    return xlsx_response(
        request=request,
        queryset=queryset,
        filename=f"干部学分-{year}",
        title=f"{year}年度干部学分",
        columns=PROGRESS_COLUMNS,
        what="training.progress",
    )


# ---- one cadre ----------------------------------------------------------------------------------------------


@login_required
@require_safe
def cadre(request, pk: int):
    user = request.user
    if not is_staff(user):
        if user.person_id == pk:
            return redirect("training:mine")
        raise PermissionDenied("您没有查看干部学分的权限。")
    person = get_object_for_user(user, Person, Action.VIEW, pk=pk)
    if not person.is_district_cadre and not CreditYear.objects.filter(person=person).exists():
        raise Http404("该人员不是区管干部。")
    year = year_of(request)
    data = selectors.progress_of(person, year)
    page, qs = paginate(request, data["entries"].select_related("activity", "claim"))
    reminders = (
        Reminder.objects.restrict(user, Action.VIEW)
        .filter(person=person, year=year)
        .select_related("sent_by")
        .order_by("-created_at", "-id")
    )
    context = year_context(request, year)
    context.update(
        {
            "person": person,
            "data": data,
            "page": page,
            "qs": qs,
            "claims": data["claims"],
            "reminders": reminders,
            "can_change": can(user, Action.CHANGE, person),
            "year_open": context["rule_set"] is not None and not context["rule_set"].closed,
        }
    )
    return render(request, "training/cadre.html", context)


# ---- units and teams ------------------------------------------------------------------------------------

UNIT_COLUMNS = [
    ("单位", lambda r: r["unit"].name if r["unit"] is not None else "（未填单位）"),
    ("区管干部人数", lambda r: r["cadres"]),
    ("平均总学分", lambda r: num(r["avg_total"])),
    ("未达标人数", lambda r: r["behind"]),
    ("达标率（%）", lambda r: num(r["met_rate"])),
]
TEAM_COLUMNS = [
    ("单位", lambda r: r["unit"].name if r["unit"] is not None else ""),
    ("领导班子", lambda r: r["team"].name),
    ("区管干部人数", lambda r: r["cadres"]),
    ("平均总学分", lambda r: num(r["avg_total"])),
    ("未达标人数", lambda r: r["behind"]),
    ("班子可评优秀", lambda r: yes_no(r["may_be_excellent"])),
]


@login_required
@require_safe
def units(request):
    user = request.user
    require_staff(user)
    year = year_of(request)
    context = year_context(request, year)
    context.update(
        {
            "units": selectors.unit_progress(user, year),
            "teams": selectors.team_progress(user, year),
            "rules": rules_of(context["rule_set"], year),
            "can_export": can(user, Action.EXPORT, model=CreditYear),
        }
    )
    return render(request, "training/units.html", context)


@login_required
@require_safe
def units_export(request):
    user = request.user
    require_staff(user, Action.EXPORT)
    year = year_of(request)
    if request.GET.get("kind") == "teams":
        rows, columns, name = selectors.team_progress(user, year), TEAM_COLUMNS, "领导班子学分"
    else:
        rows, columns, name = selectors.unit_progress(user, year), UNIT_COLUMNS, "单位学分"
    return xlsx_response(
        request=request,
        queryset=Rows(rows),
        filename=f"{name}-{year}",
        title=f"{year}年度{name}",
        columns=columns,
        what="training.units",
    )


# ---- shortfall and reminders ----------------------------------------------------------------------------


def reminder_window(rule_set, year: int) -> tuple[bool, str]:
    """Whether reminders may be sent for ``year`` today, and if not why (the services say so too)."""
    today = timezone.localdate()
    month = rule_set.reminder_from_month if rule_set is not None else 7
    if year != today.year or today.month < month:
        return False, f"催学提醒在第三、四季度发送（{month}月起）。"
    return True, ""


@login_required
@require_safe
def shortfall(request):
    user = request.user
    require_staff(user)
    year = year_of(request)
    context = year_context(request, year)
    rules = rules_of(context["rule_set"], year)
    page, qs = paginate(request, selectors.shortfall_list(user, year))
    rows = list(page.object_list)
    sent = {
        r["person_id"]: r
        for r in Reminder.objects.restrict(user, Action.VIEW)
        .filter(year=year, person_id__in=[s.person_id for s in rows])
        .values("person_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    }
    for s in rows:
        s.gap = selectors.shortfall_of(s, rules)
        s.reminders = sent.get(s.person_id)
    can_remind, why_not = reminder_window(context["rule_set"], year)
    context.update(
        {
            "page": page,
            "rows": rows,
            "qs": qs,
            "rules": rules,
            "can_remind": can_remind and can(user, Action.CHANGE, model=Person),
            "why_not": why_not,
            "channels": Reminder.Channel.choices,
            "can_export": can(user, Action.EXPORT, model=CreditYear),
        }
    )
    return render(request, "training/shortfall.html", context)


@login_required
@require_POST
def shortfall_remind(request):
    user = request.user
    require_staff(user, Action.CHANGE)
    year = year_of(request)
    back = f"{reverse('training:shortfall')}?year={year}"
    ids = [i for i in map(services.parse_id, request.POST.getlist("person")) if i is not None]
    if not ids:
        messages.error(request, "请勾选要提醒的干部。")
        return redirect(back)
    channel = request.POST.get("channel") or Reminder.Channel.SYSTEM
    try:
        count = services.send_reminders(actor=user, year=year, person_ids=ids, channel=channel)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    if count:
        messages.success(request, f"已向 {count} 名未达标干部发送催学提醒。")
    else:
        messages.info(request, "所选干部均已达标，没有发送提醒。")
    return redirect(back)


SHORTFALL_COLUMNS = [
    ("单位", lambda s: s.person.unit.name if s.person.unit_id else ""),
    ("姓名", lambda s: s.person.name),
    ("职务", lambda s: s.person.post),
    ("职级类别", lambda s: rank_label(s.rank_group)),
    ("总学分", lambda s: num(s.credits_total)),
    ("差总学分", lambda s: num(s.gap.get("total"))),
    ("差必修学分", lambda s: num(s.gap.get("required"))),
    ("差学时", lambda s: num(s.gap.get("hours"))),
    ("差网络学时", lambda s: num(s.gap.get("online_hours"))),
]


@login_required
@require_safe
def shortfall_export(request):
    user = request.user
    require_staff(user, Action.EXPORT)
    year = year_of(request)
    rules = rules_of(rule_set_of(year), year)
    rows = list(selectors.shortfall_list(user, year))
    for s in rows:
        s.gap = selectors.shortfall_of(s, rules)
    return xlsx_response(
        request=request,
        queryset=Rows(rows),
        filename=f"学分未达标名单-{year}",
        title=f"{year}年度学分未达标名单",
        columns=SHORTFALL_COLUMNS,
        what="training.shortfall",
    )


# ---- year-end report ----------------------------------------------------------------------------------------

YEAR_END_COLUMNS = [
    ("单位", lambda r: r["unit"]),
    ("姓名", lambda r: r["name"]),
    ("职务", lambda r: r["post"]),
    ("职级类别", lambda r: r["rank_group"]),
    ("学时", lambda r: num(r["hours"])),
    ("周期累计学时", lambda r: num(r["cycle_hours"])),
    ("网络学时", lambda r: num(r["online_hours"])),
    ("脱产天数", lambda r: num(r["full_time_days"])),
    ("必修学分", lambda r: num(r["required"])),
    ("本年学分", lambda r: num(r["earned"])),
    ("上年结转", lambda r: num(r["carried_in"])),
    ("总学分", lambda r: num(r["total"])),
    ("年度等次", lambda r: r["grade"]),
    ("年度达标", lambda r: yes_no(r["met"])),
]


@login_required
@require_safe
def year_end_export(request):
    user = request.user
    require_staff(user, Action.EXPORT)
    year = year_of(request)
    return xlsx_response(
        request=request,
        queryset=Rows(selectors.year_end_rows(user, year)),
        filename=f"干部教育培训学分年度汇总-{year}",
        title=f"{year}年度干部教育培训学分汇总",
        columns=YEAR_END_COLUMNS,
        what="training.year_end",
    )
