"""Forms of the 抽查 and 三会一课 compliance pages. The services check everything again; these give the
browser's widgets and a first, field-by-field answer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core.forms import BootstrapMixin, DateInput
from zugong.orgs.models import Organization, OrgType

from .choices import SessionKind
from .models import Requirement, SpotCheckItem
from .selectors_adherence import SORTS as ADHERENCE_SORTS
from .selectors_compliance import SORTS
from .services_checks import MAX_SEED, MAX_SIZE, MAX_TIMES


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * max(0, obj.depth - 1)}{obj.name}"


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * max(0, obj.depth - 1)}{obj.name}（{obj.get_org_type_display()}）"


class SpotCheckForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label="抽查名称", max_length=200)
    org = OrgChoiceField(label="组织抽查的单位", queryset=Organization.objects.none(), empty_label=None)
    date_from = forms.DateField(label="会议起始日期", widget=DateInput())
    date_to = forms.DateField(label="会议截止日期", widget=DateInput())
    organizations = OrgMultipleChoiceField(
        label="抽查范围（组织）",
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="可多选（电脑上按住 Ctrl 或 ⌘ 点选）；选中的组织含其下属组织。",
        error_messages={"required": "请至少选择一个抽查范围内的组织。"},
    )
    size = forms.IntegerField(
        label="抽取人数",
        required=False,
        min_value=1,
        max_value=MAX_SIZE,
        help_text="抽取人数和抽取比例只填一项。",
    )
    percent = forms.DecimalField(
        label="抽取比例（%）",
        required=False,
        min_value=0.01,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text="按候选人数的百分比抽取，不足一人的部分按一人计。",
    )
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text="留空则由系统随机生成并记录；填写以往抽查记录的随机种子，以相同条件可重现那次抽取。",
    )

    def __init__(self, *args, orgs=None, scope_orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()
        self.fields["organizations"].queryset = (
            scope_orgs if scope_orgs is not None else Organization.objects.none()
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        if "size" in data and "percent" in data and (data["size"] is None) == (data["percent"] is None):
            self.add_error("size", "请填写抽取人数或抽取比例（二者只填一项）。")
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["organizations"] = list(data["organizations"])
        return data


class GradeForm(BootstrapMixin, forms.Form):
    grade = forms.ChoiceField(
        label="评定",
        choices=SpotCheckItem.Grade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择评定等次。"},
    )
    comment = forms.CharField(
        label="评语",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="评定为“不合格”时必填。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("grade") == SpotCheckItem.Grade.FAIL and not (data.get("comment") or "").strip():
            self.add_error("comment", "评定为“不合格”时须填写评语，说明不合格的原因。")
        return data


def year_choices(year: int) -> list[tuple[int, str]]:
    this = timezone.localdate().year
    years = sorted({*range(this - 4, this + 1), year}, reverse=True)
    return [(y, f"{y}年") for y in years]


class ComplianceFilterForm(BootstrapMixin, forms.Form):
    """The compliance list's filter (GET): year, a parent organization, a name, only those behind, sort."""

    year = forms.TypedChoiceField(label="年度", coerce=int, required=False)
    org = OrgChoiceField(
        label="上级组织", queryset=Organization.objects.none(), required=False, empty_label="全部（授权范围）"
    )
    q = forms.CharField(label="组织名称", max_length=50, required=False)
    behind = forms.BooleanField(label="只看未达标", required=False)
    sort = forms.ChoiceField(
        label="排序", choices=[(k, v[0]) for k, v in SORTS.items()], required=False, initial="path"
    )

    def __init__(self, *args, user=None, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(year)
        for f in self.fields.values():
            css = f.widget.attrs.get("class", "")
            f.widget.attrs["class"] = css.replace("form-select", "form-select form-select-sm").replace(
                "form-control", "form-control form-control-sm"
            )
        self.fields["org"].queryset = (
            Organization.objects.restrict(user, "view")
            .filter(
                status="active", org_type__in=[OrgType.DISTRICT, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH]
            )
            .order_by("path")
        )


class RequirementForm(BootstrapMixin, forms.Form):
    """One row of the requirements page: a kind of session and how often it must be held."""

    kind = forms.ChoiceField(choices=SessionKind.choices, widget=forms.HiddenInput)
    active = forms.BooleanField(label="启用", required=False)
    period = forms.ChoiceField(label="周期", choices=Requirement.Period.choices)
    times = forms.IntegerField(label="每周期至少（次）", min_value=1, max_value=MAX_TIMES)
    org_types = forms.MultipleChoiceField(
        label="适用组织类型",
        choices=OrgType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_types"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("active") and not data.get("org_types"):
            self.add_error("org_types", "启用的要求须至少适用于一种组织类型。")
        return data


class BaseRequirementFormSet(forms.BaseFormSet):
    def clean(self):
        kinds = [f.cleaned_data.get("kind") for f in self.forms if hasattr(f, "cleaned_data")]
        if len(kinds) != len(set(kinds)):
            raise ValidationError("每种会议类型只能设置一项要求。")


RequirementFormSet = forms.formset_factory(
    RequirementForm,
    formset=BaseRequirementFormSet,
    extra=0,
    max_num=len(SessionKind.values),
    validate_max=True,
)


class AdherenceFilterForm(ComplianceFilterForm):
    """The 学习计划执行 list's filter: the compliance filter with its own orders."""

    behind = forms.BooleanField(label="只看未落实", required=False)
    sort = forms.ChoiceField(
        label="排序", choices=[(k, v[0]) for k, v in ADHERENCE_SORTS.items()], required=False, initial="path"
    )
