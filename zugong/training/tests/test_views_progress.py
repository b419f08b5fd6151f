"""The progress pages (overview, cadres' list, one cadre, units and teams, shortfall and reminders) and their
Excel exports, with the numbers of the 【地方】 default rules: 党校 6 credits a day, online 1 per 学时, 84 total,
100 优秀. 陈志刚 (县处级副职, 东城) has 5 days of 党校 and 20 online 学时 = 50 credits (behind); 赵立新 (乡科级正职,
西城) has 12 days and 50 online 学时 = 122 (优秀)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from unittest import mock

from openpyxl import load_workbook

from zugong.core import idnumber
from zugong.core.models import AuditEvent
from zugong.core.testing import create_person
from zugong.people.choices import Rank
from zugong.people.models import CadreRecord

from ..models import Category, Reminder
from .base import YEAR, TrainingTestCase, add_entry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(response) -> list[list]:
    """The data rows of an export (after the watermark and the header)."""
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("导出人："), rows[0]
    return rows[1:]


def seed_credits(p, year: int = YEAR) -> None:
    add_entry(
        p.cadre, category=Category.PARTY_SCHOOL, days=5, title="区委党校春季班", date=dt.date(year, 3, 10)
    )
    add_entry(p.cadre, category=Category.ONLINE, hours=20, title="网络专题", date=dt.date(year, 4, 1))
    add_entry(
        p.dave, category=Category.PARTY_SCHOOL, days=12, title="区委党校秋季班", date=dt.date(year, 9, 1)
    )
    add_entry(p.dave, category=Category.ONLINE, hours=50, title="网络学院", date=dt.date(year, 5, 1))


class ProgressPagesTest(TrainingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        seed_credits(cls.p)
        from .. import ledger

        ledger.recompute(YEAR)

    def get(self, user, name, *args, **params):
        from django.urls import reverse

        self.client.force_login(user)
        query = "&".join(f"{k}={v}" for k, v in {"year": YEAR, **params}.items())
        return self.client.get(f"{reverse(f'training:{name}', args=args)}?{query}")

    def test_it_shows_every_page_to_the_training_office(self):
        p = self.p
        for name, args in [
            ("overview", ()),
            ("progress", ()),
            ("cadre", (p.cadre.pk,)),
            ("cadre", (p.dave.pk,)),
            ("units", ()),
            ("shortfall", ()),
        ]:
            with self.subTest(name):
                self.assertEqual(self.get(p.org_admin, name, *args).status_code, 200)
        for name in ("progress_export", "units_export", "shortfall_export", "year_end_export"):
            with self.subTest(name):
                response = self.get(p.org_admin, name)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], XLSX)
        self.assertEqual(self.get(p.org_admin, "units_export", kind="teams").status_code, 200)

    def test_it_counts_the_district_on_the_overview(self):
        response = self.get(self.p.org_admin, "overview")
        data = response.context["data"]
        self.assertEqual((data["cadres"], data["met"], data["behind"]), (2, 1, 1))
        self.assertContains(response, '<div class="stat" id="kpi-cadres">2</div>', html=True)
        chart = response.context["chart"]
        self.assertEqual(chart["grades"]["names"], ["优秀", "合格", "不合格"])
        self.assertEqual(chart["grades"]["values"], [1, 0, 1])
        self.assertEqual(chart["units"]["target"], 84.0)
        self.assertEqual(
            chart["categories"]["values"][:3], [102.0, 0.0, 70.0]
        )  # 党校 30 + 72, online 20 + 50
        self.assertContains(response, 'id="training-chart-data"')
        self.assertContains(response, "training/charts.js")
        self.assertNotContains(response, "style=")

    def test_it_filters_and_sorts_the_cadres(self):
        p = self.p

        def names(**params):
            return [s.person.name for s in self.get(p.org_admin, "progress", **params).context["page"]]

        self.assertEqual(names(), ["陈志刚", "赵立新"])  # by unit code: 东城 (U01), then 西城 (U02)
        self.assertEqual(names(q="志刚"), ["陈志刚"])
        self.assertEqual(names(met="1"), ["赵立新"])
        self.assertEqual(names(met="0"), ["陈志刚"])
        self.assertEqual(names(grade="excellent"), ["赵立新"])
        self.assertEqual(names(rank_group="county"), ["陈志刚"])
        self.assertEqual(names(unit=p.other_unit.pk), ["赵立新"])
        self.assertEqual(names(sort="-credits"), ["赵立新", "陈志刚"])
        response = self.get(p.org_admin, "progress", met="maybe")
        self.assertEqual(list(response.context["page"]), [])
        self.assertContains(response, "筛选条件有误")

    def test_it_exports_the_list_as_filtered(self):
        rows = workbook_rows(self.get(self.p.org_admin, "progress_export", met="0"))
        self.assertEqual(rows[0][:2], ["单位", "姓名"])
        self.assertEqual([r[1] for r in rows[1:]], ["陈志刚"])
        self.assertEqual(rows[1][11], 50)  # 总学分
        self.assertTrue(AuditEvent.objects.filter(event="export", detail__what="training.progress").exists())

    def test_it_shows_one_cadres_bars_entries_and_shortfall(self):
        response = self.get(self.p.org_admin, "cadre", self.p.cadre.pk)
        bars = {b["label"]: b for b in response.context["data"]["bars"]}
        self.assertEqual(bars["总学分"]["value"], 50)
        self.assertEqual(bars["总学分"]["percent"], 59)  # 50 / 84
        self.assertContains(response, 'id="bar-total"')
        self.assertContains(response, 'aria-valuenow="59"')
        self.assertContains(response, 'class="progress-bar bg-warning tw-59"')
        self.assertContains(response, "区委党校春季班")
        self.assertContains(response, "<li>总学分：34</li>", html=True)
        self.assertNotContains(response, "style=")

    def test_it_lists_units_and_teams(self):
        response = self.get(self.p.org_admin, "units")
        units = {r["unit"].code: r for r in response.context["units"]}
        self.assertEqual((units["U01"]["avg_total"], units["U01"]["behind"]), (50, 1))
        self.assertEqual((units["U02"]["avg_total"], units["U02"]["behind"]), (122, 0))
        teams = {r["team"].name: r["may_be_excellent"] for r in response.context["teams"]}
        self.assertEqual(teams, {"东城街道领导班子": False, "西城街道领导班子": True})
        self.assertContains(response, "不能评优秀")
        rows = workbook_rows(self.get(self.p.org_admin, "units_export", kind="teams"))
        self.assertEqual(
            rows[0], ["单位", "领导班子", "区管干部人数", "平均总学分", "未达标人数", "班子可评优秀"]
        )
        self.assertEqual([r[1] for r in rows[1:]], ["东城街道领导班子", "西城街道领导班子"])

    def test_it_lists_the_shortfall_with_what_is_missing(self):
        response = self.get(self.p.org_admin, "shortfall")
        rows = response.context["rows"]
        self.assertEqual([s.person.name for s in rows], ["陈志刚"])
        self.assertEqual(rows[0].gap["total"], 34)
        self.assertEqual(rows[0].gap["online_hours"], 30)
        rows = workbook_rows(self.get(self.p.org_admin, "shortfall_export"))
        self.assertEqual([r[1] for r in rows[1:]], ["陈志刚"])
        self.assertEqual(rows[1][5], 34)

    def test_it_refuses_reminders_outside_the_third_and_fourth_quarters(self):
        self.client.force_login(self.p.org_admin)
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(YEAR, 5, 20)):
            page = self.get(self.p.org_admin, "shortfall")
            self.assertContains(page, "催学提醒在第三、四季度发送（7月起）。")
            self.assertFalse(page.context["can_remind"])
            response = self.client.post(
                "/training/shortfall/remind/", {"year": YEAR, "person": [self.p.cadre.pk]}, follow=True
            )
        self.assertContains(response, "催学提醒在第三、四季度发送（7月起）。")
        self.assertFalse(Reminder.objects.exists())

    def test_it_sends_reminders_in_the_fourth_quarter_only_to_cadres_behind(self):
        p = self.p
        self.client.force_login(p.org_admin)
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(YEAR, 10, 8)):
            self.assertTrue(self.get(p.org_admin, "shortfall").context["can_remind"])
            response = self.client.post(
                "/training/shortfall/remind/",
                {"year": YEAR, "person": [p.cadre.pk, p.dave.pk], "channel": "phone"},
                follow=True,
            )
        self.assertContains(response, "已向 1 名未达标干部发送催学提醒。")
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.person, reminder.channel), (p.cadre, "phone"))
        self.assertEqual(reminder.shortfall["total"], "34.00")
        page = self.get(p.org_admin, "cadre", p.cadre.pk)
        self.assertContains(page, "电话（org_admin）")

    def test_another_branch_cannot_see_or_remind_a_cadre(self):
        p = self.p
        self.assertEqual(self.get(p.other_secretary, "cadre", p.cadre.pk).status_code, 404)
        names = [s.person.name for s in self.get(p.other_secretary, "progress").context["page"]]
        self.assertEqual(names, ["赵立新"])
        self.assertEqual(self.get(p.committee_secretary, "cadre", p.dave.pk).status_code, 404)
        names = [s.person.name for s in self.get(p.committee_secretary, "progress").context["page"]]
        self.assertEqual(names, ["陈志刚"])
        overview = self.get(p.committee_secretary, "overview").context["data"]
        self.assertEqual((overview["cadres"], overview["met"]), (1, 0))
        rows = workbook_rows(self.get(p.other_secretary, "year_end_export"))
        self.assertEqual([r[1] for r in rows[1:]], ["赵立新"])
        self.client.force_login(p.other_secretary)
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(YEAR, 10, 8)):
            response = self.client.post("/training/shortfall/remind/", {"year": YEAR, "person": [p.cadre.pk]})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Reminder.objects.exists())

    def test_members_and_the_three_admins_get_403(self):
        p = self.p
        pages = [
            ("overview", ()),
            ("progress", ()),
            ("units", ()),
            ("shortfall", ()),
            ("cadre", (p.dave.pk,)),
        ]
        pages += [(n, ()) for n in ("progress_export", "units_export", "shortfall_export", "year_end_export")]
        for user in (p.member, p.sysadmin, p.auditor, p.cadre_user):
            for name, args in pages:
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name, *args).status_code, 403)
        self.client.force_login(p.member)
        self.assertEqual(self.client.post("/training/shortfall/remind/", {"year": YEAR}).status_code, 403)

    def test_a_cadre_opening_their_own_page_goes_to_mine(self):
        response = self.get(self.p.cadre_user, "cadre", self.p.cadre.pk)
        self.assertRedirects(response, "/training/mine/", fetch_redirect_response=False)

    def test_the_nav_links_staff_to_the_overview_and_a_cadre_to_mine(self):
        self.assertContains(self.get(self.p.branch_secretary, "overview"), ">干部学分</a>")
        mine = self.get(self.p.cadre_user, "mine")
        self.assertContains(mine, 'href="/training/mine/">我的学分</a>', count=2)
        self.assertNotContains(mine, 'href="/training/">干部学分</a>')


class YearEndExportTest(TrainingTestCase):
    """The year-end list is ordered by unit, then by 姓氏笔画 — not by name alone."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        birth = dt.date(1975, 5, 5)
        for seq, (name, org, unit) in enumerate(
            [
                ("王强", p.sibling_branch, p.unit),
                ("丁一", p.other_branch, p.other_unit),
                ("丁二", p.branch, None),
            ],
            start=200,
        ):
            person = create_person(
                id_number=idnumber.make("110101", birth, seq * 2 + 1),
                name=name,
                org=org,
                unit=unit,
                birth_date=birth,
                sex="M",
                rank=Rank.TOWNSHIP_DEPUTY,
            )
            person.is_district_cadre = True
            person.save(update_fields=["is_district_cadre"])
            CadreRecord.objects.create(person=person, rank=Rank.TOWNSHIP_DEPUTY, post="副主任")
        seed_credits(p)
        from .. import ledger

        ledger.recompute(YEAR)

    def test_it_orders_by_unit_then_surname_strokes(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.get(f"/training/report/year-end/?year={YEAR}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        rows = workbook_rows(response)
        self.assertEqual(rows[0][:4], ["单位", "姓名", "职务", "职级类别"])
        self.assertEqual(
            [(r[0], r[1]) for r in rows[1:]],
            [
                ("东城街道办事处", "王强"),  # 王 4 strokes before 陈 7
                ("东城街道办事处", "陈志刚"),
                ("西城街道办事处", "丁一"),  # 丁 2 strokes, but 西城 comes after 东城
                ("西城街道办事处", "赵立新"),
                (None, "丁二"),  # no unit: last (an empty cell)
            ],
        )
        self.assertEqual(rows[2][11], 50)  # 陈志刚's 总学分
        self.assertEqual((rows[4][11], rows[4][12], rows[4][13]), (122, "优秀", "是"))
        event = AuditEvent.objects.get(event="export", detail__what="training.year_end")
        self.assertEqual(event.detail["rows"], 5)


class ShortfallRemindPageTest(TrainingTestCase):
    """催学提醒 from the shortfall page: in Q3/Q4 the checked cadres behind are reminded; odd ids are a message."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from django.utils import timezone

        from .. import ledger

        cls.year = timezone.localdate().year
        ledger.ensure_rule_set(cls.year)
        ledger.recompute(cls.year)

    def post(self, persons, month=9):
        from django.urls import reverse

        self.client.force_login(self.p.committee_secretary)
        url = f"{reverse('training:shortfall_remind')}?year={self.year}"
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(self.year, month, 1)):
            return self.client.post(url, {"person": persons, "channel": "phone"}, follow=True)

    def test_it_reminds_the_checked_cadre_behind(self):
        response = self.post([str(self.p.cadre.pk)])
        self.assertContains(response, "已向 1 名未达标干部发送催学提醒。")
        self.assertEqual(Reminder.objects.get().person, self.p.cadre)

    def test_odd_ids_and_an_early_month_change_nothing(self):
        self.assertContains(self.post(["²", "abc", "9" * 20]), "请勾选要提醒的干部。")
        self.assertContains(self.post([str(self.p.cadre.pk)], month=6), "催学提醒在第三、四季度发送")
        self.assertFalse(Reminder.objects.exists())
