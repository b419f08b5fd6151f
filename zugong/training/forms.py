"""Forms of the staff pages: the catalogue (培训项目), a manual entry (补录), archiving, a year's credit rules
with its table of category rules, a new year, and the online academy's upload. Field names are the
services' data keys, so a service's refusal lands on the field it names. The forms check the shape of the
input and what a category needs to earn anything (e.g. a per-day category needs days); scope, open year
and the audit are the services'."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core.forms import BootstrapMixin, DateInput, attach_service_error
from zugong.orgs.models import Organization, OrgType

from . import rules as R
from . import services
from .models import Category, CreditRuleSet, Level, Mode

ZERO = Decimal(0)
NUMBER_ATTRS = {"min": "0", "step": "0.5", "inputmode": "decimal"}


class TrainingForm(BootstrapMixin, forms.Form):
    pass


def amount_field(label: str, *, required: bool = False, max_digits: int = 7, help_text: str = ""):
    """A non-negative number with at most two decimals; an empty optional field cleans to None."""
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=max_digits,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs=NUMBER_ATTRS),
        error_messages={
            "invalid": "请输入数字。",
            "min_value": "不能为负数。",
            "max_digits": "数值过大，请核对。",
            "max_decimal_places": "最多两位小数。",
            "max_whole_digits": "数值过大，请核对。",
            "required": "请填写此项。",
        },
    )


# --- what a category needs ---------------------------------------------------------------------------


class CreditInputsMixin:
    """The numbers an activity or an entry carries: empty days / 学时 / 授课学时 are 0, minutes stay empty;
    then they must earn the category something under the year's rules (a per-day category needs days …),
    by the services' own check, so that the form and the service never disagree."""

    def clean_numbers(self, data: dict, year: int | None) -> None:
        for name in ("days", "hours", "hours_taught"):
            if data.get(name) is None and name not in self.errors:
                data[name] = ZERO
        data["level"] = data.get("level") or ""
        names = ("category", "days", "hours", "minutes", "hours_taught", "level", "items")
        if year is None or any(name in self.errors for name in names):
            return
        inputs = {name: data.get(name) for name in names}
        inputs["items"] = inputs["items"] or 1
        try:
            services.check_countable(inputs, year)
        except ValidationError as exc:
            attach_service_error(self, exc)


class CreditNumbersForm(TrainingForm):
    """The numbers an activity, an entry or a claim carries (the subclasses place them with field_order)."""

    days = amount_field("天数", max_digits=6, help_text="脱产培训（党校、外出）按天计。")
    hours = amount_field("学时", help_text="不填时按天数（每天折合学时）或课程时长折算。")
    minutes = amount_field(
        "课程时长（分钟）",
        max_digits=8,
        help_text="网络课程：≥30 分钟 1 学时，15–30 分钟 0.5，≤15 分钟 0.25。",
    )
    hours_taught = amount_field("授课学时", max_digits=6, help_text="授课按授课学时计。")
    level = forms.ChoiceField(
        label="级别", choices=Level.choices, required=False, help_text="调研/论文按级别计学分。"
    )


# --- the catalogue -----------------------------------------------------------------------------------


def activity_orgs(user):
    """Organizations a user may own an activity with: those of their ADD scope down to two levels below
    their topmost grant (not the 党小组), so that the list stays short for the district office."""
    orgs = Organization.objects.restrict(user, "add").filter(status="active").exclude(org_type=OrgType.GROUP)
    top = orgs.order_by("depth").values_list("depth", flat=True).first()
    if top is None:
        return orgs.none()
    return orgs.filter(depth__lte=top + 2).order_by("path")


class ActivityForm(CreditInputsMixin, CreditNumbersForm):
    title = forms.CharField(label="名称", max_length=200)
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    organizer = forms.CharField(label="主办单位", max_length=100, help_text="如 区委组织部、区委党校。")
    org = forms.ModelChoiceField(
        label="归属党组织",
        queryset=Organization.objects.none(),
        help_text="决定谁能看到和管理该项目。",
        error_messages={"invalid_choice": "请选择您授权范围内的党组织。"},
    )
    start_date = forms.DateField(label="开始日期", widget=DateInput)
    end_date = forms.DateField(label="结束日期", widget=DateInput)
    location = forms.CharField(label="地点", max_length=100, required=False)
    note = forms.CharField(
        label="说明", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["title", "category", "organizer", "org", "start_date", "end_date", "days", "hours", "minutes",
                   "hours_taught", "level", "location", "note"]  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = activity_orgs(user)
        self.fields["org"].label_from_instance = lambda o: ("\u3000" * max(0, o.depth - 1)) + o.name
        self.fields["title"].widget.attrs["placeholder"] = "如：2025年春季学期中青年干部培训班"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        self.clean_numbers(data, start.year if start else None)
        days = data.get("days")
        if start and end and end >= start and days and "days" not in self.errors:
            span = (end - start).days + 1
            if days > span:
                self.add_error("days", f"天数不能超过起止日期之间的 {span} 天。")
        return data


def activity_initial(activity) -> dict:
    fields = ("title", "category", "organizer", "org", "start_date", "end_date", "days", "hours", "minutes",
              "hours_taught", "level", "location", "note")  # fmt: skip
    return {name: getattr(activity, name) for name in fields}


class EntryForm(CreditInputsMixin, CreditNumbersForm):
    """补录 one credit record for a cadre (training the catalogue does not hold)."""

    category = forms.ChoiceField(label="类别", choices=Category.choices)
    title = forms.CharField(label="培训内容", max_length=200)
    date = forms.DateField(label="日期", widget=DateInput, help_text="计入该日期所在年度。")
    items = forms.IntegerField(
        label="次数/篇数",
        min_value=1,
        max_value=100,
        initial=1,
        help_text="讲座、中心组学习按次，论文按篇。",
        error_messages={"min_value": "至少为 1。", "max_value": "不能超过 100。", "invalid": "请输入整数。"},
    )

    field_order = ["category", "title", "date", "days", "hours", "minutes", "hours_taught", "level", "items"]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError("日期不能晚于今天。")
        return date

    def clean(self):
        data = super().clean()
        date = data.get("date")
        self.clean_numbers(data, date.year if date else None)
        return data


class ArchiveForm(TrainingForm):
    """A reason, required: 归档 an activity, 撤销 an entry (``label``)."""

    reason = forms.CharField(label="归档原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label: str = "归档原因", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = f"请填写{label}。"

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(f"请填写{self.fields['reason'].label}。")
        return reason


# --- credit rules ------------------------------------------------------------------------------------

TIERS_HELP = "每行一档：分钟数、比较符（>= 或 >）、学时，以空格分隔，分钟数从大到小，最后一档为 0。例如：30 >= 1 / 15 > 0.5 / 0 > 0.25。"


def _plain(value) -> str:
    """A Decimal as the shortest text ("12.00" → "12", "0.50" → "0.5")."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def tiers_text(tiers) -> str:
    return "\n".join(f"{_plain(bound)} {op} {_plain(hours)}" for bound, op, hours in tiers or [])


def parse_tiers(text: str) -> list:
    tiers = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise ValidationError("请至少填写一档。")
    for number, line in enumerate(lines, start=1):
        match = re.fullmatch(r"(\S+)\s*(>=|≥|>)\s*(\S+)", line)
        if not match:
            raise ValidationError(f"第 {number} 行应为“分钟数 比较符 学时”，如 30 >= 1。")
        bound, op, hours = match.groups()
        try:
            bound, hours = Decimal(bound), Decimal(hours)
        except InvalidOperation:
            raise ValidationError(f"第 {number} 行的分钟数和学时应为数字。")
        if not (bound.is_finite() and hours.is_finite()):
            raise ValidationError(f"第 {number} 行的分钟数和学时应为数字。")
        bound_value = int(bound) if bound == bound.to_integral_value() else _plain(bound)
        tiers.append([bound_value, ">=" if op in (">=", "≥") else ">", _plain(hours)])
    problems = R.check_tiers(tiers)
    if problems:
        raise ValidationError(problems)
    return tiers


class TiersField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}))
        kwargs.setdefault("help_text", TIERS_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return tiers_text(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        return parse_tiers(super().clean(value))


RULE_SET_NUMBERS = (
    "hours_per_day", "required_credits", "total_credits", "excellent_credits", "carry_over_cap",
    "online_hours_target", "township_hours", "township_days", "county_hours", "county_days",
)  # fmt: skip
RULE_SET_FIELDS = (
    "name", "hours_per_day", "online_tiers", "required_credits", "total_credits", "excellent_credits",
    "carry_over", "carry_over_cap", "online_hours_target", "township_hours", "township_days", "county_hours",
    "county_days", "cycle_start_year", "cycle_years", "promotion_months", "reminder_from_month", "note",
)  # fmt: skip


def _model_label(name: str) -> str:
    return str(CreditRuleSet._meta.get_field(name).verbose_name)


class RuleSetForm(TrainingForm):
    """The numbers of one year's rules (the category table is ``CategoryRuleForm``, one per category)."""

    name = forms.CharField(label=_model_label("name"), max_length=100)
    hours_per_day = amount_field(_model_label("hours_per_day"), required=True, max_digits=5)
    online_tiers = TiersField(label=_model_label("online_tiers"))
    required_credits = amount_field(_model_label("required_credits"), required=True)
    total_credits = amount_field(_model_label("total_credits"), required=True)
    excellent_credits = amount_field(_model_label("excellent_credits"), required=True)
    carry_over = forms.BooleanField(label=_model_label("carry_over"), required=False)
    carry_over_cap = amount_field(_model_label("carry_over_cap"))
    online_hours_target = amount_field(_model_label("online_hours_target"), required=True)
    township_hours = amount_field(_model_label("township_hours"), required=True)
    township_days = amount_field(_model_label("township_days"), required=True, max_digits=6)
    county_hours = amount_field(_model_label("county_hours"), required=True)
    county_days = amount_field(_model_label("county_days"), required=True, max_digits=6)
    cycle_start_year = forms.IntegerField(
        label=_model_label("cycle_start_year"), min_value=2000, max_value=2100
    )
    cycle_years = forms.IntegerField(label=_model_label("cycle_years"), min_value=1, max_value=10)
    promotion_months = forms.IntegerField(label=_model_label("promotion_months"), min_value=1, max_value=60)
    reminder_from_month = forms.IntegerField(
        label=_model_label("reminder_from_month"),
        min_value=1,
        max_value=12,
        help_text="从该月起可以发送催学提醒（默认 7 月，即第三、四季度）。",
    )
    note = forms.CharField(label=_model_label("note"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        total, excellent = data.get("total_credits"), data.get("excellent_credits")
        required = data.get("required_credits")
        if total is not None and required is not None and required > total:
            self.add_error("required_credits", "必修学分目标不能高于总学分目标。")
        if total is not None and excellent is not None and excellent < total:
            self.add_error("excellent_credits", "优秀学分线不能低于总学分目标。")
        if data.get("hours_per_day") == 0:
            self.add_error("hours_per_day", "每天折合学时应大于 0。")
        return data


def rule_set_initial(rule_set) -> dict:
    return {name: getattr(rule_set, name) for name in RULE_SET_FIELDS}


LEVELS = (Level.CITY, Level.PROVINCE, Level.NATIONAL)


class CategoryRuleForm(TrainingForm):
    """One row of the category table: mode, rate, rates by level (papers), annual cap, required."""

    mode = forms.ChoiceField(label="计分方式", choices=Mode.choices)
    rate = amount_field("学分标准", required=True)
    annual_cap = amount_field("年度上限")
    required = forms.BooleanField(label="必修", required=False)

    def __init__(self, *args, category: str, **kwargs):
        kwargs.setdefault("prefix", category)
        super().__init__(*args, **kwargs)
        self.category = category
        self.label = Category(category).label
        if category == Category.PAPER:
            for level in LEVELS:
                self.fields[f"lv_{level.value}"] = amount_field(f"{level.label}学分")
                self.fields[f"lv_{level.value}"].widget.attrs["class"] = "form-control"

    def level_fields(self):
        return [self[f"lv_{level.value}"] for level in LEVELS if f"lv_{level.value}" in self.fields]

    def rule(self) -> dict:
        data = self.cleaned_data
        level_rates = {}
        for level in LEVELS:
            value = data.get(f"lv_{level.value}")
            if value is not None:
                level_rates[level.value] = _plain(value)
        return {
            "mode": data["mode"],
            "rate": data["rate"],
            "level_rates": level_rates,
            "annual_cap": data.get("annual_cap"),
            "required": bool(data.get("required")),
        }


def category_rule_initial(rule) -> dict:
    initial = {"mode": rule.mode, "rate": rule.rate, "annual_cap": rule.annual_cap, "required": rule.required}
    for level, rate in (rule.level_rates or {}).items():
        initial[f"lv_{level}"] = rate
    return initial


class RuleSetCreateForm(TrainingForm):
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        help_text="按最近一个年度的规则复制生成，再逐项修改。",
        error_messages={"min_value": "年度应在 2000–2100 之间。", "max_value": "年度应在 2000–2100 之间。"},
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if CreditRuleSet.objects.filter(year=year).exists():
            raise ValidationError(f"{year}年度的学分规则已存在。")
        return year


# --- the online academy's file -------------------------------------------------------------------------


class ImportUploadForm(TrainingForm):
    file = forms.FileField(
        label="网络学院导出文件（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的文件。"},
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("只接受 Excel 文件（.xlsx）。")
        if upload.size == 0:
            raise ValidationError("文件是空的，请重新选择。")
        if upload.size > self.max_bytes:
            raise ValidationError(
                f"文件大小 {upload.size / 1048576:.1f} MB，超过上限 {self.max_bytes / 1048576:.0f} MB。"
            )
        return upload
