"""学习计划 pages: a new plan's dates (every Thursday, moved off holidays), a date's topic, adding and removing a
date, archiving with a reason; each write audited, bad input refused in Chinese with nothing changed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from .. import services
from ..models import PlanItem, Session, StudyPlan
from ..views_plans import plan_months
from .test_pages_base import StudyPagesTestCase


class PlanPagesTest(StudyPagesTestCase):
    def test_it_creates_a_plan_with_its_dates(self):
        client = self.as_secretary()
        before = self.audit_count("studyday.planitem")
        response = client.post(
            reverse("studyday:plan_create"),
            {"org": self.p.branch.pk, "year": "2027", "quarter": "1", "weekday": "4"},
        )
        plan = StudyPlan.objects.get(org=self.p.branch, year=2027, quarter=1)
        self.assertRedirects(response, reverse("studyday:plan_detail", args=[plan.pk]))
        dates = list(plan.items.values_list("date", flat=True))
        self.assertEqual(len(dates), 12)  # the Thursdays of 2027's first quarter: 7 January to 25 March
        self.assertTrue(all(d.weekday() == 3 for d in dates))
        self.assertEqual(self.audit_count("studyday.planitem") - before, 12)
        self.assertEqual(self.audit_count("studyday.studyplan", kind="create", object_id=str(plan.pk)), 1)
        self.assertEqual(plan.title, "东城社区第一党支部2027年第1季度学习计划")

    def test_it_refuses_a_second_plan_for_the_same_period(self):
        client = self.as_secretary()
        count = StudyPlan.objects.count()
        response = client.post(
            reverse("studyday:plan_create"),
            {"org": self.p.branch.pk, "year": "2026", "quarter": "4", "weekday": "4"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "东城社区第一党支部已有2026年第4季度的学习计划。")
        self.assertEqual(StudyPlan.objects.count(), count)

    def test_it_refuses_an_organization_outside_the_scope(self):
        client = self.as_secretary()
        count = StudyPlan.objects.count()
        response = client.post(
            reverse("studyday:plan_create"), {"org": self.p.other_branch.pk, "year": "2027", "weekday": "4"}
        )
        self.assertContains(response, "所选党组织不在您的授权范围内。")
        self.assertEqual(StudyPlan.objects.count(), count)

    def test_it_sets_a_dates_topic(self):
        client = self.as_secretary()
        url = reverse("studyday:plan_item_edit", args=[self.item.pk])
        response = client.post(
            url, {"date": "2026-10-02", "topic": "学习党的二十届四中全会精神", "materials": "公报全文"}
        )
        self.assertRedirects(
            response,
            reverse("studyday:plan_detail", args=[self.plan.pk])
            + f"?focus={self.item.pk}#item-{self.item.pk}",
        )
        self.item.refresh_from_db()
        self.assertEqual((self.item.topic, self.item.materials), ("学习党的二十届四中全会精神", "公报全文"))
        self.assertEqual(self.audit_count("studyday.planitem", kind="update", object_id=str(self.item.pk)), 1)

    def test_it_refuses_a_date_outside_the_plan(self):
        client = self.as_secretary()
        url = reverse("studyday:plan_item_edit", args=[self.item.pk])
        response = client.post(url, {"date": "2026-03-05", "topic": "改到三月"})
        self.assertContains(response, "学习日期应在计划期内（2026-10-01 至 2026-12-31）。")
        self.item.refresh_from_db()
        self.assertEqual((self.item.date, self.item.topic), (dt.date(2026, 10, 2), ""))

    def test_it_adds_and_removes_a_date(self):
        client = self.as_secretary()
        response = client.post(
            reverse("studyday:plan_item_add", args=[self.plan.pk]),
            {"date": "2026-12-30", "topic": "年终学习"},
        )
        item = PlanItem.objects.get(plan=self.plan, date=dt.date(2026, 12, 30))
        self.assertRedirects(
            response,
            reverse("studyday:plan_detail", args=[self.plan.pk]) + f"?focus={item.pk}#item-{item.pk}",
        )
        confirm = client.get(reverse("studyday:plan_item_remove", args=[item.pk]))
        self.assertContains(confirm, "data-confirm")
        response = client.post(reverse("studyday:plan_item_remove", args=[item.pk]))
        self.assertRedirects(response, reverse("studyday:plan_detail", args=[self.plan.pk]))
        self.assertFalse(PlanItem.objects.filter(pk=item.pk).exists())
        self.assertEqual(self.audit_count("studyday.planitem", kind="delete", object_id=str(item.pk)), 1)

    def test_it_keeps_a_date_that_has_a_session(self):
        Session.objects.filter(pk=self.next_session.pk).update(plan_item=self.item)
        client = self.as_secretary()
        response = client.post(reverse("studyday:plan_item_remove", args=[self.item.pk]))
        self.assertContains(response, "该日期已安排会议活动，不能删除；请先取消会议活动。")
        self.assertTrue(PlanItem.objects.filter(pk=self.item.pk).exists())

    def test_it_archives_with_a_reason_only(self):
        client = self.as_secretary()
        url = reverse("studyday:plan_archive", args=[self.plan.pk])
        response = client.post(url, {"reason": "  "})
        self.assertContains(response, "请填写归档原因。")
        self.plan.refresh_from_db()
        self.assertIsNone(self.plan.archived_at)
        response = client.post(url, {"reason": "计划调整，重新制定"})
        self.assertRedirects(response, reverse("studyday:plan_list"))
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.archived_reason, "计划调整，重新制定")
        self.assertEqual(self.audit_count("studyday.studyplan", kind="archive"), 1)
        # an archived plan is read only
        self.assertEqual(client.get(reverse("studyday:plan_item_edit", args=[self.item.pk])).status_code, 404)

    def test_the_organization_committee_member_may_not_archive(self):
        self.client.force_login(self.p.org_committee_member)
        response = self.client.post(
            reverse("studyday:plan_archive", args=[self.plan.pk]), {"reason": "不要了"}
        )
        self.assertEqual(response.status_code, 403)
        self.plan.refresh_from_db()
        self.assertIsNone(self.plan.archived_at)

    def test_the_list_filters_by_year_and_search(self):
        client = self.as_secretary()
        self.assertContains(client.get(reverse("studyday:plan_list") + "?year=2026"), self.plan.title)
        self.assertNotContains(client.get(reverse("studyday:plan_list") + "?year=2025"), self.plan.title)
        self.assertNotContains(client.get(reverse("studyday:plan_list") + "?q=不存在的计划"), self.plan.title)
        response = client.get(reverse("studyday:plan_list") + "?year=abc")
        self.assertContains(response, "年度应为四位数字")


class PlanMonthsTest(StudyPagesTestCase):
    """A year's plan is long on a phone: its dates come by month, the months before this one folded."""

    def test_the_months_before_this_one_start_folded(self):
        plan = services.create_plan(actor=self.p.org_admin, org=self.p.branch, year=2027)
        rows = [(item, None) for item in plan.items.prefetch_related("sessions")]
        for item, _ in rows:
            item.live_sessions = []
        months = plan_months(rows, focus="", today=dt.date(2027, 5, 20))
        self.assertEqual([m["start"].month for m in months], list(range(1, 13)))
        self.assertEqual(sum(len(m["rows"]) for m in months), len(rows))
        self.assertEqual([m["start"].month for m in months if m["open"]], list(range(5, 13)))
        may = months[4]
        self.assertTrue(all(item.date.month == 5 for item, _ in may["rows"]))
        # The date just saved keeps its month open; a bad focus opens nothing more.
        march = months[2]["rows"][1][0]
        months = plan_months(rows, focus=str(march.pk), today=dt.date(2027, 5, 20))
        self.assertEqual([m["start"].month for m in months if m["open"]], [3, *range(5, 13)])
        months = plan_months(rows, focus="x", today=dt.date(2028, 1, 1))
        self.assertEqual([m for m in months if m["open"]], [])

    def test_the_page_counts_each_months_dates_and_sessions(self):
        Session.objects.filter(pk=self.next_session.pk).update(plan_item=self.item)
        response = self.as_secretary().get(reverse("studyday:plan_detail", args=[self.plan.pk]))
        october = response.context["months"][0]
        self.assertEqual(october["start"], dt.date(2026, 10, 1))
        self.assertEqual((october["arranged"], october["moved"]), (1, 1))  # 10-01 moved to 10-02, arranged
        self.assertContains(response, f"{len(october['rows'])} 次，已安排 1 次，1 次顺延")
        self.assertContains(response, 'id="month-2026-10"')
        focused = self.as_secretary().get(
            reverse("studyday:plan_detail", args=[self.plan.pk]) + f"?focus={self.item.pk}"
        )
        self.assertContains(focused, '<details class="card mb-2 plan-month" id="month-2026-10" open>')
