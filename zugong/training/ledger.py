"""The set-based recompute of a year: two statements whatever the number of cadres.

1. One UPDATE … FROM writes every entry's outputs (学时, 网络学时, 脱产天数, credits before and after the category
   cap, required) from the year's rules, written as CASE expressions over the category (``rules.py``); the
   cap is a running SUM() OVER (PARTITION BY cadre, category ORDER BY date, id). Rows whose outputs do not
   change are not written.
2. The year's summaries are deleted and rebuilt by one INSERT … SELECT … GROUP BY over the district-managed
   cadres, taking last year's summary for the carry-over and the five-year cycle so far.

The open years that follow are then rebuilt too (their summaries only: a year's surplus, cycle and
promotion deadline carry into the next). Both can be limited to some cadres (after a claim is approved, an attendance list is entered, a file is
imported); the cap's window partitions by cadre, so a partial run gives exactly what a full run gives.
A closed year is refused: its ledger is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from zugong.people.choices import COUNTY_RANKS
from zugong.people.models import CadreRecord, Person

from . import rules as R
from .models import CategoryRule, CreditEntry, CreditRuleSet, CreditYear, Grade, RankGroup

WORK_MEM = "256MB"


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def rules_for(year: int) -> tuple[CreditRuleSet, R.Rules]:
    rule_set = CreditRuleSet.objects.filter(year=year).first()
    if rule_set is None:
        raise ValidationError(f"{year}年度尚未设置学分规则，请先在“学分规则”中建立。")
    return rule_set, R.Rules.of(rule_set)


def ensure_rule_set(year: int) -> CreditRuleSet:
    """The year's rule set, created when missing as a copy of the latest earlier year's (or the defaults)."""
    return ensure_rule_set_created(year)[0]


def ensure_rule_set_created(year: int) -> tuple[CreditRuleSet, bool]:
    """``ensure_rule_set``, and whether this call created it. Two first uses at once: one creates, the
    other finds it (the year is unique)."""
    existing = CreditRuleSet.objects.filter(year=year).first()
    if existing is not None:
        return existing, False
    try:
        return _create_rule_set(year), True
    except IntegrityError:
        return CreditRuleSet.objects.get(year=year), False


def _create_rule_set(year: int) -> CreditRuleSet:
    with transaction.atomic():
        source = CreditRuleSet.objects.filter(year__lt=year).order_by("-year").first()
        if source is None:
            rule_set = CreditRuleSet.objects.create(year=year, name=f"{year}年度学分规则")
            CategoryRule.objects.bulk_create(
                CategoryRule(rule_set=rule_set, category=c, mode=m, rate=r, level_rates=lv, annual_cap=cap,
                             required=req)
                for c, (m, r, lv, cap, req) in R.DEFAULT_CATEGORY_RULES.items()
            )  # fmt: skip
            return rule_set
        rules = list(source.rules.all())
        source.pk, source.id = None, None
        source.year, source.name = year, f"{year}年度学分规则"
        source.closed, source.closed_at, source.closed_by = False, None, None
        source.save(force_insert=True)
        for r in rules:
            r.pk, r.id, r.rule_set = None, None, source
        CategoryRule.objects.bulk_create(rules)
        return source


def _params(params: list) -> list:
    """SQLite receives a Decimal as text, which compares greater than every number: send it as a float
    there (the rules' numbers are quarters and whole numbers; results are rounded to 0.01)."""
    if connection.vendor == "postgresql":
        return params
    return [float(p) if isinstance(p, Decimal) else p for p in params]


def _persons_sql(column: str, person_ids) -> tuple[str, list]:
    if person_ids is None:
        return "", []
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def entries_sql(year: int, rules: R.Rules, rule_set_id: int, person_ids=None) -> tuple[str, list]:
    entry = _t(CreditEntry)
    hours, p_hours = R.hours_sql(rules, "e")
    raw, p_raw = R.raw_credits_sql(rules, e="a", hours="a.h")
    cap, p_cap = R.category_case(rules, lambda r: r.cap, "a.category", default="CAST(NULL AS NUMERIC)")
    req, p_req = R.category_case(rules, lambda r: r.required, "a.category", default="FALSE")
    only, p_only = _persons_sql("e.person_id", person_ids)
    online, full_time = "online", ("party_school", "offsite")
    capped = (
        f"CASE WHEN b.cap IS NULL THEN b.raw ELSE "
        f"{R.greatest('0', R.least('b.raw', 'b.cap - (SUM(b.raw) OVER w - b.raw)'))} END"
    )
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    sql = f"""
        UPDATE {entry} SET credited_hours = s.h, online_hours = s.oh, full_time_days = s.ftd,
               credits_raw = s.raw, credits = s.credits, required = s.req, rule_set_id = %s
        FROM (
            SELECT b.id, b.h, b.oh, b.ftd, b.raw, b.req, {capped} AS credits
            FROM (
                SELECT a.id, a.person_id, a.category, a.date, a.h,
                       CASE WHEN a.category = %s THEN a.h ELSE 0 END AS oh,
                       CASE WHEN a.category IN (%s, %s) THEN a.days ELSE 0 END AS ftd,
                       {raw} AS raw, {req} AS req, {cap} AS cap
                FROM (
                    SELECT e.id, e.person_id, e.category, e.date, e.days, e.hours_taught, e.level, e.items,
                           {hours} AS h
                    FROM {entry} e
                    WHERE e.year = %s AND e.archived_at IS NULL{only}
                ) a
            ) b
            WINDOW w AS (PARTITION BY b.person_id, b.category ORDER BY b.date, b.id ROWS UNBOUNDED PRECEDING)
        ) s
        WHERE {entry}.id = s.id AND (
            {entry}.credits {differs} s.credits OR {entry}.credits_raw {differs} s.raw
            OR {entry}.credited_hours {differs} s.h OR {entry}.online_hours {differs} s.oh
            OR {entry}.full_time_days {differs} s.ftd OR {entry}.required {differs} s.req
            OR {entry}.rule_set_id {differs} %s)
    """  # noqa: S608 - names from the models, values are parameters
    params = [rule_set_id, online, *full_time, *p_raw, *p_req, *p_cap, *p_hours, year, *p_only, rule_set_id]
    return sql, params


def _date_plus_months(column: str) -> str:
    """``column`` + N months (one parameter), the day clamped to the month's end (29 Feb + 12 months = 28
    Feb), as ``rules.add_months`` and PostgreSQL's interval arithmetic do."""
    if connection.vendor == "postgresql":
        return f"CAST({column} + make_interval(months => %s) AS date)"
    return (
        f"min(date({column}, '+' || %s || ' months'), "
        f"date({column}, 'start of month', '+' || (%s + 1) || ' months', '-1 day'))"
    )


def _months_params(months: int) -> list:
    return [months] if connection.vendor == "postgresql" else [months, months]


def summary_sql(year: int, rules: R.Rules, prev_rules: R.Rules | None, person_ids=None) -> tuple[str, list]:
    entry, summary, cadre, person = _t(CreditEntry), _t(CreditYear), _t(CadreRecord), _t(Person)
    cycle_start, cycle_end = rules.cycle()
    same_cycle = year - 1 >= cycle_start
    only_c, p_only_c = _persons_sql("c.person_id", person_ids)
    only_e, p_only_e = _persons_sql("e.person_id", person_ids)
    county = sorted(COUNTY_RANKS)
    in_county = ", ".join(["%s"] * len(county))
    year_end = dt.date(year, 12, 31)
    cycle_first = dt.date(cycle_start, 1, 1)
    prev_target = prev_rules.total_credits if prev_rules is not None else rules.total_credits
    if rules.carry_over:
        carry = f"{R.greatest('0', 'COALESCE(pv.credits_total, 0) - %s')}"
        p_carry = [prev_target]
        if rules.carry_over_cap is not None:
            carry = R.least(carry, "%s")
            p_carry.append(rules.carry_over_cap)
    else:
        carry, p_carry = "0", []
    prev_cycle_h = "COALESCE(pv.cycle_hours, 0)" if same_cycle else "0"
    prev_cycle_d = "COALESCE(pv.cycle_days, 0)" if same_cycle else "0"
    prev_due = "pv.promotion_due" if same_cycle else "NULL"
    promoted_this_year = "c.rank_since >= %s AND c.rank_since >= %s AND c.rank_since <= %s"
    promoted_before = "c.rank_since >= %s AND c.rank_since < %s"
    due_sql = (
        f"CASE WHEN c.rank NOT IN ({in_county}) OR c.rank_since IS NULL THEN NULL "
        f"WHEN {promoted_this_year} THEN CASE WHEN {prev_cycle_h} + COALESCE(a.h_before, 0) < %s "
        f"AND {prev_cycle_d} + COALESCE(a.d_before, 0) < %s THEN {_date_plus_months('c.rank_since')} END "
        f"WHEN {promoted_before} THEN {prev_due} ELSE NULL END"
    )
    p_due = [*county, cycle_first, dt.date(year, 1, 1), year_end, rules.county_hours, rules.county_days,
             *_months_params(rules.promotion_months), cycle_first, dt.date(year, 1, 1)]  # fmt: skip
    county_met = "(x.cycle_hours >= %s OR x.cycle_days >= %s)"
    met_hours = (
        f"CASE WHEN x.rank_group = %s THEN ({county_met} OR (%s AND (x.promotion_due IS NULL OR "
        f"x.promotion_due > %s))) ELSE (x.hours >= %s OR x.ftd >= %s) END"
    )
    p_met_hours = [RankGroup.COUNTY.value, rules.county_hours, rules.county_days, year < cycle_end, year_end,
                   rules.township_hours, rules.township_days]  # fmt: skip
    now = timezone.now()
    sql = f"""
        INSERT INTO {summary} (created_at, updated_at, person_id, year, rank_group, entries, hours, online_hours,
                               full_time_days, credits_required, credits_earned, carried_in, credits_total,
                               cycle_hours, cycle_days, promotion_due, met_hours, met_online, met_credits,
                               met_target, grade)
        SELECT %s, %s, y.person_id, %s, y.rank_group, y.n, y.hours, y.oh, y.ftd, y.req, y.earned, y.carry,
               y.total, y.cycle_hours, y.cycle_days, y.promotion_due, y.met_hours, y.met_online, y.met_credits,
               (y.met_hours AND y.met_online AND y.met_credits),
               CASE WHEN NOT (y.met_hours AND y.met_online AND y.met_credits) THEN %s
                    WHEN y.total >= %s THEN %s ELSE %s END
        FROM (
            SELECT x.*, {met_hours} AS met_hours, (x.oh >= %s) AS met_online,
                   (x.req >= %s AND x.total >= %s) AS met_credits
            FROM (
                SELECT c.person_id,
                       CASE WHEN c.rank IN ({in_county}) THEN %s ELSE %s END AS rank_group,
                       COALESCE(a.n, 0) AS n, COALESCE(a.h, 0) AS hours, COALESCE(a.oh, 0) AS oh,
                       COALESCE(a.ftd, 0) AS ftd, COALESCE(a.req, 0) AS req, COALESCE(a.earned, 0) AS earned,
                       {carry} AS carry,
                       COALESCE(a.earned, 0) + {carry} AS total,
                       {prev_cycle_h} + COALESCE(a.h, 0) AS cycle_hours,
                       {prev_cycle_d} + COALESCE(a.ftd, 0) AS cycle_days,
                       {due_sql} AS promotion_due
                FROM {cadre} c
                JOIN {person} p ON p.id = c.person_id AND p.archived_at IS NULL
                LEFT JOIN (
                    SELECT e.person_id, COUNT(*) AS n, SUM(e.credited_hours) AS h, SUM(e.online_hours) AS oh,
                           SUM(e.full_time_days) AS ftd,
                           SUM(CASE WHEN e.required THEN e.credits ELSE 0 END) AS req,
                           SUM(e.credits) AS earned,
                           SUM(CASE WHEN e.date < c2.rank_since THEN e.credited_hours ELSE 0 END) AS h_before,
                           SUM(CASE WHEN e.date < c2.rank_since THEN e.full_time_days ELSE 0 END) AS d_before
                    FROM {entry} e
                    LEFT JOIN {cadre} c2 ON c2.person_id = e.person_id
                    WHERE e.year = %s AND e.archived_at IS NULL{only_e}
                    GROUP BY e.person_id
                ) a ON a.person_id = c.person_id
                LEFT JOIN {summary} pv ON pv.person_id = c.person_id AND pv.year = %s
                WHERE c.is_district_managed{only_c}
            ) x
        ) y
    """  # noqa: S608 - names from the models, values are parameters
    params = [
        now, now, year, Grade.FAIL.value, rules.excellent_credits, Grade.EXCELLENT.value, Grade.PASS.value,
        *p_met_hours, rules.online_hours_target, rules.required_credits, rules.total_credits,
        *county, RankGroup.COUNTY.value, RankGroup.TOWNSHIP.value, *p_carry, *p_carry, *p_due,
        year, *p_only_e, year - 1, *p_only_c,
    ]  # fmt: skip
    return sql, params


def recompute(year: int, *, person_ids=None, allow_closed: bool = False) -> dict:
    """Recompute ``year`` (every cadre, or ``person_ids``): the entries' outputs, then the summaries.
    The caller checks who may do it and audits; this refuses a closed year. Returns row counts."""
    rule_set, rules = rules_for(year)
    if rule_set.closed and not allow_closed:
        raise ValidationError(f"{year}年度已关账，学分记录不再重算。")
    prev_set = CreditRuleSet.objects.filter(year=year - 1).first()
    prev_rules = R.Rules.of(prev_set) if prev_set is not None else None
    with transaction.atomic(), connection.cursor() as cursor:
        # One rebuild of a year's summaries at a time: lock the year and the years after it, in order.
        list(CreditRuleSet.objects.select_for_update().filter(year__gte=year).order_by("year").values("pk"))
        if connection.vendor == "postgresql" and person_ids is None:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")  # the cap's window sorts the year in memory
        sql, params = entries_sql(year, rules, rule_set.pk, person_ids)
        cursor.execute(sql, _params(params))
        updated = cursor.rowcount
        delete = f"DELETE FROM {_t(CreditYear)} WHERE year = %s"  # noqa: S608
        only, p_only = _persons_sql("person_id", person_ids)
        cursor.execute(delete + only, [year, *p_only])
        sql, params = summary_sql(year, rules, prev_rules, person_ids)
        cursor.execute(sql, _params(params))
        summaries = cursor.rowcount
        following = _summaries_after(cursor, year, rules, person_ids)
    result = {"year": year, "entries_updated": updated, "summaries": summaries}
    if following:
        result["following_years"] = following
    return result


def _summaries_after(cursor, year: int, rules: R.Rules, person_ids) -> list[int]:
    """A year's summary carries into the next (the surplus, the five-year cycle, a promotion's deadline):
    rebuild the summaries of the open years that follow ``year``, one after the other, for the same cadres.
    Their entries do not depend on the year before, so only the summaries are rebuilt."""
    rebuilt = []
    prev_rules = rules
    for rule_set in CreditRuleSet.objects.filter(year__gt=year).order_by("year"):
        if rule_set.closed or rule_set.year != year + len(rebuilt) + 1:
            break
        next_rules = R.Rules.of(rule_set)
        only, p_only = _persons_sql("person_id", person_ids)
        cursor.execute(f"DELETE FROM {_t(CreditYear)} WHERE year = %s{only}", [rule_set.year, *p_only])  # noqa: S608
        sql, params = summary_sql(rule_set.year, next_rules, prev_rules, person_ids)
        cursor.execute(sql, _params(params))
        rebuilt.append(rule_set.year)
        prev_rules = next_rules
    return rebuilt


def refresh_cadre(person_id: int, today: dt.date | None = None) -> list[int]:
    """After a cadre record changed (rank, date of the rank, 区管 or not): recompute the cadre in the open
    years from last year on (a year is closed some time after it ends), so the lists and the targets follow
    at once. Returns the years recomputed."""
    year = (today or timezone.localdate()).year
    open_years = list(
        CreditRuleSet.objects.filter(year__in=[year - 1, year], closed=False)
        .order_by("year")
        .values_list("year", flat=True)
    )
    if not open_years:
        return []
    result = recompute(open_years[0], person_ids=[person_id])
    return [open_years[0], *result.get("following_years", [])]
