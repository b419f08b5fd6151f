"""The reads: a cadre's bars, the figures per unit, team and district, the shortfall list, the year-end rows
(unit, then 姓氏笔画), each within the reader's scope; and the consequences other modules ask about."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from zugong.orgs.models import TeamPosition
from zugong.people.choices import Rank
from zugong.people.models import CadreRecord

from .. import ledger, selectors
from ..models import Category, Grade, RankGroup
from .base import YEAR, TrainingTestCase, add_entry, d, summary


def make_cadre(person, rank=Rank.TOWNSHIP_DEPUTY, post="副主任"):
    person.is_district_cadre = True
    person.save(update_fields=["is_district_cadre"])
    CadreRecord.objects.create(person=person, rank=rank, post=post)


def meet_year(person, year=YEAR):
    """56 required (50 网络学时 + 1 day at 党校), 92.5 学时, 84 total: the year is met."""
    day = dt.date(year, 3, 1)
    add_entry(person, category=Category.ONLINE, hours=d(50), date=day)
    add_entry(person, category=Category.PARTY_SCHOOL, days=d(1), date=day)
    add_entry(person, category=Category.SELF_STUDY, hours=d(35), date=day)
    add_entry(person, category=Category.LECTURE, items=4, date=day)


class YearParamTest(TrainingTestCase):
    def test_it_reads_a_year_or_falls_back(self):
        self.assertEqual(selectors.year_param("2025"), 2025)
        self.assertEqual(selectors.year_param(" 2024 "), 2024)
        self.assertEqual(selectors.year_param("abc", default=2023), 2023)
        self.assertEqual(selectors.year_param("99999", default=2023), 2023)
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2027, 5, 1)):
            self.assertEqual(selectors.year_param(None), 2027)
            self.assertEqual(selectors.current_year(), 2027)


class ProgressTest(TrainingTestCase):
    def test_a_county_cadre_s_bars_count_the_cycle(self):
        add_entry(self.p.cadre, category=Category.PARTY_SCHOOL, days=d(2))  # 12 credits, 15 学时
        add_entry(self.p.cadre, category=Category.ONLINE, hours=d(25))  # 25 网络学时, 25 credits
        self.recompute()
        data = selectors.progress_of(self.p.cadre, YEAR)
        self.assertEqual(data["rank_group"], RankGroup.COUNTY)
        bars = {bar["label"].split("（")[0]: bar for bar in data["bars"]}
        self.assertEqual(set(bars), {"周期学时", "网络学时", "必修学分", "总学分"})
        self.assertEqual((bars["周期学时"]["value"], bars["周期学时"]["target"]), (d(40), d(550)))
        self.assertEqual(bars["周期学时"]["percent"], 7)  # 40 / 550
        # 2025 is inside the 2023–2027 cycle: not reached, not behind — "周期进行中", not "已达标".
        self.assertEqual((bars["周期学时"]["met"], bars["周期学时"]["in_progress"]), (False, True))
        self.assertEqual((bars["网络学时"]["percent"], bars["网络学时"]["met"]), (50, False))
        self.assertEqual((bars["必修学分"]["value"], bars["必修学分"]["percent"]), (d(37), 66))
        self.assertEqual((bars["总学分"]["value"], bars["总学分"]["percent"]), (d(37), 44))
        self.assertEqual(data["grade"], Grade.FAIL)
        self.assertEqual(
            data["shortfall"], {"hours": d(510), "online_hours": d(25), "required": d(19), "total": d(47)}
        )
        self.assertEqual(data["entries"].count(), 2)
        self.assertEqual(data["claims"].count(), 0)

    def test_a_township_cadre_meets_and_bars_are_full(self):
        meet_year(self.p.dave)
        self.recompute()
        data = selectors.progress_of(self.p.dave, YEAR)
        self.assertEqual([b["label"] for b in data["bars"]], ["学时", "网络学时", "必修学分", "总学分"])
        self.assertEqual([b["percent"] for b in data["bars"]], [100, 100, 100, 100])
        self.assertTrue(all(b["met"] for b in data["bars"]))
        self.assertTrue(data["met_target"])
        self.assertEqual(set(data["shortfall"].values()), {d(0)})

    def test_before_any_recompute_the_bars_are_empty(self):
        data = selectors.progress_of(self.p.dave, YEAR + 3)
        self.assertIsNone(data["summary"])
        self.assertIsNone(data["rule_set"])
        self.assertEqual([b["percent"] for b in data["bars"]], [0, 0, 0, 0])
        self.assertEqual(data["shortfall"]["total"], d(84))  # the default target


class FiguresTest(TrainingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        make_cadre(p.alice)  # 王小红, 东城街道办事处 (U01), like 陈志刚
        make_cadre(p.carol)  # 张晓梅, no unit
        TeamPosition.objects.create(team=p.team, title="办事处副主任", person=p.alice)

    def setUp(self):
        add_entry(self.p.cadre, category=Category.TEACHING, hours_taught=d(18))  # 90
        add_entry(self.p.alice, category=Category.TEACHING, hours_taught=d(16))  # 80
        meet_year(self.p.dave)  # 84, met
        add_entry(self.p.carol, category=Category.LECTURE, items=1)  # 2
        self.recompute()

    def test_unit_progress_by_unit_code_no_unit_last(self):
        rows = selectors.unit_progress(self.p.org_admin, YEAR)
        self.assertEqual([r["unit"] for r in rows], [self.p.unit, self.p.other_unit, None])
        east = rows[0]
        self.assertEqual(
            (east["cadres"], east["avg_total"], east["behind"], east["met_rate"]), (2, d(85), 2, 0)
        )
        self.assertEqual((rows[1]["behind"], rows[1]["met_rate"]), (0, 100))

    def test_unit_progress_in_scope(self):
        rows = selectors.unit_progress(self.p.committee_secretary, YEAR)
        self.assertEqual([r["unit"] for r in rows], [self.p.unit, None])  # 赵立新 is not theirs
        self.assertEqual(selectors.unit_progress(self.p.other_secretary, YEAR)[0]["unit"], self.p.other_unit)
        self.assertEqual(selectors.unit_progress(self.p.sysadmin, YEAR), [])

    def test_team_progress_and_may_be_excellent_by_the_average_against_84(self):
        rows = selectors.team_progress(self.p.org_admin, YEAR)
        self.assertEqual([r["team"] for r in rows], [self.p.team, self.p.other_team])
        east = rows[0]
        self.assertEqual((east["cadres"], east["avg_total"], east["behind"]), (2, d(85), 2))
        self.assertTrue(east["may_be_excellent"])  # (90 + 80) / 2 = 85 ≥ 84
        self.assertTrue(selectors.team_may_be_excellent(self.p.team, YEAR))
        add_entry(self.p.alice, category=Category.TEACHING, hours_taught=d(-4), date=dt.date(YEAR, 9, 1))
        self.recompute()  # 王小红 60: (90 + 60) / 2 = 75 < 84
        self.assertFalse(selectors.team_may_be_excellent(self.p.team, YEAR))
        self.assertFalse(selectors.team_progress(self.p.org_admin, YEAR)[0]["may_be_excellent"])
        self.assertEqual(
            [r["team"] for r in selectors.team_progress(self.p.other_secretary, YEAR)], [self.p.other_team]
        )

    def test_a_team_without_cadres_may_not_be_excellent(self):
        TeamPosition.objects.filter(team=self.p.other_team).update(
            archived_at=dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
        )
        self.assertFalse(selectors.team_may_be_excellent(self.p.other_team, YEAR))

    def test_district_overview(self):
        data = selectors.district_overview(self.p.org_admin, YEAR)
        self.assertEqual((data["cadres"], data["met"], data["behind"], data["met_rate"]), (4, 1, 3, 25))
        self.assertEqual(data["avg_total"], d(64))  # (90 + 80 + 84 + 2) / 4
        self.assertEqual(
            {g["grade"]: g["count"] for g in data["grades"]}, {"excellent": 0, "pass": 1, "fail": 3}
        )
        groups = {g["rank_group"]: (g["cadres"], g["met"]) for g in data["rank_groups"]}
        self.assertEqual(groups, {"county": (1, 0), "township": (3, 1)})
        self.assertEqual(data["units"][0]["unit"], self.p.unit)  # the highest average first
        by_category = {c["category"]: c["credits"] for c in data["categories"]}
        self.assertEqual(by_category[Category.TEACHING], d(170))
        self.assertEqual(by_category[Category.LECTURE], d(10))
        mine = selectors.district_overview(self.p.committee_secretary, YEAR)
        self.assertEqual((mine["cadres"], mine["met"]), (3, 0))
        self.assertEqual({c["category"]: c["credits"] for c in mine["categories"]}[Category.ONLINE], d(0))

    def test_shortfall_list_furthest_behind_first_in_scope(self):
        rows = list(selectors.shortfall_list(self.p.org_admin, YEAR))
        self.assertEqual([s.person for s in rows], [self.p.carol, self.p.alice, self.p.cadre])
        self.assertEqual([s.person for s in selectors.shortfall_list(self.p.other_secretary, YEAR)], [])
        self.assertEqual(
            [s.person for s in selectors.shortfall_list(self.p.cadre_user, YEAR)], [self.p.cadre]
        )  # a cadre: their own

    def test_year_end_rows_by_unit_then_strokes(self):
        rows = selectors.year_end_rows(self.p.org_admin, YEAR)
        # U01: 王 (4 strokes) before 陈 (7); U02: 赵立新; no unit: 张晓梅 last.
        self.assertEqual([r["name"] for r in rows], ["王小红", "陈志刚", "赵立新", "张晓梅"])
        chen = rows[1]
        self.assertEqual(
            (chen["unit"], chen["post"], chen["rank_group"]),
            ("东城街道办事处", "街道党工委书记", "县处级及以上"),
        )
        self.assertEqual((chen["total"], chen["grade"], chen["met"]), (d(90), "不合格", False))
        self.assertEqual(rows[2]["grade"], "合格")
        self.assertEqual(rows[3]["unit"], "")
        self.assertEqual(
            [r["name"] for r in selectors.year_end_rows(self.p.committee_secretary, YEAR)],
            ["王小红", "陈志刚", "张晓梅"],
        )

    def test_summaries_for_scope(self):
        self.assertEqual(selectors.summaries_for(self.p.org_admin, YEAR).count(), 4)
        self.assertEqual(list(selectors.summaries_for(self.p.other_member, YEAR)), [summary(self.p.dave)])
        self.assertFalse(selectors.summaries_for(self.p.member, YEAR).exclude(person=self.p.alice).exists())
        self.assertEqual(selectors.summaries_for(self.p.auditor, YEAR).count(), 0)


class ConsequencesTest(TrainingTestCase):
    def test_met_year_target_is_false_without_a_row(self):
        self.assertFalse(selectors.met_year_target(self.p.dave, YEAR))
        self.assertTrue(selectors.bars_excellent(self.p.dave, YEAR))
        meet_year(self.p.dave)
        self.recompute()
        self.assertTrue(selectors.met_year_target(self.p.dave, YEAR))
        self.assertTrue(selectors.met_year_target(self.p.dave.pk, YEAR))
        self.assertFalse(selectors.bars_excellent(self.p.dave, YEAR))

    def test_two_failing_years_in_a_row_bar_promotion(self):
        ledger.ensure_rule_set(YEAR - 1)
        meet_year(self.p.cadre, YEAR - 1)
        ledger.recompute(YEAR - 1)
        self.recompute()
        self.assertTrue(summary(self.p.cadre, YEAR - 1).met_target)
        self.assertFalse(summary(self.p.dave, YEAR - 1).met_target)
        self.assertTrue(selectors.bars_promotion(self.p.dave, YEAR))  # failed 2024 and 2025
        self.assertFalse(selectors.bars_promotion(self.p.dave, YEAR - 1))  # no row for 2023
        self.assertFalse(selectors.bars_promotion(self.p.cadre, YEAR))  # met 2024
        self.assertTrue(selectors.bars_excellent(self.p.cadre, YEAR))
