"""The dues rules as pure functions, and the same rules as one SQL expression for the set-based ledger.

中组发〔2008〕3号: employed members pay a percentage of the WHOLE monthly after-tax regular salary (not
marginal): ≤ 3,000 yuan 0.5 %, 3,000–5,000 1 %, 5,000–10,000 1.5 %, > 10,000 2 % (3,000.00 → 15.00,
3,000.01 → 30.00). Retirees: the basic pension, ≤ 5,000 0.5 %, > 5,000 1 %. Farmers a flat amount the province
sets (default 0.50); students, the unemployed and members on relief 0.20. An approved reduction replaces the
amount for its months (0 = waived).

Rounding (stated and tested): the amount is base × rate rounded half up to the fen, in integers:
``(base_fen × basis_points + 5000) // 10000``. No floats anywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import BASE_CATEGORIES, Category

# [upper bound in fen (inclusive) or None, rate in basis points (1/10000)]
EMPLOYED_BRACKETS = [[300_000, 50], [500_000, 100], [1_000_000, 150], [None, 200]]
RETIRED_BRACKETS = [[500_000, 50], [None, 100]]
FARMER_FEN = 50
FLAT_FEN = 20


@dataclass(frozen=True)
class Rules:
    """The numbers of one rule set (``DuesRuleSet``), detached from the database."""

    employed_brackets: tuple[tuple[int | None, int], ...] = tuple(map(tuple, EMPLOYED_BRACKETS))
    retired_brackets: tuple[tuple[int | None, int], ...] = tuple(map(tuple, RETIRED_BRACKETS))
    farmer_fen: int = FARMER_FEN
    flat_fen: int = FLAT_FEN

    @classmethod
    def of(cls, rule_set) -> Rules:
        return cls(
            employed_brackets=tuple(tuple(b) for b in rule_set.employed_brackets),
            retired_brackets=tuple(tuple(b) for b in rule_set.retired_brackets),
            farmer_fen=rule_set.farmer_fen,
            flat_fen=rule_set.flat_fen,
        )


def check_brackets(brackets) -> list[str]:
    """Problems of a bracket table, in Chinese (empty when it is usable)."""
    problems = []
    if not isinstance(brackets, list | tuple) or not brackets:
        return ["比例表不能为空"]
    last = -1
    for i, item in enumerate(brackets, start=1):
        if not isinstance(item, list | tuple) or len(item) != 2:
            problems.append(f"第 {i} 档格式不正确")
            continue
        upper, rate = item
        if not isinstance(rate, int) or isinstance(rate, bool) or not 0 <= rate <= 10_000:
            problems.append(f"第 {i} 档比例应为 0–10000 的整数（万分之）")
        if upper is None:
            if i != len(brackets):
                problems.append("只有最后一档可以不设上限")
        elif not isinstance(upper, int) or isinstance(upper, bool) or upper <= last:
            problems.append(f"第 {i} 档上限应为大于上一档的整数（分）")
        else:
            last = upper
    if (
        brackets
        and isinstance(brackets[-1], list | tuple)
        and len(brackets[-1]) == 2
        and brackets[-1][0] is not None
    ):
        problems.append("最后一档应不设上限")
    return problems


def rate_bp(brackets, base_fen: int) -> int:
    """The rate (basis points) of the bracket the whole base falls in; upper bounds are inclusive."""
    for upper, rate in brackets:
        if upper is None or base_fen <= upper:
            return rate
    return brackets[-1][1]


def percent_of(base_fen: int, rate: int) -> int:
    """base × rate (basis points), rounded half up to the fen."""
    return (base_fen * rate + 5000) // 10000


def amount_fen(
    *, category: str, base_fen: int | None, rules: Rules = Rules(), reduction_fen: int | None = None
) -> int:
    """The month's dues in fen. A base category without a base pays 0 until the base is entered (the
    ledger marks the month ``missing_base``)."""
    if reduction_fen is not None:
        return reduction_fen
    if category == Category.EMPLOYED:
        return percent_of(base_fen, rate_bp(rules.employed_brackets, base_fen)) if base_fen is not None else 0
    if category == Category.RETIRED:
        return percent_of(base_fen, rate_bp(rules.retired_brackets, base_fen)) if base_fen is not None else 0
    if category == Category.FARMER:
        return rules.farmer_fen
    return rules.flat_fen  # 学生、无业、低保/救济; 困难减免 without an approved reduction pays the minimum


def needs_base(category: str) -> bool:
    return category in BASE_CATEGORIES


def _case_brackets(base: str, brackets) -> tuple[str, list]:
    """As ``rate_bp``: the first bracket whose bound holds the base (an open one holds every base), else the
    last rate. A table of one open bracket is a plain expression (``CASE ELSE … END`` is not SQL)."""
    parts, params = [], []
    else_rate = brackets[-1][1]
    for upper, rate in brackets:
        if upper is None:
            else_rate = rate
            break
        parts.append(f"WHEN {base} <= %s THEN ({base} * %s + 5000) / 10000")
        params.extend([upper, rate])
    if not parts:
        return f"(({base} * %s + 5000) / 10000)", [else_rate]
    parts.append(f"ELSE ({base} * %s + 5000) / 10000")
    params.append(else_rate)
    return "CASE " + " ".join(parts) + " END", params


def amount_sql(*, category: str, base: str, reduction: str, rules: Rules) -> tuple[str, list]:
    """The SQL expression of ``amount_fen`` over the columns/expressions named (integer arithmetic:
    integer division truncates, which is the floor for these non-negative values on PostgreSQL and SQLite)."""
    employed, p_employed = _case_brackets(base, rules.employed_brackets)
    retired, p_retired = _case_brackets(base, rules.retired_brackets)
    sql = (
        f"CASE WHEN {reduction} IS NOT NULL THEN {reduction} "
        f"WHEN {category} = %s THEN CASE WHEN {base} IS NULL THEN 0 ELSE {employed} END "
        f"WHEN {category} = %s THEN CASE WHEN {base} IS NULL THEN 0 ELSE {retired} END "
        f"WHEN {category} = %s THEN %s ELSE %s END"
    )
    params = [Category.EMPLOYED.value, *p_employed, Category.RETIRED.value, *p_retired,
              Category.FARMER.value, rules.farmer_fen, rules.flat_fen]  # fmt: skip
    return sql, params


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole months from ``first`` to ``last`` (both month starts), inclusive."""
    return (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
