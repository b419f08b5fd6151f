"""Payments: whole months at the owed amount, the 6-month back-payment limit, bulk entry, quarterly
prepayment approved by the committee above, voluntary payments (上缴中央 from 1,000.00 yuan) and reversals.
After every operation each ledger row's paid_fen is the sum of the allocations of posted payments."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.dues import rules, services
from zugong.dues.models import Allocation, LedgerEntry, Payment

from .test_services_base import DuesServiceCase

CASH = Payment.Method.CASH


class PaymentRecordTests(DuesServiceCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        for person, base in ((p.alice, 300_000), (p.bob, 540_000)):  # 15.00 and 81.00 a month
            cls.base(cls, person, base)
        for n in range(8, -1, -1):
            cls.generate(cls, rules.add_months(cls.now, -n))

    def record(self, months, amount_fen, **kw):
        args = {"actor": self.p.branch_secretary, "person": self.p.alice, "months": months,
                "amount_fen": amount_fen, "paid_on": timezone.localdate(), "method": CASH}  # fmt: skip
        return services.payment_record(**{**args, **kw})

    def test_it_pays_the_current_month(self):
        payment = self.record([self.now], 1_500, reference="WX123")
        self.assertEqual((payment.kind, payment.status, payment.amount_fen), ("monthly", "posted", 1_500))
        self.assertEqual(payment.receipt_no, f"DF{timezone.localdate().year}-{payment.pk:08d}")
        self.assertRegex(payment.receipt_no, re.compile(r"^DF\d{4}-\d{8}$"))
        self.assertEqual((payment.org, payment.org_path), (self.p.branch, self.p.branch.path))
        self.assertEqual(self.entry(self.p.alice, self.now).paid_fen, 1_500)
        self.assertEqual(Allocation.objects.get(payment=payment).amount_fen, 1_500)
        audit = self.audit_rows(payment, AuditEvent.Kind.CREATE).get()
        self.assertEqual(audit.after["receipt_no"], payment.receipt_no)
        self.assertEqual(audit.actor_id, self.p.branch_secretary.pk)
        self.assertTrue(self.audit_rows(self.entry(self.p.alice, self.now), AuditEvent.Kind.UPDATE).exists())
        self.assertInvariant()

    def test_it_takes_back_payment_of_six_months_and_refuses_seven(self):
        six = [self.ago(n) for n in range(1, 7)]
        payment = self.record(six, 6 * 1_500, paid_on=timezone.localdate())
        self.assertEqual((payment.kind, payment.months, payment.first_month), ("backpay", 6, self.ago(6)))
        self.assertTrue(all(self.entry(self.p.alice, m).paid_fen == 1_500 for m in six))
        self.assertInvariant()
        with self.assertRaises(ValidationError) as raised:
            self.record([self.ago(7)], 1_500)
        self.assertIn("补交一般不超过 6 个月", str(raised.exception))
        self.assertEqual(self.entry(self.p.alice, self.ago(7)).paid_fen, 0)
        self.assertEqual(Payment.objects.count(), 1)

    def test_a_mix_with_the_current_month_is_a_back_payment(self):
        payment = self.record([self.ago(1), self.now], 3_000)
        self.assertEqual(payment.kind, Payment.Kind.BACKPAY)
        self.assertInvariant()

    def test_the_amount_must_be_what_is_owed(self):
        with self.assertRaises(ValidationError) as raised:
            self.record([self.ago(2), self.ago(1)], 1_500)
        self.assertIn("30.00 元", str(raised.exception))
        self.assertFalse(Payment.objects.exists())
        self.assertFalse(Allocation.objects.exists())
        self.assertInvariant()

    def test_it_refuses_months_not_due_not_charged_or_paid(self):
        with self.assertRaises(ValidationError):  # not yet due: prepay instead
            self.record([rules.add_months(self.now, 1)], 1_500)
        with self.assertRaises(ValidationError):
            self.record([], 0)
        self.record([self.ago(1)], 1_500)
        with self.assertRaises(ValidationError) as raised:
            self.record([self.ago(1)], 1_500)
        self.assertIn("已交清", str(raised.exception))
        LedgerEntry.objects.filter(person=self.p.alice, month=self.ago(2)).delete()
        with self.assertRaises(ValidationError) as raised:
            self.record([self.ago(2)], 1_500)
        self.assertIn("没有该党员的党费台账", str(raised.exception))
        with self.assertRaises(ValidationError):
            self.record([self.now], 1_500, method="cheque")
        with self.assertRaises(ValidationError):
            self.record([self.now], 1_500, paid_on=timezone.localdate() + dt.timedelta(days=1))
        self.assertEqual(Payment.objects.count(), 1)
        self.assertInvariant()


class BulkTests(DuesServiceCase):
    def test_each_chosen_member_pays_the_month_and_those_paid_up_are_skipped(self):
        p = self.p
        carl = self.member("刘卫东")
        for person, base in ((p.alice, 300_000), (p.bob, 540_000), (carl, 320_000)):
            self.base(person, base)
        self.generate(self.ago(1))
        self.pay(p.bob, [self.ago(1)])
        n = services.payments_bulk(
            actor=p.branch_secretary,
            org=p.branch,
            month=self.ago(1),
            person_ids=[p.alice.pk, p.bob.pk, carl.pk],
            method=Payment.Method.TRANSFER,
            paid_on=timezone.localdate(),
        )
        self.assertEqual(n, 2)
        for person, fen in ((p.alice, 1_500), (p.bob, 8_100), (carl, 3_200)):
            self.assertEqual(self.entry(person, self.ago(1)).paid_fen, fen)
        bulk = Payment.objects.filter(note="批量登记").order_by("pk")
        self.assertEqual([x.amount_fen for x in bulk], [1_500, 3_200])
        self.assertTrue(all(x.receipt_no == f"DF{x.paid_on.year}-{x.pk:08d}" for x in bulk))
        self.assertTrue(all(x.kind == Payment.Kind.BACKPAY for x in bulk))
        for x in bulk:
            self.assertTrue(self.audit_rows(x, AuditEvent.Kind.CREATE).exists())
        self.assertInvariant()

    def test_it_refuses_members_charged_elsewhere(self):
        p = self.p
        self.base(p.carol, 300_000)
        self.generate(self.ago(1))
        with self.assertRaises(ValidationError):
            services.payments_bulk(
                actor=p.committee_secretary, org=p.branch, month=self.ago(1), person_ids=[p.carol.pk],
                method=CASH, paid_on=timezone.localdate(),
            )  # fmt: skip
        self.assertFalse(Payment.objects.exists())


class PrepayTests(DuesServiceCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.base(cls, cls.p.alice, 300_000)

    def request(self, **kw):
        args = {"actor": self.p.branch_secretary, "person": self.p.alice, "first_month": self.now, "months": 3,
                "amount_fen": 4_500, "method": CASH, "paid_on": timezone.localdate()}  # fmt: skip
        return services.prepay_request(**{**args, **kw})

    def test_the_committee_above_approves_and_the_months_are_paid(self):
        p = self.p
        payment = self.request()
        self.assertEqual((payment.kind, payment.status), (Payment.Kind.PREPAY, Payment.Status.PENDING))
        self.assertFalse(LedgerEntry.objects.exists())
        with self.assertRaises(PermissionDenied):
            services.prepay_decide(actor=p.branch_secretary, payment=payment, approve=True)
        self.assertEqual(Payment.objects.get().status, Payment.Status.PENDING)
        self.assertInvariant()
        services.prepay_decide(actor=p.committee_secretary, payment=payment, approve=True)
        payment.refresh_from_db()
        self.assertEqual(
            (payment.status, payment.approved_by), (Payment.Status.POSTED, p.committee_secretary)
        )
        months = [rules.add_months(self.now, i) for i in range(3)]
        self.assertEqual(
            list(
                LedgerEntry.objects.filter(person=p.alice).order_by("month").values_list("month", "paid_fen")
            ),
            [(m, 1_500) for m in months],
        )
        self.assertTrue(self.audit_rows(payment, AuditEvent.Kind.UPDATE).exists())
        self.assertInvariant()
        with self.assertRaises(ValidationError):
            services.prepay_decide(actor=p.committee_secretary, payment=payment, approve=True)

    def test_a_wrong_amount_is_refused_with_the_figure_and_nothing_written(self):
        payment = self.request(months=2, amount_fen=2_000)
        with self.assertRaises(ValidationError) as raised:
            services.prepay_decide(actor=self.p.org_admin, payment=payment, approve=True)
        self.assertIn("30.00 元", str(raised.exception))
        self.assertFalse(LedgerEntry.objects.exists())
        self.assertEqual(Payment.objects.get().status, Payment.Status.PENDING)
        with self.assertRaises(ValidationError):  # a rejection needs a reason
            services.prepay_decide(actor=self.p.org_admin, payment=payment, approve=False)
        services.prepay_decide(actor=self.p.org_admin, payment=payment, approve=False, note="金额不符")
        self.assertEqual(Payment.objects.get().status, Payment.Status.REJECTED)
        self.assertInvariant()

    def test_it_refuses_bad_requests(self):
        for kw in ({"months": 1}, {"months": 4}, {"first_month": self.ago(1)}, {"amount_fen": 0}):
            with self.assertRaises(ValidationError):
                self.request(**kw)
        self.request()
        with self.assertRaises(ValidationError):  # overlaps the pending one
            self.request(first_month=rules.add_months(self.now, 2), months=2, amount_fen=3_000)
        self.assertEqual(Payment.objects.count(), 1)


class VoluntaryTests(DuesServiceCase):
    def test_from_one_thousand_yuan_it_goes_to_the_centre(self):
        p = self.p
        whole = services.voluntary_record(
            actor=p.branch_secretary,
            person=p.alice,
            amount_fen=100_000,
            paid_on=timezone.localdate(),
            method=CASH,
        )
        below = services.voluntary_record(
            actor=p.branch_secretary,
            person=p.alice,
            amount_fen=99_999,
            paid_on=timezone.localdate(),
            method=CASH,
        )
        self.assertEqual((whole.kind, whole.to_centre), (Payment.Kind.VOLUNTARY, True))
        self.assertEqual((below.kind, below.to_centre), (Payment.Kind.VOLUNTARY, False))
        self.assertFalse(Allocation.objects.exists())
        self.assertTrue(self.audit_rows(whole, AuditEvent.Kind.CREATE).exists())
        with self.assertRaises(ValidationError):
            services.voluntary_record(
                actor=p.branch_secretary,
                person=p.alice,
                amount_fen=0,
                paid_on=timezone.localdate(),
                method=CASH,
            )
        self.assertInvariant()


class ReversalTests(DuesServiceCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.base(cls, cls.p.alice, 300_000)
        cls.generate(cls, cls.ago(cls, 2), cls.ago(cls, 1))

    def test_a_reversal_restores_paid_fen_once_and_is_not_reversed(self):
        p = self.p
        payment = self.pay(p.alice, [self.ago(2), self.ago(1)])
        self.assertInvariant()
        reversal = services.payment_reverse(actor=p.branch_secretary, payment=payment, reason="错收")
        self.assertEqual(
            (reversal.kind, reversal.amount_fen, reversal.reverses), ("reversal", -3_000, payment)
        )
        self.assertEqual(
            sorted(Allocation.objects.filter(payment=reversal).values_list("amount_fen", flat=True)),
            [-1_500, -1_500],
        )
        self.assertEqual([self.entry(p.alice, m).paid_fen for m in (self.ago(2), self.ago(1))], [0, 0])
        self.assertInvariant()
        with self.assertRaises(ValidationError) as raised:
            services.payment_reverse(actor=p.branch_secretary, payment=payment, reason="再次")
        self.assertIn("不能重复冲正", str(raised.exception))
        with self.assertRaises(ValidationError) as raised:
            services.payment_reverse(actor=p.branch_secretary, payment=reversal, reason="冲正的冲正")
        self.assertIn("冲正记录不能再冲正", str(raised.exception))
        self.assertEqual(Payment.objects.count(), 2)
        # The months can be paid again.
        self.pay(p.alice, [self.ago(1)])
        self.assertInvariant()

    def test_a_reversal_needs_a_reason_and_a_voluntary_one_reverses_whole(self):
        p = self.p
        gift = services.voluntary_record(
            actor=p.branch_secretary,
            person=p.alice,
            amount_fen=200_000,
            paid_on=timezone.localdate(),
            method=CASH,
        )
        with self.assertRaises(ValidationError):
            services.payment_reverse(actor=p.branch_secretary, payment=gift, reason=" ")
        reversal = services.payment_reverse(actor=p.branch_secretary, payment=gift, reason="重复登记")
        self.assertEqual((reversal.amount_fen, reversal.to_centre), (-200_000, True))
        self.assertInvariant()

    def test_a_pending_prepayment_is_rejected_not_reversed(self):
        p = self.p
        pending = services.prepay_request(
            actor=p.branch_secretary, person=p.alice, first_month=self.now, months=2, amount_fen=3_000,
            method=CASH, paid_on=timezone.localdate(),
        )  # fmt: skip
        with self.assertRaises(ValidationError) as raised:
            services.payment_reverse(actor=p.branch_secretary, payment=pending, reason="不交了")
        self.assertIn("不予批准", str(raised.exception))
        services.prepay_decide(actor=p.committee_secretary, payment=pending, approve=False, note="撤回")
        with self.assertRaises(ValidationError):
            services.payment_reverse(actor=p.branch_secretary, payment=pending, reason="不交了")
        self.assertEqual(Payment.objects.count(), 1)

    def test_an_approved_prepayment_reverses_its_months(self):
        p = self.p
        prepay = services.prepay_request(
            actor=p.branch_secretary, person=p.alice, first_month=self.now, months=2, amount_fen=3_000,
            method=CASH, paid_on=timezone.localdate(),
        )  # fmt: skip
        services.prepay_decide(actor=p.committee_secretary, payment=prepay, approve=True)
        services.payment_reverse(actor=p.branch_secretary, payment=prepay, reason="退回")
        self.assertEqual(self.entry(p.alice, self.now).paid_fen, 0)
        self.assertInvariant()
