"""公民身份号码 (GB 11643-1999): 17 digits + a check character computed by ISO 7064 MOD 11-2."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FORMAT = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(raw: str) -> str:
    """Full-width digits become ASCII, spaces go, a trailing x becomes X."""
    return unicodedata.normalize("NFKC", str(raw or "")).replace(" ", "").strip().upper()


def parse(raw: str) -> tuple[str, dt.date, str]:
    """Validate and return (number, birth date, sex 'M'/'F'); raise ValidationError in Chinese."""
    number = normalize(raw)
    if len(number) != 18:
        raise ValidationError(
            "公民身份号码应为18位，当前为%(n)d位。", params={"n": len(number)}, code="length"
        )
    if not _FORMAT.match(number):
        raise ValidationError("公民身份号码格式不正确：前17位应为数字，最后一位为数字或X。", code="format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("公民身份号码中的出生日期（第7–14位）不是有效日期。", code="birth")
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError("公民身份号码中的出生日期超出合理范围。", code="birth")
    if check_char(number[:17]) != number[17]:
        raise ValidationError("公民身份号码校验位不正确，请核对。", code="checksum")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return number, birth, sex


def make(region: str, birth: dt.date, seq: int) -> str:
    """Build a valid number (for demo data and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_char(first17)


def mask(number: str) -> str:
    if not number:
        return ""
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "*" * len(number)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone[:1] + "*" * (len(phone) - 1)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
