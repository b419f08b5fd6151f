"""学习计划执行 (``selectors_adherence.adherence``): a plan date that has passed is 已落实 when a session that is
not cancelled was registered for it (even held on another day), or when the organization held a 学习日 on that
local day; a cancelled one, another kind of session or another organization's 学习日 does not count; today and
later are 待开展; an active 党支部 without a plan is 未制定计划; archived plans do not count; the same number of
queries whatever the number of organizations; scope; the page, its Excel export and the API."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services
from ..models import PlanItem, StudyPlan
from ..selectors_adherence import adherence, filter_rows
from .test_checks_base import at, session

AS_OF = at(2026, 11, 20, 9, 0)  # a Friday morning: 19 November is the last date that has passed


class AdherenceTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.plan = services.create_plan(actor=p.org_admin, org=p.branch, year=2026, quarter=4)
        cls.items = {i.date: i for i in PlanItem.objects.filter(plan=cls.plan)}
        linked = session(p.branch, "study_day", at(2026, 10, 16))  # the 15th's study day, held a day late
        linked.plan_item = cls.items[dt.date(2026, 10, 15)]
        linked.save(update_fields=["plan_item"])
        session(p.branch, "study_day", at(2026, 10, 8))
        session(p.branch, "study_day", at(2026, 10, 22), cancelled=True)
        session(p.branch, "party_lecture", at(2026, 10, 29))  # a 党课, not a 学习日
        session(p.branch, "study_day", at(2026, 11, 5, 0, 30))  # 00:30 local: still 4 November in UTC
        session(p.sibling_branch, "study_day", at(2026, 11, 12))  # another branch's
        session(p.branch, "study_day", at(2026, 11, 19, 14, 30))
        session(p.branch, "study_day", at(2026, 11, 26))  # registered ahead: not counted
        # The 党总支 has only an archived plan; the 机关党支部 has none.
        old = services.create_plan(actor=p.org_admin, org=p.general_branch, year=2026)
        services.archive_plan(actor=p.org_admin, plan=old, reason="计划重订")

    def report(self, user=None, org=None):
        return adherence(user or self.p.org_admin, 2026, as_of=AS_OF, org=org)

    def rows(self, report):
        return {r.name: r for r in report.rows}

    def test_the_plan_dates_of_the_fourth_quarter(self):
        # 1 October (国庆) has no study day of its own: it moves to 8 October, the next Thursday.
        self.assertEqual(len(self.items), 13)
        self.assertEqual(min(self.items), dt.date(2026, 10, 8))
        self.assertEqual(max(self.items), dt.date(2026, 12, 31))

    def test_four_of_seven_passed_dates_are_held(self):
        row = self.rows(self.report())["东城社区第一党支部"]
        self.assertEqual((row.planned, row.held, row.behind, row.upcoming), (7, 4, 3, 6))
        self.assertEqual(row.missed, [dt.date(2026, 10, 22), dt.date(2026, 10, 29), dt.date(2026, 11, 12)])
        self.assertEqual(
            (str(row.rate), row.status, row.missed_short), ("57.1", "未落实 3 次", "10-22、10-29、11-12")
        )
        self.assertTrue(row.is_behind)

    def test_which_organizations_are_listed(self):
        rows = self.rows(self.report())
        # Every active 党支部 (with a plan or not); the 党总支 only had an archived plan, the 党工委 none.
        self.assertEqual(sorted(rows), ["东城社区第一党支部", "东城街道机关党支部", "西城社区党支部"])
        sibling = rows["东城街道机关党支部"]
        self.assertEqual((sibling.no_plan, sibling.is_behind, sibling.status), (True, True, "未制定计划"))
        self.assertEqual(self.report().totals, {"planned": 7, "held": 4, "behind": 3, "no_plan": 2})

    def test_a_branch_that_held_every_date_is_not_behind(self):
        for day in (dt.date(2026, 10, 22), dt.date(2026, 10, 29), dt.date(2026, 11, 12)):
            session(self.p.branch, "study_day", at(day.year, day.month, day.day))
        row = self.rows(self.report())["东城社区第一党支部"]
        self.assertEqual((row.planned, row.held, row.missed, str(row.rate)), (7, 7, [], "100.0"))
        self.assertEqual((row.is_behind, row.status), (False, "按计划落实"))
        self.assertEqual([r.name for r in filter_rows(self.report().rows, behind=True)],
                         ["东城街道机关党支部", "西城社区党支部"])  # fmt: skip

    def test_the_same_number_of_queries_for_more_organizations(self):
        with CaptureQueriesContext(connection) as one:
            self.report()
        services.create_plan(actor=self.p.org_admin, org=self.p.sibling_branch, year=2026)
        services.create_plan(actor=self.p.org_admin, org=self.p.other_branch, year=2026, quarter=3)
        with CaptureQueriesContext(connection) as three:
            report = self.report()
        self.assertEqual(len(one), len(three))
        self.assertEqual(
            self.rows(report)["东城街道机关党支部"].planned, 46
        )  # the year's dates before 20 November

    def test_a_secretary_sees_their_own_subtree(self):
        rows = self.rows(self.report(user=self.p.other_secretary))
        self.assertEqual(sorted(rows), ["西城社区党支部"])
        rows = self.rows(self.report(org=self.p.general_branch))
        self.assertEqual(sorted(rows), ["东城社区第一党支部"])

    def test_the_page_the_export_and_the_api(self):
        self.client.force_login(self.p.org_admin)
        url = reverse("studychecks:adherence")
        response = self.client.get(url, {"year": 2026, "behind": "on", "sort": "rate"})
        self.assertContains(response, "2026年学习计划执行情况")
        self.assertContains(response, "未制定计划")
        response = self.client.get(url, {"year": 2026, "org": "abc"})
        self.assertContains(response, "筛选条件有误")
        response = self.client.get(reverse("studychecks:adherence_export"), {"year": 2026, "q": "东城社区"})
        self.assertEqual(response.status_code, 200)
        ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
        values = [[c.value for c in row] for row in ws.iter_rows()]
        self.assertEqual(
            values[1][:5], ["组织名称", "组织编码", "组织类别", "上级组织", "计划日期（已到期）"]
        )
        self.assertEqual(values[2][0], "东城社区第一党支部")
        self.assertEqual(len(values), 3)  # the watermark line, the header, one organization
        self.assertTrue(AuditEvent.objects.filter(event="export", detail__what="studyday.adherence").exists())
        api = APIClient()
        api.force_authenticate(self.p.other_secretary)
        data = api.get(reverse("api-studyday-adherence-list"), {"year": 2026}).json()
        self.assertEqual([r["name"] for r in data["results"]], ["西城社区党支部"])
        self.assertEqual(data["results"][0]["status"], "未制定计划")
        response = api.get(reverse("api-studyday-adherence-list"), {"org": self.p.branch.pk})
        self.assertEqual(response.status_code, 400)
        self.assertIn("不在您的授权范围内", response.json()["org"][0])

    def test_plain_members_are_refused(self):
        self.client.force_login(self.p.member)
        self.assertEqual(self.client.get(reverse("studychecks:adherence")).status_code, 403)
        api = APIClient()
        api.force_authenticate(self.p.member)
        self.assertEqual(api.get(reverse("api-studyday-adherence-list")).status_code, 403)

    def test_an_archived_plan_does_not_count(self):
        services.archive_plan(
            actor=self.p.org_admin, plan=StudyPlan.objects.get(pk=self.plan.pk), reason="重订"
        )
        row = self.rows(self.report())["东城社区第一党支部"]
        self.assertEqual((row.no_plan, row.planned, row.held), (True, 0, 0))
