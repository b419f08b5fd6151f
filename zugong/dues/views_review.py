"""审批 by the committee above (reductions, quarterly prepayments, lapse decisions) and the 连续未交预警
(lapse cases): the list, the flagging run, and the branch's decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.roles import Action
from zugong.core.scope import get_object_for_user, grant_paths
from zugong.core.views_helpers import form_write, paginate

from . import services
from .filters import LapseFilter
from .forms import DecisionForm, LapseDecideForm
from .models import LapseCase, Payment, Reduction
from .money import format_yuan
from .views import SERVICE_ERRORS, require_staff, service_error_text, this_month

APPROVALS_SHOWN = 200


def approvable(user, org_path: str) -> bool:
    """Whether ``user`` is the committee above the branch at ``org_path``: a CHANGE grant over the branch's
    parent, i.e. over the branch's subtree but not on the branch itself. The service decides; this only
    chooses which buttons to show."""
    paths = grant_paths(user, Action.CHANGE)
    if paths == [""]:
        return True
    return any(org_path.startswith(p) and org_path != p for p in paths)


def _mark(user, rows, path_of):
    rows = list(rows)
    for row in rows:
        row.can_approve = approvable(user, path_of(row))
    return rows


@login_required
@require_safe
def approvals(request):
    user = request.user
    require_staff(user, Action.CHANGE, "您没有审批党费事项的权限。")
    reductions = (
        Reduction.objects.restrict(user, Action.CHANGE)
        .filter(status=Reduction.Status.PROPOSED)
        .select_related("person", "person__org", "decided_by")
        .order_by("created_at", "id")[:APPROVALS_SHOWN]
    )
    prepays = (
        Payment.objects.restrict(user, Action.CHANGE)
        .filter(kind=Payment.Kind.PREPAY, status=Payment.Status.PENDING)
        .select_related("person", "org", "recorded_by")
        .order_by("created_at", "id")[:APPROVALS_SHOWN]
    )
    lapses = (
        LapseCase.objects.restrict(user, Action.CHANGE)
        .filter(status=LapseCase.Status.DECIDED)
        .select_related("person", "org", "decided_by")
        .order_by("decided_at", "id")[:APPROVALS_SHOWN]
    )
    context = {
        "reductions": _mark(user, reductions, lambda r: r.person.org_path),
        "prepays": _mark(user, prepays, lambda p: p.org_path),
        "lapses": _mark(user, lapses, lambda c: c.org_path),
        "shown": APPROVALS_SHOWN,
    }
    return render(request, "dues/approvals.html", context)


def _decide(request, obj, write, *, title, rows, message):
    """One decision page: what is decided, the note, 批准 / 不批准."""
    form = DecisionForm(request.POST if request.method == "POST" else None)
    done = form_write(
        request,
        form,
        lambda data: write(approve=data["approve"], note=data["note"]),
        message=lambda result: message(form.cleaned_data["approve"]),
        success_url=reverse("dues:approvals"),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    context = {"form": form, "title": title, "rows": rows, "obj": obj, "person": getattr(obj, "person", None)}
    return render(request, "dues/decide.html", context)


def _verdict(approve: bool) -> str:
    return "批准" if approve else "不予批准"


@login_required
@require_http_methods(["GET", "POST"])
def reduction_decide(request, pk: int):
    user = request.user
    require_staff(user, Action.CHANGE, "您没有审批党费事项的权限。")
    reduction = get_object_for_user(user, Reduction, Action.CHANGE, pk=pk)
    rows = [
        ("党员", reduction.person.name),
        ("所在党组织", reduction.person.org.name),
        ("期间", f"{reduction.valid_from:%Y年%m月} 至 {reduction.valid_to:%Y年%m月}"),
        ("减免后每月", "免交" if reduction.amount_fen == 0 else f"{format_yuan(reduction.amount_fen)} 元"),
        ("理由", reduction.reason),
        ("状态", reduction.get_status_display()),
    ]
    return _decide(
        request,
        reduction,
        lambda **kw: services.reduction_decide(actor=user, reduction=reduction, **kw),
        title="审批党费减免",
        rows=rows,
        message=lambda ok: f"已{_verdict(ok)} {reduction.person.name} 的党费减免申请。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def prepay_decide(request, pk: int):
    user = request.user
    require_staff(user, Action.CHANGE, "您没有审批党费事项的权限。")
    payment = get_object_for_user(user, Payment, Action.CHANGE, pk=pk)
    if payment.kind != Payment.Kind.PREPAY:
        messages.error(request, "这笔交纳不是按季预交申请。")
        return redirect("dues:approvals")
    rows = [
        ("党员", payment.person.name),
        ("收缴党组织", payment.org.name),
        (
            "预交月份",
            f"{payment.first_month:%Y年%m月} 起 {payment.months} 个月" if payment.first_month else "—",
        ),
        ("金额", f"{format_yuan(payment.amount_fen)} 元"),
        ("交纳方式", payment.get_method_display()),
        ("交纳日期", f"{payment.paid_on:%Y-%m-%d}"),
        ("状态", payment.get_status_display()),
    ]
    return _decide(
        request,
        payment,
        lambda **kw: services.prepay_decide(actor=user, payment=payment, **kw),
        title="审批按季预交",
        rows=rows,
        message=lambda ok: f"已{_verdict(ok)} {payment.person.name} 的按季预交申请。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def lapse_approve(request, pk: int):
    user = request.user
    require_staff(user, Action.CHANGE, "您没有审批党费事项的权限。")
    case = get_object_for_user(user, LapseCase, Action.CHANGE, pk=pk)
    rows = [
        ("党员", case.person.name),
        ("党支部", case.org.name),
        ("连续未交", f"{case.unpaid_months} 个月（{case.first_unpaid:%Y年%m月}起）"),
        ("支部决定", case.get_decision_display() or "—"),
        ("支部意见", case.decision_note or "—"),
        ("状态", case.get_status_display()),
    ]
    return _decide(
        request,
        case,
        lambda **kw: services.lapse_approve(actor=user, case=case, **kw),
        title="审批连续未交党费的处理",
        rows=rows,
        message=lambda ok: f"已{'批准' if ok else '退回'}支部对 {case.person.name} 的处理决定。",
    )


# --- 连续未交预警 ------------------------------------------------------------------------------------


@login_required
@require_safe
def lapse_list(request):
    user = request.user
    require_staff(user)
    queryset = LapseCase.objects.restrict(user, Action.VIEW).select_related("person", "org")
    filterset = LapseFilter(request.GET, queryset=queryset, request=request)
    rows = (
        filterset.qs.order_by("-unpaid_months", "-id") if filterset.is_valid() else LapseCase.objects.none()
    )
    page, qs = paginate(request, rows)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "can_flag": bool(grant_paths(user, Action.CHANGE)),
        "month": this_month(),
    }
    return render(request, "dues/lapses.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lapse_flag(request):
    """生成预警 for the current month: a confirmation page, then the set-based run."""
    user = request.user
    require_staff(user, Action.CHANGE, "您没有生成党费预警的权限。")
    month = this_month()
    error = ""
    if request.method == "POST":
        try:
            flagged = services.lapse_flag(actor=user, as_of=month)
        except SERVICE_ERRORS as exc:
            error = service_error_text(exc)
        else:
            messages.success(request, f"已生成连续未交党费预警：新增 {flagged} 人。")
            return redirect("dues:lapses")
    return render(request, "dues/lapse_flag.html", {"month": month, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def lapse_decide(request, pk: int):
    """支部决定: with good reason (keep educating) or without (自行脱党), then the committee above approves."""
    user = request.user
    require_staff(user, Action.CHANGE, "您没有处理党费预警的权限。")
    case = get_object_for_user(user, LapseCase, Action.CHANGE, pk=pk)
    if case.status not in (LapseCase.Status.FLAGGED, LapseCase.Status.RETURNED):
        messages.info(request, f"该预警当前状态为“{case.get_status_display()}”，支部无需再作决定。")
        return redirect("dues:lapses")
    form = LapseDecideForm(request.POST if request.method == "POST" else None)
    done = form_write(
        request,
        form,
        lambda data: services.lapse_decide(actor=user, case=case, **data),
        message=f"已记录支部对 {case.person.name} 的决定，报上级党组织审批。",
        success_url=reverse("dues:lapses"),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(request, "dues/lapse_decide.html", {"form": form, "case": case})
