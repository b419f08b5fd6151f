"""Shared set-up of the dues service tests (no tests here): months relative to today (the ledger refuses
future months), members with income bases, the ledger written by ``ledger.generate_month``, and the
invariant that every ledger row's ``paid_fen`` is the sum of the allocations of posted payments."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from zugong.core import idnumber
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase, create_person
from zugong.dues import ledger, rules, services
from zugong.dues.models import Allocation, LedgerEntry, Payment
from zugong.people.choices import MembershipStatus, Sex
from zugong.people.models import Membership

_seq = itertools.count(300)


class DuesServiceCase(PersonaTestCase):
    """PersonaTestCase with the current month, helpers and the paid_fen invariant."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.now = rules.month_start(timezone.localdate())

    # ---- months and members ----

    def ago(self, n: int) -> dt.date:
        return rules.add_months(self.now, -n)

    def member(self, name, org=None, *, join=dt.date(2005, 7, 1), status=MembershipStatus.FULL):
        birth = dt.date(1980, 1, 1)
        person = create_person(
            id_number=idnumber.make("110101", birth, next(_seq) * 2 + 1),
            name=name,
            org=org or self.p.branch,
            birth_date=birth,
            sex=Sex.MALE,
        )
        person.party_status = status
        person.save(update_fields=["party_status"])
        Membership.objects.create(
            person=person,
            status=status,
            join_date=join,
            confirmation_date=join + dt.timedelta(days=366) if status == MembershipStatus.FULL else None,
        )
        return person

    def base(self, person, base_fen, *, since=dt.date(2008, 4, 1)):
        return services.income_base_add(
            actor=self.p.org_admin, person=person, effective_month=since, base_fen=base_fen
        )

    def generate(self, *months):
        for month in months:
            ledger.generate_month(actor=self.p.org_admin, month=month)

    def entry(self, person, month) -> LedgerEntry:
        return LedgerEntry.objects.get(person=person, month=month)

    def pay(self, person, months, *, actor=None, paid_on=None, method=Payment.Method.CASH):
        rows = LedgerEntry.objects.filter(person=person, month__in=months)
        return services.payment_record(
            actor=actor or self.p.branch_secretary,
            person=person,
            months=list(months),
            amount_fen=sum(r.owed_fen for r in rows),
            paid_on=paid_on or timezone.localdate(),
            method=method,
        )

    # ---- checks ----

    def assertInvariant(self):
        """paid_fen == Σ allocations of posted payments, for every ledger row; no allocation elsewhere."""
        posted = Q(allocations__payment__status=Payment.Status.POSTED)
        wrong = (
            LedgerEntry.objects.annotate(alloc=Coalesce(Sum("allocations__amount_fen", filter=posted), 0))
            .exclude(paid_fen=F("alloc"))
            .values_list("person__name", "month", "paid_fen", "alloc")
        )
        self.assertEqual(list(wrong), [])
        self.assertFalse(Allocation.objects.exclude(payment__status=Payment.Status.POSTED).exists())

    def audit_rows(self, obj, kind=None):
        rows = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        return rows.filter(kind=kind) if kind else rows
