"""Scope of every dues page: a user of another branch gets 404/403 on every URL naming a record of this
branch and writes nothing; a plain member sees only 我的党费 (and the receipts of their own payments)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zugong.core.testing import PersonaTestCase
from zugong.dues import rules, services
from zugong.dues.models import LapseCase, Payment

from .test_views import body, dues_setup, this_month, writes

PERSON_URLS = (
    "person",
    "person_category",
    "person_base",
    "person_pay",
    "person_voluntary",
    "person_prepay",
    "person_reduction",
    "person_remind",
)
PAYMENT_URLS = ("receipt", "payment_reverse", "prepay_decide")
LIST_URLS = (
    "ledger",
    "ledger_export",
    "ledger_generate",
    "ledger_bulk_pay",
    "mine",
    "rule_sets",
    "rule_set_create",
    "approvals",
    "lapses",
    "lapse_flag",
)
THIS_SIDE = ("王小红", "李建国", "张晓梅", "陈志刚", "东城社区第一党支部")


class ScopeTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        dues_setup(p, months=range(6))
        today = timezone.localdate()
        cls.alice_payment = services.voluntary_record(
            actor=p.branch_secretary, person=p.alice, amount_fen=500, paid_on=today, method="cash"
        )
        cls.bob_payment = services.payment_record(
            actor=p.branch_secretary, person=p.bob, months=[this_month()], amount_fen=8100, paid_on=today,
            method="cash",
        )  # fmt: skip
        cls.prepay = services.prepay_request(
            actor=p.branch_secretary, person=p.bob, first_month=rules.add_months(this_month(), 1), months=2,
            amount_fen=16200, method="cash", paid_on=today,
        )  # fmt: skip
        cls.reduction = services.reduction_propose(
            actor=p.branch_secretary, person=p.alice, amount_fen=0, valid_from=this_month(),
            valid_to=this_month(), reason="困难",
        )  # fmt: skip
        services.lapse_flag(actor=p.org_admin, as_of=this_month())
        cls.case = LapseCase.objects.get(person=p.alice)

    def object_urls(self, payment=None):
        payment = payment or self.bob_payment
        urls = [reverse(f"dues:{n}", args=[self.p.alice.pk]) for n in PERSON_URLS]
        urls += [reverse(f"dues:{n}", args=[payment.pk]) for n in PAYMENT_URLS]
        urls += [reverse("dues:prepay_decide", args=[self.prepay.pk])]
        urls += [reverse("dues:reduction_decide", args=[self.reduction.pk])]
        urls += [reverse(f"dues:{n}", args=[self.case.pk]) for n in ("lapse_decide", "lapse_approve")]
        return urls

    def assert_refused(self, urls, allowed=(403, 404, 405)):
        before = writes()
        for u in urls:
            for method in ("get", "post"):
                with self.subTest(url=u, method=method):
                    data = {"approve": "1", "note": "x", "reason": "x", "amount_fen": "1", "channel": "phone"}
                    response = getattr(self.client, method)(u, data if method == "post" else None)
                    self.assertIn(response.status_code, allowed)
        self.assertEqual(writes(), before)

    def test_it_hides_every_record_from_a_secretary_of_another_branch(self):
        self.login(self.p.other_secretary)
        self.assert_refused(self.object_urls())
        self.assert_refused(self.object_urls(self.alice_payment))

    def test_it_hides_every_record_from_a_member_of_another_branch(self):
        self.login(self.p.other_member)
        self.assert_refused(self.object_urls())

    def test_it_gives_a_plain_member_nothing_of_the_branch(self):
        self.login(self.p.member)
        urls = [u for u in self.object_urls() if u != reverse("dues:person", args=[self.p.alice.pk])]
        self.assert_refused(urls)
        # Their own dues page is 我的党费.
        response = self.client.get(reverse("dues:person", args=[self.p.alice.pk]))
        self.assertRedirects(response, reverse("dues:mine"))
        for name in LIST_URLS:
            if name == "mine":
                continue
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(f"dues:{name}")).status_code, 403)
                self.assertIn(self.client.post(reverse(f"dues:{name}")).status_code, (403, 405))

    def test_it_lets_a_member_print_their_own_receipt_only(self):
        self.login(self.p.member)
        response = self.client.get(reverse("dues:receipt", args=[self.alice_payment.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("伍元整", body(response))
        self.assertEqual(
            self.client.get(reverse("dues:receipt", args=[self.bob_payment.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.post(
                reverse("dues:payment_reverse", args=[self.alice_payment.pk]), {"reason": "x"}
            ).status_code,
            403,
        )
        self.assertFalse(Payment.objects.filter(reverses=self.alice_payment).exists())

    def test_it_lists_nothing_of_this_branch_to_the_other_side(self):
        for persona in ("other_secretary", "other_member", "sysadmin", "secadmin", "auditor"):
            self.login(getattr(self.p, persona))
            for name in LIST_URLS:
                with self.subTest(persona=persona, name=name):
                    response = self.client.get(reverse(f"dues:{name}"))
                    self.assertIn(response.status_code, (200, 403))
                    text = (
                        b"".join(response.streaming_content).decode("utf-8", "ignore")
                        if response.streaming
                        else body(response)
                    )
                    for name_here in THIS_SIDE:
                        self.assertNotIn(name_here, text)

    def test_it_shows_the_other_secretary_their_own_branch(self):
        self.login(self.p.other_secretary)
        text = body(self.client.get(reverse("dues:ledger")))
        self.assertIn("赵立新", text)
        self.assertIn("230.00", text)  # 11500 yuan → 2 %


class MineTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p, months=(0, 1))
        cls.payment = services.payment_record(
            actor=cls.p.branch_secretary, person=cls.p.alice, months=[rules.add_months(this_month(), -1)],
            amount_fen=3000, paid_on=timezone.localdate(), method="online",
        )  # fmt: skip

    def test_it_shows_a_member_their_own_dues(self):
        self.login(self.p.member)
        response = self.client.get(reverse("dues:mine"))
        self.assertEqual(response.status_code, 200)
        text = body(response)
        self.assertIn("王小红", text)
        self.assertIn('id="mine-owed">30.00<', text)
        self.assertIn(self.payment.receipt_no, text)
        self.assertIn(reverse("dues:receipt", args=[self.payment.pk]), text)
        for other in ("李建国", "张晓梅", "赵立新"):
            self.assertNotIn(other, text)
        self.assertIn("我的党费", text)  # the navigation offers it
        self.assertNotIn(f'href="{reverse("dues:ledger")}">党费<', text)

    def test_it_shows_the_year_totals(self):
        self.login(self.p.member)
        text = body(self.client.get(reverse("dues:mine"), {"year": this_month().year}))
        statement_due = 3000 * sum(
            1 for m in (this_month(), rules.add_months(this_month(), -1)) if m.year == this_month().year
        )
        self.assertIn(f'id="mine-due">{statement_due // 100}.00<', text)

    def test_it_refuses_an_account_without_a_person(self):
        self.login(self.p.branch_secretary)
        self.assertEqual(self.client.get(reverse("dues:mine")).status_code, 403)
