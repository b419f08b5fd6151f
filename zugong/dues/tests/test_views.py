"""One member's dues pages: the figures (3000.01 yuan → 30.00), the forms and their refusals, the receipt.
Also the helpers the other page tests share (``dues_setup``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.dues import ledger, rules, services
from zugong.dues.models import (
    DuesProfile,
    IncomeBase,
    LedgerEntry,
    Payment,
    Reduction,
    Reminder,
)


def this_month() -> dt.date:
    return rules.month_start(timezone.localdate())


def months_ago(n: int) -> dt.date:
    return rules.add_months(this_month(), -n)


def dues_setup(p, *, months=(0,)):
    """王小红 earns 3000.01 yuan (30.00 a month), 李建国 5400 (81.00), 张晓梅 (sibling branch) 3200 (32.00),
    赵立新 (other committee) 11500 (230.00); the ledger of ``months`` (months ago) is generated."""
    start = months_ago(max(months) + 1)
    for person, base in ((p.alice, 300001), (p.bob, 540000), (p.carol, 320000), (p.dave, 1150000)):
        services.income_base_add(actor=p.org_admin, person=person, effective_month=start, base_fen=base)
    for n in sorted(months, reverse=True):
        ledger.generate_month(actor=p.org_admin, month=months_ago(n))


def entry(person, month=None) -> LedgerEntry:
    return LedgerEntry.objects.get(person=person, month=month or this_month())


def writes() -> int:
    return AuditEvent.objects.exclude(kind=AuditEvent.Kind.EVENT).count()


def body(response) -> str:
    return response.content.decode()


def url(name, obj):
    return reverse(f"dues:{name}", args=[obj.pk])


class DuesTestCase(PersonaTestCase):
    months = (0,)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p, months=cls.months)


class PersonPageTest(DuesTestCase):
    def test_it_shows_the_figures_of_a_3000_01_base(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(url("person", self.p.alice))
        self.assertEqual(response.status_code, 200)
        text = body(response)
        self.assertIn("王小红", text)
        self.assertIn("3000.01", text)  # the base
        self.assertIn("30.00 元", text)  # owed this month: 1 % of the whole income
        self.assertIn("在职（默认）", text)
        for name in ("person_pay", "person_voluntary", "person_prepay", "person_remind", "person_base"):
            self.assertIn(url(name, self.p.alice), text)

    def test_it_shows_5400_as_81(self):
        self.login(self.p.committee_secretary)
        text = body(self.client.get(url("person", self.p.bob)))
        self.assertIn("81.00 元", text)
        self.assertIn("5400.00", text)

    def test_it_offers_no_action_to_a_reader_without_change(self):
        # The 组织委员 may change; every staff grant may. A plain member is sent to 我的党费.
        self.login(self.p.member)
        response = self.client.get(url("person", self.p.alice))
        self.assertRedirects(response, reverse("dues:mine"))


class IncomeBaseFormTest(DuesTestCase):
    def post(self, **data):
        self.login(self.p.branch_secretary)
        return self.client.post(url("person_base", self.p.bob), data)

    def test_it_records_a_base_in_fen_exactly(self):
        response = self.post(effective_month=f"{this_month():%Y-%m}", base_fen="3000.01")
        self.assertRedirects(response, url("person", self.p.bob))
        base = IncomeBase.objects.get(person=self.p.bob, effective_month=this_month())
        self.assertEqual(base.base_fen, 300001)
        self.assertEqual(base.recorded_by, self.p.branch_secretary)

    def test_it_refuses_bad_amounts_with_chinese_messages(self):
        cases = {
            "3000.001": "金额最多保留两位小数（精确到分）。",
            "-5": "金额不能为负数。",
            "abc": "不是有效的金额",
            "99999999999": "金额过大",
            "NaN": "不是有效的金额",
        }
        for value, message in cases.items():
            with self.subTest(value=value):
                before = writes()
                response = self.post(effective_month=f"{this_month():%Y-%m}", base_fen=value)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, body(response))
                self.assertEqual(writes(), before)
        self.assertFalse(IncomeBase.objects.filter(person=self.p.bob, effective_month=this_month()).exists())

    def test_it_refuses_a_second_base_for_the_same_month(self):
        response = self.post(effective_month=f"{months_ago(1):%Y-%m}", base_fen="6000")
        self.assertIn("已有收入基数，不能重复录入。", body(response))

    def test_it_refuses_a_bad_month(self):
        response = self.post(effective_month="2025-13", base_fen="6000")
        self.assertIn("请输入有效的月份", body(response))


class PaymentFormTest(DuesTestCase):
    months = (0, 1, 7)

    def test_it_prefills_the_owed_months_within_the_limit(self):
        self.login(self.p.branch_secretary)
        text = body(self.client.get(url("person_pay", self.p.alice)))
        self.assertIn('value="60.00"', text)  # this month and last month; the 7th month back is too old
        self.assertIn(
            f'value="{this_month().isoformat()}" id="month-{this_month().isoformat()}" checked', text
        )
        old = months_ago(7).isoformat()
        self.assertIn(f'value="{old}" id="month-{old}">', text)
        self.assertIn("超过补交期限", text)

    def test_it_records_a_payment_and_shows_the_receipt_in_capitals(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(
            url("person_pay", self.p.alice),
            {
                "months": [this_month().isoformat()],
                "amount_fen": "30.00",
                "paid_on": timezone.localdate().isoformat(),
                "method": "cash",
            },
        )
        payment = Payment.objects.get(person=self.p.alice)
        self.assertRedirects(response, url("receipt", payment))
        self.assertEqual(payment.amount_fen, 3000)
        self.assertEqual(payment.kind, Payment.Kind.MONTHLY)
        self.assertEqual(entry(self.p.alice).paid_fen, 3000)
        text = body(self.client.get(url("receipt", payment)))
        self.assertIn(payment.receipt_no, text)
        self.assertRegex(payment.receipt_no, r"^DF\d{4}-\d{8}$")
        self.assertIn("叁拾元整", text)
        self.assertIn("¥30.00", text)
        self.assertIn("branch_secretary", text)  # 经办人
        self.assertIn(f"{this_month():%Y年%m月}", text)
        self.assertIn("dues/receipt.css", text)

    def test_it_names_the_expected_total_on_a_mismatch(self):
        self.login(self.p.branch_secretary)
        before = writes()
        response = self.client.post(
            url("person_pay", self.p.alice),
            {
                "months": [this_month().isoformat(), months_ago(1).isoformat()],
                "amount_fen": "30.00",
                "paid_on": timezone.localdate().isoformat(),
                "method": "cash",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("欠交合计 60.00 元", body(response))
        self.assertEqual(writes(), before)
        self.assertFalse(Payment.objects.exists())

    def test_it_refuses_a_back_payment_of_seven_months(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(
            url("person_pay", self.p.alice),
            {
                "months": [months_ago(7).isoformat()],
                "amount_fen": "30.00",
                "paid_on": timezone.localdate().isoformat(),
                "method": "cash",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("补交一般不超过 6 个月", body(response))
        self.assertFalse(Payment.objects.exists())

    def test_it_refuses_three_decimals_and_no_month(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(
            url("person_pay", self.p.alice),
            {"amount_fen": "30.001", "paid_on": timezone.localdate().isoformat(), "method": "cash"},
        )
        text = body(response)
        self.assertIn("金额最多保留两位小数（精确到分）。", text)
        self.assertIn("请选择交纳月份。", text)
        self.assertFalse(Payment.objects.exists())

    def test_it_records_a_back_payment_of_two_months(self):
        self.login(self.p.branch_secretary)
        self.client.post(
            url("person_pay", self.p.alice),
            {
                "months": [this_month().isoformat(), months_ago(1).isoformat()],
                "amount_fen": "60",
                "paid_on": timezone.localdate().isoformat(),
                "method": "transfer",
                "reference": "TX-1",
            },
        )
        payment = Payment.objects.get(person=self.p.alice)
        self.assertEqual((payment.kind, payment.amount_fen, payment.months), (Payment.Kind.BACKPAY, 6000, 2))
        text = body(self.client.get(url("receipt", payment)))
        self.assertIn("陆拾元整", text)


class OtherFormsTest(DuesTestCase):
    def setUp(self):
        self.login(self.p.branch_secretary)
        self.today = timezone.localdate().isoformat()

    def test_it_sets_the_category(self):
        response = self.client.post(url("person_category", self.p.alice), {"category": "retired"})
        self.assertRedirects(response, url("person", self.p.alice))
        self.assertEqual(DuesProfile.objects.get(person=self.p.alice).category, "retired")
        self.assertIn("离退休", body(self.client.get(url("person", self.p.alice))))

    def test_it_records_a_voluntary_payment_to_the_centre(self):
        response = self.client.post(
            url("person_voluntary", self.p.alice),
            {"amount_fen": "1000.00", "paid_on": self.today, "method": "cash"},
        )
        payment = Payment.objects.get(person=self.p.alice)
        self.assertRedirects(response, url("receipt", payment))
        self.assertTrue(payment.to_centre)
        self.assertEqual(payment.kind, Payment.Kind.VOLUNTARY)
        text = body(self.client.get(url("receipt", payment)))
        self.assertIn("壹仟元整", text)
        self.assertIn("全额上缴中央", text)

    def test_it_refuses_a_zero_voluntary_payment(self):
        response = self.client.post(
            url("person_voluntary", self.p.alice),
            {"amount_fen": "0", "paid_on": self.today, "method": "cash"},
        )
        self.assertIn("金额应大于零。", body(response))

    def test_it_requests_a_quarterly_prepayment(self):
        response = self.client.post(
            url("person_prepay", self.p.alice),
            {
                "first_month": f"{this_month():%Y-%m}",
                "months": "3",
                "amount_fen": "90.00",
                "method": "cash",
                "paid_on": self.today,
            },
        )
        self.assertRedirects(response, url("person", self.p.alice))
        payment = Payment.objects.get(person=self.p.alice)
        self.assertEqual((payment.kind, payment.status, payment.months), ("prepay", "pending", 3))

    def test_it_proposes_a_reduction(self):
        response = self.client.post(
            url("person_reduction", self.p.alice),
            {
                "amount_fen": "0",
                "valid_from": f"{this_month():%Y-%m}",
                "valid_to": f"{rules.add_months(this_month(), 5):%Y-%m}",
                "reason": "大病住院，生活困难",
            },
        )
        self.assertRedirects(response, url("person", self.p.alice))
        reduction = Reduction.objects.get(person=self.p.alice)
        self.assertEqual((reduction.status, reduction.amount_fen), ("proposed", 0))

    def test_it_refuses_a_reduction_ending_before_it_starts(self):
        response = self.client.post(
            url("person_reduction", self.p.alice),
            {"amount_fen": "0", "valid_from": "2026-05", "valid_to": "2026-03", "reason": "困难"},
        )
        self.assertIn("截止月份不能早于起始月份。", body(response))
        self.assertFalse(Reduction.objects.exists())

    def test_it_records_a_reminder(self):
        response = self.client.post(url("person_remind", self.p.alice), {"channel": "phone"})
        self.assertRedirects(response, url("person", self.p.alice))
        reminder = Reminder.objects.get(person=self.p.alice)
        self.assertEqual(reminder.owed_fen, 3000)
        self.assertIn("电话", body(self.client.get(url("person", self.p.alice))))

    def test_it_refuses_a_reminder_when_nothing_is_owed(self):
        services.payment_record(
            actor=self.p.branch_secretary, person=self.p.alice, months=[this_month()], amount_fen=3000,
            paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip
        response = self.client.post(url("person_remind", self.p.alice), {"channel": "phone"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Reminder.objects.exists())
        self.assertIn("alert-danger", body(response))


class ReverseTest(DuesTestCase):
    def setUp(self):
        self.payment = services.payment_record(
            actor=self.p.branch_secretary, person=self.p.alice, months=[this_month()], amount_fen=3000,
            paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip
        self.login(self.p.branch_secretary)

    def test_it_asks_for_a_reason_and_a_confirmation(self):
        text = body(self.client.get(url("payment_reverse", self.payment)))
        self.assertIn("确认冲正", text)
        self.assertIn("data-confirm=", text)
        self.assertIn(
            url("payment_reverse", self.payment), body(self.client.get(url("person", self.p.alice)))
        )
        response = self.client.post(url("payment_reverse", self.payment), {"reason": ""})
        self.assertIn("该字段是必填项。", body(response))
        self.assertEqual(Payment.objects.count(), 1)

    def test_it_reverses_once(self):
        response = self.client.post(url("payment_reverse", self.payment), {"reason": "金额登记错误"})
        self.assertRedirects(response, url("person", self.p.alice))
        reversal = Payment.objects.get(reverses=self.payment)
        self.assertEqual((reversal.kind, reversal.amount_fen), ("reversal", -3000))
        self.assertEqual(entry(self.p.alice).paid_fen, 0)
        receipt = body(self.client.get(url("receipt", reversal)))
        self.assertIn("负叁拾元整", receipt)
        self.assertIn("已冲正", body(self.client.get(url("receipt", self.payment))))
        # Again: refused with a message, nothing written; and a reversal cannot be reversed.
        response = self.client.get(url("payment_reverse", self.payment), follow=True)
        self.assertIn("已冲正，不能重复冲正", body(response))
        response = self.client.post(url("payment_reverse", reversal), {"reason": "再冲"}, follow=True)
        self.assertIn("冲正记录不能再冲正。", body(response))
        self.assertEqual(Payment.objects.count(), 2)
