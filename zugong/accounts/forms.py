from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from zugong.core import crypto, idnumber
from zugong.core.forms import BootstrapMixin
from zugong.core.roles import Role
from zugong.orgs.models import Organization, OrgStatus
from zugong.people.models import ID_NUMBER_CONTEXT, Person

from .backends import was_locked
from .lockout import LOCKED_MESSAGE


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（密码区分大小写）。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "username", "autocapitalize": "none"}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "current-password"}
        )

    def get_invalid_login_error(self):
        # A lock in force reads the same whether or not the password was right.
        if was_locked(self.request):
            return ValidationError(LOCKED_MESSAGE, code="locked")
        return super().get_invalid_login_error()


class PasswordChange(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"old_password": "原密码", "new_password1": "新密码", "new_password2": "再次输入新密码"}
        for name, field in self.fields.items():
            field.label = labels.get(name, field.label)
            field.widget.attrs["class"] = "form-control"


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=8,
        help_text="打开手机上的身份验证器应用，输入当前显示的 6 位数字。",
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
    )


# ---- 系统管理员: accounts ---------------------------------------------------------------------------


class UserSearchForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=150)


class UserCreateForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="显示名称", max_length=60, required=False)
    id_number = forms.CharField(
        label="关联人员的公民身份号码",
        max_length=40,
        required=False,
        help_text="选填。党员账号填写本人的18位号码，按号码精确匹配人员库；系统不显示匹配到的人员信息。",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="账号使用人首次登录时须修改此密码。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text += "".join(password_validation.password_validators_help_texts())

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number", "")
        if not raw.strip():
            return None
        number, _, _ = idnumber.parse(raw)
        person = Person.objects.filter(
            id_number_hash=crypto.blind_index(number, context=ID_NUMBER_CONTEXT)
        ).first()
        if person is None:
            raise ValidationError("人员库中没有该公民身份号码。")
        return person


class PasswordResetForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label="临时密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="账号使用人下次登录时须修改此密码。",
    )


# ---- 安全管理员: role grants ------------------------------------------------------------------------


class GrantAddForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    organization = forms.CharField(
        label="授权组织（组织代码）",
        max_length=40,
        help_text="角色覆盖该组织及其全部下级组织。可先在上方按代码或名称查找组织。",
    )

    def clean_organization(self):
        code = self.cleaned_data["organization"].strip()
        org = Organization.objects.filter(code=code, status=OrgStatus.ACTIVE).first()
        if org is None:
            raise ValidationError("没有该代码的在用组织，请先按代码或名称查找。")
        return org
