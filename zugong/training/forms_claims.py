"""Forms of the claim pages (a cadre's 申报学分 with its evidence file, the office's decision) and the filter
of the progress list. They check the shape of the input; the rules (what a category needs, open year, who
may) are the services'."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import F

from zugong.core.forms import BootstrapMixin, DateInput
from zugong.orgs.models import Unit

from .models import Claim, Grade, RankGroup

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024  # the same limit as services_claims.MAX_EVIDENCE_BYTES
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,application/pdf,image/jpeg,image/png"
NUMBER_FIELDS = ("days", "hours", "hours_taught")


class ClaimForm(BootstrapMixin, forms.ModelForm):
    """申报学分: what the training was, how long, and a certificate / photo / paper as evidence."""

    evidence = forms.FileField(
        label="证明材料",
        help_text="结业证书、通知、照片或论文等，PDF、JPG、PNG 或 Word（.docx），不超过 5 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        error_messages={"required": "请上传证明材料。", "empty": "证明材料是空文件，请重新选择。"},
    )

    class Meta:
        model = Claim
        fields = ["category", "title", "organizer", "date", "days", "hours", "minutes", "hours_taught",
                  "level", "description"]  # fmt: skip
        widgets = {"date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "days": "脱产培训（党校、外出）按天计，填天数。",
            "hours": "按学时计的培训（网络、自学）填学时；不填时按天数或课程时长折算。",
            "minutes": "网络课程可只填时长（分钟）。",
            "hours_taught": "授课填授课学时。",
            "level": "调研/论文填级别。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NUMBER_FIELDS:
            self.fields[name].required = False
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.5", "inputmode": "decimal"})
        self.fields["minutes"].widget.attrs.update({"min": "0", "inputmode": "decimal"})
        self.fields["title"].widget.attrs["placeholder"] = "如：区委党校中青年干部培训班"

    def clean(self):
        data = super().clean()
        for name in NUMBER_FIELDS:
            if data.get(name) is None and name not in self.errors:
                data[name] = Decimal(0)
            elif data.get(name) is not None and data[name] < 0:
                self.add_error(name, "不能为负数。")
        if data.get("minutes") is not None and data["minutes"] < 0:
            self.add_error("minutes", "不能为负数。")
        return data

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        if upload.size == 0:
            raise forms.ValidationError("证明材料是空文件，请重新选择。")
        if upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError("证明材料不能超过 5 MB。")
        return upload

    def _post_clean(self):
        # The claim is written by services_claims.submit_claim, not saved from this form: skip the model's
        # own validation (it would ask for the evidence columns the service fills in).
        pass


class DecisionForm(BootstrapMixin, forms.Form):
    """The training office's decision on a claim: 通过 or 不通过 with a reason."""

    approve = forms.TypedChoiceField(
        label="审核结果",
        choices=[("1", "通过"), ("0", "不通过")],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
        error_messages={"required": "请选择通过或不通过。"},
    )
    reason = forms.CharField(
        label="审核意见",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="不通过时必须填写理由，申报人可以看到。",
    )

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", "不通过时请填写理由。")
        return data


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Claim.Status.choices]
    )
    q = forms.CharField(label="姓名", required=False, max_length=40)


PROGRESS_SORTS = {
    "name": ("person__name_stroke_key", "person_id"),
    "-name": ("-person__name_stroke_key", "-person_id"),
    "credits": ("credits_total", "person__name_stroke_key", "person_id"),
    "-credits": ("-credits_total", "person__name_stroke_key", "person_id"),
    "unit": (F("person__unit__code").asc(nulls_last=True), "person__name_stroke_key", "person_id"),
    "-unit": (F("person__unit__code").desc(nulls_last=True), "-person__name_stroke_key", "-person_id"),
}
PROGRESS_SORT_LABELS = {
    "unit": "单位、姓氏笔画",
    "name": "姓氏笔画",
    "-credits": "总学分（高→低）",
    "credits": "总学分（低→高）",
}


class ProgressFilterForm(forms.Form):
    """The progress list's filter: name, unit, grade, rank group, met or not, order."""

    q = forms.CharField(label="姓名", required=False, max_length=40)
    unit = forms.ModelChoiceField(
        label="单位", required=False, queryset=Unit.objects.none(), empty_label="全部单位"
    )
    grade = forms.ChoiceField(label="等次", required=False, choices=[("", "全部等次"), *Grade.choices])
    rank_group = forms.ChoiceField(
        label="职级类别", required=False, choices=[("", "全部职级"), *RankGroup.choices]
    )
    met = forms.ChoiceField(
        label="是否达标", required=False, choices=[("", "全部"), ("1", "已达标"), ("0", "未达标")]
    )
    sort = forms.ChoiceField(label="排序", required=False, choices=list(PROGRESS_SORT_LABELS.items()))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.restrict(user, "view").filter(archived_at__isnull=True)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = (
                f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"
            )

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(person__name__contains=data["q"].strip())
        if data.get("unit"):
            queryset = queryset.filter(person__unit=data["unit"])
        if data.get("grade"):
            queryset = queryset.filter(grade=data["grade"])
        if data.get("rank_group"):
            queryset = queryset.filter(rank_group=data["rank_group"])
        if data.get("met") in ("0", "1"):
            queryset = queryset.filter(met_target=data["met"] == "1")
        return queryset.order_by(*PROGRESS_SORTS[data.get("sort") or "unit"])
