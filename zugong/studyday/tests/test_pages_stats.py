"""出勤统计 and 节假日与调休: rates by organization and by member with their Excel (no other branch's names);
the calendar read by all staff and changed only by the 区委组织部 (a branch secretary's POST is refused),
a year's notice pasted with bad lines named by number and nothing saved."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from zugong.core.models import WorkdayOverride

from ..models import Attendance
from .test_pages_base import OTHER_NAMES, StudyPagesTestCase, workbook_text


def span(session) -> str:
    day = timezone.localtime(session.starts_at).date()
    return f"date_from={day - dt.timedelta(days=1):%Y-%m-%d}&date_to={day + dt.timedelta(days=1):%Y-%m-%d}"


class StatsPagesTest(StudyPagesTestCase):
    def setUp(self):
        Attendance.objects.filter(session=self.past_session, person=self.p.alice).update(status="present")

    def test_it_shows_rates_by_organization_and_member(self):
        client = self.as_secretary()
        response = client.get(reverse("studyday:stats") + "?" + span(self.past_session))
        row = next(r for r in response.context["page"] if r["session__org_id"] == self.p.branch.pk)
        self.assertEqual(
            (row["expected"], row["present"], row["absent"], str(row["rate"])), (2, 1, 1, "50.0")
        )
        response = client.get(reverse("studyday:stats") + "?view=people&" + span(self.past_session))
        self.assertContains(response, "王小红")
        self.assertContains(response, "100.0%")

    def test_the_exports_open_and_hold_no_other_branch(self):
        client = self.as_secretary()
        for name in ("studyday:stats_org_export", "studyday:stats_person_export"):
            with self.subTest(name=name):
                response = client.get(reverse(name) + "?" + span(self.past_session))
                text = workbook_text(response)
                self.assertIn("出勤率（%）", text)
                self.assertIn("东城社区第一党支部", text)
                for other in OTHER_NAMES:
                    self.assertNotIn(other, text)
        self.assertEqual(self.audit_count(event="export"), 2)

    def test_a_bad_range_is_refused(self):
        client = self.as_secretary()
        response = client.get(reverse("studyday:stats") + "?date_from=2026-05-01&date_to=2026-04-01")
        self.assertContains(response, "截止日期应不早于起始日期。")
        self.assertEqual(list(response.context["page"]), [])
        response = client.get(
            reverse("studyday:stats_org_export") + "?date_from=2026-05-01&date_to=2026-04-01"
        )
        self.assertEqual(response.status_code, 302)


class CalendarPagesTest(StudyPagesTestCase):
    def test_only_the_department_changes_the_calendar(self):
        for persona in ("branch_secretary", "committee_secretary", "org_committee_member"):
            self.client.force_login(getattr(self.p, persona))
            with self.subTest(persona=persona):
                self.assertEqual(self.client.get(reverse("studyday:calendar")).status_code, 200)
                posts = [
                    ("studyday:workday_add", {"date": "2026-10-02", "kind": "holiday", "name": "国庆节"}),
                    ("studyday:workday_remove", {"date": "2026-10-01"}),
                    ("studyday:workdays_import", {"text": "2026-10-02 休 国庆节"}),
                ]
                for name, data in posts:
                    self.assertEqual(self.client.post(reverse(name), data).status_code, 403, name)
                self.assertEqual(self.client.get(reverse("studyday:workdays_import")).status_code, 403)
        self.assertEqual(
            list(WorkdayOverride.objects.values_list("date", flat=True)),
            [dt.date(2026, 10, 1), dt.date(2026, 10, 2)],
        )

    def test_the_department_adds_and_removes_a_day(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(
            reverse("studyday:workday_add"), {"date": "2026-11-02", "kind": "holiday", "name": "区庆"}
        )
        self.assertRedirects(response, reverse("studyday:calendar") + "?year=2026")
        self.assertTrue(WorkdayOverride.objects.filter(date=dt.date(2026, 11, 2), kind="holiday").exists())
        self.assertEqual(self.audit_count("core.workdayoverride", kind="create"), 1)
        confirm = self.client.get(reverse("studyday:workday_remove") + "?date=2026-11-02")
        self.assertContains(confirm, "data-confirm")
        response = self.client.post(reverse("studyday:workday_remove"), {"date": "2026-11-02"})
        self.assertRedirects(response, reverse("studyday:calendar") + "?year=2026")
        self.assertFalse(WorkdayOverride.objects.filter(date=dt.date(2026, 11, 2)).exists())
        self.assertEqual(self.audit_count("core.workdayoverride", kind="delete"), 1)

    def test_a_weekday_is_not_a_make_up_day(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(
            reverse("studyday:workday_add"), {"date": "2026-10-09", "kind": "workday", "name": "调休"}
        )
        self.assertContains(response, "2026-10-09 本是工作日，无需设为调休上班。")
        self.assertFalse(WorkdayOverride.objects.filter(date=dt.date(2026, 10, 9)).exists())

    def test_it_imports_a_years_notice(self):
        self.client.force_login(self.p.org_admin)
        text = "2026-10-02 休 国庆节\n\n2026-09-27 班 国庆节调休\n2026年10月5日 休 国庆节"
        response = self.client.post(reverse("studyday:workdays_import"), {"text": text})
        self.assertRedirects(response, reverse("studyday:calendar") + "?year=2026")
        self.assertEqual(WorkdayOverride.objects.count(), 4)
        self.assertEqual(WorkdayOverride.objects.get(date=dt.date(2026, 9, 27)).kind, "workday")

    def test_bad_lines_are_named_and_nothing_is_saved(self):
        self.client.force_login(self.p.org_admin)
        audits = self.audit_count()
        text = "2026-10-02 休 国庆节\n2026-10-32 休 国庆节\n国庆放假七天\n2026-10-09 班 调休"
        response = self.client.post(reverse("studyday:workdays_import"), {"text": text})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "第 2 行日期不存在")
        self.assertContains(response, "第 3 行格式不对")
        self.assertContains(response, "第 4 行 2026-10-09 本是工作日")
        self.assertEqual((WorkdayOverride.objects.count(), self.audit_count()), (2, audits))

    def test_the_page_shows_the_notice_built_in_and_the_districts_entries(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.get(reverse("studyday:calendar") + "?year=2026")
        table = response.content.decode().split('id="calendar-table"')[1]
        self.assertIn("2026-01-04", table)  # 元旦调休, from the notice, without any entry
        self.assertIn("国务院通知（内置）", table)
        self.assertIn("本区照常上班", table)
        self.assertIn("更正了国务院通知：国庆节（法定节假日（休））", table)
        # Built in: 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 3 + 中秋 3 + 国庆 7 = 33 days off, less 10-02 entered
        # as a working day; 6 调休 days worked, plus that one.
        self.assertContains(response, "本年：法定节假日 32 天，调休上班 7 天，其中本区录入 2 天。")
        # Only the district's entries can be removed.
        self.assertEqual(table.count("workday_remove") + table.count("/calendar/remove/"), 2)
        later = self.client.get(reverse("studyday:calendar") + "?year=2027")
        self.assertContains(later, "2027年的节假日安排尚未内置，也尚未录入")
