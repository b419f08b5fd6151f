"""The online academy's import: a good file adds online entries whose 学时 follow the tiers (45 min → 1 学时,
20 → 0.5, 10 → 0.25); the same file twice adds nothing; one bad row refuses the whole file, every bad row
listed and nothing written; only the 干部教育科 may import; 500 rows take a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from zugong.core import idnumber
from zugong.core.models import AuditEvent
from zugong.core.testing import create_person
from zugong.people.choices import Rank
from zugong.people.models import CadreRecord

from .. import services_import as si
from ..models import Category, CreditEntry, CreditRuleSet, ImportBatch, Source
from .base import YEAR, TrainingTestCase, d, summary

DAY = dt.date(YEAR, 3, 1)


def xlsx(rows, headers=None, title="Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers or si.HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def line(person, course="网络课程", minutes=45, date=DAY, name=None, id_number=None):
    return [name or person.name, id_number or person.reveal_id_number(), course, minutes, date]


class ImportCase(TrainingTestCase):
    def run_file(self, data, user=None):
        return si.run_import(actor=user or self.p.org_admin, data=data, file_name="网络学院.xlsx")

    def check_file(self, data, user=None):
        return si.check_workbook(actor=user or self.p.org_admin, data=data, file_name="网络学院.xlsx")

    def counts(self):
        return CreditEntry.objects.count(), AuditEvent.objects.count(), ImportBatch.objects.count()


class GoodFileTest(ImportCase):
    def good_file(self):
        c, dave = self.p.cadre, self.p.dave
        return xlsx(
            [
                line(c, "党的二十大精神专题", 45),
                line(c, "党史学习教育", 20, dt.date(YEAR, 4, 2)),
                line(c, "廉政警示教育", 10, "2025/5/3"),
                line(dave, "党的二十大精神专题", "45"),
            ]
        )

    def test_it_checks_first_and_writes_nothing(self):
        before = self.counts()
        check = self.check_file(self.good_file())
        self.assertEqual((check.rows, check.new, check.existing, check.issues), (4, 4, 0, []))
        self.assertEqual(check.years, {YEAR})
        self.assertEqual(self.counts(), before)

    def test_it_adds_online_entries_with_the_tier_hours(self):
        entries = CreditEntry.objects.count()
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        batch = self.run_file(self.good_file())
        self.assertEqual((batch.rows, batch.added, batch.skipped), (4, 4, 0))
        self.assertEqual(batch.org, self.p.district)
        self.assertEqual(batch.imported_by, self.p.org_admin)
        hours = dict(CreditEntry.objects.filter(person=self.p.cadre).values_list("title", "credited_hours"))
        self.assertEqual(
            hours, {"党的二十大精神专题": d(1), "党史学习教育": d("0.5"), "廉政警示教育": d("0.25")}
        )
        for e in CreditEntry.objects.filter(batch=batch):
            self.assertEqual((e.category, e.source, e.hours), (Category.ONLINE, Source.IMPORT, d(0)))
            self.assertEqual(len(e.source_key), 64)
            self.assertEqual(e.online_hours, e.credited_hours)
        self.assertEqual(summary(self.p.cadre).online_hours, d("1.75"))
        self.assertEqual(summary(self.p.cadre).credits_earned, d("1.75"))  # 1 credit a 学时
        self.assertEqual(summary(self.p.dave).online_hours, d(1))
        self.assertEqual(CreditEntry.objects.get(person=self.p.dave).minutes, d("45.00"))
        self.assertEqual(CreditEntry.objects.count(), entries + 4)
        new_events = AuditEvent.objects.filter(pk__gt=last)
        self.assertEqual(new_events.filter(event="import", object_id=str(batch.pk)).count(), 1)
        self.assertEqual(new_events.filter(kind="create", object_type="training.creditentry").count(), 4)
        detail = new_events.get(event="import").detail
        self.assertEqual((detail["added"], detail["skipped"], detail["years"]), (4, 0, [YEAR]))

    def test_the_same_file_twice_adds_nothing(self):
        data = self.good_file()
        self.run_file(data)
        entries = CreditEntry.objects.count()
        online = summary(self.p.cadre).online_hours
        check = self.check_file(data)
        self.assertEqual((check.rows, check.new, check.existing), (4, 0, 4))
        again = self.run_file(data)
        self.assertEqual((again.rows, again.added, again.skipped), (4, 0, 4))
        self.assertEqual(CreditEntry.objects.count(), entries)
        self.assertEqual(summary(self.p.cadre).online_hours, online)
        self.assertFalse(CreditEntry.objects.filter(batch=again).exists())

    def test_rows_written_meanwhile_are_skipped_by_the_unique_key(self):
        # Another import wrote the rows after this one counted them: ON CONFLICT DO NOTHING skips them.
        data = self.good_file()
        self.run_file(data)
        entries = CreditEntry.objects.count()
        with mock.patch.object(si, "_check_existing", lambda plan: None):
            again = self.run_file(data)
        self.assertEqual((again.added, again.skipped), (0, 4))
        self.assertEqual(CreditEntry.objects.count(), entries)
        self.assertEqual(summary(self.p.cadre).online_hours, d("1.75"))

    def test_a_longer_export_adds_only_the_new_rows(self):
        self.run_file(self.good_file())
        more = xlsx(
            [
                line(self.p.cadre, "党的二十大精神专题", 45),
                line(self.p.cadre, "新质生产力", 30, dt.date(YEAR, 6, 1)),
            ]
        )
        batch = self.run_file(more)
        self.assertEqual((batch.added, batch.skipped), (1, 1))
        self.assertEqual(summary(self.p.cadre).online_hours, d("2.75"))

    def test_a_corrected_duration_does_not_count_the_course_twice(self):
        """Same person, course and date is the same course, also when a later export gives other minutes:
        skipped, not a second entry (45 min → 1 学时 stays; 20 min would have added 0.5)."""
        self.run_file(xlsx([line(self.p.cadre, "党的二十大精神专题", 45)]))
        batch = self.run_file(xlsx([line(self.p.cadre, "党的二十大精神专题", 20)]))
        self.assertEqual((batch.added, batch.skipped), (0, 1))
        self.assertEqual(CreditEntry.objects.filter(person=self.p.cadre).count(), 1)
        self.assertEqual(summary(self.p.cadre).online_hours, d(1))

    def test_it_reads_the_academys_own_layout(self):
        # Other column order, extra columns, ASCII brackets, a lowercase x and full-width digits, text cells.
        numbers = (idnumber.make("110101", dt.date(1975, 5, 5), seq) for seq in range(1, 999))
        x_cadre = create_person(
            id_number=next(n for n in numbers if n.endswith("X")),
            name="欧阳 明",
            birth_date=dt.date(1975, 5, 5),
            org=self.p.other_branch,
        )
        number = x_cadre.reveal_id_number()
        self.assertTrue(number.endswith("X"), "the persona needs an ID ending in X")
        x_cadre.is_district_cadre = True
        x_cadre.save(update_fields=["is_district_cadre"])
        CadreRecord.objects.create(person=x_cadre, rank=Rank.TOWNSHIP_DEPUTY, post="副主任")
        wide = str.maketrans("0123456789", "０１２３４５６７８９")
        headers = ["序号", "学习日期", "课程名称", "姓名", "学习时长(分钟)", "身份证号", "单位"]
        data = xlsx(
            [
                [1, "2025年3月1日", " 专题课 ", "欧阳明", "30分钟", number.lower(), "西城"],
                [
                    2,
                    "20250302",
                    "专题课二",
                    "陈志刚",
                    "15.5",
                    self.p.cadre.reveal_id_number().translate(wide),
                    "",
                ],
            ],
            headers=headers,
        )
        batch = self.run_file(data)
        self.assertEqual(batch.added, 2)
        entry = CreditEntry.objects.get(person=x_cadre)
        self.assertEqual((entry.title, entry.date, entry.minutes), ("专题课", DAY, d(30)))
        self.assertEqual(CreditEntry.objects.get(person=self.p.cadre).credited_hours, d("0.5"))

    def test_this_years_rules_are_made_when_missing(self):
        today = timezone.localdate()
        self.assertFalse(CreditRuleSet.objects.filter(year=today.year).exists())
        check = self.check_file(xlsx([line(self.p.cadre, date=today)]))
        self.assertEqual(check.issues, [])
        self.assertFalse(CreditRuleSet.objects.filter(year=today.year).exists())
        self.run_file(xlsx([line(self.p.cadre, date=today)]))
        self.assertTrue(CreditRuleSet.objects.filter(year=today.year, closed=False).exists())
        self.assertEqual(summary(self.p.cadre, today.year).online_hours, d(1))

    def test_five_hundred_rows_take_a_bounded_number_of_queries(self):
        rows = [
            line(person, f"课程{i:03d}", 10 + i % 50, dt.date(YEAR, 1 + i % 12, 1 + i % 28))
            for i in range(250)
            for person in (self.p.cadre, self.p.dave)
        ]
        data = xlsx(rows)
        user = type(self.p.org_admin).objects.get(pk=self.p.org_admin.pk)  # no grants cached
        with CaptureQueriesContext(connection) as ctx:
            batch = si.run_import(actor=user, data=data, file_name="500.xlsx")
        self.assertEqual(batch.added, 500)
        print(f"{connection.vendor}: {len(ctx.captured_queries)} queries for 500 rows")
        self.assertLess(len(ctx.captured_queries), 40, f"{len(ctx.captured_queries)} queries")
        self.assertEqual(
            AuditEvent.objects.filter(kind="create", object_type="training.creditentry").count(), 500
        )
        self.assertEqual(summary(self.p.cadre).entries, 250)

    def test_lookups_and_inserts_go_in_chunks(self):
        rows = [
            line(p, f"课程{i}", 30, dt.date(YEAR, 5, 1 + i % 28))
            for i in range(30)
            for p in (self.p.cadre, self.p.dave)
        ]
        with mock.patch.object(si, "CHUNK", 7), mock.patch.object(si, "INSERT_BATCH", 9):
            first = self.run_file(xlsx(rows[:40]))
            second = self.run_file(xlsx(rows))
        self.assertEqual((first.added, second.added, second.skipped), (40, 20, 40))
        self.assertEqual(CreditEntry.objects.filter(source=Source.IMPORT).count(), 60)
        self.assertEqual(summary(self.p.dave).online_hours, d(30))


class WhoTest(ImportCase):
    def test_only_the_training_office_may_import(self):
        data = xlsx([line(self.p.cadre)])
        for user in (
            self.p.other_secretary,
            self.p.committee_secretary,
            self.p.branch_secretary,
            self.p.cadre_user,
            self.p.member,
            self.p.sysadmin,
        ):
            with self.subTest(user=user.username):
                with self.assertRaises(PermissionDenied):
                    self.run_file(data, user)
                with self.assertRaises(PermissionDenied):
                    self.check_file(data, user)
        self.assertFalse(CreditEntry.objects.exists())
        self.assertFalse(ImportBatch.objects.exists())
