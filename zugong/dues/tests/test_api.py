"""The dues API: the ledger and payments scoped as the pages, the page's filters, payments created through
the service (its refusals as 400 with the Chinese message), profiles and bases read-only."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.core.testing import PersonaTestCase
from zugong.dues import services
from zugong.dues.models import IncomeBase, LedgerEntry, Payment

from .test_views import dues_setup, entry, months_ago, this_month


class ApiTestCase(PersonaTestCase):
    client_class = APIClient

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        dues_setup(cls.p, months=(0, 1, 7))

    def rows(self, user, name, **params):
        self.client.force_login(user)
        response = self.client.get(reverse(name), params)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["results"]

    def names(self, user, name="api-dues-ledger-list", **params):
        return sorted({r["person_name"] for r in self.rows(user, name, **params)})


class LedgerApiTest(ApiTestCase):
    def test_it_scopes_the_ledger_per_persona(self):
        month = f"{this_month():%Y-%m}"
        self.assertEqual(self.names(self.p.branch_secretary, month=month), ["李建国", "王小红"])
        self.assertEqual(len(self.names(self.p.committee_secretary, month=month)), 4)
        self.assertEqual(self.names(self.p.other_secretary, month=month), ["赵立新"])
        self.assertEqual(self.names(self.p.member, month=month), ["王小红"])
        self.assertEqual(self.names(self.p.other_member), ["赵立新"])
        for user in (self.p.sysadmin, self.p.secadmin, self.p.auditor):
            self.assertEqual(self.names(user), [], user.username)

    def test_it_gives_the_figures_in_fen(self):
        rows = self.rows(
            self.p.branch_secretary, "api-dues-ledger-list", month=f"{this_month():%Y-%m}", q="小红"
        )
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(
            (row["base_fen"], row["amount_fen"], row["paid_fen"], row["owed_fen"]), (300001, 3000, 0, 3000)
        )
        self.assertEqual(
            (row["status"], row["month"], row["category"]), ("owed", this_month().isoformat(), "employed")
        )

    def test_it_applies_the_page_filters(self):
        services.payment_record(
            actor=self.p.branch_secretary, person=self.p.alice, months=[this_month()], amount_fen=3000,
            paid_on=timezone.localdate(), method="cash",
        )  # fmt: skip
        user = self.p.committee_secretary
        month = this_month().isoformat()
        self.assertEqual(self.names(user, month=month, status="paid"), ["王小红"])
        self.assertEqual(self.names(user, month=month, org=self.p.sibling_branch.pk), ["张晓梅", "陈志刚"])
        self.assertEqual(len(self.rows(user, "api-dues-ledger-list", person=self.p.alice.pk)), 3)

    def test_it_hides_another_branch_row(self):
        row = entry(self.p.alice)
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(self.client.get(reverse("api-dues-ledger-detail", args=[row.pk])).status_code, 404)
        self.client.force_login(self.p.member)
        self.assertEqual(self.client.get(reverse("api-dues-ledger-detail", args=[row.pk])).status_code, 200)
        bob_row = entry(self.p.bob)
        self.assertEqual(
            self.client.get(reverse("api-dues-ledger-detail", args=[bob_row.pk])).status_code, 404
        )

    def test_it_is_read_only(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(reverse("api-dues-ledger-list"), {}, format="json")
        self.assertEqual(response.status_code, 405)


class PaymentApiTest(ApiTestCase):
    def post(self, user, **data):
        self.client.force_login(user)
        return self.client.post(reverse("api-dues-payment-list"), data, format="json")

    def test_it_records_a_payment_through_the_service(self):
        response = self.post(
            self.p.branch_secretary,
            person=self.p.alice.pk,
            months=[f"{this_month():%Y-%m}", months_ago(1).isoformat()],
            amount_fen=6000,
            method="transfer",
            reference="TX-9",
        )
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["amount_fen"], data["kind"], data["person_name"]), (6000, "backpay", "王小红"))
        self.assertRegex(data["receipt_no"], r"^DF\d{4}-\d{8}$")
        self.assertEqual(
            sorted(a["month"] for a in data["allocations"]),
            [months_ago(1).isoformat(), this_month().isoformat()],
        )
        self.assertEqual(entry(self.p.alice).paid_fen, 3000)
        self.assertEqual(data["paid_on"], timezone.localdate().isoformat())
        # Read back, scoped.
        self.assertEqual(len(self.rows(self.p.branch_secretary, "api-dues-payment-list")), 1)
        self.assertEqual(self.rows(self.p.other_secretary, "api-dues-payment-list"), [])
        self.assertEqual(len(self.rows(self.p.member, "api-dues-payment-list")), 1)
        self.client.force_login(self.p.other_secretary)
        detail = reverse("api-dues-payment-detail", args=[data["id"]])
        self.assertEqual(self.client.get(detail).status_code, 404)

    def test_it_refuses_a_wrong_amount_with_the_expected_total(self):
        response = self.post(
            self.p.branch_secretary, person=self.p.alice.pk, months=[this_month().isoformat()], amount_fen=2999,
            method="cash",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertIn("欠交合计 30.00 元", response.json()["amount_fen"][0])
        self.assertFalse(Payment.objects.exists())

    def test_it_refuses_a_back_payment_of_seven_months(self):
        response = self.post(
            self.p.branch_secretary, person=self.p.alice.pk, months=[months_ago(7).isoformat()], amount_fen=3000,
            method="cash",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertIn("补交一般不超过 6 个月", response.json()["months"][0])

    def test_it_refuses_members_and_other_branches(self):
        data = {
            "person": self.p.alice.pk,
            "months": [this_month().isoformat()],
            "amount_fen": 3000,
            "method": "cash",
        }
        self.assertEqual(self.post(self.p.member, **data).status_code, 403)
        response = self.post(self.p.other_secretary, **data)
        self.assertEqual(response.status_code, 400)  # the person is not one this user may see
        self.assertIn("person", response.json())
        self.assertEqual(self.post(self.p.sysadmin, **data).status_code, 403)
        self.assertFalse(Payment.objects.exists())
        self.assertEqual(LedgerEntry.objects.filter(paid_fen__gt=0).count(), 0)


class ProfileAndBaseApiTest(ApiTestCase):
    def test_it_reads_bases_and_profiles_in_scope(self):
        services.profile_set(actor=self.p.org_admin, person=self.p.dave, category="retired")
        bases = self.rows(self.p.branch_secretary, "api-dues-income-base-list")
        self.assertEqual(
            sorted((b["person_name"], b["base_fen"]) for b in bases), [("李建国", 540000), ("王小红", 300001)]
        )
        self.assertEqual(self.rows(self.p.branch_secretary, "api-dues-profile-list"), [])
        profiles = self.rows(self.p.other_secretary, "api-dues-profile-list")
        self.assertEqual([(p["person_name"], p["category"]) for p in profiles], [("赵立新", "retired")])
        self.assertEqual(len(self.rows(self.p.member, "api-dues-income-base-list")), 1)
        base = IncomeBase.objects.get(person=self.p.alice)
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(
            self.client.get(reverse("api-dues-income-base-detail", args=[base.pk])).status_code, 404
        )
        self.assertEqual(self.client.post(reverse("api-dues-income-base-list"), {}).status_code, 405)
