"""Properties of the dues rules (hypothesis): for any income and category the amount follows the table of
中组发〔2008〕3号, and ``rules.amount_sql`` evaluated by the database (SQLite or PostgreSQL, whichever the
tests run on) gives exactly what ``rules.amount_fen`` gives, for the default and for generated rule sets."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zugong.dues import rules
from zugong.dues.models import Category

MAX_BASE = 10**9  # 10,000,000.00 yuan a month, in fen
bases = st.integers(min_value=0, max_value=MAX_BASE)
# Bases near the bounds of the brackets, where mistakes live.
BOUNDS = [300_000, 500_000, 1_000_000]
near_bounds = st.sampled_from(BOUNDS).flatmap(lambda b: st.integers(min_value=b - 3, max_value=b + 3))
any_base = st.one_of(bases, near_bounds, st.integers(min_value=0, max_value=1_000))
categories = st.sampled_from(list(Category))
reductions = st.one_of(st.none(), st.integers(min_value=0, max_value=100_000))

# The regulation's table written out independently, in yuan and percent (upper bounds inclusive).
EMPLOYED_TABLE = [(Decimal("3000"), Decimal("0.5")), (Decimal("5000"), Decimal("1")),
                  (Decimal("10000"), Decimal("1.5")), (None, Decimal("2"))]  # fmt: skip
RETIRED_TABLE = [(Decimal("5000"), Decimal("0.5")), (None, Decimal("1"))]
FLAT_YUAN = {
    Category.FARMER: Decimal("0.50"),
    Category.STUDENT: Decimal("0.20"),
    Category.UNEMPLOYED: Decimal("0.20"),
    Category.RELIEF: Decimal("0.20"),
    Category.HARDSHIP: Decimal("0.20"),
}

PURE = settings(max_examples=200, deadline=None)
SQL = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def table_percent(table, income_yuan: Decimal) -> Decimal:
    for upper, percent in table:
        if upper is None or income_yuan <= upper:
            return percent
    raise AssertionError("the table has no open last bracket")


def expected_fen(category: str, base_fen: int | None) -> int:
    """The amount as a person would work it out: yuan × percent of the WHOLE income, to the fen, half up."""
    if category in FLAT_YUAN:
        return int(FLAT_YUAN[category] * 100)
    if base_fen is None:
        return 0
    income = Decimal(base_fen) / 100
    table = EMPLOYED_TABLE if category == Category.EMPLOYED else RETIRED_TABLE
    yuan = income * table_percent(table, income) / 100
    return int((yuan * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def bracket_of(brackets, base_fen: int) -> int:
    return next(i for i, (upper, _) in enumerate(brackets) if upper is None or base_fen <= upper)


# ------------------------------------------------------------------ pure


@PURE
@given(base=any_base, category=categories)
@example(base=300_000, category=Category.EMPLOYED)
@example(base=300_001, category=Category.EMPLOYED)
@example(base=500_001, category=Category.RETIRED)
def test_it_follows_the_table_for_any_income_and_category(base, category):
    assert rules.amount_fen(category=category, base_fen=base) == expected_fen(category, base)


@PURE
@given(base=any_base, category=st.sampled_from([Category.EMPLOYED, Category.RETIRED]))
def test_it_is_round_half_up_of_base_times_the_rate_of_its_bracket(base, category):
    brackets = rules.EMPLOYED_BRACKETS if category == Category.EMPLOYED else rules.RETIRED_BRACKETS
    rate = brackets[bracket_of(brackets, base)][1]
    exact = Decimal(base) * rate / 10_000
    amount = rules.amount_fen(category=category, base_fen=base)
    assert amount == int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    assert abs(Decimal(amount) - exact) <= Decimal("0.5")


@PURE
@given(a=any_base, b=any_base, category=st.sampled_from([Category.EMPLOYED, Category.RETIRED]))
def test_it_is_monotone_within_a_bracket(a, b, category):
    brackets = rules.EMPLOYED_BRACKETS if category == Category.EMPLOYED else rules.RETIRED_BRACKETS
    low, high = sorted((a, b))
    if bracket_of(brackets, low) == bracket_of(brackets, high):
        assert rules.amount_fen(category=category, base_fen=low) <= rules.amount_fen(
            category=category, base_fen=high
        )


@PURE
@given(a=any_base, b=any_base, category=st.sampled_from([Category.EMPLOYED, Category.RETIRED]))
def test_it_never_charges_a_higher_income_less_under_the_regulation(a, b, category):
    # Rates only rise with the brackets, and the whole income is charged: monotone across brackets too.
    low, high = sorted((a, b))
    assert rules.amount_fen(category=category, base_fen=low) <= rules.amount_fen(
        category=category, base_fen=high
    )


@PURE
@given(base=st.one_of(st.none(), any_base), category=categories, reduction=st.integers(0, 10**6))
def test_it_lets_a_reduction_decide_the_amount(base, category, reduction):
    assert rules.amount_fen(category=category, base_fen=base, reduction_fen=reduction) == reduction


@PURE
@given(base=any_base, rate=st.integers(min_value=0, max_value=10_000))
def test_it_rounds_in_integers_like_decimal_half_up(base, rate):
    exact = Decimal(base) * rate / 10_000
    assert rules.percent_of(base, rate) == int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------ generated rule sets


@st.composite
def bracket_tables(draw, open_last: bool = True):
    n = draw(st.integers(min_value=1, max_value=5))
    uppers = sorted(
        draw(st.sets(st.integers(min_value=0, max_value=MAX_BASE), min_size=n - 1, max_size=n - 1))
    )
    rates = draw(st.lists(st.integers(min_value=0, max_value=10_000), min_size=n, max_size=n))
    table = [[u, r] for u, r in zip([*uppers, None], rates, strict=True)]
    if not open_last:
        table[-1][0] = draw(st.integers(min_value=(uppers[-1] + 1) if uppers else 0, max_value=MAX_BASE + 1))
    return table


@st.composite
def rule_numbers(draw, open_last: bool = True):
    return rules.Rules(
        employed_brackets=tuple(map(tuple, draw(bracket_tables(open_last)))),
        retired_brackets=tuple(map(tuple, draw(bracket_tables(open_last)))),
        farmer_fen=draw(st.integers(min_value=0, max_value=1_000)),
        flat_fen=draw(st.integers(min_value=0, max_value=1_000)),
    )


@PURE
@given(table=bracket_tables())
def test_it_accepts_every_well_formed_table(table):
    assert rules.check_brackets(table) == []


@PURE
@given(table=bracket_tables(), base=bases)
def test_it_charges_the_rate_of_the_first_bracket_whose_bound_holds_the_base(table, base):
    index = bracket_of(table, base)
    assert rules.rate_bp(table, base) == table[index][1]
    assert all(upper is not None and base > upper for upper, _ in table[:index])


# ------------------------------------------------------------------ the SQL expression, on the database


def sql_amount(
    *, category: str, base_fen: int | None, reduction_fen: int | None, numbers: rules.Rules
) -> int:
    """``rules.amount_sql`` evaluated by the database over one row typed as the ledger's columns are."""
    expr, params = rules.amount_sql(category="x.category", base="x.base_fen", reduction="x.reduction_fen",
                                    rules=numbers)  # fmt: skip
    sql = (
        f"SELECT {expr} FROM (SELECT CAST(%s AS VARCHAR(16)) AS category, CAST(%s AS BIGINT) AS base_fen, "
        "CAST(%s AS INTEGER) AS reduction_fen) x"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, str(category), base_fen, reduction_fen])
        value = cursor.fetchone()[0]
    assert isinstance(value, int), f"{connection.vendor} returned {value!r} ({type(value).__name__})"
    return value


@pytest.fixture
def on_db(db):
    return connection.vendor


@SQL
@given(base=st.one_of(st.none(), any_base), category=categories, reduction=reductions)
@example(base=300_000, category=Category.EMPLOYED, reduction=None)
@example(base=300_001, category=Category.EMPLOYED, reduction=None)
@example(base=100, category=Category.EMPLOYED, reduction=None)
@example(base=MAX_BASE, category=Category.EMPLOYED, reduction=None)
@example(base=None, category=Category.RETIRED, reduction=None)
@example(base=None, category=Category.EMPLOYED, reduction=0)
def test_it_computes_in_sql_what_it_computes_in_python(on_db, base, category, reduction):
    numbers = rules.Rules()
    assert sql_amount(category=category, base_fen=base, reduction_fen=reduction, numbers=numbers) == (
        rules.amount_fen(category=category, base_fen=base, rules=numbers, reduction_fen=reduction)
    )


@SQL
@given(numbers=rule_numbers(), base=st.one_of(st.none(), bases), category=categories, reduction=reductions)
def test_it_computes_in_sql_what_it_computes_in_python_for_any_rule_set(
    on_db, numbers, base, category, reduction
):
    assert sql_amount(category=category, base_fen=base, reduction_fen=reduction, numbers=numbers) == (
        rules.amount_fen(category=category, base_fen=base, rules=numbers, reduction_fen=reduction)
    )


@SQL
@given(numbers=rule_numbers(open_last=False), base=bases, category=categories)
def test_it_agrees_in_sql_above_a_closed_last_bracket(on_db, numbers, base, category):
    # check_brackets refuses such a table, but both sides keep charging the last rate above its bound.
    assert sql_amount(category=category, base_fen=base, reduction_fen=None, numbers=numbers) == (
        rules.amount_fen(category=category, base_fen=base, rules=numbers)
    )


@pytest.mark.parametrize(
    ("category", "base", "expected"),
    [
        (Category.EMPLOYED, 300_000, 1_500),
        (Category.EMPLOYED, 300_001, 3_000),
        (Category.EMPLOYED, 320_000, 3_200),
        (Category.EMPLOYED, 540_000, 8_100),
        (Category.EMPLOYED, 1_150_000, 23_000),
        (Category.EMPLOYED, 500_000, 5_000),
        (Category.EMPLOYED, 500_001, 7_500),
        (Category.EMPLOYED, 1_000_000, 15_000),
        (Category.EMPLOYED, 1_000_001, 20_000),
        (Category.EMPLOYED, 100, 1),
        (Category.EMPLOYED, 1, 0),
        (Category.EMPLOYED, None, 0),
        (Category.RETIRED, 500_000, 2_500),
        (Category.RETIRED, 500_001, 5_000),
        (Category.RETIRED, None, 0),
        (Category.FARMER, None, 50),
        (Category.STUDENT, None, 20),
        (Category.UNEMPLOYED, 800_000, 20),
        (Category.RELIEF, None, 20),
    ],
)
def test_it_gives_the_regulation_numbers_in_sql(on_db, category, base, expected):
    assert sql_amount(category=category, base_fen=base, reduction_fen=None, numbers=rules.Rules()) == expected
