"""What the dues services share: input checks with Chinese messages, the scope checks (the member's
records, the charging branch's rows, "the committee above"), receipt numbers and the ledger updates that
keep ``LedgerEntry.paid_fen`` equal to the allocations of posted payments."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, grant_paths
from zugong.people.models import Person

from . import rules
from .models import Allocation, LedgerEntry, Payment

# No real amount reaches it (10 million yuan); well inside the integer columns.
MAX_FEN = 1_000_000_000


def current_month() -> dt.date:
    return rules.month_start(timezone.localdate())


def as_month(value, field: str, label: str) -> dt.date:
    """A date (or datetime) → the first day of its month; ValidationError for anything else."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ValidationError({field: f"请选择{label}。"})
    return rules.month_start(value)


def as_day(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ValidationError({field: f"请填写{label}。"})
    return value


def check_fen(value, field: str, label: str, *, positive: bool = False) -> int:
    """An amount in integer fen (no floats, no booleans), ≥ 0 (> 0 when ``positive``)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError({field: f"{label}应为整数（分）。"})
    if value < 0 or (positive and value == 0):
        raise ValidationError({field: f"{label}应{'大于' if positive else '不小于'} 0。"})
    if value > MAX_FEN:
        raise ValidationError({field: f"{label}超出允许范围。"})
    return value


def check_choice(value, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"{label}不正确，可选：{'、'.join(choices.labels)}。"})
    return value


def check_text(value, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过{max_length}个字。"})
    return text


def check_not_future(day: dt.date, field: str, label: str) -> dt.date:
    if day > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})
    return day


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}" if abs(fen) < 10**15 else str(fen)


def month_label(month: dt.date) -> str:
    return f"{month:%Y年%m月}"


def months_label(months) -> str:
    return "、".join(month_label(m) for m in months)


# ---- scope ------------------------------------------------------------------------------------------


def ensure_any_scope(actor, action: str = Action.CHANGE) -> list[str]:
    paths = grant_paths(actor, action)
    if not paths:
        raise PermissionDenied("您没有办理党费业务的权限。")
    return paths


def lock_person(actor, person: Person) -> Person:
    """The member, locked, with the actor's CHANGE scope over them checked."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_in_scope(actor, Action.CHANGE, person)
    return person


def ensure_payer_scope(actor, person: Person) -> None:
    """The actor may take money from (or remind) this member: the member is in their CHANGE scope, or one
    of the member's ledger rows is (a branch still collects the month of a transfer out)."""
    ensure_any_scope(actor)
    if Person.objects.restrict(actor, Action.CHANGE).filter(pk=person.pk).exists():
        return
    if LedgerEntry.objects.restrict(actor, Action.CHANGE).filter(person_id=person.pk).exists():
        return
    raise PermissionDenied("该党员不在您的授权范围内。")


def ensure_rows_in_scope(actor, entries) -> None:
    ids = [e.pk for e in entries]
    if LedgerEntry.objects.restrict(actor, Action.CHANGE).filter(pk__in=ids).count() != len(set(ids)):
        raise PermissionDenied("所选月份的党费台账不在您的授权范围内。")


def ensure_all_in_scope(actor, model, ids) -> None:
    """Re-check after a set-based write that every new row lies in the actor's CHANGE scope."""
    ids = set(ids)
    if ids and model.objects.restrict(actor, Action.CHANGE).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied("写入的记录不在您的授权范围内。")


def ensure_committee_above(actor, org) -> None:
    """The approver holds CHANGE over the parent of the branch (上级党组织审批): a branch secretary cannot
    approve their own branch's request; the 党工委 secretary or the 组织部管理员 can."""
    ensure_any_scope(actor)
    parent = org.parent
    if parent is None:
        if grant_paths(actor, Action.CHANGE) != [""]:
            raise PermissionDenied("须由上级党组织审批。")
        return
    try:
        ensure_org_in_scope(actor, Action.CHANGE, parent)
    except PermissionDenied:
        raise PermissionDenied("须由上级党组织审批，本级党组织不能审批自己的申请。")


# ---- payments and the ledger ------------------------------------------------------------------------


def temporary_receipt() -> str:
    return "T" + uuid.uuid4().hex[:19]


def receipt_no(payment: Payment) -> str:
    """DF<year>-<8-digit id>: unique (the id) and readable."""
    return f"DF{payment.paid_on.year}-{payment.pk:08d}"


def save_payment(payment: Payment) -> Payment:
    """Insert, then set the receipt number from the id."""
    payment.receipt_no = temporary_receipt()
    payment.save(force_insert=True)
    payment.receipt_no = receipt_no(payment)
    payment.save(update_fields=["receipt_no"])
    return payment


def allocate(*, actor, payment: Payment, parts: list[tuple[LedgerEntry, int]]) -> list[Allocation]:
    """Write the allocations of a posted payment and move each ledger row's ``paid_fen`` by the same amount
    (F(): the database adds), auditing both. ``parts`` = (locked ledger row, amount in fen)."""
    parts = [(entry, amount) for entry, amount in parts if amount]
    if not parts:
        return []
    before = {entry.pk: audit.snapshot(entry) for entry, _ in parts}
    allocations = Allocation.objects.bulk_create(
        [Allocation(payment=payment, entry=entry, amount_fen=amount) for entry, amount in parts]
    )
    now = timezone.now()
    for entry, amount in parts:
        LedgerEntry.objects.filter(pk=entry.pk).update(paid_fen=F("paid_fen") + amount, updated_at=now)
    entries = list(LedgerEntry.objects.filter(pk__in=before))
    audit.record_changes_bulk(
        actor=actor,
        kind=AuditEvent.Kind.CREATE,
        objs=allocations,
        detail={"payment": payment.pk, "receipt_no": payment.receipt_no},
    )
    audit.record_changes_bulk(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        objs=entries,
        before=before,
        detail={"payment": payment.pk, "receipt_no": payment.receipt_no},
    )
    return allocations
