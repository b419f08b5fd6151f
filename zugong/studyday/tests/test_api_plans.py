"""Staff API of study plans and their dates, the working-day calendar (the 组织部's alone to write) and the
attendance report: the rules, the audit rows, bad input refused in Chinese with nothing changed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from zugong.core.models import AuditEvent, WorkdayOverride

from .. import services_attendance
from ..models import PlanItem, StudyPlan
from .fixtures_sessions import audit_count, audit_rows, ended_session
from .test_api_sessions import ApiCase

NATIONAL_DAY = [(dt.date(2026, 10, d), "holiday", "国庆节") for d in range(1, 8)]


class PlanApiTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for date, kind, name in NATIONAL_DAY:
            WorkdayOverride.objects.create(date=date, kind=kind, name=name)

    def create(self, user=None, **over):
        body = {"org": self.p.branch.pk, "year": 2026, "quarter": 4, **over}
        return self.post(user or self.p.branch_secretary, "api-studyday-plan-list", body=body)

    def test_create_generates_the_dates_and_audits(self):
        response = self.create()
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(
            (data["title"], data["period_label"]),
            ("东城社区第一党支部2026年第4季度学习计划", "2026年第4季度"),
        )
        dates = [item["date"] for item in data["items"]]
        self.assertEqual(len(dates), 13)  # 14 Thursdays; 10-01 falls on 国庆 and merges into 10-08
        self.assertEqual(dates[:2], ["2026-10-08", "2026-10-15"])
        plan = StudyPlan.objects.get()
        self.assertEqual(audit_rows(plan, kind="create").get().detail, {"dates": 13})
        self.assertEqual(
            AuditEvent.objects.filter(object_type="studyday.planitem", kind="create").count(), 13
        )
        listing = self.get(self.p.committee_secretary, "api-studyday-plan-list").json()["results"]
        self.assertEqual([(r["id"], r["items_count"]) for r in listing], [(plan.pk, 13)])
        self.assertEqual(
            self.get(self.p.branch_secretary, "api-studyday-plan-list", query="?year=2025").json()["count"], 0
        )
        detail = self.get(self.p.branch_secretary, "api-studyday-plan-detail", plan.pk).json()
        self.assertEqual(len(detail["items"]), 13)

    def test_bad_input_is_400_and_writes_nothing(self):
        self.create()
        before = (StudyPlan.objects.count(), PlanItem.objects.count(), audit_count())
        for over, text in (({"year": 1999}, "年度应在 2000 至 2100 之间"), ({"quarter": 5}, "季度应在 1 至 4 之间"),
                           ({"weekday": 6}, "学习日（星期几）应在 1 至 5 之间"), ({"year": "明年"}, "请填写合法的整数值"),
                           ({}, "已有2026年第4季度的学习计划")):  # fmt: skip
            with self.subTest(over=over):
                self.assertRefused(self.create(**over), 400, text)
        self.assertEqual((StudyPlan.objects.count(), PlanItem.objects.count(), audit_count()), before)

    def test_item_update(self):
        plan = StudyPlan.objects.get(pk=self.create().json()["id"])
        item = plan.items.first()
        url = reverse("api-studyday-plan-item-detail", args=[item.pk])
        response = self.as_(self.p.branch_secretary).patch(url, {"topic": "学习党章第一章"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["topic"], response.json()["date"]), ("学习党章第一章", "2026-10-08")
        )
        self.assertEqual(audit_rows(item, kind="update").get().after, {"topic": "学习党章第一章"})
        moved = self.as_(self.p.branch_secretary).put(url, {"date": "2026-10-09"}, format="json")
        self.assertEqual((moved.json()["date"], moved.json()["topic"], moved.json()["moved"]),
                         ("2026-10-09", "学习党章第一章", True))  # fmt: skip
        before = audit_count()
        bad = self.as_(self.p.branch_secretary).patch(url, {"date": "2027-01-07"}, format="json")
        self.assertRefused(bad, 400, "学习日期应在计划期内（2026-10-01 至 2026-12-31）")
        self.assertRefused(self.as_(self.p.branch_secretary).patch(url, {"date": "十月"}, format="json"),
                           400, "日期格式错误")  # fmt: skip
        self.assertEqual(
            (PlanItem.objects.get(pk=item.pk).date, audit_count()), (dt.date(2026, 10, 9), before)
        )
        listing = self.get(self.p.branch_secretary, "api-studyday-plan-item-list", query=f"?plan={plan.pk}")
        self.assertEqual(listing.json()["count"], 13)


class WorkdayApiTest(ApiCase):
    def test_only_the_district_office_writes_the_calendar(self):
        body = {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}
        for user in (self.p.committee_secretary, self.p.branch_secretary):
            self.assertRefused(self.post(user, "api-studyday-workday-list", body=body), 403, "只有区委组织部")
        self.assertRefused(
            self.post(self.p.member, "api-studyday-workday-list", body=body), 403, "没有办理学习日"
        )
        self.assertFalse(WorkdayOverride.objects.exists())
        response = self.post(self.p.org_admin, "api-studyday-workday-list", body=body)
        self.assertEqual((response.status_code, response.json()["kind_display"]), (201, "法定节假日（休）"))
        row = WorkdayOverride.objects.get()
        self.assertEqual(audit_rows(row, kind="create").count(), 1)
        listing = self.get(self.p.branch_secretary, "api-studyday-workday-list", query="?year=2026").json()
        self.assertEqual([r["date"] for r in listing["results"]], ["2026-10-01"])
        self.assertEqual(self.get(self.p.member, "api-studyday-workday-list").status_code, 403)
        url = reverse("api-studyday-workday-detail", args=[row.pk])
        self.assertEqual(self.as_(self.p.committee_secretary).delete(url).status_code, 403)
        self.assertEqual(self.as_(self.p.org_admin).delete(url).status_code, 204)
        self.assertFalse(WorkdayOverride.objects.exists())
        self.assertEqual(
            AuditEvent.objects.filter(object_type="core.workdayoverride", kind="delete").count(), 1
        )

    def test_bad_days_are_refused(self):
        before = audit_count()
        for body, text in (({"date": "2026-10-01", "kind": "day_off", "name": "国庆节"}, "类型应为"),
                           ({"date": "2026-09-28", "kind": "workday", "name": "调休"}, "本是工作日，无需设为调休上班"),
                           ({"date": "2026-02-30", "kind": "holiday", "name": "春节"}, "日期格式错误"),
                           ({"date": "2026-10-01", "kind": "holiday", "name": ""}, "不能为空")):  # fmt: skip
            with self.subTest(body=body):
                self.assertRefused(
                    self.post(self.p.org_admin, "api-studyday-workday-list", body=body), 400, text
                )
        self.assertEqual((WorkdayOverride.objects.count(), audit_count()), (0, before))

    def test_import_numbers_the_bad_lines_and_saves_nothing(self):
        text = "2026-10-01 休 国庆节\n2026-10-02 放假\n\n2026-09-28 班 调休\n2026-02-30 休 春节"
        response = self.post(self.p.org_admin, "api-studyday-workday-import", body={"text": text})
        self.assertRefused(response, 400, "第 2 行格式不对")
        for part in ("第 4 行 2026-09-28 本是工作日", "第 5 行日期不存在"):
            self.assertIn(part, response.content.decode())
        self.assertFalse(WorkdayOverride.objects.exists())
        good = "2026-10-01 休 国庆节\n2026-09-27 班 国庆节调休\n2026-10-10 班"
        self.assertRefused(self.post(self.p.committee_secretary, "api-studyday-workday-import", body={"text": good}),
                           403, "只有区委组织部")  # fmt: skip
        response = self.post(self.p.org_admin, "api-studyday-workday-import", body={"text": good})
        self.assertEqual((response.status_code, response.json()), (201, {"saved": 3}))
        self.assertEqual(WorkdayOverride.objects.get(date=dt.date(2026, 10, 10)).name, "调休上班")


class AttendanceReportApiTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        for n, status in enumerate(("present", "present", "late", "leave")):
            s = ended_session(p.branch_secretary, p.branch, days_ago=10 + n, person_ids=[p.alice.pk])
            services_attendance.mark_attendance(
                actor=p.branch_secretary, session=s, marks={p.alice.pk: status}
            )
        ended_session(p.other_secretary, p.other_branch, days_ago=10)  # dave, absent

    def test_rates_by_org_and_by_member(self):
        data = self.get(self.p.committee_secretary, "api-studyday-attendance-report-list").json()
        self.assertEqual(data["count"], 1)
        row = data["results"][0]
        self.assertEqual(
            {k: row[k] for k in ("org_name", "sessions", "expected", "present", "late", "leave", "absent", "rate")},
            {"org_name": "东城社区第一党支部", "sessions": 4, "expected": 4, "present": 2, "late": 1, "leave": 1,
             "absent": 0, "rate": "75.0"},
        )  # fmt: skip
        people = self.get(self.p.branch_secretary, "api-studyday-attendance-report-people").json()["results"]
        self.assertEqual(
            [(r["name"], r["expected"], r["attended"], r["rate"]) for r in people], [("王小红", 4, 3, "75.0")]
        )
        other = self.get(self.p.other_secretary, "api-studyday-attendance-report-list").json()["results"]
        self.assertEqual([(r["org_name"], r["rate"]) for r in other], [("西城社区党支部", "0.0")])

    def test_the_period_and_the_org(self):
        today = timezone.localdate()
        query = f"?date_from={today - dt.timedelta(days=11)}&date_to={today}"
        people = self.get(
            self.p.branch_secretary, "api-studyday-attendance-report-people", query=query
        ).json()
        self.assertEqual((people["results"][0]["expected"], people["date_to"]), (2, str(today)))
        by_org = self.get(
            self.p.org_admin, "api-studyday-attendance-report-list", query=f"?org={self.p.other_committee.pk}"
        )
        self.assertEqual([r["org_name"] for r in by_org.json()["results"]], ["西城社区党支部"])
        for query, code, text in (("?date_from=2026-13-01", 400, "应为 2026-01-31 这样的日期"),
                                  ("?date_from=2026-05-01&date_to=2026-04-01", 400, "截止日期不能早于起始日期"),
                                  (f"?org={self.p.branch.pk}", 404, "不存在或不在您的授权范围内"),
                                  ("?org=abc", 400, "党组织编号不正确")):  # fmt: skip
            with self.subTest(query=query):
                response = self.get(
                    self.p.other_secretary, "api-studyday-attendance-report-list", query=query
                )
                self.assertRefused(response, code, text)

    def test_members_and_the_three_admins_get_403(self):
        for user in (self.p.member, self.p.auditor, self.p.sysadmin):
            for name in ("api-studyday-attendance-report-list", "api-studyday-attendance-report-people"):
                self.assertEqual(self.get(user, name).status_code, 403, (user, name))
