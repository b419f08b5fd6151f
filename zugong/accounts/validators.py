"""Password rules (等保 2.0 三级 expects complexity): at least 8 characters, at least three of the four
character classes, and not containing the user name."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", str.isupper),
    ("小写字母", str.islower),
    ("数字", str.isdigit),
    ("符号", lambda c: c in string.punctuation or not c.isalnum()),
)


class ComplexityValidator:
    def __init__(self, min_length: int = 8, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(f"密码至少需要 {self.min_length} 个字符。", code="password_too_short")
            )
        used = sum(1 for _, test in CLASSES if any(test(c) for c in password))
        if used < self.min_classes:
            errors.append(
                ValidationError(
                    f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。",
                    code="password_too_simple",
                )
            )
        username = (user.get_username() if user is not None else "") or ""
        if username and username.casefold() in password.casefold():
            errors.append(ValidationError("密码不能包含用户名。", code="password_contains_username"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return (
            f"至少 {self.min_length} 个字符，包含大写字母、小写字母、数字、符号中的至少 "
            f"{self.min_classes} 类，且不能包含用户名。"
        )
