"""The credit rules as pure functions, and the same rules as SQL expressions for the set-based recompute
(``ledger.py``). The two are kept equal by tests (``test_rules_property``).

An entry's 学时 (toward the national targets): the 学时 entered if any; else, for an online course, its
length by the tiers (≥ 30 min = 1 学时, 15–30 min = 0.5, ≤ 15 min = 0.25); else days × 学时 per day (7.5 by
default: 12 days = 90 学时). Its 网络学时 are its 学时 when it is an online course; its 脱产天数 its days when
it is full-time training. Its credits by the category's mode: rate × days, × 学时, × items (papers: the
level's rate, e.g. 12/24/48 for 市级/省级/国家级), or × hours taught; rounded to 0.01 (half up). A category's
annual cap is applied per cadre in date order: an entry earns what is left under the cap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from zugong.people.choices import COUNTY_RANKS

from .models import FULL_TIME_CATEGORIES, Category, Grade, Mode, RankGroup

ZERO = Decimal(0)
CENT = Decimal("0.01")

# 【地方】 defaults of a new year's rules: (mode, rate, level rates, annual cap, required).
DEFAULT_CATEGORY_RULES = {
    Category.PARTY_SCHOOL: (Mode.PER_DAY, "6", {}, None, True),
    Category.OFFSITE: (Mode.PER_DAY, "6", {}, "48", True),
    Category.ONLINE: (Mode.PER_HOUR, "1", {}, None, True),
    Category.LECTURE: (Mode.PER_ITEM, "2", {}, None, False),
    Category.CENTRAL_GROUP: (Mode.PER_ITEM, "3", {}, None, True),
    Category.SELF_STUDY: (Mode.PER_HOUR, "1", {}, "20", False),
    Category.PAPER: (Mode.PER_ITEM, "12", {"city": "12", "province": "24", "national": "48"}, None, False),
    Category.TEACHING: (Mode.PER_HOUR_TAUGHT, "5", {}, None, False),
}


def q2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CatRule:
    mode: str
    rate: Decimal
    level_rates: dict = field(default_factory=dict)
    cap: Decimal | None = None
    required: bool = False

    def item_rate(self, level: str) -> Decimal:
        if level and level in self.level_rates:
            return Decimal(str(self.level_rates[level]))
        return self.rate


@dataclass(frozen=True)
class Rules:
    """The numbers of one ``CreditRuleSet`` and its ``CategoryRule`` rows, detached from the database."""

    year: int
    categories: dict
    hours_per_day: Decimal = Decimal("7.5")
    online_tiers: tuple = ((30, ">=", Decimal(1)), (15, ">", Decimal("0.5")), (0, ">", Decimal("0.25")))
    required_credits: Decimal = Decimal(56)
    total_credits: Decimal = Decimal(84)
    excellent_credits: Decimal = Decimal(100)
    carry_over: bool = True
    carry_over_cap: Decimal | None = None
    online_hours_target: Decimal = Decimal(50)
    township_hours: Decimal = Decimal(90)
    township_days: Decimal = Decimal(12)
    county_hours: Decimal = Decimal(550)
    county_days: Decimal = Decimal(90)
    cycle_start_year: int = 2023
    cycle_years: int = 5
    promotion_months: int = 12

    @classmethod
    def of(cls, rule_set) -> Rules:
        cats = {
            r.category: CatRule(
                mode=r.mode,
                rate=Decimal(r.rate),
                level_rates=dict(r.level_rates or {}),
                cap=None if r.annual_cap is None else Decimal(r.annual_cap),
                required=r.required,
            )
            for r in rule_set.rules.all()
        }
        return cls(
            year=rule_set.year,
            categories=cats,
            hours_per_day=Decimal(rule_set.hours_per_day),
            online_tiers=tuple((Decimal(str(b)), op, Decimal(str(h))) for b, op, h in rule_set.online_tiers),
            required_credits=Decimal(rule_set.required_credits),
            total_credits=Decimal(rule_set.total_credits),
            excellent_credits=Decimal(rule_set.excellent_credits),
            carry_over=rule_set.carry_over,
            carry_over_cap=None if rule_set.carry_over_cap is None else Decimal(rule_set.carry_over_cap),
            online_hours_target=Decimal(rule_set.online_hours_target),
            township_hours=Decimal(rule_set.township_hours),
            township_days=Decimal(rule_set.township_days),
            county_hours=Decimal(rule_set.county_hours),
            county_days=Decimal(rule_set.county_days),
            cycle_start_year=rule_set.cycle_start_year,
            cycle_years=rule_set.cycle_years,
            promotion_months=rule_set.promotion_months,
        )

    @classmethod
    def defaults(cls, year: int) -> Rules:
        cats = {
            c: CatRule(
                mode=m,
                rate=Decimal(r),
                level_rates=lv,
                cap=None if cap is None else Decimal(cap),
                required=req,
            )
            for c, (m, r, lv, cap, req) in DEFAULT_CATEGORY_RULES.items()
        }
        return cls(year=year, categories=cats)

    def cycle(self, year: int | None = None) -> tuple[int, int]:
        year = self.year if year is None else year
        start = (
            self.cycle_start_year + ((year - self.cycle_start_year) // self.cycle_years) * self.cycle_years
        )
        return start, start + self.cycle_years - 1


# ---- validation -----------------------------------------------------------------------------------------


def check_tiers(tiers) -> list[str]:
    """Problems of an online tier table (Chinese; empty when usable): bounds descending, last bound 0."""
    problems = []
    if not isinstance(tiers, list | tuple) or not tiers:
        return ["网络课程时长折算表不能为空"]
    last = None
    for i, item in enumerate(tiers, start=1):
        if not isinstance(item, list | tuple) or len(item) != 3:
            problems.append(f'第 {i} 档格式不正确（应为 [分钟, ">=" 或 ">", 学时]）')
            continue
        bound, op, hours = item
        try:
            bound, hours = Decimal(str(bound)), Decimal(str(hours))
        except Exception:
            problems.append(f"第 {i} 档的分钟数和学时应为数字")
            continue
        if not (bound.is_finite() and hours.is_finite()):
            problems.append(f"第 {i} 档的分钟数和学时应为数字")
            continue
        if op not in (">=", ">"):
            problems.append(f'第 {i} 档的比较应为 ">=" 或 ">"')
        if bound < 0 or bound > 1440 or hours < 0 or hours > 100:
            problems.append(f"第 {i} 档数值超出范围")
        if last is not None and bound >= last:
            problems.append(f"第 {i} 档分钟数应小于上一档")
        last = bound
    return problems


# ---- one entry --------------------------------------------------------------------------------------------


def online_course_hours(minutes, rules: Rules) -> Decimal:
    """学时 of an online course of ``minutes``: the first tier whose bound it reaches; 0 for no length."""
    if minutes is None:
        return ZERO
    minutes = Decimal(str(minutes))
    for bound, op, hours in rules.online_tiers:
        if (op == ">=" and minutes >= bound) or (op == ">" and minutes > bound):
            return hours
    return ZERO


@dataclass(frozen=True)
class EntryOutput:
    credited_hours: Decimal
    online_hours: Decimal
    full_time_days: Decimal
    credits_raw: Decimal
    required: bool


def entry_output(
    *,
    category: str,
    days=0,
    hours=0,
    minutes=None,
    hours_taught=0,
    level: str = "",
    items: int = 1,
    rules: Rules,
) -> EntryOutput:
    days, hours, hours_taught = Decimal(str(days)), Decimal(str(hours)), Decimal(str(hours_taught))
    if hours > 0:
        credited = hours
    elif minutes is not None:
        credited = online_course_hours(minutes, rules)
    elif days > 0:
        credited = q2(days * rules.hours_per_day)
    else:
        credited = ZERO
    rule = rules.categories.get(category)
    if rule is None:
        raw, required = ZERO, False
    else:
        required = rule.required
        if rule.mode == Mode.PER_DAY:
            raw = days * rule.rate
        elif rule.mode == Mode.PER_HOUR:
            raw = credited * rule.rate
        elif rule.mode == Mode.PER_ITEM:
            raw = items * rule.item_rate(level)
        else:
            raw = hours_taught * rule.rate
    return EntryOutput(
        credited_hours=q2(credited),
        online_hours=q2(credited) if category == Category.ONLINE else ZERO,
        full_time_days=q2(days) if category in FULL_TIME_CATEGORIES else ZERO,
        credits_raw=q2(raw),
        required=required,
    )


def apply_caps(entries, rules: Rules) -> list[Decimal]:
    """Credits after the category caps for one cadre's year. ``entries``: (category, date, id, credits_raw)
    in any order; returns the capped credits in the same order."""
    order = sorted(range(len(entries)), key=lambda i: (entries[i][1], entries[i][2]))
    used: dict[str, Decimal] = {}
    out = [ZERO] * len(entries)
    for i in order:
        category, _, _, raw = entries[i]
        rule = rules.categories.get(category)
        before = used.get(category, ZERO)
        used[category] = before + raw
        if rule is None or rule.cap is None:
            out[i] = raw
        else:
            out[i] = max(ZERO, min(raw, rule.cap - before))
    return out


# ---- the year ---------------------------------------------------------------------------------------------


def rank_group(rank: str) -> str:
    return RankGroup.COUNTY if rank in COUNTY_RANKS else RankGroup.TOWNSHIP


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months``, clamped to the month's last day (as PostgreSQL's interval and SQLite's
    date() with a start-of-month correction do)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class YearResult:
    rank_group: str
    entries: int
    hours: Decimal
    online_hours: Decimal
    full_time_days: Decimal
    credits_required: Decimal
    credits_earned: Decimal
    carried_in: Decimal
    credits_total: Decimal
    cycle_hours: Decimal
    cycle_days: Decimal
    promotion_due: dt.date | None
    met_hours: bool
    met_online: bool
    met_credits: bool
    met_target: bool
    grade: str


def carried_in(prev_total, prev_rules: Rules | None, rules: Rules) -> Decimal:
    """Surplus of last year's total over last year's total target, when this year takes carry-over."""
    if not rules.carry_over or prev_total is None:
        return ZERO
    target = prev_rules.total_credits if prev_rules is not None else rules.total_credits
    surplus = max(ZERO, Decimal(prev_total) - target)
    if rules.carry_over_cap is not None:
        surplus = min(surplus, rules.carry_over_cap)
    return q2(surplus)


def year_result(
    *,
    rank: str,
    rank_since: dt.date | None,
    entries,
    rules: Rules,
    prev=None,
    prev_rules: Rules | None = None,
) -> YearResult:
    """A cadre's year from their entries' outputs — dicts with date, credited_hours, online_hours,
    full_time_days, credits, required — and last year's result ``prev`` (a YearResult or CreditYear, or None)."""
    group = rank_group(rank)
    year = rules.year
    cycle_start, cycle_end = rules.cycle()
    hours = sum((Decimal(e["credited_hours"]) for e in entries), ZERO)
    online = sum((Decimal(e["online_hours"]) for e in entries), ZERO)
    days = sum((Decimal(e["full_time_days"]) for e in entries), ZERO)
    required = sum((Decimal(e["credits"]) for e in entries if e["required"]), ZERO)
    earned = sum((Decimal(e["credits"]) for e in entries), ZERO)
    carry = carried_in(prev.credits_total if prev is not None else None, prev_rules, rules)
    same_cycle = prev is not None and year - 1 >= cycle_start
    prev_cycle_hours = Decimal(prev.cycle_hours) if same_cycle else ZERO
    prev_cycle_days = Decimal(prev.cycle_days) if same_cycle else ZERO
    cycle_hours, cycle_days = prev_cycle_hours + hours, prev_cycle_days + days
    due = None
    if group == RankGroup.COUNTY and rank_since is not None and dt.date(cycle_start, 1, 1) <= rank_since:
        if rank_since.year == year:
            before_h = prev_cycle_hours + sum(
                (Decimal(e["credited_hours"]) for e in entries if e["date"] < rank_since), ZERO
            )
            before_d = prev_cycle_days + sum(
                (Decimal(e["full_time_days"]) for e in entries if e["date"] < rank_since), ZERO
            )
            if before_h < rules.county_hours and before_d < rules.county_days:
                due = add_months(rank_since, rules.promotion_months)
        elif rank_since.year < year and same_cycle:
            due = prev.promotion_due
    if group == RankGroup.COUNTY:
        cycle_met = cycle_hours >= rules.county_hours or cycle_days >= rules.county_days
        due_now = due is not None and due <= dt.date(year, 12, 31)
        met_hours = cycle_met or (year < cycle_end and not due_now)
    else:
        met_hours = hours >= rules.township_hours or days >= rules.township_days
    met_online = online >= rules.online_hours_target
    total = earned + carry
    met_credits = required >= rules.required_credits and total >= rules.total_credits
    met = met_hours and met_online and met_credits
    grade = Grade.FAIL if not met else (Grade.EXCELLENT if total >= rules.excellent_credits else Grade.PASS)
    return YearResult(
        rank_group=group, entries=len(entries), hours=hours, online_hours=online, full_time_days=days,
        credits_required=required, credits_earned=earned, carried_in=carry, credits_total=total,
        cycle_hours=cycle_hours, cycle_days=cycle_days, promotion_due=due, met_hours=met_hours,
        met_online=met_online, met_credits=met_credits, met_target=met, grade=grade,
    )  # fmt: skip


# ---- the same rules in SQL ----------------------------------------------------------------------------------


def greatest(*args: str) -> str:
    return ("GREATEST(" if connection.vendor == "postgresql" else "MAX(") + ", ".join(args) + ")"


def least(*args: str) -> str:
    return ("LEAST(" if connection.vendor == "postgresql" else "MIN(") + ", ".join(args) + ")"


def round2(expr: str) -> str:
    return f"ROUND({expr}, 2)" if connection.vendor == "postgresql" else f"ROUND(({expr}) + 0.0000001, 2)"


def hours_sql(rules: Rules, e: str = "e") -> tuple[str, list]:
    """``credited_hours`` of the entry row aliased ``e``."""
    tiers, params = [], []
    for bound, op, hours in rules.online_tiers:
        tiers.append(f"WHEN {e}.minutes {op} %s THEN %s")
        params.extend([bound, hours])
    tier_case = "CASE " + " ".join(tiers) + " ELSE 0 END" if tiers else "0"
    sql = (
        f"CASE WHEN {e}.hours > 0 THEN {e}.hours WHEN {e}.minutes IS NOT NULL THEN {tier_case} "
        f"WHEN {e}.days > 0 THEN {round2(f'{e}.days * %s')} ELSE 0 END"
    )
    return sql, [*params, rules.hours_per_day]


def raw_credits_sql(rules: Rules, *, e: str = "e", hours: str = "h") -> tuple[str, list]:
    """``credits_raw`` by category; ``hours`` names the entry's credited 学时 expression."""
    whens, params = [], []
    for category, rule in rules.categories.items():
        if rule.mode == Mode.PER_DAY:
            expr, p = f"{e}.days * %s", [rule.rate]
        elif rule.mode == Mode.PER_HOUR:
            expr, p = f"{hours} * %s", [rule.rate]
        elif rule.mode == Mode.PER_HOUR_TAUGHT:
            expr, p = f"{e}.hours_taught * %s", [rule.rate]
        else:
            levels = [(lv, Decimal(str(r))) for lv, r in rule.level_rates.items()]
            if levels:
                inner = " ".join("WHEN %s THEN %s" for _ in levels)
                expr = f"{e}.items * CASE {e}.level {inner} ELSE %s END"
                p = [v for pair in levels for v in pair] + [rule.rate]
            else:
                expr, p = f"{e}.items * %s", [rule.rate]
        whens.append(f"WHEN %s THEN {round2(expr)}")
        params.extend([category, *p])
    if not whens:
        return "0", []
    return f"CASE {e}.category " + " ".join(whens) + " ELSE 0 END", params


def category_case(rules: Rules, value, column: str, default: str = "NULL") -> tuple[str, list]:
    """CASE over the category giving ``value(rule)`` (a parameter), for caps and required."""
    whens, params = [], []
    for category, rule in rules.categories.items():
        v = value(rule)
        if v is None:
            continue
        whens.append("WHEN %s THEN %s")
        params.extend([category, v])
    if not whens:
        return default, []
    return f"CASE {column} " + " ".join(whens) + f" ELSE {default} END", params
