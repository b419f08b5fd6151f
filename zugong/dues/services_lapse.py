"""Arrears: the flag at ``lapse_months`` (6) consecutive unpaid months (连续未交党费预警, 党章第九条), the
branch's decision and the approval of the committee above, and reminders (催缴)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, path_prefix_q
from zugong.orgs.models import Organization
from zugong.people.models import Person

from . import ledger, rules
from .models import LapseCase, LedgerEntry, Reminder
from .services_common import (
    as_month,
    check_choice,
    check_text,
    current_month,
    ensure_all_in_scope,
    ensure_any_scope,
    ensure_committee_above,
    ensure_payer_scope,
)

OPEN_STATUSES = (LapseCase.Status.FLAGGED, LapseCase.Status.DECIDED, LapseCase.Status.RETURNED)


def _unpaid():
    return Q(amount_fen__gt=F("paid_fen"))


def streak_holders(*, month, lapse_months: int, scope=None):
    """person_id of the members whose ``lapse_months`` ledger months up to ``month`` all exist and are all
    unpaid: one GROUP BY over the window's unpaid rows (a member has at most one row a month, so a count of
    ``lapse_months`` means every month of the window). ``scope``: a LedgerEntry queryset choosing whose
    row of ``month`` counts (the branch charging that month flags the member)."""
    first = rules.add_months(month, -(lapse_months - 1))
    rows = LedgerEntry.objects.filter(_unpaid(), month__gte=first, month__lte=month)
    if scope is not None:
        rows = rows.filter(person_id__in=scope.filter(month=month).values("person_id"))
    return (
        rows.values("person_id").annotate(unpaid=Count("id")).filter(unpaid=lapse_months).values("person_id")
    )


def _streaks(person_ids, month) -> dict[int, tuple]:
    """person_id → (first unpaid month, unpaid months) of the run of unpaid months ending at ``month``: the
    unpaid rows after the member's last settled month (one statement for all the given members)."""
    last_settled = (
        LedgerEntry.objects.filter(
            person_id=OuterRef("person_id"), month__lte=month, amount_fen__lte=F("paid_fen")
        )
        .order_by("-month")
        .values("month")[:1]
    )
    rows = (
        LedgerEntry.objects.filter(_unpaid(), person_id__in=person_ids, month__lte=month)
        .annotate(last_settled=Subquery(last_settled))
        .filter(Q(last_settled__isnull=True) | Q(month__gt=F("last_settled")))
        .values("person_id")
        .annotate(first=Min("month"), n=Count("id"))
        .values_list("person_id", "first", "n")
    )
    return {pid: (first, n) for pid, first, n in rows}


@transaction.atomic
def lapse_flag(*, actor, as_of) -> int:
    """Open a case for every member in the actor's scope whose last ``lapse_months`` ledger months up to
    ``as_of`` are all unpaid (one open case per member; a run already decided and approved is not flagged
    again), and close the FLAGGED cases whose flagged months have since been paid (已补交). Returns how
    many were flagged."""
    ensure_any_scope(actor)
    month = as_month(as_of, "as_of", "截止月份")
    if month > current_month():
        raise ValidationError({"as_of": "截止月份不能晚于本月。"})
    n = ledger.rule_set_for(month).lapse_months
    scope = LedgerEntry.objects.restrict(actor, Action.CHANGE)
    open_people = LapseCase.objects.filter(status__in=OPEN_STATUSES).values("person_id")
    candidates = list(
        streak_holders(month=month, lapse_months=n, scope=scope)
        .exclude(person_id__in=open_people)
        .values_list("person_id", flat=True)
    )
    streaks = _streaks(candidates, month) if candidates else {}
    decided = set(
        LapseCase.objects.filter(person_id__in=candidates, status=LapseCase.Status.APPROVED).values_list(
            "person_id", "first_unpaid"
        )
    )
    charged = {
        pid: (org_id, org_path)
        for pid, org_id, org_path in LedgerEntry.objects.filter(
            person_id__in=candidates, month=month
        ).values_list("person_id", "org_id", "org_path")
    }
    cases = [
        LapseCase(
            person_id=pid,
            org_id=charged[pid][0],
            org_path=charged[pid][1],
            first_unpaid=streaks[pid][0],
            unpaid_months=min(streaks[pid][1], 32767),
        )
        for pid in sorted(candidates)
        if (pid, streaks[pid][0]) not in decided
    ]
    cases = LapseCase.objects.bulk_create(cases)
    ensure_all_in_scope(actor, LapseCase, [c.pk for c in cases])

    # Close the flagged cases whose flagged months are all paid now (the few open cases in scope).
    flagged = list(
        LapseCase.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(status=LapseCase.Status.FLAGGED)
    )
    closed = []
    if flagged:
        owed = defaultdict(list)
        earliest = min(c.first_unpaid for c in flagged)
        for pid, m in LedgerEntry.objects.filter(
            _unpaid(), person_id__in={c.person_id for c in flagged}, month__gte=earliest, month__lte=month
        ).values_list("person_id", "month"):
            owed[pid].append(m)
        for case in flagged:
            last = min(rules.add_months(case.first_unpaid, case.unpaid_months - 1), month)
            if case.first_unpaid <= month and not any(
                case.first_unpaid <= m <= last for m in owed[case.person_id]
            ):
                closed.append(case)
    before = {c.pk: audit.snapshot(c) for c in closed}
    if closed:
        LapseCase.objects.filter(pk__in=before).update(
            status=LapseCase.Status.CLOSED, updated_at=timezone.now()
        )
    detail = {"as_of": month.isoformat(), "lapse_months": n}
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=cases, detail=detail)
    audit.record_changes_bulk(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        objs=list(LapseCase.objects.filter(pk__in=before)),
        before=before,
        detail=detail,
    )
    audit.record_event(
        actor=actor,
        event=audit.Events.DUES_LAPSE_FLAGGED,
        detail={
            **detail,
            "flagged": len(cases),
            "closed": len(closed),
            "cases": [c.pk for c in cases][:200],
            "closed_cases": [c.pk for c in closed][:200],
        },
    )
    return len(cases)


def _lock_case(case) -> LapseCase:
    return LapseCase.objects.select_for_update().select_related("org").get(pk=case.pk)


@transaction.atomic
def lapse_decide(*, actor, case, decision, note) -> LapseCase:
    """The branch's decision: a good reason (keep educating) or none (自行脱党); then the committee above."""
    case = _lock_case(case)
    ensure_in_scope(actor, Action.CHANGE, case)
    if case.status not in (LapseCase.Status.FLAGGED, LapseCase.Status.RETURNED):
        raise ValidationError(f"该预警{case.get_status_display()}，不能再作决定。")
    check_choice(decision, LapseCase.Decision, "decision", "支部决定")
    note = check_text(note, "note", "支部意见", 300)
    before = audit.snapshot(case)
    case.status, case.decision, case.decision_note = LapseCase.Status.DECIDED, decision, note
    case.decided_by, case.decided_at = actor, timezone.now()
    case.save()
    ensure_in_scope(actor, Action.CHANGE, case)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=case, before=before)
    return case


@transaction.atomic
def lapse_approve(*, actor, case, approve: bool, note="") -> LapseCase:
    """The committee above approves the branch's decision, or returns it to the branch (with a reason)."""
    case = _lock_case(case)
    ensure_in_scope(actor, Action.CHANGE, case)
    ensure_committee_above(actor, case.org)
    if case.status != LapseCase.Status.DECIDED:
        raise ValidationError(f"该预警{case.get_status_display()}，不能审批。")
    note = check_text(note, "note", "审批意见", 300, required=not approve)
    before = audit.snapshot(case)
    case.status = LapseCase.Status.APPROVED if approve else LapseCase.Status.RETURNED
    case.approved_by, case.approved_at, case.approval_note = actor, timezone.now(), note
    case.save()
    ensure_in_scope(actor, Action.CHANGE, case)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=case, before=before)
    return case


# ---- reminders (催缴) -----------------------------------------------------------------------------------


def _owed_rows(actor):
    """The actor's ledger rows still owed, up to the current month (not prepaid months to come)."""
    return LedgerEntry.objects.restrict(actor, Action.CHANGE).filter(_unpaid(), month__lte=current_month())


@transaction.atomic
def reminder_send(*, actor, person, channel) -> Reminder:
    """Record a reminder to the member of the months still owed (in the actor's scope) and their total."""
    person = Person.objects.get(pk=person.pk)
    ensure_payer_scope(actor, person)
    check_choice(channel, Reminder.Channel, "channel", "催缴方式")
    rows = list(
        _owed_rows(actor)
        .filter(person=person)
        .order_by("month")
        .values_list("month", "org_path", "amount_fen", "paid_fen")
    )
    if not rows:
        raise ValidationError("该党员没有欠交的党费，无需催缴。")
    reminder = Reminder.objects.create(
        person=person,
        org_path=rows[-1][1],
        months=[m.isoformat() for m, *_ in rows],
        owed_fen=sum(amount - paid for _, _, amount, paid in rows),
        channel=channel,
        sent_by=actor,
    )
    ensure_in_scope(actor, Action.CHANGE, reminder)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=reminder)
    audit.record_event(
        actor=actor,
        event=audit.Events.DUES_REMINDER,
        obj=reminder,
        detail={"months": reminder.months, "owed_fen": reminder.owed_fen, "channel": channel},
    )
    return reminder


@transaction.atomic
def reminders_send_bulk(*, actor, org, channel) -> int:
    """A reminder to every member (not archived) with months owed to ``org``'s subtree. Returns the count."""
    ensure_any_scope(actor)
    org = Organization.objects.get(pk=org.pk)
    ensure_org_in_scope(actor, Action.CHANGE, org)
    check_choice(channel, Reminder.Channel, "channel", "催缴方式")
    owed = defaultdict(list)
    for pid, month, org_path, amount, paid in (
        _owed_rows(actor)
        .filter(path_prefix_q("org_path", org.path), person__archived_at__isnull=True)
        .order_by("person_id", "month")
        .values_list("person_id", "month", "org_path", "amount_fen", "paid_fen")
    ):
        owed[pid].append((month, org_path, amount - paid))
    reminders = Reminder.objects.bulk_create(
        [
            Reminder(
                person_id=pid,
                org_path=rows[-1][1],
                months=[m.isoformat() for m, _, _ in rows],
                owed_fen=sum(fen for _, _, fen in rows),
                channel=channel,
                sent_by=actor,
            )
            for pid, rows in owed.items()
        ],
        batch_size=500,
    )
    ensure_all_in_scope(actor, Reminder, [r.pk for r in reminders])
    detail = {"org": org.pk, "channel": channel, "bulk": True}
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=reminders, detail=detail)
    audit.record_event(
        actor=actor,
        event=audit.Events.DUES_REMINDER,
        obj=org,
        detail={**detail, "reminders": len(reminders), "owed_fen": sum(r.owed_fen for r in reminders)},
    )
    return len(reminders)
