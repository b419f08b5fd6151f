"""Payments (党费交纳): monthly and back payments of whole ledger months, the bulk entry of a branch's month,
quarterly prepayment (approved by the committee above), voluntary payments, and reversals. A payment is
never edited; a correction is a reversing payment. ``LedgerEntry.paid_fen`` is always the sum of the
allocations of posted payments: every allocation written here moves it by the same amount in the same
transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope
from zugong.orgs.models import Organization
from zugong.people.models import Person

from . import ledger, rules
from .models import Allocation, LedgerEntry, Payment
from .services_common import (
    allocate,
    as_day,
    as_month,
    check_choice,
    check_fen,
    check_not_future,
    check_text,
    current_month,
    ensure_all_in_scope,
    ensure_any_scope,
    ensure_committee_above,
    ensure_payer_scope,
    ensure_rows_in_scope,
    lock_person,
    month_label,
    months_label,
    receipt_no,
    save_payment,
    temporary_receipt,
    yuan,
)


def _check_common(*, paid_on, method, reference="", note="") -> tuple:
    paid_on = check_not_future(as_day(paid_on, "paid_on", "交纳日期"), "paid_on", "交纳日期")
    check_choice(method, Payment.Method, "method", "交纳方式")
    reference = check_text(reference, "reference", "流水号/凭证号", 64, required=False)
    note = check_text(note, "note", "备注", 200, required=False)
    return paid_on, reference, note


def _backpay_floor() -> tuple:
    """(current month, the oldest month that may still be paid, the number of months allowed)."""
    now = current_month()
    limit = ledger.rule_set_for(now).backpay_months
    return now, rules.add_months(now, -limit), limit


def _check_payable_months(months, now, oldest, limit) -> None:
    future = [m for m in months if m > now]
    if future:
        raise ValidationError(
            {"months": f"{months_label(future)}尚未到期，不能按月交纳；按季预交请提出预交申请。"}
        )
    too_old = [m for m in months if m < oldest]
    if too_old:
        raise ValidationError(
            {
                "months": f"补交一般不超过 {limit} 个月：{months_label(too_old)}早于{month_label(oldest)}，"
                "不能补交，请由党支部研究处理。"
            }
        )


def _audit_payment(actor, payment: Payment, **detail) -> None:
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=payment, detail=detail or None)


@transaction.atomic
def payment_record(*, actor, person, months, amount_fen, paid_on, method, reference="", note="") -> Payment:
    """Pay the given ledger months in full. ``amount_fen`` must be what is still owed on them; a month older
    than ``backpay_months`` before the current one is refused, as is a month not yet due."""
    person = Person.objects.get(pk=person.pk)
    ensure_payer_scope(actor, person)
    check_fen(amount_fen, "amount_fen", "交纳金额", positive=True)
    paid_on, reference, note = _check_common(paid_on=paid_on, method=method, reference=reference, note=note)
    if not isinstance(months, list | tuple | set) or not months:
        raise ValidationError({"months": "请选择要交纳的月份。"})
    wanted = sorted({as_month(m, "months", "交纳月份") for m in months})
    now, oldest, limit = _backpay_floor()
    _check_payable_months(wanted, now, oldest, limit)
    entries = list(
        LedgerEntry.objects.select_for_update().filter(person=person, month__in=wanted).order_by("month")
    )
    missing = sorted(set(wanted) - {e.month for e in entries})
    if missing:
        raise ValidationError({"months": f"{months_label(missing)}没有该党员的党费台账，请先生成台账。"})
    ensure_rows_in_scope(actor, entries)
    settled = [e.month for e in entries if e.owed_fen == 0]
    if settled:
        raise ValidationError({"months": f"{months_label(settled)}的党费已交清或无需交纳。"})
    if len({e.org_id for e in entries}) > 1:
        raise ValidationError({"months": "所选月份由不同的党组织收缴（组织关系转接），请分别交纳。"})
    total = sum(e.owed_fen for e in entries)
    if amount_fen != total:
        raise ValidationError(
            {
                "amount_fen": f"金额应为所选 {len(entries)} 个月的欠交合计 {yuan(total)} 元，"
                f"填写的是 {yuan(amount_fen)} 元。"
            }
        )
    payment = save_payment(
        Payment(
            person=person,
            org_id=entries[0].org_id,
            org_path=entries[0].org_path,
            kind=Payment.Kind.MONTHLY if all(m == now for m in wanted) else Payment.Kind.BACKPAY,
            method=method,
            reference=reference,
            amount_fen=amount_fen,
            paid_on=paid_on,
            first_month=wanted[0],
            months=len(wanted),
            status=Payment.Status.POSTED,
            note=note,
            recorded_by=actor,
        )
    )
    ensure_in_scope(actor, Action.CHANGE, payment)
    _audit_payment(actor, payment, months=[m.isoformat() for m in wanted])
    allocate(actor=actor, payment=payment, parts=[(e, e.owed_fen) for e in entries])
    return payment


@transaction.atomic
def payments_bulk(*, actor, org, month, person_ids, method, paid_on) -> int:
    """Each chosen member of ``org``'s subtree pays ``month`` in full (one payment and one allocation each,
    written set-based). Members with nothing owed that month are skipped. Returns how many paid."""
    ensure_any_scope(actor)
    org = Organization.objects.get(pk=org.pk)
    ensure_org_in_scope(actor, Action.CHANGE, org)
    month = as_month(month, "month", "月份")
    paid_on, _, _ = _check_common(paid_on=paid_on, method=method)
    if not isinstance(person_ids, list | tuple | set) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in person_ids
    ):
        raise ValidationError({"person_ids": "请选择党员。"})
    now, oldest, limit = _backpay_floor()
    _check_payable_months([month], now, oldest, limit)
    if not person_ids:
        return 0
    rows = list(
        LedgerEntry.objects.select_for_update()
        .filter(month=month, person_id__in=set(person_ids))
        .order_by("person_id")
    )
    ensure_rows_in_scope(actor, rows)
    elsewhere = [r for r in rows if not r.org_path.startswith(org.path)]
    if elsewhere:
        raise ValidationError(
            {"person_ids": f"有 {len(elsewhere)} 名党员{month_label(month)}的党费不由{org.name}收缴。"}
        )
    owed = [r for r in rows if r.owed_fen > 0]
    if not owed:
        return 0
    kind = Payment.Kind.MONTHLY if month == now else Payment.Kind.BACKPAY
    payments = Payment.objects.bulk_create(
        [
            Payment(
                person_id=r.person_id,
                org_id=r.org_id,
                org_path=r.org_path,
                kind=kind,
                method=method,
                amount_fen=r.owed_fen,
                paid_on=paid_on,
                first_month=month,
                months=1,
                status=Payment.Status.POSTED,
                receipt_no=temporary_receipt(),
                note="批量登记",
                recorded_by=actor,
            )
            for r in owed
        ],
        batch_size=500,
    )
    for payment in payments:
        payment.receipt_no = receipt_no(payment)
    Payment.objects.bulk_update(payments, ["receipt_no"], batch_size=500)
    ids = [p.pk for p in payments]
    ensure_all_in_scope(actor, Payment, ids)
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(payment=p, entry=r, amount_fen=p.amount_fen)
            for p, r in zip(payments, owed, strict=True)
        ],
        batch_size=500,
    )
    before = {r.pk: audit.snapshot(r) for r in owed}
    # Each row is locked and paid in full: what it owed is exactly what was allocated.
    LedgerEntry.objects.filter(pk__in=before).update(paid_fen=F("amount_fen"), updated_at=timezone.now())
    detail = {"bulk": True, "org": org.pk, "month": month.isoformat()}
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.CREATE, objs=list(Payment.objects.filter(pk__in=ids)), detail=detail
    )
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=allocations, detail=detail)
    audit.record_changes_bulk(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        objs=list(LedgerEntry.objects.filter(pk__in=before)),
        before=before,
        detail=detail,
    )
    return len(payments)


def _prepay_months(payment: Payment) -> list:
    return [rules.add_months(payment.first_month, i) for i in range(payment.months)]


@transaction.atomic
def prepay_request(
    *, actor, person, first_month, months, amount_fen, method, paid_on, reference=""
) -> Payment:
    """A quarterly prepayment (2–3 months from the current month or later), pending the approval of the
    committee above (``prepay_decide``)."""
    person = lock_person(actor, person)
    first = as_month(first_month, "first_month", "起始月份")
    if first < current_month():
        raise ValidationError({"first_month": "预交的起始月份不能早于本月，已到期的月份请按月交纳或补交。"})
    if not isinstance(months, int) or isinstance(months, bool) or not 2 <= months <= 3:
        raise ValidationError({"months": "按季预交一次预交 2–3 个月。"})
    check_fen(amount_fen, "amount_fen", "预交金额", positive=True)
    paid_on, reference, _ = _check_common(paid_on=paid_on, method=method, reference=reference)
    wanted = {rules.add_months(first, i) for i in range(months)}
    for other in Payment.objects.filter(
        person=person,
        kind=Payment.Kind.PREPAY,
        status__in=[Payment.Status.PENDING, Payment.Status.POSTED],
        reversed_by__isnull=True,
    ):
        overlap = sorted(wanted & set(_prepay_months(other)))
        if overlap:
            raise ValidationError(
                {
                    "first_month": f"{months_label(overlap)}已有{other.get_status_display()}的预交（{other.receipt_no}）。"
                }
            )
    payment = save_payment(
        Payment(
            person=person,
            org_id=person.org_id,
            org_path=person.org_path,
            kind=Payment.Kind.PREPAY,
            method=method,
            reference=reference,
            amount_fen=amount_fen,
            paid_on=paid_on,
            first_month=first,
            months=months,
            status=Payment.Status.PENDING,
            recorded_by=actor,
        )
    )
    ensure_in_scope(actor, Action.CHANGE, payment)
    _audit_payment(actor, payment, months=[m.isoformat() for m in sorted(wanted)])
    return payment


@transaction.atomic
def prepay_decide(*, actor, payment, approve: bool, note="") -> Payment:
    """The committee above approves (the months' ledger rows are written if missing, then paid) or rejects a
    pending prepayment. Approval is refused, with the figure, when the amount is not the months' total."""
    payment = Payment.objects.select_for_update().select_related("org", "person").get(pk=payment.pk)
    ensure_in_scope(actor, Action.CHANGE, payment)
    ensure_committee_above(actor, payment.org)
    if payment.kind != Payment.Kind.PREPAY or payment.status != Payment.Status.PENDING:
        raise ValidationError("该笔交纳不是待审批的预交申请。")
    note = check_text(note, "note", "审批意见", 200, required=not approve)
    before = audit.snapshot(payment)
    entries = []
    if approve:
        wanted = _prepay_months(payment)
        ledger.ensure_months(person=payment.person, months=wanted)
        entries = list(
            LedgerEntry.objects.select_for_update()
            .filter(person=payment.person, month__in=wanted)
            .order_by("month")
        )
        missing = sorted(set(wanted) - {e.month for e in entries})
        if missing:
            raise ValidationError(
                f"{months_label(missing)}不能生成该党员的党费台账（不在册或尚未入党），不能批准。"
            )
        if any(e.org_id != payment.org_id for e in entries):
            raise ValidationError("该党员的组织关系已转接，预交月份改由其他党组织收缴，不能批准。")
        ensure_rows_in_scope(actor, entries)
        total = sum(e.owed_fen for e in entries)
        if total == 0:
            raise ValidationError(f"{months_label(wanted)}的党费已交清或无需交纳，不能批准。")
        if payment.amount_fen != total:
            raise ValidationError(
                f"预交金额 {yuan(payment.amount_fen)} 元与{months_label(wanted)}应交合计 {yuan(total)} 元"
                "不符，不能批准。"
            )
        payment.status = Payment.Status.POSTED
    else:
        payment.status = Payment.Status.REJECTED
    payment.approved_by, payment.approved_at, payment.approval_note = actor, timezone.now(), note
    payment.save(update_fields=["status", "approved_by", "approved_at", "approval_note", "updated_at"])
    ensure_in_scope(actor, Action.CHANGE, payment)
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        obj=payment,
        before=before,
        detail={"approve": bool(approve), "note": note},
    )
    if approve:
        allocate(actor=actor, payment=payment, parts=[(e, e.owed_fen) for e in entries])
    return payment


@transaction.atomic
def voluntary_record(*, actor, person, amount_fen, paid_on, method, reference="", note="") -> Payment:
    """A voluntary payment (自愿多交) of any size, paying no month; one of at least the rule set's
    ``to_centre_fen`` (1,000 yuan) is remitted whole to the Centre (上缴中央)."""
    person = lock_person(actor, person)
    check_fen(amount_fen, "amount_fen", "交纳金额", positive=True)
    paid_on, reference, note = _check_common(paid_on=paid_on, method=method, reference=reference, note=note)
    threshold = ledger.rule_set_for(rules.month_start(paid_on)).to_centre_fen
    payment = save_payment(
        Payment(
            person=person,
            org_id=person.org_id,
            org_path=person.org_path,
            kind=Payment.Kind.VOLUNTARY,
            method=method,
            reference=reference,
            amount_fen=amount_fen,
            paid_on=paid_on,
            first_month=None,
            months=0,
            to_centre=amount_fen >= threshold,
            status=Payment.Status.POSTED,
            note=note,
            recorded_by=actor,
        )
    )
    ensure_in_scope(actor, Action.CHANGE, payment)
    _audit_payment(actor, payment, to_centre_from_fen=threshold)
    return payment


@transaction.atomic
def payment_reverse(*, actor, payment, reason) -> Payment:
    """冲正: a new payment of the negated amount whose negated allocations give the ledger months back what
    they were paid. A payment is reversed once; a reversal is not reversed; a pending prepayment is
    rejected (``prepay_decide``), not reversed."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    ensure_in_scope(actor, Action.CHANGE, payment)
    reason = check_text(reason, "reason", "冲正原因", 200)
    if payment.kind == Payment.Kind.REVERSAL:
        raise ValidationError("冲正记录不能再冲正。")
    if payment.status == Payment.Status.PENDING:
        raise ValidationError("待审批的预交申请不能冲正，请由上级党组织不予批准。")
    if payment.status != Payment.Status.POSTED:
        raise ValidationError("未批准的预交申请没有入账，无需冲正。")
    if Payment.objects.filter(reverses=payment).exists():
        raise ValidationError(f"收据 {payment.receipt_no} 已冲正，不能重复冲正。")
    allocations = list(payment.allocations.all())
    entries = {
        e.pk: e
        for e in LedgerEntry.objects.select_for_update().filter(pk__in=[a.entry_id for a in allocations])
    }
    reversal = save_payment(
        Payment(
            person_id=payment.person_id,
            org_id=payment.org_id,
            org_path=payment.org_path,
            kind=Payment.Kind.REVERSAL,
            method=payment.method,
            reference=payment.receipt_no,
            amount_fen=-payment.amount_fen,
            paid_on=timezone.localdate(),
            first_month=payment.first_month,
            months=payment.months,
            to_centre=payment.to_centre,
            status=Payment.Status.POSTED,
            reverses=payment,
            note=reason,
            recorded_by=actor,
        )
    )
    ensure_in_scope(actor, Action.CHANGE, reversal)
    _audit_payment(actor, reversal, reverses=payment.pk, receipt_reversed=payment.receipt_no, reason=reason)
    allocate(actor=actor, payment=reversal, parts=[(entries[a.entry_id], -a.amount_fen) for a in allocations])
    return reversal
