"""Forms of the 测评 staff pages. Subjects and voter classes are typed one per line (the way the department
lists them on paper); the services check them again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core.forms import BootstrapMixin
from zugong.orgs.models import Organization

from .builtins import Kind
from .models import FormTemplate, Subject, VoterClass
from .services import MAX_CODES

SUBJECT_KIND_OF = {
    Kind.CADRE: Subject.Kind.PERSON,
    Kind.TEAM: Subject.Kind.TEAM,
    Kind.SANDU: Subject.Kind.DEPARTMENT,
    Kind.IMAGE: Subject.Kind.DEPARTMENT,
    Kind.REPORT: Subject.Kind.ORG,
    Kind.QUESTIONNAIRE: Subject.Kind.DEPARTMENT,
}
DEFAULT_CLASSES = "分管领导,3,5\n班子成员,2,10\n干部职工代表,1,40"


def _local(value) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class EvaluationForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label="测评名称", max_length=200)
    kind = forms.ChoiceField(label="测评类型", choices=Kind.choices)
    org = forms.ModelChoiceField(label="组织单位", queryset=Organization.objects.none(), empty_label=None)
    opens_at = forms.DateTimeField(
        label="开始时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label="截止时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    subjects = forms.CharField(
        label="测评对象",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个：干部姓名、领导班子或党组织名称；“三度”测评填“区委组织部”。",
        max_length=10000,
        error_messages={"required": "请至少填写一个测评对象。"},
    )
    voter_classes = forms.CharField(
        label="参评人员类别",
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=DEFAULT_CLASSES,
        help_text="每行一类：类别名称,权重,应参评人数（如：干部职工代表,1,40）。",
        max_length=2000,
        error_messages={"required": "请至少设置一个参评人员类别。"},
    )
    template = forms.ModelChoiceField(
        label="测评表",
        queryset=FormTemplate.objects.none(),
        required=False,
        empty_label="按类型使用内置测评表",
        help_text="也可以选用本单位自制的测评表（在“测评表”中编辑）。",
    )
    note = forms.CharField(
        label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, orgs=None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()
        self.fields["template"].queryset = templates if templates is not None else FormTemplate.objects.none()

    def clean_subjects(self):
        lines = [" ".join(line.split()) for line in self.cleaned_data["subjects"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise ValidationError("请至少填写一个测评对象。")
        if len(lines) > 200:
            raise ValidationError("测评对象不能超过 200 个。")
        if any(len(line) > 200 for line in lines):
            raise ValidationError("每个测评对象的名称不能超过 200 字。")
        return lines

    def clean_voter_classes(self):
        out = []
        for n, line in enumerate(self.cleaned_data["voter_classes"].splitlines(), start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not any(parts):
                continue
            if len(parts) != 3:
                raise ValidationError(f"第 {n} 行应为“类别名称,权重,应参评人数”。")
            name, weight, expected = parts
            try:
                weight_value = Decimal(weight)
                expected_value = int(expected)
            except (InvalidOperation, ValueError):
                raise ValidationError(f"第 {n} 行的权重应为数字、应参评人数应为整数。")
            out.append({"name": name, "weight": weight_value, "expected": expected_value})
        if not out:
            raise ValidationError("请至少设置一个参评人员类别。")
        return out

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", "截止时间应晚于开始时间。")
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        kind = SUBJECT_KIND_OF[data["kind"]]
        data["subjects"] = [{"kind": kind, "label": label} for label in data["subjects"]]
        data["opens_at"], data["closes_at"] = _local(data["opens_at"]), _local(data["closes_at"])
        template = data.pop("template", None)
        if template is not None:
            data["spec"] = template.spec
        return data


class CodesForm(BootstrapMixin, forms.Form):
    FORMATS = (("docx", "Word（.docx）"), ("pdf", "PDF"))

    voter_class = forms.ModelChoiceField(
        label="参评人员类别", queryset=VoterClass.objects.none(), empty_label=None
    )
    count = forms.IntegerField(
        label="数量",
        min_value=1,
        max_value=MAX_CODES,
        error_messages={"min_value": "至少 1 个。", "max_value": f"每批不超过 {MAX_CODES} 个。"},
    )
    format = forms.ChoiceField(label="测评码条格式", choices=FORMATS, initial="docx")

    def __init__(self, *args, evaluation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if evaluation is not None:
            self.fields["voter_class"].queryset = VoterClass.objects.filter(evaluation=evaluation)


class VoidForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label="测评码", max_length=30)


class ConfirmForm(BootstrapMixin, forms.Form):
    confirm = forms.BooleanField(label="我已确认", error_messages={"required": "请勾选确认。"})


class ArchiveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="归档原因", max_length=200)


class TemplateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="测评表名称", max_length=100)
    kind = forms.ChoiceField(label="适用类型", choices=Kind.choices)
    org = forms.ModelChoiceField(label="所属组织", queryset=Organization.objects.none(), empty_label=None)
    lines = forms.CharField(
        label="测评项目",
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        max_length=20000,
        help_text=(
            "每行一项：题目｜题型｜选项。题型：等次（默认 好/较好/一般/差，也可自列选项）、干部等次（优秀/称职/基本称职/不称职）、"
            "满意度、单选、多选（可加“｜最多2”）、评分（如“｜10”为满分 10 分）、文字。行尾加“｜必填”或“｜选填”。"
            "用【标题】分部分。"
        ),
    )

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()
