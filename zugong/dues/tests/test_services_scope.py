"""Scope: a user of another branch (and a plain 党员, and a 三员 account) is refused by every service and
nothing is written; a member transferred during a month is collected for that month by the branch they
left (转出当月由转出党支部收缴)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.dues import rules, services
from zugong.dues.models import (
    Category,
    DuesProfile,
    DuesRuleSet,
    IncomeBase,
    LapseCase,
    LedgerEntry,
    Payment,
    Reduction,
    Reminder,
)
from zugong.people.services import person_transfer

from .test_services_base import DuesServiceCase

CASH = Payment.Method.CASH
EMPLOYED = [[300_000, 50], [500_000, 100], [1_000_000, 150], [None, 200]]
RETIRED = [[500_000, 50], [None, 100]]


class OtherBranchTests(DuesServiceCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.base(cls, p.alice, 300_000)
        cls.base(cls, p.bob, 300_000)
        cls.generate(cls, *[rules.add_months(cls.now, -n) for n in range(6, 0, -1)])
        today = timezone.localdate()
        cls.payment = services.payment_record(
            actor=p.branch_secretary, person=p.bob, months=[cls.ago(cls, 1)], amount_fen=1_500, paid_on=today,
            method=CASH,
        )  # fmt: skip
        cls.pending = services.prepay_request(
            actor=p.branch_secretary, person=p.alice, first_month=cls.now, months=2, amount_fen=3_000,
            method=CASH, paid_on=today,
        )  # fmt: skip
        cls.reduction = services.reduction_propose(
            actor=p.branch_secretary, person=p.alice, amount_fen=0, valid_from=cls.now, valid_to=cls.now,
            reason="困难",
        )  # fmt: skip
        services.lapse_flag(actor=p.branch_secretary, as_of=cls.ago(cls, 1))
        cls.case = LapseCase.objects.get(person=p.alice)

    def calls(self, actor):
        p, today = self.p, timezone.localdate()
        alice, month = p.alice, self.ago(1)
        return {
            "profile_set": lambda: services.profile_set(actor=actor, person=alice, category=Category.RETIRED),
            "income_base_add": lambda: services.income_base_add(
                actor=actor, person=alice, effective_month=self.now, base_fen=1
            ),
            "reduction_propose": lambda: services.reduction_propose(
                actor=actor, person=alice, amount_fen=0, valid_from=month, valid_to=month, reason="x"
            ),
            "reduction_decide": lambda: services.reduction_decide(
                actor=actor, reduction=self.reduction, approve=True
            ),
            "reduction_revoke": lambda: services.reduction_revoke(
                actor=actor, reduction=self.reduction, note="x"
            ),
            "payment_record": lambda: services.payment_record(
                actor=actor, person=alice, months=[month], amount_fen=1_500, paid_on=today, method=CASH
            ),
            "payments_bulk": lambda: services.payments_bulk(
                actor=actor, org=p.branch, month=month, person_ids=[alice.pk], method=CASH, paid_on=today
            ),
            "payments_bulk_own_org": lambda: services.payments_bulk(
                actor=actor,
                org=p.other_branch,
                month=month,
                person_ids=[alice.pk],
                method=CASH,
                paid_on=today,
            ),
            "prepay_request": lambda: services.prepay_request(
                actor=actor,
                person=alice,
                first_month=rules.add_months(self.now, 3),
                months=2,
                amount_fen=3_000,
                method=CASH,
                paid_on=today,
            ),  # fmt: skip
            "prepay_decide": lambda: services.prepay_decide(actor=actor, payment=self.pending, approve=True),
            "voluntary_record": lambda: services.voluntary_record(
                actor=actor, person=alice, amount_fen=100_000, paid_on=today, method=CASH
            ),
            "payment_reverse": lambda: services.payment_reverse(
                actor=actor, payment=self.payment, reason="x"
            ),
            "lapse_decide": lambda: services.lapse_decide(
                actor=actor, case=self.case, decision=LapseCase.Decision.LAPSED, note="x"
            ),
            "lapse_approve": lambda: services.lapse_approve(actor=actor, case=self.case, approve=True),
            "reminder_send": lambda: services.reminder_send(actor=actor, person=alice, channel="phone"),
            "reminders_send_bulk": lambda: services.reminders_send_bulk(
                actor=actor, org=p.branch, channel="phone"
            ),
            "rule_set_create": lambda: services.rule_set_create(
                actor=actor,
                name="x",
                effective_from=rules.add_months(self.now, 1),
                employed_brackets=EMPLOYED,
                retired_brackets=RETIRED,
                farmer_fen=50,
                flat_fen=20,
            ),  # fmt: skip
        }

    def counts(self):
        models = (
            DuesProfile,
            IncomeBase,
            Reduction,
            Payment,
            LedgerEntry,
            LapseCase,
            Reminder,
            DuesRuleSet,
            AuditEvent,
        )
        state = {m.__name__: m.objects.count() for m in models}
        state["paid"] = sorted(LedgerEntry.objects.values_list("pk", "paid_fen"))
        state["statuses"] = [
            Payment.objects.get(pk=self.pending.pk).status,
            Reduction.objects.get(pk=self.reduction.pk).status,
            LapseCase.objects.get(pk=self.case.pk).status,
        ]
        return state

    def assert_refused_everywhere(self, actor):
        before = self.counts()
        for name, call in self.calls(actor).items():
            with self.subTest(service=name), self.assertRaises(PermissionDenied) as raised:
                call()
            self.assertRegex(str(raised.exception), r"[\u4e00-\u9fff]", name)  # a Chinese message
        self.assertEqual(self.counts(), before)

    def test_a_secretary_of_another_branch_is_refused_by_every_service(self):
        self.assert_refused_everywhere(self.p.other_secretary)

    def test_a_plain_member_is_refused_even_for_their_own_record(self):
        self.assert_refused_everywhere(self.p.member)

    def test_a_system_account_is_refused(self):
        self.assert_refused_everywhere(self.p.sysadmin)

    def test_lapse_flag_runs_over_the_actors_own_scope_only(self):
        self.assertEqual(services.lapse_flag(actor=self.p.other_secretary, as_of=self.ago(1)), 0)
        self.assertEqual(LapseCase.objects.count(), 1)
        for user in (self.p.member, self.p.sysadmin):
            with self.assertRaises(PermissionDenied):
                services.lapse_flag(actor=user, as_of=self.ago(1))

    def test_the_branch_itself_passes_where_the_committee_above_is_not_needed(self):
        p = self.p
        services.lapse_decide(
            actor=p.branch_secretary, case=self.case, decision=LapseCase.Decision.LAPSED, note="x"
        )
        services.reminder_send(actor=p.branch_secretary, person=p.alice, channel="phone")
        self.assertInvariant()


class TransferTests(DuesServiceCase):
    def test_the_branch_left_collects_the_month_of_the_transfer(self):
        p = self.p
        self.base(p.alice, 300_000)
        last = self.ago(1)
        person_transfer(
            actor=p.org_admin,
            person=p.alice,
            to_org=p.other_branch,
            transfer_date=last + dt.timedelta(days=14),
        )
        self.generate(last, self.now)
        self.assertEqual(self.entry(p.alice, last).org, p.branch)
        self.assertEqual(self.entry(p.alice, self.now).org, p.other_branch)
        today = timezone.localdate()
        paid = services.payment_record(
            actor=p.branch_secretary,
            person=p.alice,
            months=[last],
            amount_fen=1_500,
            paid_on=today,
            method=CASH,
        )
        self.assertEqual(paid.org, p.branch)
        with self.assertRaises(PermissionDenied):
            services.payment_record(
                actor=p.branch_secretary, person=p.alice, months=[self.now], amount_fen=1_500, paid_on=today,
                method=CASH,
            )  # fmt: skip
        with self.assertRaises(PermissionDenied):  # the member's own records belong to the new branch
            services.profile_set(actor=p.branch_secretary, person=p.alice, category=Category.RETIRED)
        other = services.payment_record(
            actor=p.other_secretary,
            person=p.alice,
            months=[self.now],
            amount_fen=1_500,
            paid_on=today,
            method=CASH,
        )
        self.assertEqual(other.org, p.other_branch)
        self.assertInvariant()
