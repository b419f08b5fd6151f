"""Password rules: at least 8 characters, three of the four character classes, not the user name."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from zugong.accounts.models import User
from zugong.accounts.validators import ComplexityValidator
from zugong.core.testing import PASSWORD


def errors(password, username="zhangsan"):
    try:
        ComplexityValidator().validate(password, User(username=username))
    except ValidationError as e:
        return [err.code for err in e.error_list]
    return []


class PasswordRulesTest(SimpleTestCase):
    def test_it_accepts_the_demo_password(self):
        self.assertEqual(errors(PASSWORD), [])
        validate_password(PASSWORD, User(username="member"))

    def test_it_accepts_three_of_four_classes(self):
        self.assertEqual(errors("Abcdefg1"), [])  # upper, lower, digit; exactly 8
        self.assertEqual(errors("abcdef1#"), [])  # lower, digit, symbol
        self.assertEqual(errors("ABCDEF1#"), [])  # upper, digit, symbol
        self.assertEqual(errors("Abcdefg#"), [])  # upper, lower, symbol

    def test_it_refuses_seven_characters(self):
        self.assertEqual(errors("Abcde1#"), ["password_too_short"])

    def test_it_refuses_two_classes(self):
        self.assertEqual(errors("abcdefgh12"), ["password_too_simple"])
        self.assertEqual(errors("ABCDEFGHij"), ["password_too_simple"])
        self.assertEqual(errors("12345678!!"), ["password_too_simple"])

    def test_it_refuses_the_user_name_in_any_case(self):
        self.assertEqual(errors("ZhangSan#2026", "zhangsan"), ["password_contains_username"])
        self.assertEqual(errors("x1ZHANGSAN!", "zhangsan"), ["password_contains_username"])

    def test_it_says_why_in_chinese(self):
        with self.assertRaises(ValidationError) as ctx:
            validate_password("abc", User(username="abc"))
        text = " ".join(ctx.exception.messages)
        self.assertIn("至少需要 8 个字符", text)
        self.assertIn("至少 3 类", text)
        self.assertIn("不能包含用户名", text)
