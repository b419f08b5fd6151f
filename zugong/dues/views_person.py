"""One member's dues: the page (category, income bases, months, payments, reductions, reminders) and its
forms (登记交纳, 自愿多交, 按季预交, 冲正, 减免申请, 催缴), and the printable receipt of a payment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.core.views_helpers import form_write, paginate
from zugong.people.models import Person

from . import ledger, rules, services
from .forms import (
    IncomeBaseForm,
    PaymentForm,
    PrepayForm,
    ProfileForm,
    ReductionForm,
    ReminderForm,
    ReverseForm,
    VoluntaryForm,
)
from .models import Category, DuesProfile, IncomeBase, LapseCase, LedgerEntry, Payment, Reduction, Reminder
from .money import format_yuan
from .views import SERVICE_ERRORS, require_staff, this_month

ENTRIES_PER_PAGE = 24
PAYMENTS_SHOWN = 60


def _posted(request):
    return request.POST if request.method == "POST" else None


def _person_url(person) -> str:
    return reverse("dues:person", args=[person.pk])


def _owed_entries(user, person):
    return list(
        LedgerEntry.objects.restrict(user, Action.CHANGE)
        .filter(person=person, paid_fen__lt=F("amount_fen"))
        .order_by("month")
    )


def _backpay_months() -> int:
    try:
        return ledger.rule_set_for(this_month()).backpay_months
    except ValidationError:
        return 6


# --- the page ----------------------------------------------------------------------------------------


@login_required
@require_safe
def person_dues(request, pk: int):
    user = request.user
    if not grant_paths(user, Action.VIEW):
        if user.person_id == pk:
            return redirect("dues:mine")
        raise PermissionDenied("您没有访问党费管理页面的权限。")
    person = get_object_for_user(user, Person, Action.VIEW, pk=pk)
    entries = LedgerEntry.objects.restrict(user, Action.VIEW).filter(person=person).select_related("org")
    owed = list(entries.filter(paid_fen__lt=F("amount_fen")).order_by("month"))
    page, qs = paginate(request, entries.order_by("-month"), ENTRIES_PER_PAGE)
    payments = list(
        Payment.objects.restrict(user, Action.VIEW)
        .filter(person=person)
        .select_related("recorded_by", "reverses")
        .order_by("-paid_on", "-id")[:PAYMENTS_SHOWN]
    )
    reversed_ids = set(
        Payment.objects.filter(reverses_id__in=[p.pk for p in payments]).values_list("reverses_id", flat=True)
    )
    for payment in payments:
        payment.is_reversed = payment.pk in reversed_ids
        payment.can_reverse = (
            payment.kind != Payment.Kind.REVERSAL
            and payment.status == Payment.Status.POSTED
            and not payment.is_reversed
        )
    bases = list(
        IncomeBase.objects.restrict(user, Action.VIEW).filter(person=person).order_by("-effective_month")
    )
    month = this_month()
    current_base = next((b for b in bases if b.effective_month <= month), None)
    profile = DuesProfile.objects.restrict(user, Action.VIEW).filter(person=person).first()
    context = {
        "person": person,
        "profile": profile,
        "category_label": profile.get_category_display() if profile else f"{Category.EMPLOYED.label}（默认）",
        "needs_base": rules.needs_base(profile.category if profile else Category.EMPLOYED),
        "bases": bases,
        "current_base": current_base,
        "owed": owed,
        "owed_total": sum(e.owed_fen for e in owed),
        "page": page,
        "qs": qs,
        "payments": payments,
        "reductions": Reduction.objects.restrict(user, Action.VIEW)
        .filter(person=person)
        .order_by("-valid_from"),
        "reminders": Reminder.objects.restrict(user, Action.VIEW)
        .filter(person=person)
        .select_related("sent_by")
        .order_by("-created_at")[:10],
        "lapse": LapseCase.objects.restrict(user, Action.VIEW)
        .filter(person=person)
        .exclude(status__in=[LapseCase.Status.CLOSED])
        .order_by("-id")
        .first(),
        "can_change": can(user, Action.CHANGE, person),
        "this_month": month,
    }
    return render(request, "dues/person.html", context)


# --- the forms ---------------------------------------------------------------------------------------


def _person_form(request, pk, form_class, write, *, title, message, success_url=None, initial=None, intro=""):
    """A form page about one member: one form, one service call, back to the member's page."""
    user = request.user
    require_staff(user, Action.CHANGE, "您没有办理党费业务的权限。")
    person = get_object_for_user(user, Person, Action.CHANGE, pk=pk)
    form = form_class(_posted(request), initial=initial or {})
    done = form_write(
        request,
        form,
        lambda data: write(actor=user, person=person, **data),
        message=message,
        success_url=success_url or _person_url(person),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    context = {"form": form, "person": person, "title": f"{title}：{person.name}", "intro": intro}
    return render(request, "dues/person_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_category(request, pk: int):
    profile = DuesProfile.objects.filter(person_id=pk).first()
    initial = {"category": profile.category, "note": profile.note} if profile else {}
    return _person_form(
        request,
        pk,
        ProfileForm,
        services.profile_set,
        title="交纳类别",
        message=lambda p: f"已将交纳类别设为“{p.get_category_display()}”。",
        initial=initial,
        intro="类别变更从下一次生成的台账月份起生效，已生成的月份不变。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_base(request, pk: int):
    return _person_form(
        request,
        pk,
        IncomeBaseForm,
        services.income_base_add,
        title="录入收入基数",
        message=lambda b: f"已录入收入基数 {format_yuan(b.base_fen)} 元（{b.effective_month:%Y年%m月}起）。",
        initial={"effective_month": this_month()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_voluntary(request, pk: int):
    def message(payment):
        centre = "，全额上缴中央" if payment.to_centre else ""
        return f"已登记自愿多交 {format_yuan(payment.amount_fen)} 元{centre}，收据号 {payment.receipt_no}。"

    return _person_form(
        request,
        pk,
        VoluntaryForm,
        services.voluntary_record,
        title="自愿多交党费",
        message=message,
        success_url=lambda payment: reverse("dues:receipt", args=[payment.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_prepay(request, pk: int):
    return _person_form(
        request,
        pk,
        PrepayForm,
        services.prepay_request,
        title="按季预交申请",
        message=lambda p: f"已提交按季预交申请 {format_yuan(p.amount_fen)} 元，待上级党组织审批。",
        initial={"first_month": this_month()},
        intro="党费一般按月交纳；按季预交须经上级党组织批准，批准后计入相应月份。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_reduction(request, pk: int):
    month = this_month()
    return _person_form(
        request,
        pk,
        ReductionForm,
        services.reduction_propose,
        title="减免申请",
        message="已提交党费减免申请，待上级党组织审批。",
        initial={"valid_from": month, "valid_to": rules.add_months(month, 11), "amount_fen": 0},
        intro="生活困难的党员经支部研究，可以少交或免交党费，报上级党组织批准。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_remind(request, pk: int):
    return _person_form(
        request,
        pk,
        ReminderForm,
        services.reminder_send,
        title="催缴党费",
        message=lambda r: f"已记录催缴：欠交 {format_yuan(r.owed_fen)} 元。",
        intro="记录一次对该党员的催缴（方式、欠交月份和金额）。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_pay(request, pk: int):
    """登记交纳: the owed months to pay; the amount is prefilled with what the months within the back-pay
    limit still owe, and the service refuses a different amount or a month too far back."""
    user = request.user
    require_staff(user, Action.CHANGE, "您没有登记党费交纳的权限。")
    person = get_object_for_user(user, Person, Action.CHANGE, pk=pk)
    entries = _owed_entries(user, person)
    backpay = _backpay_months()
    oldest = rules.add_months(this_month(), -backpay)
    chosen = [e for e in entries if e.month >= oldest]
    initial = {"months": [e.month.isoformat() for e in chosen], "amount_fen": sum(e.owed_fen for e in chosen)}
    form = PaymentForm(_posted(request), entries=entries, initial=initial)
    done = form_write(
        request,
        form,
        lambda data: services.payment_record(actor=user, person=person, **data),
        message=lambda p: f"已登记交纳 {format_yuan(p.amount_fen)} 元，收据号 {p.receipt_no}。",
        success_url=lambda p: reverse("dues:receipt", args=[p.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    context = {
        "form": form,
        "person": person,
        "entries": entries,
        "selected": set(form["months"].value() or []),
        "backpay": backpay,
        "oldest": oldest,
        "owed_total": sum(e.owed_fen for e in entries),
    }
    return render(request, "dues/person_pay.html", context)


# --- one payment -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def payment_reverse(request, pk: int):
    """冲正: the page shows the payment and asks for the reason; the POST writes the reversing payment."""
    user = request.user
    require_staff(user, Action.CHANGE, "您没有冲正党费交纳的权限。")
    payment = get_object_for_user(user, Payment, Action.CHANGE, pk=pk)
    person_url = reverse("dues:person", args=[payment.person_id])
    refusal = ""
    if payment.kind == Payment.Kind.REVERSAL:
        refusal = "冲正记录不能再冲正。"
    elif Payment.objects.filter(reverses=payment).exists():
        refusal = f"收据 {payment.receipt_no} 已冲正，不能重复冲正。"
    elif payment.status == Payment.Status.PENDING:
        refusal = "待审批的预交申请不能冲正，请由上级党组织审批时不予批准。"
    elif payment.status != Payment.Status.POSTED:
        refusal = "未入账的交纳不能冲正。"
    if refusal:
        messages.error(request, refusal)
        return redirect(person_url)
    form = ReverseForm(_posted(request))
    done = form_write(
        request,
        form,
        lambda data: services.payment_reverse(actor=user, payment=payment, reason=data["reason"]),
        message=lambda r: (
            f"已冲正收据 {payment.receipt_no}：{format_yuan(r.amount_fen)} 元（冲正收据号 {r.receipt_no}）。"
        ),
        success_url=person_url,
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    months = [a.entry.month for a in payment.allocations.select_related("entry").order_by("entry__month")]
    context = {"form": form, "payment": payment, "person": payment.person, "months": months}
    return render(request, "dues/payment_reverse.html", context)


def receipt_months(payment) -> list:
    months = [a.entry.month for a in payment.allocations.select_related("entry").order_by("entry__month")]
    if not months and payment.first_month and payment.kind == Payment.Kind.PREPAY:
        months = [rules.add_months(payment.first_month, i) for i in range(payment.months)]
    return sorted(set(months))


@login_required
@require_safe
def receipt(request, pk: int):
    """收据: a printable page; a member may print the receipts of their own payments."""
    payment = get_object_for_user(request.user, Payment, Action.VIEW, pk=pk)
    reversal = Payment.objects.filter(reverses=payment).only("receipt_no", "paid_on").first()
    context = {
        "payment": payment,
        "months": receipt_months(payment),
        "reversal": reversal,
        "is_staff": bool(grant_paths(request.user, Action.VIEW)),
    }
    return render(request, "dues/receipt.html", context)
