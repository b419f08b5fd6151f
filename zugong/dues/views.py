"""党费 pages: the ledger (台账) with its export, month generation and bulk payment; 我的党费; the rule sets.
Thin: objects through ``get_object_for_user`` / ``restrict()``, reads through selectors and filters, writes
through ``services`` (which check scope again and audit). The person's pages are in ``views_person``, the
approvals and lapse cases in ``views_review``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.core.views_helpers import form_write, htmx_partial, paginate, sort_links
from zugong.orgs.models import Organization
from zugong.people.models import Person

from . import ledger, rules, selectors, services
from .filters import LEDGER_SORTS, LedgerFilter
from .forms import BulkPayForm, LedgerGenerateForm, RuleSetForm
from .models import DuesProfile, DuesRuleSet, LedgerEntry, Payment

SERVICE_ERRORS = (ValidationError, PermissionDenied)


# --- shared helpers --------------------------------------------------------------------------------


def this_month() -> dt.date:
    return rules.month_start(timezone.localdate())


def require_staff(user, action: str = Action.VIEW, message: str = "") -> None:
    """The staff pages are for users with a grant over some subtree (not a plain 党员, not the 三员)."""
    if not grant_paths(user, action):
        raise PermissionDenied(message or "您没有访问党费管理页面的权限。")


def is_district_wide(user) -> bool:
    return grant_paths(user, Action.CHANGE) == [""]


def org_of_request(request, action: str = Action.VIEW, param: str = "org") -> Organization | None:
    """The organization named in the query string or form, if the user may see it (else 404)."""
    value = request.POST.get(param) or request.GET.get(param) or ""
    if not value:
        return None
    if not value.isdigit():
        raise Http404("党组织不存在。")
    org = Organization.objects.restrict(request.user, action).filter(pk=int(value)).first()
    if org is None:
        raise Http404("党组织不存在或不在您的授权范围内。")
    return org


def month_param(value: str | None) -> dt.date | None:
    """A month from a query string ("2025-03" or "2025-03-01"), or None."""
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return rules.month_start(dt.datetime.strptime((value or "").strip(), fmt).date())
        except ValueError:
            continue
    return None


def yuan_decimal(fen) -> Decimal | None:
    """Fen as a Decimal of yuan, for a numeric Excel cell."""
    return None if fen is None else Decimal(int(fen)) / 100


def service_error_text(exc) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else (str(exc) or "操作未获允许。")


# --- the ledger ------------------------------------------------------------------------------------


def _ledger_filter(request, action: str) -> LedgerFilter:
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = this_month().strftime("%Y-%m")
    queryset = selectors.ledger_for(request.user, action).select_related("person", "org")
    return LedgerFilter(data, queryset=queryset, request=request)


def _ledger_totals(queryset) -> dict:
    totals = queryset.order_by().aggregate(
        members=Count("id"),
        due=Sum("amount_fen"),
        paid=Sum("paid_fen"),
        unpaid=Count("id", filter=Q(paid_fen__lt=F("amount_fen"))),
        missing=Count("id", filter=Q(missing_base=True)),
    )
    totals["due"] = totals["due"] or 0
    totals["paid"] = totals["paid"] or 0
    return totals


@login_required
@require_safe
def ledger_list(request):
    user = request.user
    require_staff(user)
    filterset = _ledger_filter(request, Action.VIEW)
    valid = filterset.is_valid()
    queryset = filterset.qs if valid else LedgerEntry.objects.none()
    page, qs = paginate(request, queryset)
    data = filterset.form.cleaned_data if valid else {}
    month = data.get("month") or this_month()
    selected_org = org_of_request(request) if valid and data.get("org") else None
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "month": month,
        "month_value": month.strftime("%Y-%m"),
        "selected_org": selected_org,
        "totals": _ledger_totals(queryset),
        "can_export": bool(grant_paths(user, Action.EXPORT)),
        "can_generate": bool(grant_paths(user, Action.ADD)) and month <= this_month(),
        "can_pay": bool(grant_paths(user, Action.CHANGE)),
        "oob": htmx_partial(request),
    }
    context["sort"], context["sort_links"] = sort_links(request, LEDGER_SORTS)
    template = "dues/_ledger_table.html" if htmx_partial(request) else "dues/ledger.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


LEDGER_EXPORT_COLUMNS = [
    ("月份", lambda e: f"{e.month:%Y-%m}"),
    ("姓名", lambda e: e.person.name),
    ("收缴党组织", lambda e: e.org.name),
    ("交纳类别", lambda e: e.get_category_display()),
    ("收入基数（元）", lambda e: yuan_decimal(e.base_fen)),
    ("应交（元）", lambda e: yuan_decimal(e.amount_fen)),
    ("已交（元）", lambda e: yuan_decimal(e.paid_fen)),
    ("欠交（元）", lambda e: yuan_decimal(e.owed_fen)),
    ("状态", lambda e: "缺收入基数" if e.missing_base else ("已交" if e.owed_fen == 0 else "未交")),
]


@login_required
@require_safe
def ledger_export(request):
    require_staff(request.user, Action.EXPORT, "您没有导出党费台账的权限。")
    filterset = _ledger_filter(request, Action.EXPORT)
    if not filterset.is_valid():
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('dues:ledger')}?{request.GET.urlencode()}")
    month = filterset.form.cleaned_data.get("month") or this_month()
    return xlsx_response(
        request=request,
        queryset=filterset.qs,
        filename=f"党费台账-{month:%Y%m}",
        title=f"党费台账{month:%Y年%m月}",
        columns=LEDGER_EXPORT_COLUMNS,
        what="dues.ledger",
    )


def _ledger_url(month: dt.date, org: Organization | None) -> str:
    params = {"month": month.strftime("%Y-%m")}
    if org is not None:
        params["org"] = org.pk
    return f"{reverse('dues:ledger')}?{urlencode(params)}"


@login_required
@require_http_methods(["GET", "POST"])
def ledger_generate(request):
    """生成台账: a confirmation page (GET), then the set-based run (POST)."""
    user = request.user
    require_staff(user, Action.ADD, "您没有生成党费台账的权限。")
    org = org_of_request(request)
    initial_month = month_param(request.GET.get("month")) or this_month()
    form = LedgerGenerateForm(
        request.POST if request.method == "POST" else None, initial={"month": initial_month}
    )
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        try:
            added = ledger.generate_month(actor=user, month=month, org=org)
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            where = org.name if org else "您授权范围内的全部党组织"
            messages.success(request, f"已生成 {month:%Y年%m月} 党费台账（{where}）：新增 {added} 条。")
            return redirect(_ledger_url(month, org))
    return render(request, "dues/ledger_generate.html", {"form": form, "org": org, "month": initial_month})


@login_required
@require_http_methods(["GET", "POST"])
def ledger_bulk_pay(request):
    """批量登记交纳: the members chosen on the ledger pay the month's owed amount in full. GET shows the
    chosen members and what each owes (a confirmation); POST records the payments."""
    user = request.user
    require_staff(user, Action.CHANGE, "您没有登记党费交纳的权限。")
    source = request.POST if request.method == "POST" else request.GET
    month = month_param(source.get("month")) or this_month()
    org = org_of_request(request, Action.VIEW) or selectors.scope_top_org(user, Action.CHANGE)
    ids = sorted({int(v) for v in source.getlist("person") if v.isdigit()})
    entries = list(
        selectors.ledger_for(user, Action.CHANGE)
        .filter(month=month, person_id__in=ids, paid_fen__lt=F("amount_fen"))
        .select_related("person", "org")
        .order_by("person__name_stroke_key", "person_id")
    )
    form = BulkPayForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if org is None:
            form.add_error(None, "请先在台账中选择一个党组织。")
        elif not entries:
            form.add_error(None, "所选党员本月没有欠交，无需登记。")
        else:
            try:
                count = services.payments_bulk(
                    actor=user,
                    org=org,
                    month=month,
                    person_ids=[e.person_id for e in entries],
                    **form.cleaned_data,
                )
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, f"已为 {count} 名党员登记 {month:%Y年%m月} 党费交纳。")
                return redirect(_ledger_url(month, org if org_of_request(request) else None))
    context = {
        "form": form,
        "entries": entries,
        "month": month,
        "org": org,
        "total": sum(e.owed_fen for e in entries),
        "back_url": _ledger_url(month, org_of_request(request)),
    }
    return render(request, "dues/ledger_bulk_pay.html", context)


# --- 我的党费 ----------------------------------------------------------------------------------------


@login_required
@require_safe
def mine(request):
    """A member's own dues: what is owed, the year's months and payments, the annual total."""
    user = request.user
    person = Person.objects.filter(pk=user.person_id).first() if user.person_id else None
    if person is None:
        raise PermissionDenied("您的账号未关联党员档案，没有个人党费记录。")
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= today.year else today.year
    entries = LedgerEntry.objects.restrict(user, Action.VIEW).filter(person=person)
    owed = list(entries.filter(paid_fen__lt=F("amount_fen")).order_by("month"))
    payments = (
        Payment.objects.restrict(user, Action.VIEW)
        .filter(person=person, paid_on__year=year)
        .select_related("org")
        .order_by("-paid_on", "-id")
    )
    statement = selectors.annual_statement(person, year)
    first_year = entries.order_by("month").values_list("month__year", flat=True).first() or today.year
    context = {
        "person": person,
        "year": year,
        "years": list(range(today.year, min(first_year, today.year) - 1, -1)),
        "owed": owed,
        "owed_total": sum(e.owed_fen for e in owed),
        "statement": statement,
        "payments": payments,
        "profile": DuesProfile.objects.filter(person=person).first(),
    }
    return render(request, "dues/mine.html", context)


# --- 党费标准 ----------------------------------------------------------------------------------------


@login_required
@require_safe
def rule_set_list(request):
    require_staff(request.user)
    context = {
        "rule_sets": DuesRuleSet.objects.order_by("-effective_from"),
        "can_create": is_district_wide(request.user),
        "current": ledger.rule_set_for(this_month()) if DuesRuleSet.objects.exists() else None,
    }
    return render(request, "dues/rule_sets.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_set_create(request):
    user = request.user
    if not is_district_wide(user):
        raise PermissionDenied("只有全区范围的管理员可以制定党费标准。")
    latest = DuesRuleSet.objects.order_by("-effective_from").first()
    initial = {}
    if latest is not None:
        initial = {
            "effective_from": rules.add_months(this_month(), 1),
            "employed_brackets": latest.employed_brackets,
            "retired_brackets": latest.retired_brackets,
            "farmer_fen": latest.farmer_fen,
            "flat_fen": latest.flat_fen,
        }
    form = RuleSetForm(request.POST if request.method == "POST" else None, initial=initial)
    done = form_write(
        request,
        form,
        lambda data: services.rule_set_create(actor=user, **data),
        message=lambda rs: f"已制定党费标准：{rs}。",
        success_url=reverse("dues:rule_sets"),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(request, "dues/rule_set_form.html", {"form": form, "latest": latest})
