"""Template filters for money: ``{{ fen|yuan }}`` → "30.00", ``{{ fen|yuan_capital }}`` → "叁拾元整"."""

from django import template

from zugong.dues.money import capital_yuan, format_yuan

register = template.Library()


@register.filter
def yuan(fen):
    return format_yuan(fen)


@register.filter
def yuan_capital(fen):
    return "" if fen is None or fen == "" else capital_yuan(fen)


@register.filter
def bp_percent(bp):
    """A rate in basis points as a percentage: 50 → "0.5", 150 → "1.5", 200 → "2"."""
    whole, part = divmod(int(bp), 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")
