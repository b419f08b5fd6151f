"""党费台账: the month's list with its figures and filters, the Excel export, 生成本月台账 and 批量登记交纳."""

from __future__ import annotations

import io

import openpyxl
from django.urls import reverse
from django.utils import timezone

from zugong.core.testing import PersonaTestCase
from zugong.dues import services
from zugong.dues.models import LedgerEntry, Payment

from .test_views import body, dues_setup, entry, months_ago, this_month, writes

LEDGER = reverse("dues:ledger")


def names(response) -> list[str]:
    """The members listed, in the page's order."""
    text = body(response)
    found = [(text.find(f">{n}</a>"), n) for n in ("王小红", "李建国", "张晓梅", "陈志刚", "赵立新")]
    return [n for at, n in sorted(found) if at >= 0]


class LedgerListTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p, months=(0, 1))

    def test_it_shows_the_current_month_in_scope_with_the_figures(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(LEDGER)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(sorted(names(response)), sorted(["王小红", "李建国"]))
        text = body(response)
        self.assertIn(f'value="{this_month():%Y-%m}"', text)
        self.assertIn('<div class="fw-semibold" id="ledger-due">111.00</div>', text)  # 30.00 + 81.00
        self.assertIn('<div class="fw-semibold" id="ledger-paid">0.00</div>', text)
        self.assertIn("30.00", text)
        self.assertIn("81.00", text)
        self.assertIn("生成本月台账", text)

    def test_it_shows_a_committee_its_subtree(self):
        self.login(self.p.committee_secretary)
        self.assertEqual(
            sorted(names(self.client.get(LEDGER))), sorted(["王小红", "李建国", "张晓梅", "陈志刚"])
        )
        response = self.client.get(LEDGER, {"org": self.p.sibling_branch.pk})
        self.assertEqual(sorted(names(response)), sorted(["张晓梅", "陈志刚"]))
        self.assertIn("东城街道机关党支部及下级组织", body(response))

    def test_it_filters_by_status_name_and_month(self):
        services.payment_record(
            actor=self.p.branch_secretary, person=self.p.alice, months=[this_month()], amount_fen=3000,
            paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip
        self.login(self.p.branch_secretary)
        self.assertEqual(names(self.client.get(LEDGER, {"status": "paid"})), ["王小红"])
        self.assertEqual(names(self.client.get(LEDGER, {"status": "owed"})), ["李建国"])
        self.assertEqual(names(self.client.get(LEDGER, {"q": "建国"})), ["李建国"])
        last = self.client.get(LEDGER, {"month": f"{months_ago(1):%Y-%m}", "status": "owed"})
        self.assertEqual(sorted(names(last)), sorted(["王小红", "李建国"]))
        self.assertEqual(names(self.client.get(LEDGER, {"sort": "-owed"})), ["李建国", "王小红"])

    def test_it_shows_missing_bases(self):
        LedgerEntry.objects.filter(person=self.p.bob).update(missing_base=True, amount_fen=0, base_fen=None)
        self.login(self.p.branch_secretary)
        response = self.client.get(LEDGER, {"status": "missing"})
        self.assertEqual(names(response), ["李建国"])
        self.assertIn("缺基数", body(response))

    def test_it_shows_nothing_for_a_bad_filter(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(LEDGER, {"month": "2026-13"})
        self.assertEqual(names(response), [])
        self.assertIn("筛选条件有误", body(response))

    def test_it_answers_htmx_with_the_table_only(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(LEDGER, {"q": "小红"}, headers={"HX-Request": "true"})
        text = body(response)
        self.assertTrue(text.lstrip().startswith('<div id="ledger-table">'))
        self.assertEqual(names(response), ["王小红"])

    def test_it_exports_the_filtered_month(self):
        self.login(self.p.committee_secretary)
        response = self.client.get(reverse("dues:ledger_export"), {"org": self.p.branch.pk})
        self.assertEqual(response.status_code, 200)
        wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
        self.assertEqual(rows[1][:3], ["月份", "姓名", "收缴党组织"])
        by_name = {r[1]: r for r in rows[2:]}
        self.assertEqual(set(by_name), {"王小红", "李建国"})
        self.assertEqual(float(by_name["王小红"][5]), 30.0)
        self.assertEqual(float(by_name["王小红"][4]), 3000.01)
        self.assertEqual(by_name["李建国"][8], "未交")

    def test_it_refuses_a_plain_member_and_the_system_roles(self):
        for user in (self.p.member, self.p.sysadmin, self.p.auditor):
            self.login(user)
            for name in ("dues:ledger", "dues:ledger_export", "dues:ledger_generate", "dues:ledger_bulk_pay"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(reverse(name)).status_code, 403)


class GenerateTest(PersonaTestCase):
    def test_it_confirms_then_generates_the_month(self):
        self.login(self.p.branch_secretary)
        url = reverse("dues:ledger_generate")
        response = self.client.get(url, {"month": f"{this_month():%Y-%m}"})
        self.assertEqual(response.status_code, 200)
        text = body(response)
        self.assertIn("请确认", text)
        self.assertIn("data-confirm=", text)
        self.assertFalse(LedgerEntry.objects.exists())
        response = self.client.post(url, {"month": f"{this_month():%Y-%m}"}, follow=True)
        self.assertIn(f"已生成 {this_month():%Y年%m月} 党费台账", body(response))
        self.assertIn("新增 2 条", body(response))
        self.assertEqual(
            set(LedgerEntry.objects.values_list("person__name", flat=True)), {"王小红", "李建国"}
        )
        # No base yet: charged nothing and marked.
        self.assertTrue(entry(self.p.alice).missing_base)

    def test_it_generates_for_the_chosen_organization(self):
        self.login(self.p.committee_secretary)
        self.client.post(
            reverse("dues:ledger_generate"),
            {"month": f"{this_month():%Y-%m}", "org": self.p.sibling_branch.pk},
        )
        self.assertEqual(
            set(LedgerEntry.objects.values_list("person__name", flat=True)), {"张晓梅", "陈志刚"}
        )

    def test_it_refuses_a_future_month_and_another_branch(self):
        self.login(self.p.branch_secretary)
        before = writes()
        response = self.client.post(reverse("dues:ledger_generate"), {"month": "2099-01"})
        self.assertIn("不能生成未来月份的党费台账。", body(response))
        response = self.client.post(
            reverse("dues:ledger_generate"), {"month": f"{this_month():%Y-%m}", "org": self.p.other_branch.pk}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(LedgerEntry.objects.exists())
        self.assertEqual(writes(), before)


class BulkPayTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p)

    def test_it_confirms_the_chosen_members_then_records_them(self):
        self.login(self.p.branch_secretary)
        url = reverse("dues:ledger_bulk_pay")
        month = f"{this_month():%Y-%m}"
        ids = [self.p.alice.pk, self.p.bob.pk, self.p.dave.pk]  # 赵立新 is not this secretary's
        response = self.client.get(url, {"month": month, "person": ids})
        text = body(response)
        self.assertIn("王小红", text)
        self.assertIn("李建国", text)
        self.assertNotIn("赵立新", text)
        self.assertIn('id="bulk-total">111.00 元', text)
        response = self.client.post(
            url,
            {"month": month, "person": ids, "method": "cash", "paid_on": timezone.localdate().isoformat()},
            follow=True,
        )
        self.assertIn(f"已为 2 名党员登记 {this_month():%Y年%m月} 党费交纳。", body(response))
        self.assertEqual(entry(self.p.alice).paid_fen, 3000)
        self.assertEqual(entry(self.p.bob).paid_fen, 8100)
        self.assertEqual(entry(self.p.dave).paid_fen, 0)
        self.assertEqual(Payment.objects.count(), 2)

    def test_it_says_when_nothing_is_chosen(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("dues:ledger_bulk_pay"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("没有选择欠交", body(response))

    def test_the_ledger_offers_checkboxes_to_those_who_may_pay(self):
        self.login(self.p.branch_secretary)
        text = body(self.client.get(LEDGER))
        self.assertIn(f'name="person" value="{self.p.alice.pk}" form="bulk-pay"', text)
