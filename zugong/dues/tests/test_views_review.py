"""审批 by the committee above, 连续未交预警 and 党费标准."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zugong.core.testing import PersonaTestCase
from zugong.dues import rules, services
from zugong.dues.models import DuesRuleSet, LapseCase, Payment, Reduction

from .test_views import body, dues_setup, entry, this_month, url, writes

APPROVALS = reverse("dues:approvals")
LAPSES = reverse("dues:lapses")


class ApprovalsTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        dues_setup(p)
        cls.reduction = services.reduction_propose(
            actor=p.branch_secretary, person=p.alice, amount_fen=0, valid_from=this_month(),
            valid_to=rules.add_months(this_month(), 2), reason="大病住院",
        )  # fmt: skip
        cls.prepay = services.prepay_request(
            actor=p.branch_secretary, person=p.bob, first_month=rules.add_months(this_month(), 1), months=3,
            amount_fen=24300, method="cash", paid_on=timezone.localdate(),
        )  # fmt: skip

    def test_it_shows_the_branch_its_requests_waiting_for_the_committee(self):
        self.login(self.p.branch_secretary)
        text = body(self.client.get(APPROVALS))
        self.assertIn("王小红", text)
        self.assertIn("李建国", text)
        self.assertIn("待上级审批", text)
        self.assertNotIn(url("reduction_decide", self.reduction), text)
        # Going to the decision anyway: the service refuses, nothing changes.
        response = self.client.post(url("reduction_decide", self.reduction), {"approve": "1"})
        self.assertIn("须由上级党组织审批", body(response))
        self.reduction.refresh_from_db()
        self.assertEqual(self.reduction.status, "proposed")

    def test_it_lets_the_committee_approve_a_reduction(self):
        self.login(self.p.committee_secretary)
        text = body(self.client.get(APPROVALS))
        self.assertIn(url("reduction_decide", self.reduction), text)
        self.assertIn(url("prepay_decide", self.prepay), text)
        page = body(self.client.get(url("reduction_decide", self.reduction)))
        self.assertIn("免交", page)
        self.assertIn("大病住院", page)
        response = self.client.post(url("reduction_decide", self.reduction), {"approve": "1", "note": "同意"})
        self.assertRedirects(response, APPROVALS)
        self.reduction.refresh_from_db()
        self.assertEqual(
            (self.reduction.status, self.reduction.approved_by), ("approved", self.p.committee_secretary)
        )
        self.assertEqual(entry(self.p.alice).amount_fen, 0)  # the unpaid month takes the waiver

    def test_it_needs_a_note_to_reject(self):
        self.login(self.p.committee_secretary)
        before = writes()
        response = self.client.post(url("reduction_decide", self.reduction), {"approve": "0", "note": ""})
        self.assertIn("不批准时请填写审批意见。", body(response))
        self.assertEqual(writes(), before)
        response = self.client.post(
            url("reduction_decide", self.reduction), {"approve": "0", "note": "材料不全"}
        )
        self.assertRedirects(response, APPROVALS)
        self.reduction.refresh_from_db()
        self.assertEqual(self.reduction.status, "rejected")

    def test_it_lets_the_committee_approve_a_prepayment(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(url("prepay_decide", self.prepay), {"approve": "1"})
        self.assertRedirects(response, APPROVALS)
        self.prepay.refresh_from_db()
        self.assertEqual(self.prepay.status, Payment.Status.POSTED)
        self.assertEqual(self.prepay.allocations.count(), 3)

    def test_it_shows_the_refused_figure_of_a_wrong_prepayment(self):
        wrong = services.prepay_request(
            actor=self.p.branch_secretary, person=self.p.alice, first_month=rules.add_months(this_month(), 4),
            months=2, amount_fen=5000, method="cash", paid_on=timezone.localdate(),
        )  # fmt: skip
        self.login(self.p.org_admin)
        response = self.client.post(url("prepay_decide", wrong), {"approve": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("60.00", body(response))
        wrong.refresh_from_db()
        self.assertEqual(wrong.status, Payment.Status.PENDING)


class LapseTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p, months=range(6))
        # 李建国 paid last month: only 王小红 has six unpaid months in a row.
        services.payment_record(
            actor=cls.p.org_admin, person=cls.p.bob, months=[rules.add_months(this_month(), -1)], amount_fen=8100,
            paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip

    def test_it_flags_decides_and_approves(self):
        self.login(self.p.branch_secretary)
        text = body(self.client.get(reverse("dues:lapse_flag")))
        self.assertIn("请确认", text)
        response = self.client.post(reverse("dues:lapse_flag"), follow=True)
        self.assertIn("已生成连续未交党费预警：新增 1 人。", body(response))
        case = LapseCase.objects.get()
        self.assertEqual((case.person, case.unpaid_months), (self.p.alice, 6))
        text = body(self.client.get(LAPSES))
        self.assertIn("王小红", text)
        self.assertIn("6 个月", text)
        self.assertIn(url("lapse_decide", case), text)
        # The branch decides.
        response = self.client.post(url("lapse_decide", case), {"decision": "good_reason", "note": ""})
        self.assertIn("该字段是必填项。", body(response))
        response = self.client.post(
            url("lapse_decide", case), {"decision": "good_reason", "note": "外出务工，已联系"}
        )
        self.assertRedirects(response, LAPSES)
        case.refresh_from_db()
        self.assertEqual(case.status, LapseCase.Status.DECIDED)
        # The committee above approves.
        self.login(self.p.committee_secretary)
        self.assertIn(url("lapse_approve", case), body(self.client.get(APPROVALS)))
        response = self.client.post(url("lapse_approve", case), {"approve": "1", "note": "同意"})
        self.assertRedirects(response, APPROVALS)
        case.refresh_from_db()
        self.assertEqual(case.status, LapseCase.Status.APPROVED)
        # Decided: the branch is not asked again.
        self.login(self.p.branch_secretary)
        response = self.client.get(url("lapse_decide", case), follow=True)
        self.assertIn("支部无需再作决定", body(response))

    def test_it_filters_the_cases(self):
        services.lapse_flag(actor=self.p.org_admin, as_of=this_month())
        self.login(self.p.committee_secretary)
        self.assertIn("王小红", body(self.client.get(LAPSES, {"status": "flagged"})))
        self.assertNotIn("王小红", body(self.client.get(LAPSES, {"status": "approved"})))
        self.assertNotIn("王小红", body(self.client.get(LAPSES, {"q": "建国"})))


class RuleSetTest(PersonaTestCase):
    def test_it_lists_the_rule_sets_for_staff(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("dues:rule_sets"))
        text = body(response)
        self.assertIn("中组发〔2008〕3号", text)
        self.assertIn("≤ 3000.00 元：0.5%", text)
        self.assertIn("以上：2%", text)
        self.assertIn("现行", text)
        self.assertNotIn(reverse("dues:rule_set_create"), text)
        self.assertEqual(self.client.get(reverse("dues:rule_set_create")).status_code, 403)
        self.login(self.p.member)
        self.assertEqual(self.client.get(reverse("dues:rule_sets")).status_code, 403)

    def test_it_lets_the_district_create_a_rule_set(self):
        self.login(self.p.org_admin)
        create = reverse("dues:rule_set_create")
        self.assertIn(create, body(self.client.get(reverse("dues:rule_sets"))))
        form = body(self.client.get(create))
        self.assertIn("3000 0.5\n5000 1\n10000 1.5\n以上 2", form)
        month = rules.add_months(this_month(), 1)
        data = {
            "name": "省委组织部〔2026〕1号",
            "effective_from": f"{month:%Y-%m}",
            "employed_brackets": "3000 0.5\n5000 1\n10000 1.5\n以上 2",
            "retired_brackets": "5000 0.5\n以上 1",
            "farmer_fen": "0.80",
            "flat_fen": "0.20",
        }
        bad = body(self.client.post(create, {**data, "farmer_fen": "0.805"}))
        self.assertIn("金额最多保留两位小数", bad)
        bad = body(self.client.post(create, {**data, "effective_from": "2020-01"}))
        self.assertIn("不能改写过去的月份", bad)
        self.assertEqual(DuesRuleSet.objects.count(), 1)
        response = self.client.post(create, data)
        self.assertRedirects(response, reverse("dues:rule_sets"))
        rule_set = DuesRuleSet.objects.get(effective_from=month)
        self.assertEqual(rule_set.farmer_fen, 80)
        self.assertEqual(
            rule_set.employed_brackets, [[300000, 50], [500000, 100], [1000000, 150], [None, 200]]
        )


class ReductionStatusShownTest(PersonaTestCase):
    def test_it_shows_the_reduction_on_the_person_page(self):
        dues_setup(self.p)
        services.reduction_propose(
            actor=self.p.branch_secretary, person=self.p.alice, amount_fen=10, valid_from=this_month(),
            valid_to=this_month(), reason="低保户",
        )  # fmt: skip
        self.login(self.p.branch_secretary)
        text = body(self.client.get(url("person", self.p.alice)))
        self.assertIn("每月 0.10 元", text)
        self.assertIn("待审批", text)
        self.assertEqual(Reduction.objects.count(), 1)
