"""The report pages and their Excel exports: the figures shown, the scope (another branch's organization or
member is a 404; a plain 党员 reads only their own statement) and the exports (open with openpyxl, carry the
exporter's watermark, are audited)."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import openpyxl
from django.test import override_settings
from django.urls import reverse

from zugong.core.models import AuditEvent
from zugong.dues.tests.test_selectors import MONTHS, YEAR, SelectorData, pay, voluntary

URLCONF = "zugong.dues.tests.urls_for_reports"
MONTH_Q = {"month": f"{YEAR}-03"}


def xlsx_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in wb.active.iter_rows(values_only=True)]


def chart_data(response) -> dict:
    match = re.search(
        r'<script id="dues-chart-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match, "the chart data island is missing"
    return json.loads(match.group(1))


@override_settings(ROOT_URLCONF=URLCONF)
class MonthPageTests(SelectorData):
    def test_it_shows_the_branchs_month(self):
        p = self.p
        pay(p.alice, [MONTHS[2]])
        pay(p.bob, [MONTHS[2]])
        self.login(p.branch_secretary)
        response = self.client.get(reverse("dues:report_month"), MONTH_Q)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["org"], p.branch)  # the top of the secretary's scope
        self.assertContains(response, "358.00")
        self.assertContains(response, "47.00")
        self.assertContains(response, "13.13%")
        self.assertContains(response, "vendor/echarts/echarts.min.js")
        self.assertContains(response, "dues/charts.js")
        self.assertNotContains(response, "<script>")  # no inline script (CSP)
        self.assertNotContains(response, "style=")
        data = chart_data(response)
        self.assertEqual(data["rates"]["values"], [13.13])
        self.assertEqual(data["year"]["due"][:7], [358.0] * 6 + [None])
        self.assertEqual(data["year"]["paid"][2], 47.0)

    def test_it_drills_down_from_the_committee(self):
        p = self.p
        self.login(p.committee_secretary)
        response = self.client.get(reverse("dues:report_month"), MONTH_Q)
        self.assertEqual(response.context["org"], p.committee)
        drill = reverse("dues:report_month_org", args=[p.general_branch.pk])
        self.assertContains(response, drill)
        self.assertContains(response, "358.20")  # 358.00 + carol's 0.20 (+ the cadre's 0.00)
        response = self.client.get(drill, MONTH_Q)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row["org"] for row in response.context["rows"]], [p.branch])
        self.assertContains(response, reverse("dues:report_month_org", args=[p.branch.pk]))

    def test_it_hides_another_branch(self):
        p = self.p
        self.login(p.other_secretary)
        for name in ("dues:report_month_org", "dues:report_month_org_export"):
            for org in (p.branch, p.committee, p.district):
                with self.subTest(name=name, org=org.name):
                    self.assertEqual(self.client.get(reverse(name, args=[org.pk])).status_code, 404)
        response = self.client.get(reverse("dues:report_month"), MONTH_Q)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "50.00")  # dave's 1 % of 5,000.00
        for name in ("东城社区第一党支部", "358.00", "王小红"):
            self.assertNotContains(response, name)

    def test_it_refuses_a_plain_member_and_the_system_roles(self):
        p = self.p
        urls = [
            reverse("dues:report_month"),
            reverse("dues:report_month_export"),
            reverse("dues:report_month_org", args=[p.branch.pk]),
            reverse("dues:report_arrears"),
            reverse("dues:report_arrears_export"),
            reverse("dues:report_remittance"),
            reverse("dues:report_remittance_export"),
        ]
        for user in (p.member, p.sysadmin, p.auditor):
            self.login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_says_when_the_month_is_not_a_month(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("dues:report_month"), {"month": "2026-13"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "格式不正确")

    def test_it_requires_login_and_reads_only(self):
        p = self.p
        url = reverse("dues:report_month")
        self.assertEqual(self.client.get(url).status_code, 302)
        self.login(p.branch_secretary)
        self.assertEqual(self.client.post(url).status_code, 405)

    def test_it_exports_the_month_with_the_watermark(self):
        p = self.p
        pay(p.alice, [MONTHS[2]])
        self.login(p.branch_secretary)
        response = self.client.get(reverse("dues:report_month_export"), MONTH_Q)
        self.assertEqual(response.status_code, 200)
        rows = xlsx_rows(response)
        self.assertIn("导出人", rows[0][0])
        self.assertIn("branch_secretary", rows[0][0])
        self.assertEqual(rows[1][:4], ("党组织", "应交人数", "应交（元）", "已交（元）"))
        self.assertEqual(rows[2][:5], ("东城社区第一党支部（本级）", 4, 358, 15, 343))
        self.assertEqual(Decimal(str(rows[2][5])), Decimal("4.19"))  # 15 / 358 = 4.19 %
        self.assertEqual(rows[-1][0], "合计")
        export = AuditEvent.objects.get(event="export")
        self.assertEqual(export.detail["what"], "dues.report_month")


@override_settings(ROOT_URLCONF=URLCONF)
class ArrearsPageTests(SelectorData):
    def test_it_lists_sorts_and_pages(self):
        p = self.p
        pay(p.alice, MONTHS[:5])
        self.login(p.branch_secretary)
        url = reverse("dues:report_arrears")
        response = self.client.get(url, {"month": f"{YEAR}-06", "sort": "owed"})
        self.assertEqual(response.status_code, 200)
        names = [r["person__name"] for r in response.context["page"]]
        self.assertEqual(names, ["王小红", "李建国", "周文斌", "吴海涛"])  # 15.00, 192.00, 486.00, 1380.00
        self.assertContains(response, "1380.00")
        self.assertContains(response, "6 个月")
        with self.settings(ZUGONG_PAGE_SIZE=3):
            response = self.client.get(url, {"month": f"{YEAR}-06", "sort": "owed", "page": 2})
        self.assertEqual([r["person__name"] for r in response.context["page"]], ["吴海涛"])

    def test_it_narrows_to_an_organization_in_scope_only(self):
        p = self.p
        self.login(p.committee_secretary)
        url = reverse("dues:report_arrears")
        response = self.client.get(url, {"month": f"{YEAR}-06", "org": p.sibling_branch.pk})
        self.assertEqual([r["person__name"] for r in response.context["page"]], ["张晓梅"])
        self.assertEqual(self.client.get(url, {"org": p.other_branch.pk}).status_code, 404)
        self.assertEqual(self.client.get(url, {"org": "x"}).status_code, 404)
        self.login(p.other_secretary)
        response = self.client.get(url, {"month": f"{YEAR}-06"})
        self.assertEqual([r["person__name"] for r in response.context["page"]], ["赵立新"])
        self.assertNotContains(response, "王小红")
        self.assertEqual(self.client.get(url, {"org": p.branch.pk}).status_code, 404)

    def test_it_exports_the_arrears(self):
        p = self.p
        self.login(p.branch_secretary)
        response = self.client.get(
            reverse("dues:report_arrears_export"), {"month": f"{YEAR}-06", "sort": "owed"}
        )
        rows = xlsx_rows(response)
        self.assertIn("导出人", rows[0][0])
        self.assertEqual(rows[1][0], "姓名")
        self.assertEqual(rows[2], ("王小红", "东城社区第一党支部", 6, 6, 90, f"{YEAR}-01", f"{YEAR}-06"))
        self.assertEqual(len(rows), 2 + 4)
        self.login(p.other_secretary)
        response = self.client.get(reverse("dues:report_arrears_export"), {"month": f"{YEAR}-06"})
        self.assertEqual([r[0] for r in xlsx_rows(response)[2:]], ["赵立新"])


@override_settings(ROOT_URLCONF=URLCONF)
class RemittancePageTests(SelectorData):
    def test_it_shows_and_exports_the_five_percent(self):
        p = self.p
        for person in (p.alice, p.bob, p.erin, p.frank):
            pay(person, MONTHS)
        voluntary(p.alice, 330, to_centre=False)
        voluntary(p.bob, 100_000, to_centre=True)
        self.login(p.committee_secretary)
        response = self.client.get(reverse("dues:report_remittance"), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2151.30")
        self.assertContains(response, "107.57")
        self.assertContains(response, "1000.00")
        self.assertContains(response, f"{YEAR + 1}-04-30")
        response = self.client.get(reverse("dues:report_remittance_export"), {"year": YEAR})
        rows = xlsx_rows(response)
        self.assertIn("导出人", rows[0][0])
        self.assertEqual(rows[2][0], "东城街道党工委")
        self.assertEqual(
            [Decimal(str(v)) for v in rows[2][1:6]],
            [Decimal(v) for v in ("2148", "3.3", "2151.3", "107.57", "1000")],
        )
        self.assertEqual(rows[-1][0], "合计")

    def test_it_shows_a_branch_secretary_no_committee(self):
        self.login(self.p.other_secretary)
        response = self.client.get(reverse("dues:report_remittance"), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "授权范围内没有党(工)委")
        self.assertNotContains(response, "东城街道党工委")


@override_settings(ROOT_URLCONF=URLCONF)
class StatementPageTests(SelectorData):
    def test_it_shows_a_member_their_own_year_only(self):
        p = self.p
        pay(p.alice, MONTHS[:2])
        self.login(p.member)
        url = reverse("dues:report_statement", args=[p.alice.pk])
        response = self.client.get(url, {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "90.00")  # 6 × 15.00 due
        self.assertContains(response, "30.00")  # 2 × 15.00 paid
        self.assertContains(response, "DFTEST-")
        self.assertFalse(response.context["can_export"])
        self.assertEqual(
            self.client.get(reverse("dues:report_statement_export", args=[p.alice.pk])).status_code, 403
        )
        self.assertEqual(self.client.get(reverse("dues:report_statement", args=[p.bob.pk])).status_code, 404)
        self.assertEqual(self.client.post(url).status_code, 405)

    def test_it_hides_another_branchs_member(self):
        p = self.p
        for user in (p.other_secretary, p.other_member):
            self.login(user)
            for name in ("dues:report_statement", "dues:report_statement_export"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(reverse(name, args=[p.alice.pk])).status_code, 404)

    def test_it_exports_the_statement(self):
        p = self.p
        payment = pay(p.bob, [MONTHS[0]])
        self.login(p.branch_secretary)
        response = self.client.get(reverse("dues:report_statement_export", args=[p.bob.pk]), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        rows = xlsx_rows(response)
        self.assertIn("导出人", rows[0][0])
        self.assertEqual(rows[1][0], "月份")
        self.assertEqual(len(rows), 2 + 12)
        self.assertEqual(
            rows[2][:8], (f"{YEAR}-01", "东城社区第一党支部", "在职", 3200, 32, 32, 0, payment.receipt_no)
        )
        self.assertEqual(rows[9][4], None)  # no ledger for July
        self.assertEqual(AuditEvent.objects.get(event="export").detail["what"], "dues.report_statement")
