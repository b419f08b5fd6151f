"""The rules pages: the years, a new year, the edit form (the numbers and the table of eight category
rules), recompute and close. Only the 干部教育科 edits; other staff read; members and the 三员 get 403. Raising
the 党校 rate from 6 to 8 a day turns 陈志刚's five-day class from 30 into 40 credits."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent

from ..forms import category_rule_initial, rule_set_initial, tiers_text
from ..models import Category, CategoryRule, CreditRuleSet
from .base import YEAR, TrainingTestCase, add_entry, d, summary


def body(response) -> str:
    return response.content.decode()


def form_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def rule_post(rule_set, rules: dict | None = None, **overrides) -> dict:
    """The edit form's POST for ``rule_set`` as it is, with ``overrides`` of the rule set's numbers and
    ``rules[category]`` of a category's row."""
    data = {}
    for name, value in rule_set_initial(rule_set).items():
        data[name] = tiers_text(value) if name == "online_tiers" else form_value(value)
    data.update(overrides)
    for rule in rule_set.rules.all():
        row = {**category_rule_initial(rule), **(rules or {}).get(rule.category, {})}
        for name, value in row.items():
            data[f"{rule.category}-{name}"] = form_value(value)
    return {k: v for k, v in data.items() if v != "" or k.endswith(("annual_cap", "carry_over_cap"))}


class RulesTestCase(TrainingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        add_entry(cls.p.cadre, category=Category.PARTY_SCHOOL, days=d(5))
        add_entry(cls.p.dave, category=Category.PARTY_SCHOOL, days=d(5))
        cls.url = reverse("training:rule_set", args=[YEAR])

    def setUp(self):
        self.recompute()


class RulePagesTest(RulesTestCase):
    def test_it_renders_the_pages_for_the_training_office(self):
        self.login(self.p.org_admin)
        for url in (
            reverse("training:rule_sets"),
            reverse("training:rule_set_create"),
            self.url,
            reverse("training:rule_set_close", args=[YEAR]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        text = body(self.client.get(self.url))
        self.assertIn('id="rule-set-form"', text)
        self.assertIn("调研/论文", text)
        self.assertIn('name="paper-lv_national"', text)

    def test_it_shows_other_staff_the_rules_read_only(self):
        self.login(self.p.committee_secretary)
        self.assertIn(f"{YEAR}年度", body(self.client.get(reverse("training:rule_sets"))))
        text = body(self.client.get(self.url))
        self.assertNotIn('id="rule-set-form"', text)
        self.assertIn("此处只读", text)
        self.assertIn("党校脱产培训", text)

    def test_it_refuses_members_and_the_three_officers(self):
        for user in (self.p.member, self.p.cadre_user, self.p.sysadmin, self.p.auditor):
            self.login(user)
            for url in (reverse("training:rule_sets"), self.url):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_refuses_the_committee_secretary_every_write(self):
        self.login(self.p.committee_secretary)
        data = rule_post(self.rule_set, {Category.PARTY_SCHOOL: {"rate": "8"}})
        self.assertEqual(self.client.post(self.url, data).status_code, 403)
        self.assertEqual(CategoryRule.objects.get(rule_set=self.rule_set, category="party_school").rate, d(6))
        for name, method in (
            ("rule_set_create", "get"),
            ("rule_set_close", "post"),
            ("rule_set_recompute", "post"),
        ):
            args = [] if name == "rule_set_create" else [YEAR]
            with self.subTest(name=name):
                response = getattr(self.client, method)(reverse(f"training:{name}", args=args))
                self.assertEqual(response.status_code, 403)
        self.rule_set.refresh_from_db()
        self.assertFalse(self.rule_set.closed)


class RuleEditTest(RulesTestCase):
    def test_it_saves_the_rules_recomputes_and_audits(self):
        self.assertEqual(summary(self.p.cadre).credits_earned, d(30))
        self.login(self.p.org_admin)
        data = rule_post(
            self.rule_set,
            {Category.PARTY_SCHOOL: {"rate": "8"}, Category.PAPER: {"lv_national": "60"}},
            total_credits="90",
        )
        response = self.client.post(self.url, data, follow=True)
        self.assertRedirects(response, self.url)
        self.assertIn("重建 2 名干部的年度汇总", body(response))
        party = CategoryRule.objects.get(rule_set=self.rule_set, category="party_school")
        paper = CategoryRule.objects.get(rule_set=self.rule_set, category="paper")
        self.assertEqual(party.rate, d(8))
        rates = {level: d(rate) for level, rate in paper.level_rates.items()}
        self.assertEqual(rates, {"city": d(12), "province": d(24), "national": d(60)})
        self.rule_set.refresh_from_db()
        self.assertEqual(self.rule_set.total_credits, d(90))
        self.assertEqual(summary(self.p.cadre).credits_earned, d(40))  # 5 days × 8
        self.assertEqual(
            AuditEvent.objects.filter(
                object_type="training.categoryrule", kind=AuditEvent.Kind.UPDATE
            ).count(),
            2,
        )
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="training.creditruleset", kind=AuditEvent.Kind.UPDATE
            ).exists()
        )
        self.assertTrue(AuditEvent.objects.filter(event=audit.Events.TRAINING_RECOMPUTE).exists())

    def test_it_refuses_bad_numbers_in_chinese_and_changes_nothing(self):
        self.login(self.p.org_admin)
        cases = [
            (rule_post(self.rule_set, required_credits="100"), "必修学分目标不能高于总学分目标"),
            (rule_post(self.rule_set, online_tiers="30 >= 1\n40 > 0.5"), "分钟数应小于上一档"),
            (rule_post(self.rule_set, online_tiers="三十分钟"), "第 1 行应为"),
            (rule_post(self.rule_set, {Category.ONLINE: {"rate": "-1"}}), "不能为负数"),
            (rule_post(self.rule_set, reminder_from_month="13"), "12"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                response = self.client.post(self.url, data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, body(response))
        self.rule_set.refresh_from_db()
        self.assertEqual(self.rule_set.required_credits, d(56))
        self.assertEqual(self.rule_set.online_tiers, [[30, ">=", "1"], [15, ">", "0.5"], [0, ">", "0.25"]])
        self.assertEqual(CategoryRule.objects.get(rule_set=self.rule_set, category="online").rate, d(1))
        self.assertFalse(AuditEvent.objects.filter(object_type="training.creditruleset").exists())

    def test_it_recomputes_on_demand(self):
        self.login(self.p.org_admin)
        response = self.client.post(reverse("training:rule_set_recompute", args=[YEAR]), follow=True)
        self.assertIn(f"已重算{YEAR}年度", body(response))
        self.assertTrue(AuditEvent.objects.filter(event=audit.Events.TRAINING_RECOMPUTE).exists())
        self.assertEqual(
            self.client.get(reverse("training:rule_set_recompute", args=[YEAR])).status_code, 405
        )

    def test_it_answers_404_for_a_year_without_rules(self):
        self.login(self.p.org_admin)
        self.assertEqual(self.client.get(reverse("training:rule_set", args=[1999])).status_code, 404)


class RuleYearTest(RulesTestCase):
    def test_it_creates_the_next_year_from_the_latest(self):
        self.login(self.p.org_admin)
        year = YEAR + 1
        response = self.client.post(reverse("training:rule_set_create"), {"year": year})
        self.assertRedirects(response, reverse("training:rule_set", args=[year]))
        created = CreditRuleSet.objects.get(year=year)
        self.assertEqual(created.rules.count(), 8)
        self.assertTrue(
            AuditEvent.objects.filter(object_type="training.creditruleset", object_id=str(created.pk))
        )
        response = self.client.post(reverse("training:rule_set_create"), {"year": year})
        self.assertIn(f"{year}年度的学分规则已存在", body(response))
        self.assertEqual(CreditRuleSet.objects.filter(year=year).count(), 1)

    def test_it_closes_a_finished_year_and_shows_it_read_only(self):
        self.login(self.p.org_admin)
        close = reverse("training:rule_set_close", args=[YEAR])
        self.assertIn("确认关账", body(self.client.get(close)))
        response = self.client.post(close)
        self.assertRedirects(response, self.url)
        self.rule_set.refresh_from_db()
        self.assertTrue(self.rule_set.closed)
        self.assertTrue(AuditEvent.objects.filter(event=audit.Events.TRAINING_YEAR_CLOSED).exists())
        text = body(self.client.get(self.url))
        self.assertNotIn('id="rule-set-form"', text)
        self.assertIn("已关账", text)
        data = rule_post(self.rule_set, {Category.PARTY_SCHOOL: {"rate": "8"}})
        self.assertEqual(self.client.post(self.url, data).status_code, 403)
        self.assertEqual(CategoryRule.objects.get(rule_set=self.rule_set, category="party_school").rate, d(6))

    def test_it_refuses_to_close_the_current_year(self):
        this_year = timezone.localdate().year
        current = CreditRuleSet.objects.create(year=this_year, name=f"{this_year}年度学分规则")
        self.login(self.p.org_admin)
        response = self.client.post(reverse("training:rule_set_close", args=[this_year]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("尚未结束", body(response))
        current.refresh_from_db()
        self.assertFalse(current.closed)
