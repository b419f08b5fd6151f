"""The flag at six consecutive unpaid months (not at five), its closing once the months are paid back, the
branch's decision and the approval of the committee above, and reminders (催缴)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.models import AuditEvent
from zugong.dues import rules, services
from zugong.dues.models import LapseCase, LedgerEntry, Reminder

from .test_services_base import DuesServiceCase

Decision = LapseCase.Decision


class LapseFlagTests(DuesServiceCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.base(cls, cls.p.alice, 300_000)  # bob, carol and dave have no base: charged 0, owe nothing

    def months(self, first, last):
        return [self.ago(n) for n in range(first, last - 1, -1)]

    def flag(self, actor=None, as_of=None):
        return services.lapse_flag(actor=actor or self.p.branch_secretary, as_of=as_of or self.ago(1))

    def test_six_consecutive_unpaid_months_are_flagged(self):
        self.generate(*self.months(6, 1))
        self.assertEqual(self.flag(), 1)
        case = LapseCase.objects.get()
        self.assertEqual(
            (case.person, case.org, case.org_path), (self.p.alice, self.p.branch, self.p.branch.path)
        )
        self.assertEqual((case.first_unpaid, case.unpaid_months, case.status), (self.ago(6), 6, "flagged"))
        event = AuditEvent.objects.get(event="dues_lapse_flagged")
        self.assertEqual((event.detail["flagged"], event.detail["cases"]), (1, [case.pk]))
        self.assertTrue(self.audit_rows(case, AuditEvent.Kind.CREATE).exists())
        self.assertEqual(self.flag(), 0)  # one open case per member
        self.assertEqual(LapseCase.objects.count(), 1)

    def test_five_are_not(self):
        self.generate(*self.months(5, 1))
        self.assertEqual(self.flag(), 0)
        self.generate(self.ago(6))
        self.assertEqual(self.flag(as_of=self.ago(2)), 0)  # six months, but only five up to as_of
        self.assertEqual(self.flag(), 1)

    def test_a_paid_month_inside_the_window_breaks_the_run(self):
        self.generate(*self.months(8, 1))
        self.pay(self.p.alice, [self.ago(3)])
        self.assertEqual(self.flag(), 0)
        self.assertEqual(self.flag(as_of=self.ago(4)), 0)  # ago(8)..ago(4): five months
        self.assertEqual(self.flag(as_of=self.ago(4)), 0)

    def test_a_longer_run_records_its_first_month(self):
        self.generate(*self.months(8, 1))
        self.assertEqual(self.flag(), 1)
        self.assertEqual(
            LapseCase.objects.values_list("first_unpaid", "unpaid_months").get(), (self.ago(8), 8)
        )

    def test_a_waived_month_is_not_unpaid(self):
        self.generate(*self.months(6, 1))
        LedgerEntry.objects.filter(person=self.p.alice, month=self.ago(3)).update(amount_fen=0)
        self.assertEqual(self.flag(), 0)

    def test_scope_decides_whom_an_actor_flags(self):
        self.generate(*self.months(6, 1))
        self.assertEqual(self.flag(actor=self.p.other_secretary), 0)
        self.assertEqual(self.flag(actor=self.p.committee_secretary), 1)
        with self.assertRaises(PermissionDenied):
            self.flag(actor=self.p.sysadmin)
        with self.assertRaises(PermissionDenied):
            self.flag(actor=self.p.member)
        with self.assertRaises(ValidationError):
            self.flag(as_of=rules.add_months(self.now, 1))

    def test_the_case_closes_once_the_months_are_paid_back(self):
        self.generate(*self.months(6, 1))
        self.flag()
        case = LapseCase.objects.get()
        self.pay(self.p.alice, self.months(6, 4))
        self.assertEqual(self.flag(), 0)
        self.assertEqual(LapseCase.objects.get().status, LapseCase.Status.FLAGGED)  # three still owed
        self.pay(self.p.alice, self.months(3, 1))  # 补交: six months back is still allowed
        self.assertEqual(self.flag(), 0)
        case.refresh_from_db()
        self.assertEqual(case.status, LapseCase.Status.CLOSED)
        self.assertTrue(self.audit_rows(case, AuditEvent.Kind.UPDATE).exists())
        self.assertInvariant()

    def test_the_branch_decides_and_the_committee_above_approves(self):
        p = self.p
        self.generate(*self.months(6, 1))
        self.flag()
        case = LapseCase.objects.get()
        with self.assertRaises(ValidationError):  # the decision needs the branch's reasons
            services.lapse_decide(actor=p.branch_secretary, case=case, decision=Decision.LAPSED, note="")
        with self.assertRaises(ValidationError):
            services.lapse_decide(actor=p.branch_secretary, case=case, decision="expelled", note="x")
        with self.assertRaises(ValidationError):  # not decided yet
            services.lapse_approve(actor=p.committee_secretary, case=case, approve=True)
        services.lapse_decide(
            actor=p.branch_secretary, case=case, decision=Decision.LAPSED, note="经支部大会讨论，无正当理由"
        )
        case.refresh_from_db()
        self.assertEqual((case.status, case.decided_by), (LapseCase.Status.DECIDED, p.branch_secretary))
        with self.assertRaises(PermissionDenied):  # the branch does not approve its own decision
            services.lapse_approve(actor=p.branch_secretary, case=case, approve=True)
        with self.assertRaises(ValidationError):  # returning needs a reason
            services.lapse_approve(actor=p.committee_secretary, case=case, approve=False)
        services.lapse_approve(actor=p.committee_secretary, case=case, approve=False, note="请核实联系情况")
        case.refresh_from_db()
        self.assertEqual(case.status, LapseCase.Status.RETURNED)
        services.lapse_decide(
            actor=p.branch_secretary, case=case, decision=Decision.GOOD_REASON, note="外出务工，已联系上"
        )
        services.lapse_approve(actor=p.committee_secretary, case=case, approve=True)
        case.refresh_from_db()
        self.assertEqual((case.status, case.decision, case.approved_by),
                         (LapseCase.Status.APPROVED, "good_reason", p.committee_secretary))  # fmt: skip
        self.assertEqual(self.audit_rows(case, AuditEvent.Kind.UPDATE).count(), 4)
        # The same run, decided and approved, is not flagged again.
        self.assertEqual(self.flag(), 0)
        with self.assertRaises(ValidationError):
            services.lapse_decide(actor=p.branch_secretary, case=case, decision=Decision.LAPSED, note="改变")


class ReminderTests(DuesServiceCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.base(cls, cls.p.alice, 300_000)
        cls.base(cls, cls.p.bob, 540_000)
        cls.generate(cls, cls.ago(cls, 3), cls.ago(cls, 2), cls.ago(cls, 1))

    def test_it_records_the_months_owed_and_their_total(self):
        p = self.p
        self.pay(p.alice, [self.ago(2)])
        reminder = services.reminder_send(
            actor=p.branch_secretary, person=p.alice, channel=Reminder.Channel.PHONE
        )
        self.assertEqual(reminder.months, [self.ago(3).isoformat(), self.ago(1).isoformat()])
        self.assertEqual(
            (reminder.owed_fen, reminder.sent_by, reminder.org_path),
            (3_000, p.branch_secretary, p.branch.path),
        )
        event = AuditEvent.objects.get(event="dues_reminder")
        self.assertEqual((event.object_id, event.detail["owed_fen"]), (str(reminder.pk), 3_000))

    def test_nothing_owed_is_refused(self):
        p = self.p
        self.pay(p.alice, [self.ago(3), self.ago(2), self.ago(1)])
        with self.assertRaises(ValidationError) as raised:
            services.reminder_send(actor=p.branch_secretary, person=p.alice, channel=Reminder.Channel.PHONE)
        self.assertIn("没有欠交", str(raised.exception))
        with self.assertRaises(ValidationError):
            services.reminder_send(actor=p.branch_secretary, person=p.bob, channel="pigeon")
        self.assertFalse(Reminder.objects.exists())

    def test_bulk_reminds_everyone_owing_in_the_subtree(self):
        p = self.p
        self.pay(p.bob, [self.ago(3), self.ago(2), self.ago(1)])
        self.base(p.carol, 320_000)
        self.generate(self.ago(1))
        n = services.reminders_send_bulk(actor=p.committee_secretary, org=p.general_branch, channel="message")
        self.assertEqual(n, 1)  # alice (bob paid up; carol is in the sibling branch)
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.person, reminder.owed_fen, len(reminder.months)), (p.alice, 4_500, 3))
        self.assertEqual(
            services.reminders_send_bulk(actor=p.committee_secretary, org=p.committee, channel="message"), 2
        )
        self.assertTrue(AuditEvent.objects.filter(event="dues_reminder").exists())
        self.assertEqual(
            AuditEvent.objects.filter(object_type="dues.reminder", kind=AuditEvent.Kind.CREATE).count(), 3
        )
