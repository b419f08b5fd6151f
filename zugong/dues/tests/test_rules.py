"""The dues rules against the regulation's own numbers (中组发〔2008〕3号), the rounding rule, the bracket
checks and the month arithmetic. Amounts are in fen: 3,000.00 yuan is 300000."""

from __future__ import annotations

import datetime as dt

import pytest

from zugong.dues import rules
from zugong.dues.models import Category, DuesRuleSet

D = dt.date


def employed(yuan_fen: int) -> int:
    return rules.amount_fen(category=Category.EMPLOYED, base_fen=yuan_fen)


def retired(yuan_fen: int) -> int:
    return rules.amount_fen(category=Category.RETIRED, base_fen=yuan_fen)


# ------------------------------------------------------------------ employed: the whole income, not marginal


@pytest.mark.parametrize(
    ("base_fen", "expected_fen"),
    [
        (300_000, 1_500),  # 3,000.00 → 0.5 % → 15.00
        (300_001, 3_000),  # 3,000.01 → 1 % of the whole → 30.00
        (320_000, 3_200),  # 3,200 → 32.00
        (540_000, 8_100),  # 5,400 → 1.5 % → 81.00
        (1_150_000, 23_000),  # 11,500 → 2 % → 230.00
        (500_000, 5_000),  # 5,000.00 → 1 %
        (500_001, 7_500),  # 5,000.01 → 1.5 % of the whole
        (1_000_000, 15_000),  # 10,000.00 → 1.5 %
        (1_000_001, 20_000),  # 10,000.01 → 2 % of the whole
        (0, 0),
        (100_000, 500),  # 1,000.00 → 5.00
    ],
)
def test_it_charges_employed_members_by_the_bracket_of_the_whole_income(base_fen, expected_fen):
    assert employed(base_fen) == expected_fen


def test_it_is_not_a_marginal_rate():
    # Marginal would be 3000×0.5 % + 0.01×1 % = 15.00; the regulation charges the whole 3,000.01 at 1 %.
    assert employed(300_001) == 3_000
    assert employed(300_001) - employed(300_000) == 1_500


@pytest.mark.parametrize(
    ("base_fen", "expected_fen"),
    [(500_000, 2_500), (500_001, 5_000), (300_000, 1_500), (800_000, 8_000), (0, 0)],
)
def test_it_charges_retirees_on_the_basic_pension(base_fen, expected_fen):
    assert retired(base_fen) == expected_fen


def test_it_charges_farmers_the_default_flat_amount():
    assert rules.amount_fen(category=Category.FARMER, base_fen=None) == 50
    # The base is irrelevant for a flat category.
    assert rules.amount_fen(category=Category.FARMER, base_fen=2_000_000) == 50


@pytest.mark.parametrize("category", [Category.STUDENT, Category.UNEMPLOYED, Category.RELIEF])
def test_it_charges_students_unemployed_and_relief_twenty_fen(category):
    assert rules.amount_fen(category=category, base_fen=None) == 20
    assert rules.amount_fen(category=category, base_fen=900_000) == 20


def test_it_charges_hardship_without_a_reduction_the_minimum():
    assert rules.amount_fen(category=Category.HARDSHIP, base_fen=None) == 20


@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize("reduction_fen", [0, 1, 100, 5_000])
def test_it_lets_an_approved_reduction_replace_the_amount(category, reduction_fen):
    assert (
        rules.amount_fen(category=category, base_fen=1_150_000, reduction_fen=reduction_fen) == reduction_fen
    )
    # Also without a base: 0 means waived, not "missing".
    assert rules.amount_fen(category=category, base_fen=None, reduction_fen=reduction_fen) == reduction_fen


@pytest.mark.parametrize("category", [Category.EMPLOYED, Category.RETIRED])
def test_it_charges_nothing_until_the_base_is_entered(category):
    assert rules.amount_fen(category=category, base_fen=None) == 0
    assert rules.needs_base(category)


@pytest.mark.parametrize(
    "category", [Category.FARMER, Category.STUDENT, Category.UNEMPLOYED, Category.RELIEF, Category.HARDSHIP]
)
def test_it_needs_no_base_for_flat_categories(category):
    assert not rules.needs_base(category)


def test_it_uses_the_numbers_of_the_rule_set_given():
    custom = rules.Rules(
        employed_brackets=((100_000, 100), (None, 300)),
        retired_brackets=((None, 10),),
        farmer_fen=100,
        flat_fen=30,
    )
    assert rules.amount_fen(category=Category.EMPLOYED, base_fen=100_000, rules=custom) == 1_000
    assert rules.amount_fen(category=Category.EMPLOYED, base_fen=100_001, rules=custom) == 3_000
    assert rules.amount_fen(category=Category.RETIRED, base_fen=1_000_000, rules=custom) == 1_000
    assert rules.amount_fen(category=Category.FARMER, base_fen=None, rules=custom) == 100
    assert rules.amount_fen(category=Category.STUDENT, base_fen=None, rules=custom) == 30


@pytest.mark.django_db
def test_it_reads_the_default_rule_set_of_the_migration_as_the_regulation():
    rule_set = DuesRuleSet.objects.get(effective_from=D(2008, 4, 1))
    assert rules.Rules.of(rule_set) == rules.Rules()
    assert rules.check_brackets(rule_set.employed_brackets) == []
    assert rules.check_brackets(rule_set.retired_brackets) == []


# ------------------------------------------------------------------ rounding: half up to the fen, in integers


@pytest.mark.parametrize(
    ("base_fen", "rate_bp", "expected"),
    [
        (1, 50, 0),  # 0.005 fen → 0
        (99, 50, 0),  # 0.495 fen → 0
        (100, 50, 1),  # 0.5 fen exactly → 1 (half up)
        (101, 50, 1),
        (299, 50, 1),  # 1.495 → 1
        (300, 50, 2),  # 1.5 → 2
        (50, 100, 1),  # 0.5 → 1
        (49, 100, 0),
        (150, 100, 2),  # 1.5 → 2
        (250, 100, 3),  # 2.5 → 3 (banker's would give 2)
        (333_333, 150, 5_000),  # 4,999.995 → 5,000
        (0, 200, 0),
        (10**9, 200, 20_000_000),
    ],
)
def test_it_rounds_half_up_to_the_fen(base_fen, rate_bp, expected):
    assert rules.percent_of(base_fen, rate_bp) == expected


def test_it_rounds_the_amount_half_up_in_every_bracket():
    assert employed(100) == 1  # 1.00 yuan × 0.5 % = 0.5 fen → 1
    assert employed(99) == 0
    assert employed(300_050) == 3_001  # 3,000.50 × 1 % = 3,000.5 fen → 3,001
    assert employed(500_100) == 7_502  # 5,001.00 × 1.5 % = 7,501.5 fen → 7,502
    assert employed(1_000_025) == 20_001  # 10,000.25 × 2 % = 20,000.5 fen → 20,001
    assert retired(500_050) == 5_001  # 5,000.50 × 1 % = 5,000.5 → 5,001


def test_it_picks_the_rate_of_the_bracket_containing_the_base():
    brackets = rules.EMPLOYED_BRACKETS
    assert rules.rate_bp(brackets, 0) == 50
    assert rules.rate_bp(brackets, 300_000) == 50
    assert rules.rate_bp(brackets, 300_001) == 100
    assert rules.rate_bp(brackets, 500_000) == 100
    assert rules.rate_bp(brackets, 500_001) == 150
    assert rules.rate_bp(brackets, 1_000_000) == 150
    assert rules.rate_bp(brackets, 1_000_001) == 200
    assert rules.rate_bp(brackets, 10**12) == 200
    # A table whose last bracket has a bound (refused by check_brackets) keeps its last rate above it.
    assert rules.rate_bp([[100, 10], [200, 20]], 500) == 20


# ------------------------------------------------------------------ check_brackets


def test_it_accepts_the_regulation_brackets():
    assert rules.check_brackets(rules.EMPLOYED_BRACKETS) == []
    assert rules.check_brackets(rules.RETIRED_BRACKETS) == []
    assert rules.check_brackets([[None, 100]]) == []
    assert rules.check_brackets(((0, 0), (None, 10_000))) == []


@pytest.mark.parametrize("value", [[], (), None, "", {}, 5])
def test_it_refuses_an_empty_table(value):
    assert rules.check_brackets(value) == ["比例表不能为空"]


def test_it_names_a_malformed_bracket():
    assert rules.check_brackets([[300_000, 50], [1], [None, 100]]) == ["第 2 档格式不正确"]
    assert rules.check_brackets([[300_000, 50], "x", [None, 100]]) == ["第 2 档格式不正确"]
    assert rules.check_brackets([[300_000, 50, 1], [None, 100]]) == ["第 1 档格式不正确"]


@pytest.mark.parametrize("rate", [-1, 10_001, 1.5, "50", None, True])
def test_it_refuses_a_rate_outside_basis_points(rate):
    assert rules.check_brackets([[300_000, rate], [None, 100]]) == [
        "第 1 档比例应为 0–10000 的整数（万分之）"
    ]


def test_it_refuses_bounds_that_do_not_increase():
    assert rules.check_brackets([[500_000, 50], [300_000, 100], [None, 150]]) == [
        "第 2 档上限应为大于上一档的整数（分）"
    ]
    assert rules.check_brackets([[300_000, 50], [300_000, 100], [None, 150]]) == [
        "第 2 档上限应为大于上一档的整数（分）"
    ]
    assert rules.check_brackets([[-5, 50], [None, 100]]) == ["第 1 档上限应为大于上一档的整数（分）"]
    assert rules.check_brackets([[3000.5, 50], [None, 100]]) == ["第 1 档上限应为大于上一档的整数（分）"]
    assert rules.check_brackets([[True, 50], [None, 100]]) == ["第 1 档上限应为大于上一档的整数（分）"]


def test_it_allows_no_bound_only_on_the_last_bracket():
    assert rules.check_brackets([[None, 50], [None, 100]]) == ["只有最后一档可以不设上限"]
    assert rules.check_brackets([[300_000, 50], [500_000, 100]]) == ["最后一档应不设上限"]
    assert rules.check_brackets([[None, 50], [500_000, 100]]) == [
        "只有最后一档可以不设上限",
        "最后一档应不设上限",
    ]


def test_it_lists_every_problem():
    problems = rules.check_brackets([[300_000, -1], [200_000, 20_000], [1]])
    assert problems == [
        "第 1 档比例应为 0–10000 的整数（万分之）",
        "第 2 档比例应为 0–10000 的整数（万分之）",
        "第 2 档上限应为大于上一档的整数（分）",
        "第 3 档格式不正确",
    ]


# ------------------------------------------------------------------ months


def test_it_starts_a_month_on_its_first_day():
    assert rules.month_start(D(2024, 2, 29)) == D(2024, 2, 1)
    assert rules.month_start(D(2024, 2, 1)) == D(2024, 2, 1)


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (D(2024, 1, 1), 0, D(2024, 1, 1)),
        (D(2024, 1, 1), 1, D(2024, 2, 1)),
        (D(2024, 12, 1), 1, D(2025, 1, 1)),
        (D(2024, 1, 1), -1, D(2023, 12, 1)),
        (D(2024, 1, 1), 11, D(2024, 12, 1)),
        (D(2024, 1, 1), 12, D(2025, 1, 1)),
        (D(2024, 3, 1), -13, D(2023, 2, 1)),
        (D(2024, 3, 1), -27, D(2021, 12, 1)),
        (D(2024, 11, 1), 26, D(2027, 1, 1)),
    ],
)
def test_it_adds_months(month, n, expected):
    assert rules.add_months(month, n) == expected


def test_it_adds_months_to_a_day_as_to_its_month():
    assert rules.add_months(D(2024, 1, 31), 1) == D(2024, 2, 1)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (D(2024, 1, 1), D(2024, 1, 1), 1),
        (D(2024, 1, 1), D(2024, 6, 1), 6),
        (D(2024, 1, 1), D(2024, 12, 1), 12),
        (D(2023, 11, 1), D(2024, 2, 1), 4),
        (D(2024, 2, 1), D(2024, 1, 1), 0),
    ],
)
def test_it_counts_months_inclusively(first, last, expected):
    assert rules.months_between(first, last) == expected


@pytest.mark.parametrize("n", [0, 1, 5, 11, 12, 13, 60])
def test_it_counts_back_what_it_added(n):
    first = D(2024, 7, 1)
    assert rules.months_between(first, rules.add_months(first, n)) == n + 1
