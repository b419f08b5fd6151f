"""Dues categories, income bases (the regulation's numbers through the generated ledger), reductions (减免,
approved by the committee above) and rule sets."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.models import AuditEvent
from zugong.dues import rules, services
from zugong.dues.models import Category, DuesProfile, DuesRuleSet, IncomeBase, LedgerEntry, Reduction

from .test_services_base import DuesServiceCase

EMPLOYED = [[300_000, 50], [500_000, 100], [1_000_000, 150], [None, 200]]
RETIRED = [[500_000, 50], [None, 100]]


class ProfileTests(DuesServiceCase):
    def test_it_sets_the_category_and_audits_create_then_update(self):
        p = self.p
        profile = services.profile_set(actor=p.branch_secretary, person=p.alice, category=Category.RETIRED)
        self.assertEqual(profile.category, Category.RETIRED)
        created = self.audit_rows(profile, AuditEvent.Kind.CREATE).get()
        self.assertEqual(created.after["category"], "retired")
        services.profile_set(
            actor=p.branch_secretary, person=p.alice, category=Category.FARMER, note="返乡务农"
        )
        self.assertEqual(DuesProfile.objects.get(person=p.alice).category, Category.FARMER)
        updated = self.audit_rows(profile, AuditEvent.Kind.UPDATE).get()
        self.assertEqual(updated.before["category"], "retired")
        self.assertEqual(updated.after["category"], "farmer")

    def test_it_refuses_an_unknown_category(self):
        with self.assertRaises(ValidationError) as raised:
            services.profile_set(actor=self.p.branch_secretary, person=self.p.alice, category="vip")
        self.assertIn("交纳类别", str(raised.exception))
        self.assertFalse(DuesProfile.objects.exists())

    def test_it_adds_a_base_from_the_first_of_its_month_once(self):
        p = self.p
        base = services.income_base_add(
            actor=p.branch_secretary, person=p.alice, effective_month=dt.date(2024, 3, 17), base_fen=320_000
        )
        self.assertEqual(base.effective_month, dt.date(2024, 3, 1))
        self.assertEqual(base.recorded_by, p.branch_secretary)
        self.assertTrue(self.audit_rows(base, AuditEvent.Kind.CREATE).exists())
        with self.assertRaises(ValidationError) as raised:
            services.income_base_add(
                actor=p.branch_secretary,
                person=p.alice,
                effective_month=dt.date(2024, 3, 1),
                base_fen=330_000,
            )
        self.assertIn("2024年03月已有收入基数", str(raised.exception))
        for bad in (-1, 3000.5, "3000", True, None):
            with self.assertRaises(ValidationError):
                services.income_base_add(
                    actor=p.branch_secretary,
                    person=p.alice,
                    effective_month=dt.date(2024, 4, 1),
                    base_fen=bad,
                )
        self.assertEqual(IncomeBase.objects.count(), 1)

    def test_it_charges_the_regulation_amounts_through_the_ledger(self):
        employed = {
            300_000: 1_500,  # 3,000.00 → 15.00
            300_001: 3_000,  # 3,000.01 → 30.00 (the whole income, not marginal)
            320_000: 3_200,  # 3,200 → 32.00
            540_000: 8_100,  # 5,400 → 81.00
            1_150_000: 23_000,  # 11,500 → 230.00
        }
        people = {}
        for i, (base, _) in enumerate(employed.items()):
            people[base] = person = self.member(f"在职{i}")
            self.base(person, base)
        retired_low, retired_high = self.member("退休甲"), self.member("退休乙")
        farmer, student = self.member("农民"), self.member("学生")
        for person, category in ((retired_low, Category.RETIRED), (retired_high, Category.RETIRED),
                                 (farmer, Category.FARMER), (student, Category.STUDENT)):  # fmt: skip
            services.profile_set(actor=self.p.branch_secretary, person=person, category=category)
        self.base(retired_low, 500_000)
        self.base(retired_high, 500_001)
        month = self.ago(1)
        self.generate(month)
        for base, fen in employed.items():
            self.assertEqual(self.entry(people[base], month).amount_fen, fen, base)
        self.assertEqual(self.entry(retired_low, month).amount_fen, 2_500)  # 5,000 → 0.5 % → 25.00
        self.assertEqual(self.entry(retired_high, month).amount_fen, 5_000)  # 5,000.01 → 1 % → 50.00
        self.assertEqual(self.entry(farmer, month).amount_fen, 50)
        self.assertEqual(self.entry(student, month).amount_fen, 20)

    def test_a_new_base_applies_from_its_month(self):
        person = self.member("调资")
        self.base(person, 300_000, since=dt.date(2020, 1, 1))
        self.base(person, 540_000, since=self.ago(1))
        self.generate(self.ago(2), self.ago(1))
        self.assertEqual(self.entry(person, self.ago(2)).amount_fen, 1_500)
        self.assertEqual(self.entry(person, self.ago(1)).amount_fen, 8_100)

    def test_a_late_base_fills_the_months_charged_nothing_for_want_of_it(self):
        p = self.p
        self.generate(self.ago(3), self.ago(2), self.ago(1))
        row = self.entry(p.alice, self.ago(2))
        self.assertTrue(row.missing_base)
        self.assertEqual(row.amount_fen, 0)
        services.income_base_add(
            actor=p.branch_secretary, person=p.alice, effective_month=self.ago(2), base_fen=320_000
        )
        self.assertTrue(self.entry(p.alice, self.ago(3)).missing_base)  # before the base's month: kept
        for month in (self.ago(2), self.ago(1)):
            row = self.entry(p.alice, month)
            self.assertEqual((row.amount_fen, row.base_fen, row.missing_base), (3_200, 320_000, False))
            self.assertTrue(self.audit_rows(row, AuditEvent.Kind.UPDATE).exists())
        self.assertInvariant()


class ReductionTests(DuesServiceCase):
    def propose(self, **kw):
        args = {
            "actor": self.p.branch_secretary,
            "person": self.p.alice,
            "amount_fen": 0,
            "valid_from": self.ago(2),
            "valid_to": rules.add_months(self.now, 6),
            "reason": "重病住院，家庭困难",
        }
        return services.reduction_propose(**{**args, **kw})

    def test_the_branch_proposes_and_the_committee_above_approves(self):
        p = self.p
        self.base(p.alice, 300_000)
        self.generate(self.ago(3), self.ago(2))
        reduction = self.propose(amount_fen=500)
        self.assertEqual(
            (reduction.status, reduction.decided_by), (Reduction.Status.PROPOSED, p.branch_secretary)
        )
        with self.assertRaises(PermissionDenied):
            services.reduction_decide(actor=p.branch_secretary, reduction=reduction, approve=True)
        reduction.refresh_from_db()
        self.assertEqual(reduction.status, Reduction.Status.PROPOSED)
        services.reduction_decide(actor=p.committee_secretary, reduction=reduction, approve=True, note="同意")
        reduction.refresh_from_db()
        self.assertEqual(
            (reduction.status, reduction.approved_by), (Reduction.Status.APPROVED, p.committee_secretary)
        )
        # Unpaid months of the period already in the ledger take the reduced amount; earlier ones do not.
        self.assertEqual(self.entry(p.alice, self.ago(3)).amount_fen, 1_500)
        row = self.entry(p.alice, self.ago(2))
        self.assertEqual((row.amount_fen, row.reduction_id), (500, reduction.pk))
        # Months generated later take it from the ledger statement itself.
        self.generate(self.ago(1))
        self.assertEqual(self.entry(p.alice, self.ago(1)).amount_fen, 500)
        with self.assertRaises(ValidationError):
            services.reduction_decide(
                actor=p.committee_secretary, reduction=reduction, approve=False, note="x"
            )

    def test_the_org_admin_may_approve_too(self):
        reduction = self.propose()
        services.reduction_decide(actor=self.p.org_admin, reduction=reduction, approve=True)
        self.assertEqual(Reduction.objects.get().status, Reduction.Status.APPROVED)

    def test_a_rejection_needs_a_reason(self):
        reduction = self.propose()
        with self.assertRaises(ValidationError):
            services.reduction_decide(actor=self.p.committee_secretary, reduction=reduction, approve=False)
        services.reduction_decide(
            actor=self.p.committee_secretary, reduction=reduction, approve=False, note="证明材料不全"
        )
        self.assertEqual(Reduction.objects.get().status, Reduction.Status.REJECTED)

    def test_it_refuses_bad_periods_and_overlaps(self):
        with self.assertRaises(ValidationError):
            self.propose(valid_from=self.now, valid_to=self.ago(1))
        with self.assertRaises(ValidationError):
            self.propose(reason="  ")
        with self.assertRaises(ValidationError):
            self.propose(amount_fen=-1)
        self.propose()
        with self.assertRaises(ValidationError) as raised:
            self.propose(valid_from=self.now, valid_to=self.now)
        self.assertIn("不能重叠", str(raised.exception))
        self.assertEqual(Reduction.objects.count(), 1)

    def test_revoking_restores_the_normal_amount_of_unpaid_months_from_now(self):
        p = self.p
        self.base(p.alice, 300_000)
        reduction = self.propose(amount_fen=0)
        services.reduction_decide(actor=p.committee_secretary, reduction=reduction, approve=True)
        self.generate(self.ago(1), self.now)
        self.assertEqual(self.entry(p.alice, self.now).amount_fen, 0)
        with self.assertRaises(ValidationError):
            services.reduction_revoke(actor=p.branch_secretary, reduction=reduction, note="")
        services.reduction_revoke(actor=p.branch_secretary, reduction=reduction, note="已恢复工作")
        reduction.refresh_from_db()
        self.assertEqual(reduction.status, Reduction.Status.REVOKED)
        self.assertEqual(self.entry(p.alice, self.ago(1)).amount_fen, 0)  # a past month keeps it
        row = self.entry(p.alice, self.now)
        self.assertEqual((row.amount_fen, row.reduction_id), (1_500, None))
        with self.assertRaises(ValidationError):
            services.reduction_revoke(actor=p.branch_secretary, reduction=reduction, note="再次")


class RuleSetTests(DuesServiceCase):
    def create(self, **kw):
        args = {
            "actor": self.p.org_admin,
            "name": "省定农民标准",
            "effective_from": rules.add_months(self.now, 1),
            "employed_brackets": EMPLOYED,
            "retired_brackets": RETIRED,
            "farmer_fen": 30,
            "flat_fen": 20,
        }
        return services.rule_set_create(**{**args, **kw})

    def test_only_a_district_wide_grant_creates_a_rule_set(self):
        for user in (self.p.committee_secretary, self.p.branch_secretary, self.p.sysadmin):
            with self.assertRaises(PermissionDenied):
                self.create(actor=user)
        rule_set = self.create()
        self.assertEqual(rule_set.effective_from, rules.add_months(self.now, 1))
        self.assertEqual(
            (rule_set.farmer_fen, rule_set.to_centre_fen, rule_set.backpay_months), (30, 100_000, 6)
        )
        self.assertTrue(self.audit_rows(rule_set, AuditEvent.Kind.CREATE).exists())

    def test_it_never_rewrites_the_past(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(effective_from=self.ago(1))
        self.assertIn("不能改写过去", str(raised.exception))
        self.create(effective_from=self.now)
        with self.assertRaises(ValidationError):  # not later than the latest
            self.create(effective_from=self.now)
        self.assertEqual(DuesRuleSet.objects.count(), 2)

    def test_it_checks_the_brackets_and_amounts(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(employed_brackets=[[300_000, 50], [200_000, 100]])
        self.assertIn("在职党员比例", str(raised.exception))
        with self.assertRaises(ValidationError):
            self.create(retired_brackets=[])
        with self.assertRaises(ValidationError):
            self.create(farmer_fen=150)
        with self.assertRaises(ValidationError):
            self.create(flat_fen=0.2)
        self.assertEqual(DuesRuleSet.objects.count(), 1)

    def test_a_new_rule_set_leaves_earlier_ledger_months(self):
        farmer = self.member("农民")
        services.profile_set(actor=self.p.branch_secretary, person=farmer, category=Category.FARMER)
        self.generate(self.ago(1))
        self.create(effective_from=self.now, farmer_fen=100)
        self.generate(self.now)
        self.assertEqual(self.entry(farmer, self.ago(1)).amount_fen, 50)
        self.assertEqual(self.entry(farmer, self.now).amount_fen, 100)
        self.assertEqual(LedgerEntry.objects.filter(person=farmer).count(), 2)
