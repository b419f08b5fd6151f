"""Forms of the member's own pages (签到, 笔记和心得, 请假). They check the shape of the input only; the rules
(the sign-in window, who is expected, what may be handed in again) are the services'."""

from __future__ import annotations

from django import forms

from zugong.core.forms import BootstrapMixin

from . import signin

MAX_FILE_BYTES = 5 * 1024 * 1024  # the same limit as the evidence of training claims (services_notes)
FILE_ACCEPT = "image/*,application/pdf"


def clean_code(value) -> str:
    """The code as typed (spaces dropped), or "" when it is not six digits."""
    code = signin.normalize(value)
    return code if len(code) == signin.DIGITS and code.isascii() and code.isdigit() else ""


class SignInForm(BootstrapMixin, forms.Form):
    """签到: the six digits shown on the room's screen (or carried by its QR code)."""

    code = forms.CharField(
        label="签到码",
        max_length=20,
        error_messages={"required": "请输入屏幕上显示的 6 位签到码。"},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "maxlength": "6",
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "placeholder": "6 位数字",
                "class": "signin-code",
                "aria-describedby": "signin-help",
            }
        ),
    )

    def clean_code(self):
        code = clean_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError("签到码为 6 位数字，请输入屏幕上显示的签到码。")
        return code


class NotesForm(BootstrapMixin, forms.Form):
    """有笔记、有体会: the notes (optional), the reflection (required), and a photo or PDF of handwritten
    notes (optional; on a phone the file input offers the camera)."""

    notes = forms.CharField(
        label="学习笔记",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "学习的主要内容、要点"}),
    )
    reflection = forms.CharField(
        label="心得体会",
        strip=True,
        error_messages={"required": "请填写心得体会。"},
        help_text="不少于 10 个字。",
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "minlength": 10,
                "placeholder": "结合工作和思想实际，谈谈学习体会（不少于 10 字）",
            }
        ),
    )
    file = forms.FileField(
        label="笔记照片或 PDF",
        required=False,
        help_text="可拍摄手写笔记上传：JPG、PNG 或 PDF，不超过 5 MB。页面提示有误时，已选的照片需要重新选择。",
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
        error_messages={"empty": "附件是空文件，请重新选择。"},
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError("附件不能超过 5 MB。")
        return upload


class LeaveForm(BootstrapMixin, forms.Form):
    """请假: the reason, for the secretary to approve."""

    reason = forms.CharField(
        label="请假事由",
        max_length=300,
        error_messages={
            "required": "请填写请假事由。",
            "max_length": "请假事由不能超过 300 字。",
        },
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": "300", "placeholder": "如：出差、病假"}),
    )
