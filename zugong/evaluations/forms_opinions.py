"""Forms of the 征求意见 and 整改 pages. The choices offered (organizations, units, evaluations, opinions) are
those the user may act on; the services check everything again."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core.forms import BootstrapMixin, DateInput
from zugong.core.roles import Action
from zugong.orgs.models import Organization, Unit

from .models import Evaluation
from .models_opinions import VISIT_GROUPS, Issue, Opinion
from .services_opinions import MAX_TEXT

BYTES_5MB = 5 * 1024 * 1024


def _orgs(user, action=Action.ADD):
    return Organization.objects.restrict(user, action).filter(status="active").order_by("path")


def _units(user):
    return Unit.objects.restrict(user, Action.VIEW).filter(archived_at__isnull=True).order_by("code")


class OpinionForm(BootstrapMixin, forms.Form):
    org = forms.ModelChoiceField(label="征求单位", queryset=Organization.objects.none(), empty_label=None)
    source = forms.ChoiceField(label="来源", choices=Opinion.Source.choices)
    visit_group = forms.CharField(
        label="走访组",
        max_length=50,
        required=False,
        help_text="来源为“走访”时填写，如：第一组、第二组、第三组。",
        widget=forms.TextInput(attrs={"list": "visit-groups"}),
    )
    received_on = forms.DateField(label="收集日期", widget=DateInput())
    submitted_by = forms.CharField(
        label="提出人", max_length=100, required=False, help_text="可不填（匿名意见）。"
    )
    text = forms.CharField(
        label="意见内容",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写意见内容。"},
    )

    groups = VISIT_GROUPS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _orgs(user) if user is not None else Organization.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("source") == Opinion.Source.VISIT and not (data.get("visit_group") or "").strip():
            self.add_error("visit_group", "来源为“走访”时请填写走访组。")
        if data.get("received_on") and data["received_on"] > timezone.localdate():
            self.add_error("received_on", "收集日期不能晚于今天。")
        return data


class OpinionImportForm(BootstrapMixin, forms.Form):
    evaluation = forms.ModelChoiceField(
        label="问卷（测评）",
        queryset=Evaluation.objects.none(),
        empty_label="请选择",
        error_messages={
            "required": "请选择要导入文字意见的测评。",
            "invalid_choice": "所选测评不存在或不在您的授权范围内。",
        },
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["evaluation"].queryset = (
                Evaluation.objects.restrict(user, Action.ADD)
                .filter(archived_at__isnull=True)
                .order_by("-opens_at", "-id")
            )


class IssueFields(BootstrapMixin, forms.Form):
    """What an issue's create and edit forms share."""

    category = forms.ChoiceField(label="类别", choices=Issue.Category.choices)
    title = forms.CharField(label="问题", max_length=200)
    description = forms.CharField(
        label="问题描述", max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner_unit = forms.ModelChoiceField(
        label="责任单位", queryset=Unit.objects.none(), required=False, empty_label="（不指定）"
    )
    owner_org = forms.ModelChoiceField(
        label="责任党组织", queryset=Organization.objects.none(), required=False, empty_label="（不指定）"
    )
    deadline = forms.DateField(label="整改时限", required=False, widget=DateInput())
    measures = forms.CharField(
        label="整改措施", max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["owner_unit"].queryset = _units(user)
            self.fields["owner_org"].queryset = _orgs(user, Action.VIEW)


class IssueForm(IssueFields):
    org = forms.ModelChoiceField(label="所属党组织", queryset=Organization.objects.none(), empty_label=None)
    opinions = forms.ModelMultipleChoiceField(
        label="来源意见",
        queryset=Opinion.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={
            "invalid_choice": "所选意见不存在或不在您的授权范围内。",
            "invalid_pk_value": "意见编号不正确。",
        },
    )

    field_order = [
        "org",
        "category",
        "title",
        "description",
        "owner_unit",
        "owner_org",
        "deadline",
        "measures",
    ]

    def clean(self):
        data = super().clean()
        # The opinions travel in hidden inputs: their error is shown above the form.
        if "opinions" in self._errors:
            self.add_error(None, self._errors.pop("opinions"))
        return data

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if user is not None:
            self.fields["org"].queryset = _orgs(user)
            self.fields["opinions"].queryset = Opinion.objects.restrict(user, Action.VIEW).filter(
                archived_at__isnull=True
            )


class IssueEditForm(IssueFields):
    pass


class IssueCloseForm(BootstrapMixin, forms.Form):
    evidence_text = forms.CharField(
        label="整改完成情况及佐证",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明整改了什么、结果如何、有何佐证（文件、会议记录、回访情况等）。",
        error_messages={"required": "请填写整改完成情况及佐证。"},
    )
    closed_on = forms.DateField(label="完成日期", widget=DateInput())
    evidence = forms.FileField(
        label="佐证材料（可选）",
        required=False,
        help_text="PDF、JPG、PNG 或 Word（.docx），不超过 5 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
    )

    def clean_closed_on(self):
        value = self.cleaned_data["closed_on"]
        if value > timezone.localdate():
            raise ValidationError("完成日期不能晚于今天。")
        return value

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload and upload.size > BYTES_5MB:
            raise ValidationError("佐证材料不能超过 5 MB。")
        return upload


class ReopenForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="重新整改的原因",
        max_length=200,
        help_text="如：回访群众不满意、整改不到位。",
        error_messages={"required": "请填写重新整改的原因。"},
    )
