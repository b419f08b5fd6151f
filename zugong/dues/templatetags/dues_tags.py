"""Template filters of the dues reports: ``{{ rate|rate_percent }}`` → "89.38%" (a Decimal fraction from
``selectors.rate_of``; "—" when nothing was due)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def rate_percent(rate):
    if rate is None or rate == "":
        return "—"
    value = (Decimal(rate) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value}%"


@register.filter
def rate_class(rate):
    """A Bootstrap text colour for a collection rate: full green, half or more amber, below half red."""
    if rate is None or rate == "":
        return "text-muted"
    rate = Decimal(rate)
    if rate >= 1:
        return "text-success"
    return "text-warning-emphasis" if rate >= Decimal("0.5") else "text-danger"
