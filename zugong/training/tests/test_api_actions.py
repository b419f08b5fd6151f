"""The office's actions through the API: the online academy's import (45 min → 1 学时 and 20 min → 0.5; the
same file again adds nothing; a bad row refuses the file with every problem listed and nothing written; only
the 干部教育科) and the 催学 reminders (Q3/Q4, only cadres behind, only in the sender's scope)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from .. import ledger
from ..models import CreditEntry, ImportBatch, Reminder
from .base import TrainingTestCase, d, summary
from .test_import import line, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ApiCase(TrainingTestCase):
    def setUp(self):
        self.api = APIClient()

    def as_user(self, user):
        self.api.force_authenticate(user)
        return self.api


class ImportApiTest(ApiCase):
    def upload(self, data, user=None):
        file = SimpleUploadedFile("网络学院.xlsx", data, content_type=XLSX)
        return self.as_user(user or self.p.org_admin).post(
            reverse("api-training-import-list"), {"file": file}, format="multipart"
        )

    def test_a_good_file_adds_online_hours_once(self):
        data = xlsx([line(self.p.cadre, "党史专题", 45), line(self.p.cadre, "廉政教育", 20)])
        response = self.upload(data)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["rows"], response.json()["added"]), (2, 2))
        self.assertEqual(summary(self.p.cadre).online_hours, d("1.5"))
        again = self.upload(data)
        self.assertEqual(again.status_code, 201)
        self.assertEqual((again.json()["added"], again.json()["skipped"]), (0, 2))
        self.assertEqual(CreditEntry.objects.count(), 2)
        listed = self.as_user(self.p.org_admin).get(reverse("api-training-import-list")).json()
        self.assertEqual(listed["count"], 2)

    def test_a_bad_row_refuses_the_file_and_lists_every_problem(self):
        data = xlsx([
            line(self.p.cadre, "党史专题", 45),
            line(self.p.cadre, "", 45),
            line(self.p.cadre, "廉政教育", -5),
        ])  # fmt: skip
        response = self.upload(data)
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertIn("未导入任何记录", body["detail"])
        self.assertEqual(sorted({i["row"] for i in body["issues"]}), [3, 4])
        self.assertEqual((CreditEntry.objects.count(), ImportBatch.objects.count()), (0, 0))

    def test_only_the_office_imports(self):
        data = xlsx([line(self.p.cadre, "党史专题", 45)])
        for user in (self.p.committee_secretary, self.p.branch_secretary, self.p.cadre_user, self.p.sysadmin):
            with self.subTest(user=user.username):
                self.assertEqual(self.upload(data, user).status_code, 403)
                response = self.as_user(user).get(reverse("api-training-import-list"))
                self.assertEqual(response.status_code, 403)
        self.assertFalse(CreditEntry.objects.exists())

    def test_a_file_that_is_not_excel_is_refused(self):
        response = self.upload(b"not a workbook")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(CreditEntry.objects.exists())


class ReminderApiTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.year = timezone.localdate().year
        ledger.ensure_rule_set(cls.year)
        ledger.recompute(cls.year)

    def send(self, user, ids, **extra):
        return self.as_user(user).post(
            reverse("api-training-reminder-list"),
            {"year": self.year, "person_ids": ids, **extra},
            format="json",
        )

    def test_it_reminds_a_cadre_behind_in_the_third_quarter(self):
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(self.year, 7, 1)):
            response = self.send(self.p.committee_secretary, [self.p.cadre.pk], channel="phone")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json(), {"sent": 1})
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.person, reminder.channel), (self.p.cadre, "phone"))
        listed = self.as_user(self.p.committee_secretary).get(reverse("api-training-reminder-list")).json()
        self.assertEqual([r["person_name"] for r in listed["results"]], ["陈志刚"])
        other = self.as_user(self.p.other_secretary).get(reverse("api-training-reminder-list")).json()
        self.assertEqual(other["count"], 0)

    def test_it_sends_nothing_before_july(self):
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(self.year, 6, 30)):
            response = self.send(self.p.committee_secretary, [self.p.cadre.pk])
        self.assertEqual(response.status_code, 400)
        self.assertIn("第三、四季度", str(response.json()))
        self.assertFalse(Reminder.objects.exists())

    def test_it_refuses_a_cadre_outside_the_senders_scope(self):
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(self.year, 9, 1)):
            response = self.send(self.p.committee_secretary, [self.p.cadre.pk, self.p.dave.pk])
            member = self.send(self.p.cadre_user, [self.p.cadre.pk])
        self.assertEqual(response.status_code, 403)
        self.assertEqual(member.status_code, 403)
        self.assertFalse(Reminder.objects.exists())
