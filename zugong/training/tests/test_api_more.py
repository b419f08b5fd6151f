"""The training API, continued: yearly summaries and progress (the numbers: an approved 2-day 党校 claim
is 12 credits), the rule sets (the office edits, recomputes and closes; a committee secretary cannot), and
the reports, scoped as the pages."""

from __future__ import annotations

from django.urls import reverse

from ..models import CategoryRule, Claim, CreditRuleSet, CreditYear
from .base import YEAR, add_entry
from .test_api import ApiTestCase


class YearApiTest(ApiTestCase):
    def approve(self, claim_id):
        url = reverse("api-training-claim-decide", args=[claim_id])
        response = self.as_(self.p.org_admin).post(url, {"approve": True}, format="json")
        self.assertEqual(response.status_code, 200, response.content)

    def year_row(self, user, person):
        rows = self.rows(user, "api-training-year-list", year=YEAR, person=person.pk)
        self.assertEqual(len(rows), 1)
        return rows[0]

    def test_it_counts_an_approved_two_day_party_school_claim_as_12_credits(self):
        self.recompute()
        self.assertEqual(self.year_row(self.p.cadre_user, self.p.cadre)["credits_total"], "0.00")
        claim = self.claim()
        self.assertEqual(claim.status_code, 201, claim.content)
        self.approve(claim.json()["id"])
        row = self.year_row(self.p.cadre_user, self.p.cadre)
        self.assertEqual(
            (row["credits_earned"], row["credits_required"], row["credits_total"], row["full_time_days"]),
            ("12.00", "12.00", "12.00", "2.00"),
        )
        self.assertEqual((row["hours"], row["cycle_hours"], row["entries"]), ("15.00", "15.00", 1))
        self.assertEqual((row["met_target"], row["grade"], row["rank_group"]), (False, "fail", "county"))
        self.assertEqual((row["person_name"], row["unit_name"]), ("陈志刚", "东城街道办事处"))
        self.assertNotIn("id_number", str(row))

    def test_it_scopes_the_summaries(self):
        self.recompute()
        years = "api-training-year-list"
        self.assertEqual(self.names(self.p.org_admin, years, year=YEAR), ["赵立新", "陈志刚"])
        self.assertEqual(self.names(self.p.committee_secretary, years, year=YEAR), ["陈志刚"])
        self.assertEqual(self.names(self.p.other_secretary, years, year=YEAR), ["赵立新"])
        self.assertEqual(self.names(self.p.cadre_user, years), ["陈志刚"])
        self.assertEqual(self.names(self.p.org_admin, years, unit=self.p.other_unit.pk), ["赵立新"])
        self.assertEqual(self.names(self.p.org_admin, years, met="false"), ["赵立新", "陈志刚"])
        self.assertEqual(self.names(self.p.org_admin, years, met="true"), [])
        self.assertEqual(self.names(self.p.org_admin, years, grade="excellent"), [])
        self.assertEqual(self.names(self.p.org_admin, years, year=2024), [])
        mine = CreditYear.objects.get(person=self.p.cadre, year=YEAR).pk
        for user in (self.p.other_secretary, self.p.dave_user):
            response = self.as_(user).get(reverse("api-training-year-detail", args=[mine]))
            self.assertEqual(response.status_code, 404, user.username)

    def test_it_gives_a_cadre_their_progress(self):
        add_entry(self.p.cadre, category="online", hours=10)
        self.recompute()
        response = self.as_(self.p.cadre_user).get(reverse("api-training-year-progress"), {"year": YEAR})
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual((data["person_name"], data["year"], data["rank_group"]), ("陈志刚", YEAR, "county"))
        bars = {bar["label"]: bar for bar in data["bars"]}
        self.assertEqual(bars["网络学时"], {"label": "网络学时", "value": "10.00", "target": "50.00",
                                        "percent": 20, "met": False})  # fmt: skip
        self.assertEqual(bars["总学分"]["value"], "10.00")
        self.assertEqual(data["shortfall"]["online_hours"], "40.00")
        self.assertEqual(data["shortfall"]["total"], "74.00")
        self.assertEqual((len(data["entries"]), data["summary"]["credits_total"]), (1, "10.00"))
        url = reverse("api-training-year-progress")
        staff = self.as_(self.p.committee_secretary)
        self.assertEqual(staff.get(url, {"person": self.p.cadre.pk, "year": YEAR}).status_code, 200)
        self.assertEqual(staff.get(url, {"person": self.p.dave.pk}).status_code, 404)
        self.assertEqual(
            self.as_(self.p.other_secretary).get(url, {"person": self.p.cadre.pk}).status_code, 404
        )
        self.assertEqual(self.as_(self.p.dave_user).get(url, {"person": self.p.cadre.pk}).status_code, 404)
        response = self.as_(self.p.committee_secretary).get(url)
        self.assertEqual(response.status_code, 400)
        self.assertIn("请指定干部", self.message(response))
        response = self.as_(self.p.org_admin).get(url, {"person": self.p.alice.pk})
        self.assertEqual(response.status_code, 400)
        self.assertIn("不是区管干部", self.message(response))
        response = self.as_(self.p.cadre_user).get(url, {"year": "二〇二五"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("年度", self.message(response))


class RuleSetApiTest(ApiTestCase):
    def url(self, name="detail", year=YEAR):
        return reverse(f"api-training-rule-set-{name}", args=[year])

    def test_it_reads_the_rules_with_their_categories(self):
        response = self.as_(self.p.cadre_user).get(self.url())
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(
            (data["year"], data["total_credits"], data["required_credits"]), (YEAR, "84.00", "56.00")
        )
        self.assertEqual(data["cycle"], [2023, 2027])
        rules = {rule["category"]: rule for rule in data["rules"]}
        self.assertEqual(len(rules), 8)
        self.assertEqual((rules["party_school"]["mode"], rules["party_school"]["rate"]), ("per_day", "6.00"))
        self.assertEqual(rules["paper"]["level_rates"], {"city": "12", "province": "24", "national": "48"})
        self.assertEqual(
            [r["year"] for r in self.rows(self.p.org_admin, "api-training-rule-set-list")], [YEAR]
        )
        self.assertEqual(self.as_(self.p.org_admin).get(self.url(year=2024)).status_code, 404)

    def test_it_lets_the_office_change_the_rules_and_recomputes(self):
        add_entry(self.p.cadre, category="party_school", days=2)
        self.recompute()
        change = {"total_credits": "90", "rules": [{"category": "party_school", "rate": "7"}]}
        response = self.as_(self.p.org_admin).patch(self.url(), change, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(data["total_credits"], "90.00")
        self.assertEqual(data["recompute"]["year"], YEAR)
        self.assertEqual(CategoryRule.objects.get(rule_set__year=YEAR, category="party_school").rate, 7)
        self.assertEqual(CreditYear.objects.get(person=self.p.cadre, year=YEAR).credits_total, 14)

    def test_it_refuses_a_committee_secretary(self):
        for method, name, body in (("patch", "detail", {"total_credits": "10"}), ("post", "close", None),
                                   ("post", "recompute", None)):  # fmt: skip
            response = getattr(self.as_(self.p.committee_secretary), method)(
                self.url(name), body, format="json"
            )
            self.assertEqual(response.status_code, 403, name)
            self.assertIn("只有干部教育科", self.message(response))
        response = self.as_(self.p.committee_secretary).post(
            reverse("api-training-rule-set-list"), {"year": 2026}
        )
        self.assertEqual(response.status_code, 403)
        rule_set = CreditRuleSet.objects.get()
        self.assertEqual((rule_set.total_credits, rule_set.closed), (84, False))

    def test_it_refuses_bad_rules_and_changes_nothing(self):
        client = self.as_(self.p.org_admin)
        response = client.patch(self.url(), {"required_credits": "100"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("必修学分目标不能高于总学分目标", self.message(response))
        response = client.patch(self.url(), {"rules": [{"category": "online", "rate": "-1"}]}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("rules", response.json())
        self.assertIn("不能小于", self.message(response))
        response = client.patch(self.url(), {"online_tiers": [[30, "~", "1"]]}, format="json")
        self.assertEqual(response.status_code, 400)
        for bound in ("NaN", "Infinity", "-Infinity", 100000):
            response = client.patch(
                self.url(), {"online_tiers": [[bound, ">=", "1"], [0, ">", "0.25"]]}, format="json"
            )
            self.assertEqual(response.status_code, 400, bound)
            self.assertIn("online_tiers", response.json())
        rule_set = CreditRuleSet.objects.get()
        self.assertEqual((rule_set.required_credits, rule_set.online_tiers[0]), (56, [30, ">=", "1"]))
        self.assertEqual(CategoryRule.objects.get(rule_set=rule_set, category="online").rate, 1)

    def test_it_recomputes_closes_and_creates_years(self):
        client = self.as_(self.p.org_admin)
        response = client.post(self.url("recompute"))
        self.assertEqual((response.status_code, response.json()["summaries"]), (200, 2))
        response = client.post(self.url("close"))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["closed"], response.json()["closed_by_name"]), (True, "org_admin"))
        response = client.patch(self.url(), {"total_credits": "90"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("已关账", self.message(response))
        self.assertEqual(client.post(self.url("close")).status_code, 400)
        response = client.post(reverse("api-training-rule-set-list"), {"year": YEAR + 1}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["year"], len(response.json()["rules"])), (YEAR + 1, 8))
        response = client.post(reverse("api-training-rule-set-list"), {"year": YEAR}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("已存在", self.message(response))


class ReportApiTest(ApiTestCase):
    def setUp(self):
        add_entry(self.p.cadre, category="party_school", days=2)
        self.recompute()

    def get(self, user, name, **params):
        return self.as_(user).get(reverse(f"api-training-report-{name}"), {"year": YEAR, **params})

    def test_it_gives_the_overview(self):
        data = self.get(self.p.org_admin, "overview").json()
        self.assertEqual((data["cadres"], data["met"], data["behind"], data["avg_total"]), (2, 0, 2, "6.00"))
        categories = {c["category"]: c for c in data["categories"]}
        self.assertEqual(
            (categories["party_school"]["credits"], categories["party_school"]["entries"]), ("12.00", 1)
        )
        self.assertEqual({g["grade"]: g["count"] for g in data["grades"]}["fail"], 2)
        data = self.get(self.p.committee_secretary, "overview").json()
        self.assertEqual((data["cadres"], data["avg_total"]), (1, "12.00"))
        data = self.get(self.p.other_secretary, "overview").json()
        self.assertEqual((data["cadres"], data["avg_total"]), (1, "0.00"))

    def test_it_gives_units_teams_and_the_shortfall(self):
        rows = self.get(self.p.org_admin, "units").json()
        self.assertEqual([(r["unit_name"], r["cadres"], r["avg_total"]) for r in rows],
                         [("东城街道办事处", 1, "12.00"), ("西城街道办事处", 1, "0.00")])  # fmt: skip
        rows = self.get(self.p.other_secretary, "units").json()
        self.assertEqual([r["unit_name"] for r in rows], ["西城街道办事处"])
        rows = self.get(self.p.org_admin, "teams").json()
        self.assertEqual([(r["team_name"], r["may_be_excellent"]) for r in rows],
                         [("东城街道领导班子", False), ("西城街道领导班子", False)])  # fmt: skip
        rows = self.get(self.p.org_admin, "shortfall").json()["results"]
        self.assertEqual([r["person_name"] for r in rows], ["赵立新", "陈志刚"])
        self.assertEqual(rows[1]["shortfall"]["total"], "72.00")
        rows = self.get(self.p.committee_secretary, "shortfall").json()["results"]
        self.assertEqual([r["person_name"] for r in rows], ["陈志刚"])

    def test_it_refuses_cadres_and_bad_years(self):
        for name in ("overview", "units", "teams", "shortfall"):
            self.assertEqual(self.get(self.p.cadre_user, name).status_code, 403, name)
            self.assertEqual(self.get(self.p.auditor, name).status_code, 403, name)
            response = self.get(self.p.org_admin, name, year="abc")
            self.assertEqual(response.status_code, 400, name)
            self.assertIn("年度“abc”不正确", self.message(response))
            self.assertEqual(self.get(self.p.org_admin, name, year="２０２５").status_code, 400, name)
        self.assertFalse(Claim.objects.exists())

    def test_odd_numbers_in_the_query_are_a_400_not_an_error(self):
        client = self.as_(self.p.org_admin)
        for params in ({"year": "10000"}, {"year": "-5"}):
            response = client.get(reverse("api-training-claim-list"), params)
            self.assertEqual(response.status_code, 400, params)
        for person in ("²", "99999999999999999999", "abc"):
            response = client.get(reverse("api-training-year-progress"), {"person": person})
            self.assertEqual(response.status_code, 400, person)
            self.assertIn("干部参数不正确", self.message(response))
