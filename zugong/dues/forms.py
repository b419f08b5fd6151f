"""Forms of the dues pages. Money is typed in yuan and cleaned to integer fen (``YuanField``); a month is
typed as a month and cleaned to its first day (``MonthField``). Field names are the services' keyword
arguments, so a service's refusal lands on the field it names."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core.forms import BootstrapMixin, DateInput

from . import rules
from .models import Category, LapseCase, Payment, Reminder
from .money import format_yuan, parse_yuan

# --- fields ----------------------------------------------------------------------------------------


class MonthInput(forms.DateInput):
    """The browser's month picker ("2025-03")."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(forms.DateField):
    """A month, cleaned to the date of its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d", "%Y年%m月", "%Y/%m"]
    default_error_messages = {"invalid": "请输入有效的月份，如 2025-03。"}

    def to_python(self, value):
        day = super().to_python(value)
        return rules.month_start(day) if day else day


class YuanField(forms.Field):
    """An amount typed in yuan (at most two decimals), cleaned to integer fen."""

    widget = forms.TextInput

    def __init__(self, *, allow_zero: bool = True, max_fen: int | None = None, **kwargs):
        self.allow_zero = allow_zero
        self.max_fen = max_fen
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"})

    def prepare_value(self, value):
        return format_yuan(value) if isinstance(value, int) else value

    def to_python(self, value):
        value = str(value).strip() if value is not None else ""
        if value in self.empty_values:
            return None
        if len(value) > 20:
            raise ValidationError("金额过长，请核对。", code="max_length")
        extra = {"max_fen": self.max_fen} if self.max_fen is not None else {}
        return parse_yuan(value, allow_zero=self.allow_zero, **extra)


class DuesForm(BootstrapMixin, forms.Form):
    pass


def _today():
    return timezone.localdate()


# --- the member's records --------------------------------------------------------------------------


class ProfileForm(DuesForm):
    category = forms.ChoiceField(label="交纳类别", choices=Category.choices)
    note = forms.CharField(label="备注", max_length=200, required=False)


class IncomeBaseForm(DuesForm):
    effective_month = MonthField(
        label="起始月份", help_text="新工资（养老金）开始发放的月份；从该月起按新基数计算。"
    )
    base_fen = YuanField(
        label="月收入基数（元）",
        help_text="在职：税后月工资性收入；离退休：基本养老金。最多两位小数，如 3000.01。",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)


class PaymentForm(DuesForm):
    """登记交纳: the owed months to pay, and the amount, which must equal what they still owe."""

    months = forms.MultipleChoiceField(
        label="交纳月份", widget=forms.CheckboxSelectMultiple, error_messages={"required": "请选择交纳月份。"}
    )
    amount_fen = YuanField(label="交纳金额（元）", allow_zero=False, help_text="应等于所选月份欠交金额之和。")
    paid_on = forms.DateField(label="交纳日期", widget=DateInput, initial=_today)
    method = forms.ChoiceField(label="交纳方式", choices=Payment.Method.choices)
    reference = forms.CharField(label="流水号/凭证号", max_length=64, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        self.fields["months"].choices = [(e.month.isoformat(), f"{e.month:%Y年%m月}") for e in self.entries]
        self.fields["months"].widget.attrs["class"] = "form-check-input"

    def clean_months(self):
        return sorted(dt.date.fromisoformat(m) for m in self.cleaned_data["months"])


class BulkPayForm(DuesForm):
    method = forms.ChoiceField(label="交纳方式", choices=Payment.Method.choices)
    paid_on = forms.DateField(label="交纳日期", widget=DateInput, initial=_today)


class VoluntaryForm(DuesForm):
    amount_fen = YuanField(
        label="自愿多交金额（元）", allow_zero=False, help_text="单笔 1000 元及以上的全额上缴中央。"
    )
    paid_on = forms.DateField(label="交纳日期", widget=DateInput, initial=_today)
    method = forms.ChoiceField(label="交纳方式", choices=Payment.Method.choices)
    reference = forms.CharField(label="流水号/凭证号", max_length=64, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)


class PrepayForm(DuesForm):
    first_month = MonthField(label="起始月份", help_text="不早于本月。")
    months = forms.TypedChoiceField(
        label="预交月数", choices=[(2, "2 个月"), (3, "3 个月（一个季度）")], coerce=int, initial=3
    )
    amount_fen = YuanField(
        label="预交金额（元）", allow_zero=False, help_text="审批通过时应等于这几个月的应交合计。"
    )
    method = forms.ChoiceField(label="交纳方式", choices=Payment.Method.choices)
    paid_on = forms.DateField(label="交纳日期", widget=DateInput, initial=_today)
    reference = forms.CharField(label="流水号/凭证号", max_length=64, required=False)


class ReductionForm(DuesForm):
    amount_fen = YuanField(label="减免后每月交纳（元）", help_text="填 0 表示免交。")
    valid_from = MonthField(label="起始月份")
    valid_to = MonthField(label="截止月份")
    reason = forms.CharField(label="减免理由", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "截止月份不能早于起始月份。")
        return data


class ReminderForm(DuesForm):
    channel = forms.ChoiceField(label="催缴方式", choices=Reminder.Channel.choices)


class ReverseForm(DuesForm):
    reason = forms.CharField(label="冲正原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(DuesForm):
    """审批: approve or reject (the button pressed), with a note (required when rejecting)."""

    approve = forms.TypedChoiceField(
        choices=[("1", "批准"), ("0", "不批准")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    note = forms.CharField(
        label="审批意见", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("note", "").strip():
            self.add_error("note", "不批准时请填写审批意见。")
        return data


class LapseDecideForm(DuesForm):
    decision = forms.ChoiceField(
        label="支部决定", choices=LapseCase.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="支部意见", max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明支部研究的情况和理由。",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class LedgerGenerateForm(DuesForm):
    month = MonthField(label="月份")

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > rules.month_start(timezone.localdate()):
            raise ValidationError("不能生成未来月份的党费台账。")
        return month


# --- rule sets -------------------------------------------------------------------------------------

OPEN_TOP = {"", "以上", "不限", "-", "—", "无", "none", "null"}
BRACKETS_HELP = (
    "每行一档：收入上限（元，含本数）和比例（%），以空格或逗号分隔；最后一档上限写“以上”。"
    "例如：3000 0.5 / 5000 1 / 10000 1.5 / 以上 2。"
)


def brackets_text(brackets) -> str:
    """A bracket table as the form shows it."""
    lines = []
    for upper, rate in brackets:
        top = "以上" if upper is None else format_yuan(upper).removesuffix(".00")
        lines.append(f"{top} {_percent(rate)}")
    return "\n".join(lines)


def _percent(bp: int) -> str:
    whole, part = divmod(int(bp), 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")


def parse_brackets(text: str) -> list:
    """Lines of "upper rate%" → [[upper fen or None, basis points], …]; ValidationError naming the line."""
    from decimal import Decimal, InvalidOperation

    brackets = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise ValidationError("请至少填写一档。")
    for number, line in enumerate(lines, start=1):
        parts = [p for p in re.split(r"[\s,，、]+", line.replace("%", "").replace("元", " ")) if p]
        if len(parts) != 2:
            raise ValidationError(f"第 {number} 行应为“上限 比例”两项，如 3000 0.5。")
        top, rate_text = parts
        if top.lower() in OPEN_TOP:
            upper = None
        else:
            try:
                upper = parse_yuan(top)
            except ValidationError as exc:
                raise ValidationError(f"第 {number} 行上限有误：{exc.messages[0]}") from None
        try:
            rate = Decimal(rate_text)
        except InvalidOperation:
            raise ValidationError(f"第 {number} 行比例“{rate_text}”不是数字。") from None
        bp = rate * 100
        if not rate.is_finite() or bp != bp.to_integral_value() or not 0 <= bp <= 10_000:
            raise ValidationError(f"第 {number} 行比例应为 0–100 之间、最多两位小数的百分数。")
        brackets.append([upper, int(bp)])
    problems = rules.check_brackets(brackets)
    if problems:
        raise ValidationError(problems)
    return brackets


class BracketsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}))
        kwargs.setdefault("help_text", BRACKETS_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return brackets_text(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        return parse_brackets(super().clean(value))


class RuleSetForm(DuesForm):
    name = forms.CharField(label="名称", max_length=100, help_text="如 省委组织部〔2026〕×号。")
    effective_from = MonthField(
        label="起始月份", help_text="只能从本月或以后的月份起执行，不改写以前的月份。"
    )
    employed_brackets = BracketsField(label="在职党员交纳比例")
    retired_brackets = BracketsField(label="离退休党员交纳比例")
    farmer_fen = YuanField(label="农民党员每月（元）", max_fen=10_000)
    flat_fen = YuanField(label="学生、无业、低保党员每月（元）", max_fen=10_000)
    note = forms.CharField(label="说明", max_length=300, required=False)
