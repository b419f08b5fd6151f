"""The catalogue pages: the list (search, filters, export), create / edit / archive an activity, the
attendance page, and a cadre's manual entries. 陈志刚 (县处级副职, 东城) attends a five-day 党校 class: 5 × 6 =
30 credits and 5 × 7.5 = 37.5 学时. Every write goes through the services and leaves audit rows; another
branch's secretary sees none of his records and cannot record him."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from zugong.core.models import AuditEvent

from ..models import Activity, Category, CreditEntry, Source
from .base import YEAR, TrainingTestCase, add_entry, d, summary


def body(response) -> str:
    return response.content.decode()


def audit_rows(model: str, kind=AuditEvent.Kind.CREATE) -> int:
    return AuditEvent.objects.filter(object_type=f"training.{model}", kind=kind).count()


class CatalogueTestCase(TrainingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.party_school = Activity.objects.create(
            title="2025年春季中青年干部培训班",
            category=Category.PARTY_SCHOOL,
            organizer="区委党校",
            org=p.district,
            start_date=dt.date(YEAR, 3, 3),
            end_date=dt.date(YEAR, 3, 7),
            days=d(5),
        )
        cls.west_lecture = Activity.objects.create(
            title="西城街道专题讲座",
            category=Category.LECTURE,
            organizer="西城街道党工委",
            org=p.other_branch,
            start_date=dt.date(YEAR, 4, 10),
            end_date=dt.date(YEAR, 4, 10),
        )

    def activity_data(self, **overrides) -> dict:
        data = {
            "title": "网络专题班",
            "category": Category.PARTY_SCHOOL,
            "organizer": "区委组织部",
            "org": self.p.district.pk,
            "start_date": f"{YEAR}-05-12",
            "end_date": f"{YEAR}-05-14",
            "days": "3",
            "hours": "",
            "minutes": "",
            "hours_taught": "",
            "level": "",
            "location": "区委党校",
            "note": "",
        }
        data.update(overrides)
        return data


class PagesRenderTest(CatalogueTestCase):
    def test_it_renders_every_page_for_the_training_office(self):
        entry = add_entry(self.p.cadre, category=Category.LECTURE, items=1)
        self.login(self.p.org_admin)
        pk = self.party_school.pk
        for url in (
            reverse("training:activities"),
            reverse("training:activity_create"),
            reverse("training:activity", args=[pk]),
            reverse("training:activity_edit", args=[pk]),
            reverse("training:activity_archive", args=[pk]),
            reverse("training:activity_attendance", args=[pk]),
            reverse("training:entry_add", args=[self.p.cadre.pk]),
            reverse("training:entry_archive", args=[entry.pk]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn("培训", body(response))

    def test_it_refuses_a_plain_member_a_cadre_and_the_three_officers(self):
        for user in (self.p.member, self.p.cadre_user, self.p.sysadmin, self.p.secadmin, self.p.auditor):
            self.login(user)
            for url in (
                reverse("training:activities"),
                reverse("training:activity_create"),
                reverse("training:activity", args=[self.party_school.pk]),
                reverse("training:activity_attendance", args=[self.party_school.pk]),
                reverse("training:entry_add", args=[self.p.cadre.pk]),
            ):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)


class CatalogueListTest(CatalogueTestCase):
    def test_it_searches_title_and_organizer_and_filters_category_and_year(self):
        self.login(self.p.org_admin)
        url = reverse("training:activities")
        text = body(self.client.get(url, {"q": "党校"}))
        self.assertIn("2025年春季中青年干部培训班", text)
        self.assertNotIn("西城街道专题讲座", text)
        text = body(self.client.get(url, {"category": Category.LECTURE}))
        self.assertIn("西城街道专题讲座", text)
        self.assertNotIn("中青年干部培训班", text)
        self.assertNotIn("中青年干部培训班", body(self.client.get(url, {"year": YEAR - 1})))

    def test_every_sort_link_keeps_the_rows(self):
        """Clicking a column twice sorts it the other way (sort=-title): the rows stay, in reverse order."""
        self.login(self.p.org_admin)
        url = reverse("training:activities")
        for sort in ("date", "-date", "title", "-title", "category", "-category"):
            with self.subTest(sort):
                response = self.client.get(url, {"sort": sort})
                self.assertEqual(response.context["page"].paginator.count, 2, sort)
        first = self.client.get(url, {"sort": "title"}).context["page"].object_list[0].pk
        last = self.client.get(url, {"sort": "-title"}).context["page"].object_list[1].pk
        self.assertEqual(first, last)

    def test_it_shows_nothing_and_says_why_for_a_bad_year(self):
        self.login(self.p.org_admin)
        text = body(self.client.get(reverse("training:activities"), {"year": "二〇二五"}))
        self.assertIn("筛选条件有误", text)
        self.assertNotIn("中青年干部培训班", text)

    def test_it_shows_a_branch_secretary_only_their_subtree(self):
        self.login(self.p.other_secretary)
        text = body(self.client.get(reverse("training:activities")))
        self.assertIn("西城街道专题讲座", text)
        self.assertNotIn("中青年干部培训班", text)

    def test_it_exports_the_filtered_list_and_audits_it(self):
        self.login(self.p.org_admin)
        response = self.client.get(reverse("training:activities_export"), {"q": "党校"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response["Content-Type"])
        self.assertTrue(
            AuditEvent.objects.filter(event="export", detail__what="training.activities").exists()
        )


class ActivityWriteTest(CatalogueTestCase):
    def test_it_creates_an_activity_through_the_service(self):
        self.login(self.p.org_admin)
        before = audit_rows("activity")
        response = self.client.post(reverse("training:activity_create"), self.activity_data())
        activity = Activity.objects.get(title="网络专题班")
        self.assertRedirects(response, reverse("training:activity", args=[activity.pk]))
        self.assertEqual(activity.days, d(3))
        self.assertEqual(activity.created_by, self.p.org_admin)
        self.assertEqual(audit_rows("activity"), before + 1)

    def test_it_refuses_an_end_before_the_start_in_chinese(self):
        self.login(self.p.org_admin)
        data = self.activity_data(start_date=f"{YEAR}-05-14", end_date=f"{YEAR}-05-12")
        response = self.client.post(reverse("training:activity_create"), data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("结束日期不能早于开始日期", body(response))
        self.assertFalse(Activity.objects.filter(title="网络专题班").exists())

    def test_it_asks_a_per_day_category_for_its_days(self):
        self.login(self.p.org_admin)
        response = self.client.post(reverse("training:activity_create"), self.activity_data(days=""))
        self.assertIn("按天计分，请填写天数", body(response))
        response = self.client.post(reverse("training:activity_create"), self.activity_data(days="4"))
        self.assertIn("天数不能超过起止日期之间的 3 天", body(response))
        self.assertFalse(Activity.objects.filter(title="网络专题班").exists())

    def test_it_keeps_a_branch_secretary_out_of_the_district_catalogue(self):
        self.login(self.p.other_secretary)
        response = self.client.post(reverse("training:activity_create"), self.activity_data())
        self.assertEqual(response.status_code, 200)
        self.assertIn("请选择您授权范围内的党组织", body(response))
        response = self.client.post(
            reverse("training:activity_create"), self.activity_data(org=self.p.other_branch.pk)
        )
        self.assertEqual(Activity.objects.get(title="网络专题班").org, self.p.other_branch)
        self.assertEqual(response.status_code, 302)

    def test_it_edits_an_activity_and_its_attendance_follows(self):
        self.login(self.p.org_admin)
        self.client.post(
            reverse("training:activity_attendance", args=[self.party_school.pk]),
            {"person": [self.p.cadre.pk]},
        )
        data = self.activity_data(
            title="2025年春季中青年干部培训班（延长）",
            start_date=f"{YEAR}-03-03",
            end_date=f"{YEAR}-03-10",
            days="6",
        )
        response = self.client.post(reverse("training:activity_edit", args=[self.party_school.pk]), data)
        self.assertRedirects(response, reverse("training:activity", args=[self.party_school.pk]))
        entry = CreditEntry.objects.get(activity=self.party_school, person=self.p.cadre)
        self.assertEqual(entry.title, "2025年春季中青年干部培训班（延长）")
        self.assertEqual(summary(self.p.cadre).credits_earned, d(36))  # 6 days × 6
        self.assertEqual(audit_rows("activity", AuditEvent.Kind.UPDATE), 1)

    def test_it_archives_only_with_a_reason(self):
        self.login(self.p.org_admin)
        url = reverse("training:activity_archive", args=[self.party_school.pk])
        response = self.client.post(url, {"reason": "  "})
        self.assertIn("请填写归档原因", body(response))
        self.party_school.refresh_from_db()
        self.assertIsNone(self.party_school.archived_at)
        response = self.client.post(url, {"reason": "重复录入"})
        self.assertRedirects(response, reverse("training:activities"))
        self.party_school.refresh_from_db()
        self.assertEqual(self.party_school.archived_reason, "重复录入")
        self.assertEqual(audit_rows("activity", AuditEvent.Kind.ARCHIVE), 1)

    def test_it_keeps_other_branches_from_editing_the_district_class(self):
        self.login(self.p.other_secretary)
        for name in ("activity", "activity_edit", "activity_archive", "activity_attendance"):
            with self.subTest(name=name):
                response = self.client.get(reverse(f"training:{name}", args=[self.party_school.pk]))
                self.assertEqual(response.status_code, 404)


class AttendanceTest(CatalogueTestCase):
    def test_it_records_attendance_and_recomputes_the_cadre(self):
        self.login(self.p.org_admin)
        url = reverse("training:activity_attendance", args=[self.party_school.pk])
        self.assertIn("陈志刚", body(self.client.get(url, {"q": "陈"})))
        response = self.client.post(url, {"person": [self.p.cadre.pk]})
        self.assertRedirects(response, reverse("training:activity", args=[self.party_school.pk]))
        entry = CreditEntry.objects.get(activity=self.party_school, person=self.p.cadre)
        self.assertEqual(entry.source, Source.ATTENDANCE)
        self.assertEqual(entry.credits, d(30))  # 5 days × 6
        self.assertEqual(entry.credited_hours, d("37.5"))  # 5 days × 7.5
        self.assertEqual(summary(self.p.cadre).credits_earned, d(30))
        self.assertEqual(audit_rows("creditentry"), 1)
        # Again: already recorded, nothing added.
        self.client.post(url, {"person": [self.p.cadre.pk]})
        self.assertEqual(CreditEntry.objects.filter(activity=self.party_school).count(), 1)

    def test_it_lets_the_committee_secretary_record_their_cadre(self):
        committee_class = Activity.objects.create(
            title="东城街道中心组学习",
            category=Category.CENTRAL_GROUP,
            organizer="东城街道党工委",
            org=self.p.committee,
            start_date=dt.date(YEAR, 5, 8),
            end_date=dt.date(YEAR, 5, 8),
        )
        self.login(self.p.committee_secretary)
        url = reverse("training:activity_attendance", args=[committee_class.pk])
        text = body(self.client.get(url))
        self.assertIn("陈志刚", text)
        self.assertNotIn("赵立新", text)
        self.client.post(url, {"person": [self.p.cadre.pk]})
        self.assertEqual(summary(self.p.cadre).credits_earned, d(3))  # one session × 3

    def test_it_refuses_another_branch_recording_chen(self):
        self.login(self.p.other_secretary)
        url = reverse("training:activity_attendance", args=[self.west_lecture.pk])
        self.assertNotIn("陈志刚", body(self.client.get(url)))
        response = self.client.post(url, {"person": [self.p.cadre.pk]})
        self.assertEqual(response.status_code, 200)
        self.assertIn("不是您授权范围内的区管干部", body(response))
        self.assertFalse(CreditEntry.objects.filter(person=self.p.cadre).exists())

    def test_it_asks_for_someone_to_be_ticked(self):
        self.login(self.p.org_admin)
        response = self.client.post(reverse("training:activity_attendance", args=[self.party_school.pk]))
        self.assertIn("请勾选参加培训的干部", body(response))


class EntryTest(CatalogueTestCase):
    def entry_data(self, **overrides) -> dict:
        data = {
            "category": Category.TEACHING,
            "title": "为区委党校主体班授课",
            "date": f"{YEAR}-06-18",
            "days": "",
            "hours": "",
            "minutes": "",
            "hours_taught": "3",
            "level": "",
            "items": "1",
        }
        data.update(overrides)
        return data

    def test_it_adds_a_manual_entry_for_the_cadre(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(reverse("training:entry_add", args=[self.p.cadre.pk]), self.entry_data())
        self.assertRedirects(
            response, reverse("training:cadre", args=[self.p.cadre.pk]), fetch_redirect_response=False
        )
        entry = CreditEntry.objects.get(person=self.p.cadre)
        self.assertEqual((entry.source, entry.credits), (Source.MANUAL, d(15)))  # 3 hours taught × 5
        self.assertEqual(summary(self.p.cadre).credits_earned, d(15))
        self.assertEqual(audit_rows("creditentry"), 1)

    def test_it_refuses_teaching_without_hours_taught(self):
        self.login(self.p.org_admin)
        response = self.client.post(
            reverse("training:entry_add", args=[self.p.cadre.pk]), self.entry_data(hours_taught="")
        )
        self.assertIn("按授课学时计分，请填写授课学时", body(response))
        response = self.client.post(
            reverse("training:entry_add", args=[self.p.cadre.pk]), self.entry_data(hours_taught="-1")
        )
        self.assertIn("不能为负数", body(response))
        self.assertFalse(CreditEntry.objects.exists())

    def test_it_hides_chen_from_another_branch(self):
        entry = add_entry(self.p.cadre, category=Category.LECTURE)
        self.login(self.p.other_secretary)
        self.assertEqual(
            self.client.get(reverse("training:entry_add", args=[self.p.cadre.pk])).status_code, 404
        )
        response = self.client.post(reverse("training:entry_add", args=[self.p.cadre.pk]), self.entry_data())
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.get(reverse("training:entry_archive", args=[entry.pk])).status_code, 404)
        response = self.client.post(reverse("training:entry_archive", args=[entry.pk]), {"reason": "错录"})
        self.assertEqual(response.status_code, 404)
        entry.refresh_from_db()
        self.assertIsNone(entry.archived_at)
        self.assertEqual(CreditEntry.objects.filter(person=self.p.cadre).count(), 1)

    def test_it_hides_zhao_from_the_committee_secretary(self):
        self.login(self.p.committee_secretary)
        self.assertEqual(
            self.client.get(reverse("training:entry_add", args=[self.p.dave.pk])).status_code, 404
        )

    def test_it_refuses_a_person_who_is_not_a_district_cadre(self):
        self.login(self.p.org_admin)
        self.assertEqual(
            self.client.get(reverse("training:entry_add", args=[self.p.alice.pk])).status_code, 404
        )

    def test_it_withdraws_an_entry_with_a_reason_and_recomputes(self):
        entry = add_entry(self.p.cadre, category=Category.LECTURE)
        self.recompute()
        self.assertEqual(summary(self.p.cadre).credits_earned, d(2))
        self.login(self.p.committee_secretary)
        url = reverse("training:entry_archive", args=[entry.pk])
        response = self.client.post(url, {"reason": ""})
        self.assertIn("请填写撤销原因", body(response))
        response = self.client.post(url, {"reason": "重复录入", "next": "https://evil.example/"})
        self.assertRedirects(
            response, reverse("training:cadre", args=[self.p.cadre.pk]), fetch_redirect_response=False
        )
        entry.refresh_from_db()
        self.assertEqual(entry.archived_reason, "重复录入")
        self.assertEqual(summary(self.p.cadre).credits_earned, d(0))
        self.assertEqual(audit_rows("creditentry", AuditEvent.Kind.ARCHIVE), 1)
