"""Writes of the 党费 module. Every service is keyword-only, runs in one transaction, checks scope (and
re-checks it after the write), audits, and refuses bad input with a Chinese ``ValidationError`` before
anything is written.

Here: the member's dues category, income bases, reductions (减免) and the rule sets. Payments are in
``services_payments``, arrears (预警, 催缴) in ``services_lapse``; both are re-exported from here, so callers
import every service from ``zugong.dues.services``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, grant_paths

from . import rules
from .models import BASE_CATEGORIES, Category, DuesProfile, DuesRuleSet, IncomeBase, LedgerEntry, Reduction
from .services_common import (
    as_month,
    check_choice,
    check_fen,
    check_text,
    current_month,
    ensure_committee_above,
    lock_person,
    month_label,
    yuan,
)
from .services_lapse import lapse_approve, lapse_decide, lapse_flag, reminder_send, reminders_send_bulk
from .services_payments import (
    payment_record,
    payment_reverse,
    payments_bulk,
    prepay_decide,
    prepay_request,
    voluntary_record,
)

__all__ = [
    "income_base_add", "lapse_approve", "lapse_decide", "lapse_flag", "payment_record", "payment_reverse",
    "payments_bulk", "prepay_decide", "prepay_request", "profile_set", "reduction_decide", "reduction_propose",
    "reduction_revoke", "reminder_send", "reminders_send_bulk", "rule_set_create", "voluntary_record",
]  # fmt: skip


def _update_rows(*, actor, rows: list[LedgerEntry], before: dict, detail: dict) -> None:
    if rows:
        LedgerEntry.objects.bulk_update(
            rows, ["base_fen", "amount_fen", "missing_base", "reduction", "updated_at"]
        )
        audit.record_changes_bulk(
            actor=actor, kind=AuditEvent.Kind.UPDATE, objs=rows, before=before, detail=detail
        )


# ---- category and income base -----------------------------------------------------------------------


@transaction.atomic
def profile_set(*, actor, person, category, note="") -> DuesProfile:
    """Set the member's dues category (applies to ledger months generated from now on)."""
    person = lock_person(actor, person)
    check_choice(category, Category, "category", "交纳类别")
    note = check_text(note, "note", "备注", 200, required=False)
    profile = DuesProfile.objects.select_for_update().filter(person=person).first()
    before = audit.snapshot(profile) if profile else None
    if profile is None:
        profile = DuesProfile(person=person)
    profile.category, profile.note = category, note
    profile.save()
    ensure_in_scope(actor, Action.CHANGE, profile)
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE if before else AuditEvent.Kind.CREATE,
        obj=profile,
        before=before,
    )
    return profile


@transaction.atomic
def income_base_add(*, actor, person, effective_month, base_fen, note="") -> IncomeBase:
    """A new monthly income base from ``effective_month`` (the month the new pay is first paid). Ledger
    months already written keep their amounts, except months still marked 缺少收入基数 and not paid at all:
    those take the new base (under their own month's rule set), since they were charged 0 for want of it."""
    person = lock_person(actor, person)
    month = as_month(effective_month, "effective_month", "起始月份")
    check_fen(base_fen, "base_fen", "月收入基数")
    note = check_text(note, "note", "说明", 200, required=False)
    if IncomeBase.objects.filter(person=person, effective_month=month).exists():
        raise ValidationError({"effective_month": f"{month_label(month)}已有收入基数，不能重复录入。"})
    base = IncomeBase.objects.create(
        person=person, effective_month=month, base_fen=base_fen, note=note, recorded_by=actor
    )
    ensure_in_scope(actor, Action.CHANGE, base)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=base)

    later = (
        IncomeBase.objects.filter(person=person, effective_month__gt=month)
        .order_by("effective_month")
        .values_list("effective_month", flat=True)
        .first()
    )
    rows = (
        LedgerEntry.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .select_related("rule_set")
        .filter(person=person, month__gte=month, missing_base=True, paid_fen=0, reduction__isnull=True)
    )
    if later is not None:
        rows = rows.filter(month__lt=later)
    rows = list(rows)
    before = {row.pk: audit.snapshot(row) for row in rows}
    now = timezone.now()
    for row in rows:
        row.base_fen = base_fen
        row.amount_fen = rules.amount_fen(
            category=row.category, base_fen=base_fen, rules=rules.Rules.of(row.rule_set)
        )
        row.missing_base, row.updated_at = False, now
    _update_rows(actor=actor, rows=rows, before=before, detail={"income_base": base.pk})
    return base


# ---- reductions (减免) -------------------------------------------------------------------------------


def _lock_reduction(reduction) -> Reduction:
    return Reduction.objects.select_for_update().select_related("person__org").get(pk=reduction.pk)


@transaction.atomic
def reduction_propose(*, actor, person, amount_fen, valid_from, valid_to, reason) -> Reduction:
    """The branch proposes a reduced (or waived: 0) monthly amount for a period of months; the committee
    above approves it (``reduction_decide``)."""
    person = lock_person(actor, person)
    check_fen(amount_fen, "amount_fen", "减免后每月金额")
    first = as_month(valid_from, "valid_from", "起始月份")
    last = as_month(valid_to, "valid_to", "截止月份")
    if last < first:
        raise ValidationError({"valid_to": "截止月份不能早于起始月份。"})
    reason = check_text(reason, "reason", "减免理由", 300)
    overlapping = Reduction.objects.filter(
        person=person,
        status__in=[Reduction.Status.PROPOSED, Reduction.Status.APPROVED],
        valid_from__lte=last,
        valid_to__gte=first,
    ).first()
    if overlapping is not None:
        raise ValidationError(
            f"该党员{overlapping.valid_from:%Y年%m月}至{overlapping.valid_to:%Y年%m月}已有"
            f"{overlapping.get_status_display()}的减免，期间不能重叠。"
        )
    reduction = Reduction.objects.create(
        person=person,
        amount_fen=amount_fen,
        valid_from=first,
        valid_to=last,
        reason=reason,
        decided_by=actor,
    )
    ensure_in_scope(actor, Action.CHANGE, reduction)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=reduction)
    return reduction


@transaction.atomic
def reduction_decide(*, actor, reduction, approve: bool, note="") -> Reduction:
    """The committee above approves or rejects a proposed reduction. On approval, ledger months of the
    period already written and not paid at all take the reduced amount."""
    reduction = _lock_reduction(reduction)
    ensure_in_scope(actor, Action.CHANGE, reduction)
    ensure_committee_above(actor, reduction.person.org)
    if reduction.status != Reduction.Status.PROPOSED:
        raise ValidationError(f"该减免的状态是“{reduction.get_status_display()}”，不能再审批。")
    note = check_text(note, "note", "审批意见", 300, required=not approve)
    before = audit.snapshot(reduction)
    reduction.status = Reduction.Status.APPROVED if approve else Reduction.Status.REJECTED
    reduction.approved_by, reduction.approved_at, reduction.approval_note = actor, timezone.now(), note
    reduction.save()
    ensure_in_scope(actor, Action.CHANGE, reduction)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=reduction, before=before)
    if approve:
        rows = list(
            LedgerEntry.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(
                person_id=reduction.person_id,
                month__gte=reduction.valid_from,
                month__lte=reduction.valid_to,
                paid_fen=0,
                reduction__isnull=True,
            )
        )
        before_rows = {row.pk: audit.snapshot(row) for row in rows}
        now = timezone.now()
        for row in rows:
            row.amount_fen, row.reduction, row.missing_base, row.updated_at = (
                reduction.amount_fen, reduction, False, now
            )  # fmt: skip
        _update_rows(actor=actor, rows=rows, before=before_rows, detail={"reduction": reduction.pk})
    return reduction


@transaction.atomic
def reduction_revoke(*, actor, reduction, note) -> Reduction:
    """Withdraw a proposal or end an approved reduction. Months already paid keep it; unpaid months from the
    current month on return to the normal amount."""
    reduction = _lock_reduction(reduction)
    ensure_in_scope(actor, Action.CHANGE, reduction)
    if reduction.status not in (Reduction.Status.PROPOSED, Reduction.Status.APPROVED):
        raise ValidationError(f"该减免的状态是“{reduction.get_status_display()}”，不能撤销。")
    note = check_text(note, "note", "撤销理由", 300)
    before = audit.snapshot(reduction)
    reduction.status = Reduction.Status.REVOKED
    reduction.approval_note = note
    reduction.save()
    ensure_in_scope(actor, Action.CHANGE, reduction)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=reduction, before=before)
    rows = list(
        LedgerEntry.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .select_related("rule_set")
        .filter(reduction=reduction, month__gte=current_month(), paid_fen=0)
    )
    before_rows = {row.pk: audit.snapshot(row) for row in rows}
    now = timezone.now()
    for row in rows:
        row.reduction = None
        row.amount_fen = rules.amount_fen(
            category=row.category, base_fen=row.base_fen, rules=rules.Rules.of(row.rule_set)
        )
        row.missing_base = row.category in BASE_CATEGORIES and row.base_fen is None
        row.updated_at = now
    _update_rows(actor=actor, rows=rows, before=before_rows, detail={"reduction_revoked": reduction.pk})
    return reduction


# ---- rule sets ------------------------------------------------------------------------------------------


CARRIED_FIELDS = ("to_centre_fen", "backpay_months", "lapse_months", "remit_permille")


@transaction.atomic
def rule_set_create(
    *, actor, name, effective_from, employed_brackets, retired_brackets, farmer_fen, flat_fen, note=""
) -> DuesRuleSet:
    """A new rule set from a month not yet charged: the current month or later, and later than every
    existing rule set (the past is never rewritten). Only a user whose grant covers the whole district.
    The thresholds not given here (上缴中央起点, 补交月数, 预警月数, 上缴比例) carry over from the latest set."""
    if grant_paths(actor, Action.CHANGE) != [""]:
        raise PermissionDenied("只有全区范围的组织部管理员可以设置党费标准。")
    name = check_text(name, "name", "名称", 100)
    month = as_month(effective_from, "effective_from", "起始月份")
    note = check_text(note, "note", "说明", 300, required=False)
    if month < current_month():
        raise ValidationError(
            {"effective_from": "新的党费标准只能从本月或以后的月份起施行，不能改写过去的月份。"}
        )
    latest = DuesRuleSet.objects.select_for_update().order_by("-effective_from").first()
    if latest is not None and month <= latest.effective_from:
        raise ValidationError(
            {"effective_from": f"起始月份应晚于现行标准的起始月份（{month_label(latest.effective_from)}）。"}
        )
    errors = {}
    for field, label, brackets in (
        ("employed_brackets", "在职党员比例", employed_brackets),
        ("retired_brackets", "离退休党员比例", retired_brackets),
    ):
        problems = rules.check_brackets(brackets)
        if problems:
            errors[field] = [f"{label}：{p}" for p in problems]
    if errors:
        raise ValidationError(errors)
    check_fen(farmer_fen, "farmer_fen", "农民党员每月金额")
    if not 20 <= farmer_fen <= 100:
        raise ValidationError({"farmer_fen": "农民党员每月交纳 0.20–1.00 元（20–100 分）。"})
    check_fen(flat_fen, "flat_fen", "学生、无业、低保党员每月金额")
    if flat_fen > 100:
        raise ValidationError({"flat_fen": f"学生、无业、低保党员每月金额 {yuan(flat_fen)} 元过高。"})
    rule_set = DuesRuleSet(
        name=name,
        effective_from=month,
        employed_brackets=[list(b) for b in employed_brackets],
        retired_brackets=[list(b) for b in retired_brackets],
        farmer_fen=farmer_fen,
        flat_fen=flat_fen,
        note=note,
    )
    if latest is not None:
        for field in CARRIED_FIELDS:
            setattr(rule_set, field, getattr(latest, field))
    rule_set.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=rule_set)
    return rule_set
