"""催学提醒 in Q3/Q4 only, to cadres behind, in scope; and the office's year: the rules edited (that year
recomputed), a new year, a recompute, the close (then every write of the year is refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.audit import Events
from zugong.core.models import AuditEvent

from .. import ledger, services
from ..models import Category, CategoryRule, CreditEntry, CreditRuleSet, Reminder
from .base import YEAR, TrainingTestCase, add_entry, d, summary


def today(day: dt.date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


class ReminderTest(TrainingTestCase):
    def setUp(self):
        # 赵立新 meets the year (56 required, 92.5 学时, 50 网络学时, 84 total); 陈志刚 has only 12 credits.
        dave = self.p.dave
        add_entry(dave, category=Category.ONLINE, hours=d(50))
        add_entry(dave, category=Category.PARTY_SCHOOL, days=d(1))
        add_entry(dave, category=Category.SELF_STUDY, hours=d(35))
        add_entry(dave, category=Category.LECTURE, items=4)
        add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(2))
        self.recompute()
        self.assertTrue(summary(dave).met_target)
        self.assertFalse(summary(self.p.cadre).met_target)
        self.both = [self.p.cadre.pk, self.p.dave.pk]

    def send(self, day, actor=None, ids=None, year=YEAR):
        return services.send_reminders(
            actor=actor or self.p.org_admin,
            year=year,
            person_ids=ids or self.both,
            channel="phone",
            today=day,
        )

    def test_it_refuses_in_the_first_half_year(self):
        for day in (dt.date(YEAR, 2, 10), dt.date(YEAR, 6, 30)):
            with self.subTest(day=day), self.assertRaises(ValidationError) as caught:
                self.send(day)
            self.assertIn("第三、四季度", str(caught.exception))
        with today(dt.date(YEAR, 5, 1)), self.assertRaises(ValidationError):
            services.send_reminders(actor=self.p.org_admin, year=YEAR, person_ids=self.both, channel="phone")
        self.assertFalse(Reminder.objects.exists())

    def test_it_refuses_another_year(self):
        with self.assertRaises(ValidationError):
            self.send(dt.date(YEAR + 1, 8, 1))

    def test_in_q3_only_the_cadres_behind_are_reminded_with_their_shortfall(self):
        with today(dt.date(YEAR, 7, 1)):
            sent = services.send_reminders(
                actor=self.p.org_admin, year=YEAR, person_ids=self.both, channel="message"
            )
        self.assertEqual(sent, 1)
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.person, reminder.channel), (self.p.cadre, "message"))
        # 县处级: 550 − 15 学时 in the cycle; 50 网络学时; 56 − 12 required; 84 − 12 total.
        self.assertEqual(
            reminder.shortfall,
            {"hours": "535.00", "online_hours": "50.00", "required": "44.00", "total": "72.00"},
        )
        self.assertEqual(AuditEvent.objects.filter(object_type="training.reminder").count(), 1)
        self.assertEqual(AuditEvent.objects.filter(event=Events.TRAINING_REMINDER).count(), 1)

    def test_scope_other_secretary_cannot_remind_chen(self):
        with self.assertRaises(PermissionDenied):
            self.send(dt.date(YEAR, 10, 1), actor=self.p.other_secretary, ids=[self.p.cadre.pk])
        with self.assertRaises(PermissionDenied):
            self.send(dt.date(YEAR, 10, 1), actor=self.p.committee_secretary, ids=self.both)
        self.assertFalse(Reminder.objects.exists())
        self.assertEqual(
            self.send(dt.date(YEAR, 10, 1), actor=self.p.committee_secretary, ids=[self.p.cadre.pk]), 1
        )
        with self.assertRaises(PermissionDenied):
            self.send(dt.date(YEAR, 10, 1), actor=self.p.cadre_user, ids=[self.p.cadre.pk])

    def test_the_month_is_a_rule(self):
        CreditRuleSet.objects.filter(year=YEAR).update(reminder_from_month=10)
        with self.assertRaises(ValidationError) as caught:
            self.send(dt.date(YEAR, 9, 30))
        self.assertIn("10月起", str(caught.exception))
        self.assertEqual(self.send(dt.date(YEAR, 10, 1)), 1)

    def test_bad_channel_is_refused(self):
        with self.assertRaises(ValidationError):
            services.send_reminders(
                actor=self.p.org_admin,
                year=YEAR,
                person_ids=self.both,
                channel="pigeon",
                today=dt.date(YEAR, 8, 1),
            )


class RuleSetTest(TrainingTestCase):
    def test_editing_the_rules_recomputes_the_year_and_is_audited(self):
        e = add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(2))
        self.recompute()
        self.assertEqual(summary(self.p.cadre).credits_earned, d(12))
        result = services.update_rule_set(
            actor=self.p.org_admin,
            rule_set=self.rule_set,
            data={"total_credits": "90", "carry_over_cap": "20"},
            category_rules={Category.PARTY_SCHOOL: {"rate": "8"}},
        )
        self.assertEqual(result["year"], YEAR)
        e.refresh_from_db()
        self.assertEqual(e.credits, d(16))
        self.rule_set.refresh_from_db()
        self.assertEqual((self.rule_set.total_credits, self.rule_set.carry_over_cap), (d(90), d(20)))
        update = AuditEvent.objects.get(object_type="training.creditruleset", kind=AuditEvent.Kind.UPDATE)
        self.assertEqual(set(update.after), {"total_credits", "carry_over_cap"})
        rule = AuditEvent.objects.get(object_type="training.categoryrule", kind=AuditEvent.Kind.UPDATE)
        self.assertEqual((rule.before, rule.after), ({"rate": "6.00"}, {"rate": "8.00"}))
        self.assertEqual(AuditEvent.objects.filter(event=Events.TRAINING_RECOMPUTE).count(), 1)

    def test_every_problem_is_reported_and_nothing_changes(self):
        with self.assertRaises(ValidationError) as caught:
            services.update_rule_set(
                actor=self.p.org_admin,
                rule_set=self.rule_set,
                data={
                    "total_credits": "-1",
                    "online_tiers": [[10, ">=", "1"], [30, ">", "0.5"]],
                    "year": 2030,
                },
                category_rules={Category.OFFSITE: {"mode": "per_week", "annual_cap": "-5"}, "golf": {}},
            )
        errors = caught.exception.message_dict
        self.assertTrue({"total_credits", "online_tiers", "category_rules", "__all__"} <= set(errors))
        self.assertGreaterEqual(len(errors["category_rules"]), 3)
        self.rule_set.refresh_from_db()
        self.assertEqual(self.rule_set.total_credits, d(84))
        self.assertEqual(
            CategoryRule.objects.get(rule_set=self.rule_set, category=Category.OFFSITE).annual_cap, d(48)
        )
        self.assertFalse(AuditEvent.objects.filter(object_type__startswith="training.").exists())

    def test_targets_must_be_consistent(self):
        with self.assertRaises(ValidationError):
            services.update_rule_set(
                actor=self.p.org_admin,
                rule_set=self.rule_set,
                data={"required_credits": "90"},
                category_rules={},
            )
        with self.assertRaises(ValidationError):
            services.update_rule_set(
                actor=self.p.org_admin,
                rule_set=self.rule_set,
                data={"excellent_credits": "80"},
                category_rules={},
            )

    def test_only_the_office_edits_rules_and_a_closed_year_refuses(self):
        with self.assertRaises(PermissionDenied):
            services.update_rule_set(
                actor=self.p.committee_secretary,
                rule_set=self.rule_set,
                data={"total_credits": "90"},
                category_rules={},
            )
        CreditRuleSet.objects.filter(pk=self.rule_set.pk).update(closed=True)
        with self.assertRaises(ValidationError):
            services.update_rule_set(
                actor=self.p.org_admin,
                rule_set=self.rule_set,
                data={"total_credits": "90"},
                category_rules={},
            )

    def test_a_new_year_copies_the_rules_and_builds_the_summaries(self):
        with today(dt.date(YEAR + 1, 12, 1)):
            rule_set = services.create_rule_set(actor=self.p.org_admin, year=YEAR + 1)
        self.assertEqual(rule_set.rules.count(), 8)
        self.assertTrue(summary(self.p.cadre, YEAR + 1))
        self.assertEqual(
            AuditEvent.objects.filter(
                object_type="training.categoryrule", kind=AuditEvent.Kind.CREATE
            ).count(),
            8,
        )
        with self.assertRaises(ValidationError):
            services.create_rule_set(actor=self.p.org_admin, year=YEAR + 1)
        with today(dt.date(YEAR, 12, 1)), self.assertRaises(ValidationError):
            services.create_rule_set(actor=self.p.org_admin, year=YEAR + 5)
        with self.assertRaises(PermissionDenied):
            services.create_rule_set(actor=self.p.branch_secretary, year=2019)

    def test_recompute_year_is_the_office_s_and_audited(self):
        add_entry(self.p.dave, category=Category.TEACHING, hours_taught=d(3))
        result = services.recompute_year(actor=self.p.org_admin, year=YEAR)
        self.assertEqual(result["summaries"], 2)
        self.assertEqual(summary(self.p.dave).credits_earned, d(15))
        event = AuditEvent.objects.get(event=Events.TRAINING_RECOMPUTE)
        self.assertEqual(event.detail["summaries"], 2)
        with self.assertRaises(PermissionDenied):
            services.recompute_year(actor=self.p.other_secretary, year=YEAR)
        with self.assertRaises(ValidationError):
            services.recompute_year(actor=self.p.org_admin, year=1999)


class CloseYearTest(TrainingTestCase):
    def test_a_finished_year_closes_and_then_refuses_everything(self):
        add_entry(self.p.dave, category=Category.PAPER, level="national", items=2)  # 96 → 12 carried
        nxt = ledger.ensure_rule_set(YEAR + 1)
        with today(dt.date(YEAR + 1, 1, 5)):
            closed = services.close_year(actor=self.p.org_admin, rule_set=self.rule_set)
        self.assertTrue(closed.closed)
        self.assertEqual(closed.closed_by, self.p.org_admin)
        self.assertEqual(summary(self.p.dave).credits_total, d(96))
        self.assertEqual(summary(self.p.dave, YEAR + 1).carried_in, d(12))  # next year recomputed
        event = AuditEvent.objects.get(event=Events.TRAINING_YEAR_CLOSED)
        self.assertEqual(event.detail["year"], YEAR)
        with self.assertRaises(ValidationError):
            services.close_year(actor=self.p.org_admin, rule_set=closed)
        with self.assertRaises(ValidationError):
            services.recompute_year(actor=self.p.org_admin, year=YEAR)
        with self.assertRaises(ValidationError):
            services.add_entry(
                actor=self.p.org_admin,
                person=self.p.dave,
                data={"category": Category.LECTURE, "title": "讲座", "date": dt.date(YEAR, 6, 1)},
            )
        self.assertEqual(CreditEntry.objects.count(), 1)
        self.assertFalse(nxt.closed)

    def test_the_current_year_cannot_close_and_only_the_office_closes(self):
        with today(dt.date(YEAR, 12, 31)), self.assertRaises(ValidationError):
            services.close_year(actor=self.p.org_admin, rule_set=self.rule_set)
        with today(dt.date(YEAR + 1, 1, 5)), self.assertRaises(PermissionDenied):
            services.close_year(actor=self.p.committee_secretary, rule_set=self.rule_set)
        self.rule_set.refresh_from_db()
        self.assertFalse(self.rule_set.closed)
        self.assertEqual(Decimal(self.rule_set.total_credits), d(84))
