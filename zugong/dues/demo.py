"""党费 demo data for the 示范区, set-based: every member gets a dues category (retirees by age, a few
farmers, students and members on relief) and an income base, the last months' ledger is
generated for the last seven months, and the months before the current one are paid by almost everyone (every
40th member owes last month; every 500th has paid nothing, so the six-month lapse warning has something to show). Only for a demo-sized district: a benchmark district of
a million members is left without dues (the dues benchmark makes its own)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from zugong.core import audit
from zugong.people.models import Membership, Person

from . import ledger, rules
from .models import Allocation, Category, DuesProfile, IncomeBase, LedgerEntry, Payment

MAX_MEMBERS = 20_000


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def seed(*, today: dt.date | None = None) -> dict:
    """Returns what was written; nothing when the district is bigger than ``MAX_MEMBERS`` or has dues."""
    today = today or timezone.localdate()
    members = Membership.objects.count()
    if members == 0 or members > MAX_MEMBERS or LedgerEntry.objects.exists():
        return {}
    now = timezone.now()
    this_month = rules.month_start(today)
    first_month = rules.add_months(this_month, -6)
    last_month = rules.add_months(this_month, -1)
    person, membership = _t(Person), _t(Membership)
    with transaction.atomic(), connection.cursor() as cursor:
        # Categories: born before 1962 → retired; then by id: 3 % farmers, 2 % students, 1 % relief.
        cursor.execute(
            f"""INSERT INTO {_t(DuesProfile)} (created_at, updated_at, person_id, category, note)
                SELECT %s, %s, p.id,
                       CASE WHEN p.birth_date < %s THEN %s WHEN p.id %% 100 < 3 THEN %s
                            WHEN p.id %% 100 < 5 THEN %s WHEN p.id %% 100 < 6 THEN %s ELSE %s END, ''
                FROM {person} p JOIN {membership} m ON m.person_id = p.id"""  # noqa: S608
            ,
            [now, now, dt.date(1962, 1, 1), Category.RETIRED, Category.FARMER, Category.STUDENT,
             Category.RELIEF, Category.EMPLOYED],
        )  # fmt: skip
        # Bases from the first demo month: 2,600–14,600 yuan for the employed, 2,600–7,400 for retirees (spread by id).
        cursor.execute(
            f"""INSERT INTO {_t(IncomeBase)} (created_at, updated_at, person_id, effective_month, base_fen, note)
                SELECT %s, %s, p.id, %s,
                       CASE WHEN pr.category = %s THEN 260000 + (p.id * 7919) %% 480000
                            ELSE 260000 + (p.id * 7919) %% 1200000 END, '演示数据'
                FROM {person} p JOIN {_t(DuesProfile)} pr ON pr.person_id = p.id
                WHERE pr.category IN (%s, %s)"""  # noqa: S608
            ,
            [now, now, first_month, Category.RETIRED, Category.EMPLOYED, Category.RETIRED],
        )  # fmt: skip
    counts = {"ledger": 0}
    for offset in range(7):
        month = rules.add_months(first_month, offset)
        sql, params = ledger.ledger_sql(month=month, rule_set=ledger.rule_set_for(month), paths=[""])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            counts["ledger"] += cursor.rowcount
    # Months before this one are paid, except last month by every 40th member and anything by every 500th.
    ledger_t, payment_t, allocation_t = _t(LedgerEntry), _t(Payment), _t(Allocation)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {payment_t} (created_at, updated_at, person_id, org_id, org_path, kind, method,
                    reference, amount_fen, paid_on, first_month, months, to_centre, status, receipt_no, note,
                    approval_note)
                SELECT %s, %s, e.person_id, e.org_id, e.org_path, %s, %s, 'demo:' || e.id, e.amount_fen,
                       e.month, e.month, 1, %s, %s, 'DEMO-' || e.id, '演示数据', ''
                FROM {ledger_t} e
                WHERE e.month < %s AND e.amount_fen > 0 AND e.person_id %% 500 <> 11
                  AND NOT (e.person_id %% 40 = 7 AND e.month = %s)"""  # noqa: S608
            ,
            [now, now, Payment.Kind.MONTHLY, Payment.Method.ONLINE, False, Payment.Status.POSTED, this_month,
             last_month],
        )  # fmt: skip
        counts["payments"] = cursor.rowcount
        cursor.execute(
            f"""INSERT INTO {allocation_t} (payment_id, entry_id, amount_fen)
                SELECT p.id, e.id, e.amount_fen FROM {payment_t} p JOIN {ledger_t} e ON p.reference = 'demo:' || e.id"""  # noqa: S608
        )
        cursor.execute(
            f"""UPDATE {ledger_t} SET paid_fen = amount_fen
                WHERE id IN (SELECT entry_id FROM {allocation_t})"""  # noqa: S608
        )
        audit.record_event(actor=None, event=audit.Events.DEMO_BUILT, detail={"module": "dues", **counts})
    return counts
