"""Money as people read and write it: yuan with two decimals, integer fen in the database, and the amount
in Chinese capital numerals (大写) on a receipt. Exact: Decimal in, int out, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

# A bound no real amount reaches (10 million yuan), well inside the integer columns.
MAX_FEN = 1_000_000_000

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]


def parse_yuan(text, *, allow_zero: bool = True, max_fen: int = MAX_FEN) -> int:
    """Yuan as typed ("3000.01", "3,000.01", "30元") → fen, exactly; ValidationError in Chinese otherwise."""
    raw = str(text if text is not None else "").strip()
    cleaned = raw.replace(",", "").replace("，", "").replace(" ", "").removesuffix("元")
    if not cleaned:
        raise ValidationError("请输入金额（元）。", code="required")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"“{raw}”不是有效的金额，请输入数字，如 30.00。", code="invalid") from None
    if not value.is_finite():
        raise ValidationError(f"“{raw}”不是有效的金额，请输入数字，如 30.00。", code="invalid")
    if value < 0:
        raise ValidationError("金额不能为负数。", code="negative")
    if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValidationError("金额最多保留两位小数（精确到分）。", code="decimals")
    fen = int(value * 100)
    if fen > max_fen:
        raise ValidationError(f"金额过大（超过 {format_yuan(max_fen)} 元），请核对。", code="too_large")
    if fen == 0 and not allow_zero:
        raise ValidationError("金额应大于零。", code="zero")
    return fen


def format_yuan(fen) -> str:
    """12345 → "123.45"; -3000 → "-30.00"; thousands are not separated (what a form accepts back)."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def _four_digits(n: int) -> str:
    """0 < n < 10000 in capital numerals, zeros inside collapsed to one 零."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL_UNITS[i]
    return out


def capital_yuan(fen: int) -> str:
    """The amount in 大写 as written on a receipt: 3000 → 叁拾元整, 1234567 → 壹万贰仟叁佰肆拾伍元陆角柒分,
    10005 → 壹佰元零伍分, 0 → 零元整; a negative amount (a reversal) is prefixed 负."""
    fen = int(fen)
    if fen < 0:
        return "负" + capital_yuan(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    if yuan == 0:
        head = "" if rest else "零元"
    else:
        groups, n = [], yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        head, need_zero = "", False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                need_zero = bool(head)
                continue
            if head and (need_zero or group < 1000):
                head += "零"
            head += _four_digits(group) + BIG_UNITS[index]
            need_zero = False
        head += "元"
    if not rest:
        return head + "整"
    tail = ""
    if jiao:
        tail += DIGITS[jiao] + "角"
    elif head:
        tail += "零"
    if cents:
        tail += DIGITS[cents] + "分"
    else:
        tail += "整"
    return head + tail
