"""Forms of the materials library: upload (the organizations and sessions offered are those the uploader may
add to), archive with a reason, and the trace tool. They check the shape of the input; the file's type, its
size and the scope are checked again by ``services_materials``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from zugong.core.forms import BootstrapMixin
from zugong.core.roles import Action
from zugong.orgs.models import Organization, OrgStatus

from .forms import parse_id
from .models import Session
from .services_materials import MAX_BYTES, MB, TRACE_MAX_BYTES, size_label

ACCEPT = ".pdf,.docx,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
SESSION_CHOICES = 200  # sessions offered in the list (the most recent first)


def _upload_checked(upload, limit: int):
    if upload is None:
        return upload
    if upload.size == 0:
        raise forms.ValidationError("文件是空的，请重新选择。")
    if upload.size > limit:
        raise forms.ValidationError(f"文件不能超过 {limit // MB} MB（所选文件 {size_label(upload.size)}）。")
    return upload


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        when = timezone.localtime(obj.starts_at)
        return (
            f"{when:%Y-%m-%d} {obj.get_kind_display()}：{obj.title}（{obj.org.short_name or obj.org.name}）"
        )


class MaterialForm(BootstrapMixin, forms.Form):
    org = forms.ModelChoiceField(
        label="发布组织",
        queryset=Organization.objects.none(),
        empty_label=None,
        help_text="该组织及其下级组织的党员都可以阅读。",
        error_messages={"invalid_choice": "所选组织不存在或不在您的授权范围内。"},
    )
    title = forms.CharField(label="标题", max_length=200, error_messages={"required": "请填写标题。"})
    description = forms.CharField(
        label="简介", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    session = SessionChoiceField(
        label="关联会议",
        queryset=Session.objects.none(),
        required=False,
        empty_label="（不关联）",
        help_text="可选：该组织的一次学习或会议。",
        error_messages={"invalid_choice": "所选会议不存在或不在您的授权范围内。"},
    )
    file = forms.FileField(
        label="文件",
        help_text=f"PDF、Word（.docx）、JPG 或 PNG，不超过 {MAX_BYTES // MB} MB。"
        "每次查看或下载都会生成带读者姓名、副本编号和时间水印的个人副本。",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的，请重新选择。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = (
            Organization.objects.restrict(user, Action.ADD).filter(status=OrgStatus.ACTIVE).order_by("path")
        )
        sessions = (
            Session.objects.restrict(user, Action.ADD)
            .filter(archived_at__isnull=True)
            .select_related("org")
            .order_by("-starts_at", "-id")
        )
        field = self.fields["session"]
        field.queryset = sessions
        # Offer the recent ones (a district has thousands); any in scope is still accepted by id.
        since = timezone.now() - dt.timedelta(days=365)
        recent = list(sessions.filter(starts_at__gte=since)[:SESSION_CHOICES])
        chosen = self.data.get("session") or self.initial.get("session")
        chosen = parse_id(chosen) if chosen else None
        if chosen and all(s.pk != chosen for s in recent):
            recent += list(sessions.filter(pk=chosen))
        field.widget.choices = [("", field.empty_label)] + [
            (s.pk, field.label_from_instance(s)) for s in recent
        ]

    def clean_file(self):
        return _upload_checked(self.cleaned_data.get("file"), MAX_BYTES)

    def clean(self):
        data = super().clean()
        org, session = data.get("org"), data.get("session")
        if org is not None and session is not None and session.org_id != org.pk:
            self.add_error("session", "关联会议须是所选发布组织的会议。")
        return data


class ArchiveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="归档原因",
        max_length=200,
        help_text="归档后不再向任何人发放副本，领取登记保留。",
        error_messages={"required": "请填写归档原因。"},
    )


class TraceForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label="泄露的文件",
        required=False,
        help_text="PDF、Word（.docx）、JPG 或 PNG：系统读取文件中隐藏的副本标记，并比对已发放副本的 SHA-256。",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    code = forms.CharField(
        label="副本编号",
        required=False,
        max_length=20,
        help_text="或输入页面、照片上可见的 8 位副本编号（水印中“副本”后的编号）。",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_file(self):
        return _upload_checked(self.cleaned_data.get("file"), TRACE_MAX_BYTES)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("code") or "").strip() and not self.errors:
            raise forms.ValidationError("请上传泄露的文件，或输入副本编号。")
        return data
