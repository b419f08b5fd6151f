"""The SQL of ``ledger.recompute`` gives exactly what the pure rules of ``rules.py`` give (hypothesis), for
generated entries and generated rule sets, on whichever database the tests run (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from zugong.core.testing import build_personas
from zugong.people.models import CadreRecord

from .. import ledger
from .. import rules as R
from ..models import Category, CategoryRule, CreditEntry, CreditYear, Level, Mode, Source
from .base import YEAR

quarters = st.integers(min_value=0, max_value=400).map(lambda n: Decimal(n) / 4)
entry = st.fixed_dictionaries(
    {
        "category": st.sampled_from(list(Category)),
        "day": st.integers(min_value=1, max_value=365),
        "days": st.integers(min_value=0, max_value=40).map(lambda n: Decimal(n) / 2),
        "hours": st.one_of(st.just(Decimal(0)), quarters),
        "minutes": st.one_of(st.none(), st.integers(min_value=1, max_value=200).map(Decimal)),
        "hours_taught": st.integers(min_value=0, max_value=12).map(Decimal),
        "level": st.sampled_from([level.value for level in Level]),
        "items": st.integers(min_value=1, max_value=4),
    }
)
category_rule = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(list(Mode)),
        "rate": st.integers(min_value=0, max_value=40).map(lambda n: Decimal(n) / 4),
        "annual_cap": st.one_of(st.none(), st.integers(min_value=0, max_value=60).map(Decimal)),
        "required": st.booleans(),
    }
)
rule_sets = st.fixed_dictionaries(
    {
        "hours_per_day": st.sampled_from([Decimal("7.5"), Decimal(8), Decimal(6)]),
        "carry_over": st.booleans(),
        "rules": st.dictionaries(st.sampled_from(list(Category)), category_rule, max_size=8),
    }
)


class SqlEqualsPythonTest(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        cls.rule_set = ledger.ensure_rule_set(YEAR)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(entries=st.lists(entry, max_size=12), config=rule_sets, prev_total=st.integers(0, 150))
    def test_it_matches(self, entries, config, prev_total):
        cadre = self.p.cadre
        rs = self.rule_set
        rs.hours_per_day, rs.carry_over = config["hours_per_day"], config["carry_over"]
        rs.save()
        for category, values in config["rules"].items():
            CategoryRule.objects.filter(rule_set=rs, category=category).update(**values)
        CreditYear.objects.create(
            person=cadre, year=YEAR - 1, rank_group="county", credits_total=Decimal(prev_total)
        )
        rows = [
            CreditEntry.objects.create(
                person=cadre,
                year=YEAR,
                date=dt.date(YEAR, 1, 1) + dt.timedelta(days=e["day"] - 1),
                category=e["category"],
                source=Source.MANUAL,
                title="t",
                days=e["days"],
                hours=e["hours"],
                minutes=e["minutes"],
                hours_taught=e["hours_taught"],
                level=e["level"],
                items=e["items"],
            )  # fmt: skip
            for e in entries
        ]
        ledger.recompute(YEAR, person_ids=[cadre.pk])

        rules = R.Rules.of(rs)
        outputs = [
            R.entry_output(
                category=e.category,
                days=e.days,
                hours=e.hours,
                minutes=e.minutes,
                hours_taught=e.hours_taught,
                level=e.level,
                items=e.items,
                rules=rules,
            )  # fmt: skip
            for e in rows
        ]
        capped = R.apply_caps(
            [(e.category, e.date, e.pk, o.credits_raw) for e, o in zip(rows, outputs, strict=False)], rules
        )
        for e, o, credits in zip(rows, outputs, capped, strict=False):
            e.refresh_from_db()
            got = (e.credited_hours, e.online_hours, e.full_time_days, e.credits_raw, e.credits, e.required)
            want = (o.credited_hours, o.online_hours, o.full_time_days, o.credits_raw, credits, o.required)
            self.assertEqual(got, want, f"{e.category} {e.days} {e.hours} {e.minutes}")
        prev = CreditYear.objects.get(person=cadre, year=YEAR - 1)
        record = CadreRecord.objects.get(person=cadre)
        expected = R.year_result(
            rank=record.rank, rank_since=record.rank_since, rules=rules, prev=prev, prev_rules=None,
            entries=[{"date": e.date, "credited_hours": o.credited_hours, "online_hours": o.online_hours,
                      "full_time_days": o.full_time_days, "credits": c, "required": o.required}
                     for e, o, c in zip(rows, outputs, capped, strict=False)],
        )  # fmt: skip
        got = CreditYear.objects.get(person=cadre, year=YEAR)
        for name in ("entries", "hours", "online_hours", "full_time_days", "credits_required", "credits_earned",
                     "carried_in", "credits_total", "cycle_hours", "cycle_days", "promotion_due", "met_hours",
                     "met_online", "met_credits", "met_target", "grade", "rank_group"):  # fmt: skip
            self.assertEqual(getattr(got, name), getattr(expected, name), name)
