"""The catalogue, attendance (班次考勤) and manual entries (补录): who may write them, the credits they give
under the default rules (党校 6 a day, 7.5 学时 a day), one recompute per write, audit rows, closed years."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core import audit
from zugong.core.models import AuditEvent

from .. import services
from ..models import Activity, Category, CreditEntry, CreditRuleSet, Source
from .base import YEAR, TrainingTestCase, d, summary


def activity_data(p, **over):
    data = {
        "title": "区委党校中青班",
        "category": Category.PARTY_SCHOOL,
        "organizer": "区委党校",
        "org": p.district,
        "start_date": dt.date(YEAR, 3, 3),
        "end_date": dt.date(YEAR, 3, 7),
        "days": "5",
    }
    data.update(over)
    return data


def audits(model: str, **kw) -> int:
    return AuditEvent.objects.filter(object_type=f"training.{model}", **kw).count()


class ActivityTest(TrainingTestCase):
    def test_it_creates_an_activity_and_audits_it(self):
        a = services.create_activity(actor=self.p.org_admin, data=activity_data(self.p))
        self.assertEqual((a.days, a.created_by), (d(5), self.p.org_admin))
        self.assertEqual(audits("activity", object_id=str(a.pk), kind=AuditEvent.Kind.CREATE), 1)

    def test_it_refuses_a_district_activity_to_a_committee_secretary(self):
        with self.assertRaises(PermissionDenied):
            services.create_activity(actor=self.p.committee_secretary, data=activity_data(self.p))
        a = services.create_activity(
            actor=self.p.committee_secretary, data=activity_data(self.p, org=self.p.committee)
        )
        self.assertEqual(a.org, self.p.committee)
        with self.assertRaises(PermissionDenied):
            services.create_activity(
                actor=self.p.committee_secretary, data=activity_data(self.p, org=self.p.other_committee)
            )

    def test_it_refuses_numbers_that_count_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            services.create_activity(actor=self.p.org_admin, data=activity_data(self.p, days="0", hours="8"))
        self.assertIn("按天计分", str(caught.exception))
        with self.assertRaises(ValidationError):
            services.create_activity(
                actor=self.p.org_admin, data=activity_data(self.p, days="6")
            )  # 5-day span
        with self.assertRaises(ValidationError):
            services.create_activity(
                actor=self.p.org_admin, data=activity_data(self.p, end_date=dt.date(YEAR, 3, 1))
            )
        with self.assertRaises(ValidationError):
            services.create_activity(actor=self.p.org_admin, data=activity_data(self.p, days="-1"))
        with self.assertRaises(ValidationError):
            services.create_activity(actor=self.p.org_admin, data=activity_data(self.p, title=""))
        self.assertFalse(Activity.objects.exists())

    def test_it_sets_up_no_rules_for_a_past_year_on_its_own(self):
        """Only this year's (and next year's) rules are created on first use; a past year without rules is
        the office's to set up, and no attendance is written."""
        past = dt.date(YEAR - 3, 3, 3)
        a = services.create_activity(
            actor=self.p.org_admin, data=activity_data(self.p, start_date=past, end_date=past, days="1")
        )
        with self.assertRaises(ValidationError) as caught:
            services.record_attendance(actor=self.p.org_admin, activity=a, person_ids=[self.p.cadre.pk])
        self.assertIn(f"{YEAR - 3}年度尚未建立学分规则", str(caught.exception))
        self.assertFalse(CreditRuleSet.objects.filter(year=YEAR - 3).exists())
        self.assertFalse(CreditEntry.objects.exists())

    def test_it_refuses_the_three_admins(self):
        with self.assertRaises(PermissionDenied):
            services.create_activity(actor=self.p.sysadmin, data=activity_data(self.p))

    def test_an_edit_carries_to_the_attendance_and_recomputes(self):
        a = services.create_activity(actor=self.p.org_admin, data=activity_data(self.p))
        services.record_attendance(actor=self.p.org_admin, activity=a, person_ids=[self.p.cadre.pk])
        self.assertEqual(summary(self.p.cadre).credits_earned, d(30))
        services.update_activity(
            actor=self.p.org_admin, activity=a, data={"days": "4", "title": "中青班（调整）"}
        )
        entry = CreditEntry.objects.get(activity=a)
        self.assertEqual((entry.days, entry.title, entry.credits), (d(4), "中青班（调整）", d(24)))
        self.assertEqual(summary(self.p.cadre).credits_earned, d(24))
        self.assertEqual(audits("creditentry", object_id=str(entry.pk), kind=AuditEvent.Kind.UPDATE), 1)
        with self.assertRaises(ValidationError):
            services.update_activity(
                actor=self.p.org_admin,
                activity=a,
                data={"start_date": dt.date(YEAR + 1, 3, 3), "end_date": dt.date(YEAR + 1, 3, 7)},
            )

    def test_archiving_an_activity_archives_its_attendance(self):
        a = services.create_activity(actor=self.p.org_admin, data=activity_data(self.p))
        services.record_attendance(actor=self.p.org_admin, activity=a, person_ids=[self.p.cadre.pk])
        with self.assertRaises(ValidationError):
            services.archive_activity(actor=self.p.org_admin, activity=a, reason=" ")
        services.archive_activity(actor=self.p.org_admin, activity=a, reason="录入错误")
        a.refresh_from_db()
        self.assertTrue(a.is_archived)
        self.assertTrue(CreditEntry.objects.get(activity=a).is_archived)
        self.assertEqual(summary(self.p.cadre).credits_earned, d(0))
        self.assertEqual(audits("creditentry", kind=AuditEvent.Kind.ARCHIVE), 1)


class AttendanceTest(TrainingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = Activity.objects.create(**activity_data(cls.p))

    def test_it_records_a_class_set_based_with_the_credits(self):
        added = services.record_attendance(
            actor=self.p.org_admin, activity=self.activity, person_ids=[self.p.cadre.pk, self.p.dave.pk]
        )
        self.assertEqual(added, 2)
        for person in (self.p.cadre, self.p.dave):
            e = CreditEntry.objects.get(person=person, activity=self.activity)
            self.assertEqual((e.source, e.date, e.year), (Source.ATTENDANCE, dt.date(YEAR, 3, 3), YEAR))
            self.assertEqual((e.credits, e.credited_hours, e.full_time_days), (d(30), d("37.5"), d(5)))
            self.assertEqual(summary(person).credits_earned, d(30))
        self.assertEqual(audits("creditentry", kind=AuditEvent.Kind.CREATE), 2)

    def test_it_skips_who_is_already_recorded(self):
        services.record_attendance(
            actor=self.p.org_admin, activity=self.activity, person_ids=[self.p.cadre.pk]
        )
        added = services.record_attendance(
            actor=self.p.org_admin, activity=self.activity, person_ids=[self.p.cadre.pk, self.p.dave.pk]
        )
        self.assertEqual(added, 1)
        self.assertEqual(CreditEntry.objects.filter(activity=self.activity).count(), 2)
        self.assertEqual(
            services.record_attendance(
                actor=self.p.org_admin, activity=self.activity, person_ids=[self.p.dave.pk]
            ),
            0,
        )
        self.assertEqual(summary(self.p.dave).credits_earned, d(30))

    def test_other_secretary_cannot_record_chen_and_nothing_is_written(self):
        own = Activity.objects.create(**activity_data(self.p, org=self.p.other_branch, title="西城支部学习"))
        before = AuditEvent.objects.count()
        with self.assertRaises(PermissionDenied) as caught:
            services.record_attendance(
                actor=self.p.other_secretary, activity=own, person_ids=[self.p.dave.pk, self.p.cadre.pk]
            )
        self.assertIn("1 人", str(caught.exception))
        self.assertFalse(CreditEntry.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), before)
        # 赵立新 alone is in their scope.
        self.assertEqual(
            services.record_attendance(
                actor=self.p.other_secretary, activity=own, person_ids=[self.p.dave.pk]
            ),
            1,
        )

    def test_committee_secretary_cannot_record_zhao(self):
        own = Activity.objects.create(**activity_data(self.p, org=self.p.committee))
        with self.assertRaises(PermissionDenied):
            services.record_attendance(
                actor=self.p.committee_secretary, activity=own, person_ids=[self.p.dave.pk]
            )
        self.assertFalse(CreditEntry.objects.exists())

    def test_a_secretary_cannot_use_an_activity_outside_their_view(self):
        with self.assertRaises(PermissionDenied):
            services.record_attendance(
                actor=self.p.other_secretary, activity=self.activity, person_ids=[self.p.dave.pk]
            )

    def test_a_member_who_is_not_a_cadre_is_refused(self):
        with self.assertRaises(PermissionDenied):
            services.record_attendance(
                actor=self.p.org_admin, activity=self.activity, person_ids=[self.p.alice.pk, self.p.cadre.pk]
            )
        self.assertFalse(CreditEntry.objects.exists())

    def test_a_closed_year_refuses_attendance(self):
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        with self.assertRaises(ValidationError) as caught:
            services.record_attendance(
                actor=self.p.org_admin, activity=self.activity, person_ids=[self.p.cadre.pk]
            )
        self.assertIn("已关账", str(caught.exception))
        self.assertFalse(CreditEntry.objects.exists())

    def test_no_one_chosen_is_refused(self):
        with self.assertRaises(ValidationError):
            services.record_attendance(actor=self.p.org_admin, activity=self.activity, person_ids=[])


class ManualEntryTest(TrainingTestCase):
    def entry_data(self, **over):
        data = {
            "category": Category.PAPER,
            "title": "基层治理调研报告",
            "date": dt.date(YEAR, 5, 6),
            "level": "province",
        }
        data.update(over)
        return data

    def test_it_adds_a_paper_at_24_credits(self):
        e = services.add_entry(actor=self.p.committee_secretary, person=self.p.cadre, data=self.entry_data())
        self.assertEqual(
            (e.source, e.credits, e.created_by), (Source.MANUAL, d(24), self.p.committee_secretary)
        )
        self.assertEqual(summary(self.p.cadre).credits_earned, d(24))
        self.assertEqual(audits("creditentry", object_id=str(e.pk), kind=AuditEvent.Kind.CREATE), 1)

    def test_it_refuses_outside_scope_a_future_date_and_a_closed_year(self):
        with self.assertRaises(PermissionDenied):
            services.add_entry(actor=self.p.other_secretary, person=self.p.cadre, data=self.entry_data())
        with self.assertRaises(PermissionDenied):
            services.add_entry(actor=self.p.committee_secretary, person=self.p.dave, data=self.entry_data())
        with self.assertRaises(PermissionDenied):
            services.add_entry(actor=self.p.cadre_user, person=self.p.cadre, data=self.entry_data())
        with self.assertRaises(PermissionDenied):
            services.add_entry(actor=self.p.org_admin, person=self.p.alice, data=self.entry_data())
        future = dt.date.today() + dt.timedelta(days=30)
        with self.assertRaises(ValidationError):
            services.add_entry(actor=self.p.org_admin, person=self.p.cadre, data=self.entry_data(date=future))
        with self.assertRaises(ValidationError):
            services.add_entry(
                actor=self.p.org_admin, person=self.p.cadre, data=self.entry_data(level="county")
            )
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        with self.assertRaises(ValidationError):
            services.add_entry(actor=self.p.org_admin, person=self.p.cadre, data=self.entry_data())
        self.assertFalse(CreditEntry.objects.exists())

    def test_archive_recomputes_and_a_claim_entry_is_the_office_s(self):
        e = services.add_entry(actor=self.p.committee_secretary, person=self.p.cadre, data=self.entry_data())
        with self.assertRaises(PermissionDenied):
            services.archive_entry(actor=self.p.other_secretary, entry=e, reason="重复")
        services.archive_entry(actor=self.p.committee_secretary, entry=e, reason="重复录入")
        self.assertEqual(summary(self.p.cadre).credits_earned, d(0))
        self.assertEqual(audits("creditentry", object_id=str(e.pk), kind=AuditEvent.Kind.ARCHIVE), 1)
        with self.assertRaises(ValidationError):
            services.archive_entry(actor=self.p.committee_secretary, entry=e, reason="again")
        CreditEntry.objects.filter(pk=e.pk).update(archived_at=None, source=Source.CLAIM)
        with self.assertRaises(PermissionDenied):
            services.archive_entry(actor=self.p.committee_secretary, entry=e, reason="撤销")
        services.archive_entry(actor=self.p.org_admin, entry=e, reason="撤销")

    def test_a_closed_year_refuses_archive(self):
        e = services.add_entry(actor=self.p.org_admin, person=self.p.cadre, data=self.entry_data())
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        with self.assertRaises(ValidationError):
            services.archive_entry(actor=self.p.org_admin, entry=e, reason="撤销")
        e.refresh_from_db()
        self.assertFalse(e.is_archived)


class RolesTest(TrainingTestCase):
    def test_only_the_district_org_admin_is_the_training_office(self):
        self.assertTrue(services.is_training_office(self.p.org_admin))
        for user in (self.p.committee_secretary, self.p.cadre_user, self.p.sysadmin, self.p.member):
            self.assertFalse(services.is_training_office(user))
            with self.assertRaises(PermissionDenied):
                services.ensure_training_office(user)

    def test_district_cadres_by_scope(self):
        ids = set(services.district_cadres(self.p.org_admin).values_list("pk", flat=True))
        self.assertEqual(ids, {self.p.cadre.pk, self.p.dave.pk})
        self.assertEqual(list(services.district_cadres(self.p.committee_secretary)), [self.p.cadre])
        self.assertEqual(list(services.district_cadres(self.p.other_secretary)), [self.p.dave])
        self.assertEqual(list(services.district_cadres(self.p.sysadmin)), [])
        with self.assertRaises(PermissionDenied):
            services.ensure_training_staff(self.p.sysadmin)
        self.assertEqual(services.ensure_training_staff(self.p.org_admin), [""])


class ActivityReachTest(TrainingTestCase):
    """An activity of 东城社区第一党支部 whose attendance the office entered for 陈志刚 (东城街道机关党支部):
    the branch's secretary may not rewrite or withdraw his credits through it."""

    def test_the_owner_branch_cannot_reach_attendance_outside_its_scope(self):
        a = services.create_activity(
            actor=self.p.branch_secretary, data=activity_data(self.p, org=self.p.branch)
        )
        services.record_attendance(actor=self.p.org_admin, activity=a, person_ids=[self.p.cadre.pk])
        self.assertEqual(summary(self.p.cadre).credits_earned, d(30))
        with self.assertRaises(PermissionDenied) as caught:
            services.update_activity(actor=self.p.branch_secretary, activity=a, data={"days": "1"})
        self.assertIn("不在您的授权范围内", str(caught.exception))
        with self.assertRaises(PermissionDenied):
            services.archive_activity(actor=self.p.branch_secretary, activity=a, reason="重复录入")
        entry = CreditEntry.objects.get(activity=a)
        self.assertEqual((entry.days, entry.archived_at), (d(5), None))
        self.assertEqual(summary(self.p.cadre).credits_earned, d(30))
        services.update_activity(
            actor=self.p.branch_secretary, activity=a, data={"note": "教材另发"}
        )  # no entry
        services.update_activity(actor=self.p.committee_secretary, activity=a, data={"days": "4"})
        self.assertEqual(summary(self.p.cadre).credits_earned, d(24))


class FirstUseTest(TrainingTestCase):
    """This year's rules are set up on first use: audited, and every district cadre gets the year's row."""

    def test_the_first_attendance_of_a_year_sets_it_up_for_every_cadre(self):
        from django.utils import timezone

        from zugong.training.models import CreditYear

        today = timezone.localdate()
        a = services.create_activity(
            actor=self.p.org_admin, data=activity_data(self.p, start_date=today, end_date=today, days="1")
        )
        services.record_attendance(actor=self.p.org_admin, activity=a, person_ids=[self.p.cadre.pk])
        rule_set = CreditRuleSet.objects.get(year=today.year)
        events = AuditEvent.objects.filter(object_type="training.creditruleset", object_id=str(rule_set.pk))
        created = events.get(kind=AuditEvent.Kind.CREATE)
        self.assertEqual(created.actor, self.p.org_admin)
        self.assertEqual(events.get(event=audit.Events.TRAINING_RECOMPUTE).detail["reason"], "first_use")
        rows = dict(CreditYear.objects.filter(year=today.year).values_list("person_id", "credits_earned"))
        self.assertEqual(rows, {self.p.cadre.pk: d(6), self.p.dave.pk: d(0)})
