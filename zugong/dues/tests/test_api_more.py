"""The rest of the dues API: reductions, prepayments and their approval, voluntary payments, reversals, lapse
cases, reminders and the reports — writes through the services (refusals as 400 / 403 with the Chinese
message), reads scoped (another branch's records are 404 and absent from the lists)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.core.testing import PersonaTestCase
from zugong.dues import rules, services
from zugong.dues.models import LapseCase, LedgerEntry, Payment, Reduction, Reminder

from .test_views import dues_setup, entry, months_ago, this_month

SIX = (0, 1, 2, 3, 4, 5)
OTHER_SIDE = ("王小红", "李建国", "张晓梅", "陈志刚", "东城")


class ApiMoreTestCase(PersonaTestCase):
    client_class = APIClient

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p, months=SIX)

    def get(self, user, name, *args, **params):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=args), params)

    def post(self, user, name, *args, **data):
        self.client.force_login(user)
        return self.client.post(reverse(name, args=args), data, format="json")

    def ok(self, response, code=200):
        self.assertEqual(response.status_code, code, response.content.decode())
        return response.json()

    def pay_alice(self):
        return services.payment_record(
            actor=self.p.branch_secretary, person=self.p.alice, months=[this_month()], amount_fen=3000,
            paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip

    def propose(self):
        return services.reduction_propose(
            actor=self.p.branch_secretary, person=self.p.alice, amount_fen=0, valid_from=this_month(),
            valid_to=this_month(), reason="生活困难",
        )  # fmt: skip


class ReductionApiTest(ApiMoreTestCase):
    def test_it_proposes_and_the_committee_above_approves(self):
        data = self.ok(
            self.post(
                self.p.branch_secretary, "api-dues-reduction-list", person=self.p.alice.pk, amount_fen=1000,
                valid_from=f"{this_month():%Y-%m}", valid_to=f"{this_month():%Y-%m}", reason="大病住院",
            ),
            201,
        )  # fmt: skip
        self.assertEqual(
            (data["status"], data["amount_fen"], data["person_name"]), ("proposed", 1000, "王小红")
        )
        self.assertEqual(data["valid_from"], this_month().isoformat())
        url_args = ("api-dues-reduction-decide", data["id"])
        # The branch cannot approve its own request: the committee above does.
        response = self.post(self.p.branch_secretary, *url_args, approve=True)
        self.assertEqual(response.status_code, 403)
        self.assertIn("上级党组织", response.json()["detail"])
        self.assertEqual(Reduction.objects.get().status, "proposed")
        decided = self.ok(self.post(self.p.committee_secretary, *url_args, approve=True, note="同意"))
        self.assertEqual(
            (decided["status"], decided["approved_by_name"]), ("approved", "committee_secretary")
        )
        self.assertEqual(entry(self.p.alice).amount_fen, 1000)
        # Decided once only: the service's message, as 400.
        response = self.post(self.p.committee_secretary, *url_args, approve=False, note="重复")
        self.assertEqual(response.status_code, 400)
        self.assertIn("不能再审批", response.json()["non_field_errors"][0])

    def test_it_refuses_bad_input_with_chinese_messages(self):
        response = self.post(
            self.p.branch_secretary, "api-dues-reduction-list", person=self.p.alice.pk, amount_fen=0,
            valid_from=f"{this_month():%Y-%m}", valid_to=months_ago(1).isoformat(), reason="困难",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertIn("截止月份不能早于起始月份", response.json()["valid_to"][0])
        reduction = self.propose()
        response = self.post(
            self.p.committee_secretary, "api-dues-reduction-decide", reduction.pk, approve=False
        )
        self.assertEqual(response.status_code, 400)  # a refusal needs a reason
        self.assertIn("note", response.json())
        self.assertEqual(Reduction.objects.get().status, "proposed")

    def test_it_lists_in_scope_only_and_keeps_members_out(self):
        reduction = self.propose()
        rows = self.ok(self.get(self.p.committee_secretary, "api-dues-reduction-list"))["results"]
        self.assertEqual([r["id"] for r in rows], [reduction.pk])
        self.assertEqual(self.ok(self.get(self.p.other_secretary, "api-dues-reduction-list"))["results"], [])
        self.assertEqual(self.get(self.p.member, "api-dues-reduction-list").status_code, 403)
        self.assertEqual(self.get(self.p.member, "api-dues-reduction-detail", reduction.pk).status_code, 403)


class PaymentActionsApiTest(ApiMoreTestCase):
    def test_it_requests_a_prepayment_and_the_committee_above_approves(self):
        months = [rules.add_months(this_month(), i) for i in range(3)]
        data = self.ok(
            self.post(
                self.p.branch_secretary, "api-dues-payment-prepay", person=self.p.alice.pk,
                first_month=f"{this_month():%Y-%m}", months=3, amount_fen=9000, method="transfer",
            ),
            201,
        )  # fmt: skip
        self.assertEqual((data["kind"], data["status"], data["amount_fen"]), ("prepay", "pending", 9000))
        self.assertEqual(data["allocations"], [])
        decide = ("api-dues-payment-decide", data["id"])
        self.assertEqual(self.post(self.p.branch_secretary, *decide, approve=True).status_code, 403)
        decided = self.ok(self.post(self.p.committee_secretary, *decide, approve=True))
        self.assertEqual(decided["status"], "posted")
        self.assertEqual(sorted(a["month"] for a in decided["allocations"]), [m.isoformat() for m in months])
        self.assertEqual(
            list(
                LedgerEntry.objects.filter(person=self.p.alice, month__in=months).values_list(
                    "paid_fen", flat=True
                )
            ),
            [3000, 3000, 3000],
        )
        response = self.post(self.p.committee_secretary, *decide, approve=True)
        self.assertEqual(response.status_code, 400)
        self.assertIn("不是待审批的预交申请", response.json()["non_field_errors"][0])

    def test_it_refuses_a_prepayment_of_four_months(self):
        response = self.post(
            self.p.branch_secretary, "api-dues-payment-prepay", person=self.p.alice.pk,
            first_month=this_month().isoformat(), months=4, amount_fen=12000, method="cash",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertIn("2–3 个月", response.json()["months"][0])
        self.assertFalse(Payment.objects.exists())

    def test_it_reverses_a_payment_once(self):
        payment = self.pay_alice()
        self.assertEqual(entry(self.p.alice).paid_fen, 3000)
        data = self.ok(
            self.post(self.p.branch_secretary, "api-dues-payment-reverse", payment.pk, reason="金额登记错误"),
            201,
        )
        self.assertEqual(
            (data["kind"], data["amount_fen"], data["reverses"]), ("reversal", -3000, payment.pk)
        )
        self.assertEqual(entry(self.p.alice).paid_fen, 0)
        response = self.post(self.p.branch_secretary, "api-dues-payment-reverse", payment.pk, reason="再冲")
        self.assertEqual(response.status_code, 400)
        self.assertIn("已冲正，不能重复冲正", response.json()["non_field_errors"][0])
        response = self.post(self.p.branch_secretary, "api-dues-payment-reverse", payment.pk)
        self.assertIn("reason", response.json())

    def test_it_records_voluntary_payments_and_marks_1000_yuan_for_the_centre(self):
        small = self.ok(
            self.post(
                self.p.branch_secretary, "api-dues-payment-voluntary", person=self.p.bob.pk, amount_fen=99999,
                method="cash",
            ),
            201,
        )  # fmt: skip
        big = self.ok(
            self.post(
                self.p.branch_secretary, "api-dues-payment-voluntary", person=self.p.bob.pk, amount_fen=100000,
                method="transfer", note="自愿多交",
            ),
            201,
        )  # fmt: skip
        self.assertEqual((small["kind"], small["to_centre"], small["allocations"]), ("voluntary", False, []))
        self.assertEqual((big["to_centre"], big["note"]), (True, "自愿多交"))
        self.assertEqual(entry(self.p.bob).paid_fen, 0)

    def test_it_refuses_members(self):
        data = {"person": self.p.alice.pk, "amount_fen": 500, "method": "cash"}
        self.assertEqual(self.post(self.p.member, "api-dues-payment-voluntary", **data).status_code, 403)
        prepay = {**data, "first_month": this_month().isoformat(), "months": 3, "amount_fen": 9000}
        self.assertEqual(self.post(self.p.member, "api-dues-payment-prepay", **prepay).status_code, 403)
        payment = self.pay_alice()
        # The member sees her payment, and may not reverse it.
        response = self.post(self.p.member, "api-dues-payment-reverse", payment.pk, reason="x")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Payment.objects.count(), 1)


class LapseApiTest(ApiMoreTestCase):
    def test_it_flags_decides_and_approves(self):
        flagged = self.ok(self.post(self.p.branch_secretary, "api-dues-lapse-case-flag"))
        self.assertEqual(flagged, {"as_of": this_month().isoformat(), "flagged": 2})  # 王小红, 李建国
        self.assertEqual(
            self.ok(self.post(self.p.branch_secretary, "api-dues-lapse-case-flag"))["flagged"], 0
        )
        rows = self.ok(self.get(self.p.branch_secretary, "api-dues-lapse-case-list"))["results"]
        self.assertEqual(sorted(r["person_name"] for r in rows), ["李建国", "王小红"])
        self.assertEqual({(r["unpaid_months"], r["status"]) for r in rows}, {(6, "flagged")})
        case = LapseCase.objects.get(person=self.p.alice)
        self.assertEqual(case.first_unpaid, months_ago(5))

        response = self.post(self.p.branch_secretary, "api-dues-lapse-case-decide", case.pk, decision="maybe")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"decision", "note"})
        decided = self.ok(
            self.post(
                self.p.branch_secretary, "api-dues-lapse-case-decide", case.pk, decision="good_reason",
                note="长期外出务工，已联系",
            )
        )  # fmt: skip
        self.assertEqual((decided["status"], decided["decision"]), ("decided", "good_reason"))
        approve = ("api-dues-lapse-case-approve", case.pk)
        self.assertEqual(self.post(self.p.branch_secretary, *approve, approve=True).status_code, 403)
        approved = self.ok(self.post(self.p.committee_secretary, *approve, approve=True))
        self.assertEqual(
            (approved["status"], approved["approved_by_name"]), ("approved", "committee_secretary")
        )
        response = self.post(self.p.committee_secretary, *approve, approve=True)
        self.assertEqual(response.status_code, 400)
        self.assertIn("不能审批", response.json()["non_field_errors"][0])

    def test_it_flags_nothing_for_a_member(self):
        self.assertEqual(self.post(self.p.member, "api-dues-lapse-case-flag").status_code, 403)
        self.assertEqual(self.get(self.p.member, "api-dues-lapse-case-list").status_code, 403)
        self.assertFalse(LapseCase.objects.exists())


class ReminderApiTest(ApiMoreTestCase):
    def test_it_sends_a_reminder_of_the_months_owed(self):
        data = self.ok(
            self.post(
                self.p.branch_secretary, "api-dues-reminder-list", person=self.p.bob.pk, channel="phone"
            ),
            201,
        )
        self.assertEqual(
            (data["owed_fen"], data["channel"], data["person_name"]), (6 * 8100, "phone", "李建国")
        )
        self.assertEqual(data["months"], [months_ago(n).isoformat() for n in reversed(SIX)])
        rows = self.ok(self.get(self.p.committee_secretary, "api-dues-reminder-list"))["results"]
        self.assertEqual([r["id"] for r in rows], [data["id"]])
        self.ok(self.get(self.p.branch_secretary, "api-dues-reminder-detail", data["id"]))

    def test_it_refuses_a_reminder_when_nothing_is_owed(self):
        services.reduction_decide(actor=self.p.committee_secretary, reduction=self.propose(), approve=True)
        services.payment_record(
            actor=self.p.branch_secretary, person=self.p.alice, months=[months_ago(n) for n in SIX[1:]],
            amount_fen=15000, paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip
        response = self.post(
            self.p.branch_secretary, "api-dues-reminder-list", person=self.p.alice.pk, channel="phone"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("没有欠交的党费", response.json()["non_field_errors"][0])
        self.assertFalse(Reminder.objects.exists())


class ReportApiTest(ApiMoreTestCase):
    def test_it_sums_the_month_per_organization(self):
        data = self.ok(
            self.get(
                self.p.committee_secretary,
                "api-dues-report-month",
                month=f"{this_month():%Y-%m}",
                org=self.p.branch.pk,
            )
        )
        self.assertEqual((data["org"], data["org_name"]), (self.p.branch.pk, "东城社区第一党支部"))
        self.assertEqual(data["total"]["due_fen"], 3000 + 8100)  # 3000.01 → 30.00, 5400 → 81.00
        self.assertEqual((data["total"]["members"], data["total"]["unpaid_members"]), (2, 2))
        self.pay_alice()
        total = self.ok(self.get(self.p.committee_secretary, "api-dues-report-month", org=self.p.branch.pk))[
            "total"
        ]
        self.assertEqual((total["paid_fen"], total["owed_fen"], total["rate"]), (3000, 8100, "0.2703"))
        # Without org: the top of the scope (the committee), its children below.
        data = self.ok(self.get(self.p.committee_secretary, "api-dues-report-month"))
        self.assertEqual(data["org"], self.p.committee.pk)
        self.assertEqual(data["total"]["due_fen"], 3000 + 8100 + 3200)
        response = self.get(self.p.committee_secretary, "api-dues-report-month", month="2025-13")
        self.assertEqual(response.status_code, 400)
        self.assertIn("格式不正确", response.json()["month"][0])

    def test_it_lists_the_arrears(self):
        self.pay_alice()
        rows = self.ok(
            self.get(self.p.branch_secretary, "api-dues-report-arrears", month=f"{this_month():%Y-%m}")
        )
        self.assertEqual(
            [
                (r["person_name"], r["unpaid_months"], r["consecutive"], r["owed_fen"])
                for r in rows["results"]
            ],
            [("李建国", 6, 6, 6 * 8100), ("王小红", 5, 0, 5 * 3000)],
        )

    def test_it_computes_the_remittance(self):
        year = timezone.localdate().year
        self.pay_alice()
        services.voluntary_record(
            actor=self.p.branch_secretary, person=self.p.bob, amount_fen=100000, paid_on=timezone.localdate(),
            method="cash",
        )  # fmt: skip
        data = self.ok(self.get(self.p.committee_secretary, "api-dues-report-remittance", year=year))
        self.assertEqual(data["due_by"], f"{year + 1}-04-30")
        (row,) = data["rows"]
        self.assertEqual(row["org_name"], "东城街道党工委")
        self.assertEqual(
            (row["dues_fen"], row["collected_fen"], row["remit_fen"], row["to_centre_fen"]),
            (3000, 3000, 150, 100000),
        )
        self.assertEqual(
            self.get(self.p.committee_secretary, "api-dues-report-remittance", year="1999").status_code, 400
        )

    def test_it_gives_a_members_annual_statement(self):
        year = timezone.localdate().year
        payment = self.pay_alice()
        data = self.ok(
            self.get(self.p.branch_secretary, "api-dues-report-statement", self.p.alice.pk, year=year)
        )
        charged = sum(1 for n in SIX if months_ago(n).year == year)
        self.assertEqual(len(data["months"]), 12)
        self.assertEqual(sum(m["charged"] for m in data["months"]), charged)
        self.assertEqual(data["totals"]["due_fen"], charged * 3000)
        self.assertEqual(data["totals"]["paid_fen"], 3000)
        (current,) = [m for m in data["months"] if m["month"] == this_month().isoformat()]
        self.assertEqual((current["base_fen"], current["receipts"]), (300001, [payment.receipt_no]))
        # A member reads her own statement, not another member's.
        self.ok(self.get(self.p.member, "api-dues-report-statement", self.p.alice.pk))
        self.assertEqual(self.get(self.p.member, "api-dues-report-statement", self.p.bob.pk).status_code, 404)
        self.assertEqual(self.get(self.p.member, "api-dues-report-month").status_code, 403)


class OtherBranchApiTest(ApiMoreTestCase):
    """Another branch's secretary: 404 on every object endpoint, nothing of ours in the lists."""

    def test_it_hides_every_record_from_another_branch(self):
        services.lapse_flag(actor=self.p.branch_secretary, as_of=this_month())
        case = LapseCase.objects.get(person=self.p.alice)
        payment = self.pay_alice()
        reduction = self.propose()
        reminder = services.reminder_send(actor=self.p.branch_secretary, person=self.p.bob, channel="phone")
        user = self.p.other_secretary
        gets = [
            ("api-dues-reduction-detail", reduction.pk),
            ("api-dues-lapse-case-detail", case.pk),
            ("api-dues-reminder-detail", reminder.pk),
            ("api-dues-report-statement", self.p.alice.pk),
        ]
        posts = [
            ("api-dues-reduction-decide", reduction.pk, {"approve": True}),
            ("api-dues-payment-decide", payment.pk, {"approve": True}),
            ("api-dues-payment-reverse", payment.pk, {"reason": "x"}),
            ("api-dues-lapse-case-decide", case.pk, {"decision": "lapsed", "note": "x"}),
            ("api-dues-lapse-case-approve", case.pk, {"approve": True}),
        ]
        for name, pk in gets:
            with self.subTest(name=name):
                self.assertEqual(self.get(user, name, pk).status_code, 404)
        for name, pk, data in posts:
            with self.subTest(name=name):
                self.assertEqual(self.post(user, name, pk, **data).status_code, 404)
        self.assertEqual(self.get(user, "api-dues-report-month", org=self.p.branch.pk).status_code, 404)
        for name, params in [
            ("api-dues-reduction-list", {}),
            ("api-dues-lapse-case-list", {}),
            ("api-dues-reminder-list", {}),
            ("api-dues-report-month", {}),
            ("api-dues-report-arrears", {}),
            ("api-dues-report-remittance", {}),
        ]:
            with self.subTest(name=name):
                text = self.get(user, name, **params).content.decode()
                for other in OTHER_SIDE:
                    self.assertNotIn(other, text)
        # Writes naming our members are refused, and nothing changed.
        for name, data in [
            (
                "api-dues-reduction-list",
                {"amount_fen": 0, "valid_from": "2025-01", "valid_to": "2025-01", "reason": "x"},
            ),
            ("api-dues-reminder-list", {"channel": "phone"}),
            ("api-dues-payment-voluntary", {"amount_fen": 100, "method": "cash"}),
        ]:
            with self.subTest(name=name):
                response = self.post(user, name, person=self.p.alice.pk, **data)
                self.assertEqual(response.status_code, 400)
                self.assertIn("person", response.json())
        self.assertEqual(Reduction.objects.get().status, "proposed")
        self.assertEqual(LapseCase.objects.get(pk=case.pk).status, "flagged")
        self.assertEqual(Payment.objects.count(), 1)
