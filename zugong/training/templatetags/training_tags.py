"""Template tags of the 累计学分制 pages: ``{{ value|credits }}`` ("12", "12.5", "0.25"; "—" for none),
``{% progress_bar bar %}`` (a Bootstrap bar whose width is a class from static/training/training.css, since the
Content-Security-Policy refuses style="" attributes) and ``{{ grade|grade_class }}``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

BAR_KEYS = {"总学分": "total", "必修学分": "required", "网络学时": "online"}  # any other label: the 学时 bar
MET_BADGE = mark_safe(' <span class="badge text-bg-success">已达标</span>')  # noqa: S308 - a constant
IN_PROGRESS_BADGE = mark_safe(' <span class="badge text-bg-secondary">周期进行中</span>')  # noqa: S308 - a constant
GRADE_CLASSES = {"excellent": "text-bg-success", "pass": "text-bg-primary", "fail": "text-bg-danger"}


@register.filter
def credits(value) -> str:
    """A credit or 学时 figure without trailing zeros: Decimal("12.00") → "12", Decimal("0.25") → "0.25"."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def grade_class(grade) -> str:
    """A Bootstrap badge colour for a year's grade (优秀 green, 合格 blue, 不合格 red)."""
    return GRADE_CLASSES.get(str(grade or ""), "text-bg-secondary")


def bar_percent(bar) -> int:
    try:
        percent = int(bar.get("percent") or 0)
    except (TypeError, ValueError):
        percent = 0
    return max(0, min(100, percent))


@register.simple_tag
def progress_bar(bar, key: str = ""):
    """One progress bar: ``bar`` is a dict of selectors.progress_of's "bars" (label, value, target, percent,
    met); ``key`` names it (id="bar-<key>": total, required, online, hours by default). The figures are also in
    data-value / data-target."""
    key = key or BAR_KEYS.get(str(bar.get("label", "")), "hours")
    percent = bar_percent(bar)
    met = bool(bar.get("met"))
    colour = "bg-success" if met else ("bg-warning" if percent >= 50 else "bg-danger")
    value, target = credits(bar.get("value")), credits(bar.get("target"))
    return format_html(
        '<div class="training-bar-wrap mb-2"{id}>'
        '<div class="d-flex justify-content-between small"><span>{label}</span>'
        '<span><span class="bar-value font-monospace">{value}</span> / {target}{badge}</span></div>'
        '<div class="progress training-bar" role="progressbar" aria-label="{label}" aria-valuenow="{percent}" '
        'aria-valuemin="0" aria-valuemax="100" data-value="{value}" data-target="{target}">'
        '<div class="progress-bar {colour} tw-{percent}">{percent}%</div></div></div>',
        id=format_html(' id="bar-{}"', key),
        label=bar.get("label", ""),
        value=value,
        target=target,
        badge=MET_BADGE if met else (IN_PROGRESS_BADGE if bar.get("in_progress") else ""),
        percent=percent,
        colour=colour,
    )


@register.simple_tag
def training_office(user) -> bool:
    """``{% training_office user as office %}``: whether the user is the 干部教育科 (for the tabs)."""
    from zugong.training.services import is_training_office

    return is_training_office(user)
