"""Money as the pages read and write it: yuan typed → fen exactly, fen shown with two decimals, and the
大写 of a receipt."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from zugong.dues.forms import parse_brackets
from zugong.dues.money import capital_yuan, format_yuan, parse_yuan


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (55, "伍角伍分"),
        (1500, "壹拾伍元整"),
        (3000, "叁拾元整"),
        (8100, "捌拾壹元整"),
        (23000, "贰佰叁拾元整"),
        (300001, "叁仟元零壹分"),
        (10005, "壹佰元零伍分"),
        (10050, "壹佰元伍角整"),
        (101000, "壹仟零壹拾元整"),
        (100000, "壹仟元整"),
        (10000000, "壹拾万元整"),
        (10010000, "壹拾万零壹佰元整"),
        (100100000, "壹佰万壹仟元整"),
        (1234567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
        (1000000000, "壹仟万元整"),
        (10000000000, "壹亿元整"),
        (10000010000, "壹亿零壹佰元整"),
        (-3000, "负叁拾元整"),
    ],
)
def test_it_writes_capital_numerals(fen, words):
    assert capital_yuan(fen) == words


@pytest.mark.parametrize(
    ("text", "fen"),
    [("3000.01", 300001), ("3,000.01", 300001), (" 30 ", 3000), ("30元", 3000), ("0.1", 10), ("30.010", 3001),
     ("0", 0), ("1e3", 100000)],
)  # fmt: skip
def test_it_parses_yuan_exactly(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30.001", "金额最多保留两位小数（精确到分）。"),
        ("-1", "金额不能为负数。"),
        ("abc", "不是有效的金额"),
        ("Infinity", "不是有效的金额"),
        ("", "请输入金额（元）。"),
        ("10000000.01", "金额过大"),
    ],
)
def test_it_refuses_bad_yuan(text, message):
    with pytest.raises(ValidationError) as caught:
        parse_yuan(text)
    assert message in caught.value.messages[0]


def test_it_refuses_zero_where_asked():
    with pytest.raises(ValidationError, match="金额应大于零"):
        parse_yuan("0.00", allow_zero=False)


def test_it_formats_fen_with_two_decimals():
    assert [format_yuan(v) for v in (0, 5, 3000, 300001, -3000, None)] == [
        "0.00",
        "0.05",
        "30.00",
        "3000.01",
        "-30.00",
        "",
    ]
    text = Template("{% load dues_money %}{{ a|yuan }} {{ a|yuan_capital }} {{ r|bp_percent }}").render(
        Context({"a": 300001, "r": 150})
    )
    assert text == "3000.01 叁仟元零壹分 1.5"


def test_it_reads_a_bracket_table_in_yuan_and_percent():
    assert parse_brackets("3000 0.5\n5000，1\n10000 1.5%\n以上 2") == [
        [300000, 50], [500000, 100], [1000000, 150], [None, 200]
    ]  # fmt: skip
    for text, message in (
        ("3000 0.5\n2000 1\n以上 2", "上限应为大于上一档的整数"),
        ("3000 0.505\n以上 2", "最多两位小数"),
        ("3000\n以上 2", "第 1 行应为"),
        ("3000 0.5", "最后一档应不设上限"),
        ("", "请至少填写一档"),
    ):
        with pytest.raises(ValidationError) as caught:
            parse_brackets(text)
        assert message in " ".join(caught.value.messages), text
