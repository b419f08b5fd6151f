"""The set-based recompute with the default rules' numbers (【地方】: 党校 6/day, off-site 6/day capped at 48,
papers 12/24/48, 中心组 3 a session, teaching 5 × hours taught, online tiers ≥30 min = 1 学时, 15–30 = 0.5,
≤15 = 0.25) and the regulation's targets (县处级 550 学时 or 3 months in 5 years; 乡科级 90 学时 or 12 days a
year; 50 网络学时 a year; local 56 required and 84 total)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from .. import ledger
from ..models import Category, CreditEntry, CreditRuleSet, CreditYear, Grade, Level, RankGroup
from .base import YEAR, TrainingTestCase, add_entry, d, summary


class EntryCreditsTest(TrainingTestCase):
    def credits(self, entry):
        entry.refresh_from_db()
        return entry.credits_raw, entry.credits, entry.credited_hours

    def test_party_school_six_credits_a_day_and_days_in_hours(self):
        e = add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(5))
        self.recompute()
        self.assertEqual(self.credits(e), (d(30), d(30), d("37.5")))  # 5 days × 7.5 学时
        e.refresh_from_db()
        self.assertEqual(e.full_time_days, d(5))
        self.assertTrue(e.required)

    def test_offsite_capped_at_48_in_date_order(self):
        first = add_entry(self.p.cadre, category=Category.OFFSITE, days=d(5), date=dt.date(YEAR, 3, 1))
        second = add_entry(self.p.cadre, category=Category.OFFSITE, days=d(5), date=dt.date(YEAR, 5, 1))
        third = add_entry(self.p.cadre, category=Category.OFFSITE, days=d(1), date=dt.date(YEAR, 6, 1))
        self.recompute()
        self.assertEqual(self.credits(first)[:2], (d(30), d(30)))
        self.assertEqual(self.credits(second)[:2], (d(30), d(18)))  # 48 − 30
        self.assertEqual(self.credits(third)[:2], (d(6), d(0)))
        self.assertEqual(summary(self.p.cadre).credits_earned, d(48))

    def test_papers_by_level(self):
        city = add_entry(self.p.cadre, category=Category.PAPER, level=Level.CITY)
        province = add_entry(self.p.cadre, category=Category.PAPER, level=Level.PROVINCE)
        national = add_entry(self.p.cadre, category=Category.PAPER, level=Level.NATIONAL)
        self.recompute()
        self.assertEqual([self.credits(e)[1] for e in (city, province, national)], [d(12), d(24), d(48)])

    def test_central_group_and_teaching(self):
        group = add_entry(self.p.cadre, category=Category.CENTRAL_GROUP, items=2)
        teach = add_entry(self.p.cadre, category=Category.TEACHING, hours_taught=d(3))
        self.recompute()
        self.assertEqual(self.credits(group)[1], d(6))  # 3 a session
        self.assertEqual(self.credits(teach)[1], d(15))  # 5 × 3 hours taught

    def test_online_tiers(self):
        rows = {
            m: add_entry(self.p.cadre, category=Category.ONLINE, minutes=d(m))
            for m in (45, 30, 29, 16, 15, 5)
        }
        self.recompute()
        got = {m: self.credits(e)[2] for m, e in rows.items()}
        self.assertEqual(got, {45: d(1), 30: d(1), 29: d("0.5"), 16: d("0.5"), 15: d("0.25"), 5: d("0.25")})
        self.assertEqual(summary(self.p.cadre).online_hours, d("3.5"))

    def test_archived_entry_counts_nothing(self):
        e = add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(2))
        CreditEntry.objects.filter(pk=e.pk).update(archived_at=dt.datetime(YEAR, 4, 1, tzinfo=dt.UTC))
        self.recompute()
        self.assertEqual(summary(self.p.cadre).credits_earned, d(0))


class TargetsTest(TrainingTestCase):
    def test_township_90_hours_or_12_days(self):
        dave = self.p.dave
        add_entry(dave, category=Category.PARTY_SCHOOL, days=d(11))  # 82.5 学时, 11 days
        self.recompute()
        s = summary(dave)
        self.assertEqual(s.rank_group, RankGroup.TOWNSHIP)
        self.assertFalse(s.met_hours)
        add_entry(dave, category=Category.OFFSITE, days=d(1))  # 12 days
        self.recompute()
        self.assertTrue(summary(dave).met_hours)

    def test_township_by_hours(self):
        add_entry(self.p.dave, category=Category.SELF_STUDY, hours=d(90))
        self.recompute()
        self.assertTrue(summary(self.p.dave).met_hours)

    def test_online_50_hours(self):
        add_entry(self.p.dave, category=Category.ONLINE, hours=d("49.75"))
        self.recompute()
        self.assertFalse(summary(self.p.dave).met_online)
        add_entry(self.p.dave, category=Category.ONLINE, minutes=d(10))
        self.recompute()
        self.assertTrue(summary(self.p.dave).met_online)

    def test_local_credits_56_required_84_total_and_grades(self):
        dave = self.p.dave
        add_entry(dave, category=Category.ONLINE, hours=d(50))  # 50 required credits, 50 网络学时
        add_entry(dave, category=Category.PARTY_SCHOOL, days=d(1))  # 6 required → 56
        add_entry(dave, category=Category.SELF_STUDY, hours=d(35))  # 35 学时, 20 elective credits (cap 20)
        add_entry(dave, category=Category.LECTURE, items=3)  # 6 elective → 82 total
        self.recompute()
        s = summary(dave)
        self.assertEqual((s.credits_required, s.credits_total), (d(56), d(82)))
        self.assertFalse(s.met_credits)
        self.assertEqual(s.grade, Grade.FAIL)
        add_entry(dave, category=Category.LECTURE, items=1)  # 84
        self.recompute()
        s = summary(dave)
        self.assertTrue(s.met_credits and s.met_hours and s.met_online and s.met_target)  # 92.5 学时 ≥ 90
        self.assertEqual(s.grade, Grade.PASS)
        add_entry(dave, category=Category.PAPER, level=Level.NATIONAL)  # +48 → 132 ≥ 100
        self.recompute()
        self.assertEqual(summary(dave).grade, Grade.EXCELLENT)

    def test_required_short_fails_even_with_total(self):
        add_entry(self.p.dave, category=Category.ONLINE, hours=d(50))
        add_entry(self.p.dave, category=Category.PAPER, level=Level.NATIONAL)  # 98 total, 50 required
        self.recompute()
        s = summary(self.p.dave)
        self.assertEqual((s.credits_required, s.credits_total), (d(50), d(98)))
        self.assertFalse(s.met_credits)

    def test_county_cycle_550_hours(self):
        cadre = self.p.cadre  # 县处级副职; cycle 2023–2027
        add_entry(cadre, category=Category.SELF_STUDY, hours=d(500))
        self.recompute()
        s = summary(cadre)
        self.assertEqual(s.rank_group, RankGroup.COUNTY)
        self.assertEqual(s.cycle_hours, d(500))
        self.assertTrue(s.met_hours)  # the cycle ends in 2027: not yet due
        ledger.ensure_rule_set(2026)
        ledger.ensure_rule_set(2027)
        add_entry(cadre, category=Category.SELF_STUDY, hours=d(40), date=dt.date(2026, 5, 1))
        ledger.recompute(2026)
        ledger.recompute(2027)
        s27 = summary(cadre, 2027)
        self.assertEqual(s27.cycle_hours, d(540))
        self.assertFalse(s27.met_hours)  # the cycle ends: 540 < 550
        add_entry(cadre, category=Category.SELF_STUDY, hours=d(10), date=dt.date(2027, 5, 1))
        ledger.recompute(2027)
        s27 = summary(cadre, 2027)
        self.assertEqual((s27.cycle_hours, s27.met_hours), (d(550), True))

    def test_county_three_months_of_full_time(self):
        # 90 days of full-time training entered as 1 学时: the cycle is met by the days alone.
        add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(90), hours=d(1))
        for year in (YEAR, 2026, 2027):
            ledger.ensure_rule_set(year)
            ledger.recompute(year)
        s = summary(self.p.cadre, 2027)
        self.assertEqual((s.cycle_hours, s.cycle_days), (d(1), d(90)))
        self.assertTrue(s.met_hours)

    def test_promotion_within_one_year(self):
        from zugong.people.models import CadreRecord

        CadreRecord.objects.filter(person=self.p.cadre).update(rank_since=dt.date(YEAR, 3, 15))
        add_entry(self.p.cadre, category=Category.SELF_STUDY, hours=d(100), date=dt.date(YEAR, 3, 1))
        self.recompute()
        self.assertEqual(summary(self.p.cadre).promotion_due, dt.date(YEAR + 1, 3, 15))
        self.assertTrue(summary(self.p.cadre).met_hours)  # due next year
        ledger.ensure_rule_set(YEAR + 1)
        ledger.recompute(YEAR + 1)
        s = summary(self.p.cadre, YEAR + 1)
        self.assertEqual(s.promotion_due, dt.date(YEAR + 1, 3, 15))
        self.assertFalse(s.met_hours)  # the deadline fell in the year, 100 < 550

    def test_the_deadline_keeps_to_the_months_last_day(self):
        """Promoted on 31 January with a 1-month deadline: 28 February, in SQL as in ``rules.add_months``."""
        from zugong.people.models import CadreRecord

        from .. import rules as R

        CreditRuleSet.objects.filter(year=YEAR).update(promotion_months=1)
        CadreRecord.objects.filter(person=self.p.cadre).update(rank_since=dt.date(YEAR, 1, 31))
        self.recompute()
        self.assertEqual(summary(self.p.cadre).promotion_due, dt.date(YEAR, 2, 28))
        self.assertEqual(R.add_months(dt.date(YEAR, 1, 31), 1), dt.date(YEAR, 2, 28))

    def test_promotion_after_target_met_sets_no_deadline(self):
        from zugong.people.models import CadreRecord

        CadreRecord.objects.filter(person=self.p.cadre).update(rank_since=dt.date(YEAR, 6, 1))
        add_entry(self.p.cadre, category=Category.SELF_STUDY, hours=d(550), date=dt.date(YEAR, 3, 1))
        self.recompute()
        self.assertIsNone(summary(self.p.cadre).promotion_due)


class CarryOverTest(TrainingTestCase):
    def test_surplus_carries_into_next_year(self):
        add_entry(self.p.dave, category=Category.PAPER, level=Level.NATIONAL, items=2)  # 96 → surplus 12
        self.recompute()
        ledger.ensure_rule_set(YEAR + 1)
        ledger.recompute(YEAR + 1)
        s = summary(self.p.dave, YEAR + 1)
        self.assertEqual((s.carried_in, s.credits_total), (d(12), d(12)))

    def test_an_entry_of_last_year_carries_into_the_open_year_that_follows(self):
        """Recomputing a year rebuilds the summaries of the open years after it: 96 − 84 = 12 carried, then a
        second paper in the earlier year makes 144 − 84 = 60 — without recomputing the later year by hand."""
        ledger.ensure_rule_set(YEAR + 1)
        add_entry(self.p.dave, category=Category.PAPER, level=Level.NATIONAL, items=2)
        result = self.recompute(person_ids=[self.p.dave.pk])
        self.assertEqual(result["following_years"], [YEAR + 1])
        self.assertEqual(summary(self.p.dave, YEAR + 1).carried_in, d(12))
        add_entry(self.p.dave, category=Category.PAPER, level=Level.NATIONAL, date=dt.date(YEAR, 5, 1))
        self.recompute(person_ids=[self.p.dave.pk])
        self.assertEqual(summary(self.p.dave, YEAR).credits_total, d(144))
        self.assertEqual(summary(self.p.dave, YEAR + 1).carried_in, d(60))

    def test_a_closed_year_stops_the_carry(self):
        ledger.ensure_rule_set(YEAR + 1)
        ledger.recompute(YEAR + 1)
        CreditRuleSet.objects.filter(year=YEAR + 1).update(closed=True)
        add_entry(self.p.dave, category=Category.PAPER, level=Level.NATIONAL, items=2)
        self.assertNotIn("following_years", self.recompute())
        self.assertEqual(summary(self.p.dave, YEAR + 1).carried_in, d(0))

    def test_carry_over_off(self):
        add_entry(self.p.dave, category=Category.PAPER, level=Level.NATIONAL, items=2)
        self.recompute()
        nxt = ledger.ensure_rule_set(YEAR + 1)
        nxt.carry_over = False
        nxt.save()
        ledger.recompute(YEAR + 1)
        self.assertEqual(summary(self.p.dave, YEAR + 1).carried_in, d(0))


class VersioningTest(TrainingTestCase):
    def test_rule_change_recomputes_its_year_only_and_closed_year_refuses(self):
        last = add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(2), date=dt.date(YEAR, 3, 1))
        self.recompute()
        this_set = ledger.ensure_rule_set(YEAR + 1)
        this = add_entry(
            self.p.cadre, category=Category.PARTY_SCHOOL, days=d(2), date=dt.date(YEAR + 1, 3, 1)
        )
        ledger.recompute(YEAR + 1)
        this_set.rules.filter(category=Category.PARTY_SCHOOL).update(rate=d(8))
        ledger.recompute(YEAR + 1)
        last.refresh_from_db()
        this.refresh_from_db()
        self.assertEqual((last.credits, this.credits), (d(12), d(16)))
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        with self.assertRaises(ValidationError):
            self.recompute()

    def test_new_year_copies_last_years_rules(self):
        self.rule_set.rules.filter(category=Category.PARTY_SCHOOL).update(rate=d(7))
        nxt = ledger.ensure_rule_set(YEAR + 1)
        self.assertEqual(nxt.rules.get(category=Category.PARTY_SCHOOL).rate, d(7))
        self.assertEqual(nxt.rules.count(), 8)


class PartialRunTest(TrainingTestCase):
    def test_partial_run_equals_full_run(self):
        for day in (1, 2, 3):
            add_entry(self.p.cadre, category=Category.OFFSITE, days=d(4), date=dt.date(YEAR, 4, day))
            add_entry(self.p.dave, category=Category.OFFSITE, days=d(4), date=dt.date(YEAR, 4, day))
        self.recompute(person_ids=[self.p.cadre.pk])
        partial = list(CreditEntry.objects.filter(person=self.p.cadre).values_list("credits", flat=True))
        self.recompute()
        full = list(CreditEntry.objects.filter(person=self.p.cadre).values_list("credits", flat=True))
        self.assertEqual(partial, full)
        self.assertEqual(sum(full, Decimal(0)), d(48))


class CadreRecordFollowsTest(TrainingTestCase):
    """A change of the cadre record (people.services.cadre_record_set) reaches the open years at once."""

    def test_a_new_rank_and_leaving_the_district_list_show_without_a_recompute(self):
        from django.utils import timezone

        from zugong.people.choices import Rank
        from zugong.people.services import cadre_record_set

        this_year = timezone.localdate().year
        ledger.ensure_rule_set(this_year)
        ledger.recompute(this_year)
        self.assertEqual(summary(self.p.cadre, this_year).rank_group, RankGroup.COUNTY)
        cadre_record_set(
            actor=self.p.org_admin, person=self.p.cadre, rank=Rank.TOWNSHIP_PRINCIPAL, post="街道办事处主任"
        )
        self.assertEqual(summary(self.p.cadre, this_year).rank_group, RankGroup.TOWNSHIP)
        cadre_record_set(
            actor=self.p.org_admin, person=self.p.cadre, rank=Rank.TOWNSHIP_PRINCIPAL, post="街道办事处主任",
            is_district_managed=False,
        )  # fmt: skip
        self.assertFalse(CreditYear.objects.filter(person=self.p.cadre, year=this_year).exists())


class NoCapsTest(TrainingTestCase):
    def test_a_year_without_any_cap_recomputes(self):
        """Every cap removed: 10 days off-site is 60 credits, not the default cap of 48."""
        from ..models import CategoryRule

        CategoryRule.objects.filter(rule_set__year=YEAR).update(annual_cap=None)
        add_entry(self.p.dave, category=Category.OFFSITE, days=d(10))
        self.recompute()
        self.assertEqual(summary(self.p.dave).credits_earned, d(60))
