"""Forms of the roster pages. They only parse and check input; every write goes through a service."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core import idnumber
from zugong.core.forms import BootstrapMixin, DateInput

from . import selectors
from .choices import ETHNICITY_CHOICES, Education, MembershipStatus, Rank
from .models import HOME_ADDRESS_MAX, CadreRecord, Person
from .services import PHONE, PHONE_MESSAGE

ORG_INVALID = "所选党组织不在您的授权范围内，或不能接收党员。"


class PersonForm(BootstrapMixin, forms.Form):
    """新增/修改人员. Sex and birth date are derived from the ID number, never typed. On edit, the ID
    number, phone and home address are left blank (they are stored encrypted and shown masked) and change
    only when typed again."""

    org = forms.ModelChoiceField(
        label="所在党组织",
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"required": "请选择所在党组织。", "invalid_choice": ORG_INVALID},
    )
    name = forms.CharField(label="姓名", max_length=40, error_messages={"required": "请填写姓名。"})
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=40,
        help_text="18位，末位可为X；性别、出生日期由号码自动生成。",
        error_messages={"required": "请填写公民身份号码。"},
    )
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    home_address = forms.CharField(label="家庭住址", max_length=HOME_ADDRESS_MAX, required=False)
    education = forms.ChoiceField(label="学历", choices=[("", "—")] + Education.choices, required=False)
    unit = forms.ModelChoiceField(
        label="工作单位",
        queryset=None,
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "所选工作单位不在可选范围内。"},
    )
    post = forms.CharField(label="职务", max_length=60, required=False)
    rank = forms.ChoiceField(label="职级", choices=Rank.choices, initial=Rank.NONE)

    def __init__(self, *args, user, person: Person | None = None, **kwargs):
        self.person = person
        if person is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": person.name,
                    "ethnicity": person.ethnicity,
                    "education": person.education,
                    "unit": person.unit_id,
                    "post": person.post,
                    "rank": person.rank,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.unit_choices(
            user, "change" if person else "add", current=person.unit if person else None
        )
        if person is None:
            self.fields["org"].queryset = selectors.member_orgs(user, "add")
        else:
            # Moving a person between organizations is a transfer, not an edit.
            del self.fields["org"]
            shown_values = (
                ("id_number", person.id_number_masked),
                ("phone", person.phone_masked),
                ("home_address", person.home_address_masked),
            )
            for name, shown in shown_values:
                self.fields[name].required = False
                self.fields[name].widget.attrs["placeholder"] = f"{shown or '未填写'}（留空则不变）"
            self.fields["id_number"].help_text = "如需更正，请填写完整的18位号码；性别、出生日期随之更新。"
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        self.fields["home_address"].widget.attrs.update({"autocomplete": "off"})
        self.derived = None

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number", "")
        if not raw.strip():
            return ""
        number, birth, sex = idnumber.parse(raw)
        self.derived = {"birth_date": birth, "sex": sex}
        return number

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").replace(" ", "")
        if phone and not PHONE.match(phone):
            raise ValidationError(PHONE_MESSAGE)
        return phone

    def clean_home_address(self):
        return " ".join(self.cleaned_data.get("home_address", "").split())

    def service_kwargs(self) -> dict:
        """Keyword arguments for ``person_create`` / ``person_update``."""
        data = self.cleaned_data
        kwargs = {
            "name": data["name"].strip(),
            "ethnicity": data["ethnicity"],
            "education": data["education"],
            "unit": data["unit"],
            "post": data["post"].strip(),
            "rank": data["rank"],
        }
        if self.person is None:
            kwargs.update(
                org=data["org"],
                id_number=data["id_number"],
                phone=data["phone"],
                home_address=data["home_address"],
            )
        else:
            for name in ("id_number", "phone", "home_address"):
                if data[name]:
                    kwargs[name] = data[name]
        return kwargs


class MembershipForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label="党员类别", choices=MembershipStatus.choices)
    join_date = forms.DateField(
        label="入党日期", widget=DateInput, error_messages={"required": "请填写入党日期。"}
    )
    confirmation_date = forms.DateField(
        label="转正日期", required=False, widget=DateInput, help_text="预备党员不填。"
    )

    def __init__(self, *args, person: Person, **kwargs):
        membership = person.membership_or_none
        if membership is not None:
            kwargs.setdefault(
                "initial",
                {
                    "status": membership.status,
                    "join_date": membership.join_date,
                    "confirmation_date": membership.confirmation_date,
                },
            )
        super().__init__(*args, **kwargs)


class CadreRecordForm(BootstrapMixin, forms.Form):
    is_district_managed = forms.BooleanField(label="区管干部", required=False, initial=True)
    rank = forms.ChoiceField(label="职级", choices=Rank.choices)
    post = forms.CharField(label="现任职务", max_length=100, error_messages={"required": "请填写现任职务。"})
    appointed_on = forms.DateField(label="任职日期", required=False, widget=DateInput)
    rank_since = forms.DateField(label="任现职级日期", required=False, widget=DateInput)

    def __init__(self, *args, person: Person, **kwargs):
        try:
            record = person.cadre
        except CadreRecord.DoesNotExist:
            record = None
        if record is not None:
            initial = {
                f: getattr(record, f)
                for f in ("is_district_managed", "rank", "post", "appointed_on", "rank_since")
            }
        else:
            initial = {"rank": person.rank, "post": person.post}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("appointed_on", "rank_since"):
            if data.get(name) and data[name] > today:
                self.add_error(name, "日期不能晚于今天。")
        return data


class TransferForm(BootstrapMixin, forms.Form):
    """组织关系转接: the target may be any active member-holding organization of the district."""

    to_org = forms.ModelChoiceField(
        label="转入党组织",
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": "请选择转入的党组织。",
            "invalid_choice": "所选党组织不存在、已撤销或不能接收党员。",
        },
    )
    transfer_date = forms.DateField(
        label="转接日期", widget=DateInput, error_messages={"required": "请填写转接日期。"}
    )
    reason = forms.CharField(
        label="转接原因", max_length=200, error_messages={"required": "请填写转接原因。"}
    )

    def __init__(self, *args, person: Person, **kwargs):
        kwargs.setdefault("initial", {"transfer_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = selectors.transfer_target_orgs().exclude(pk=person.org_id)

    def clean_transfer_date(self):
        day = self.cleaned_data["transfer_date"]
        if day > timezone.localdate():
            raise ValidationError("转接日期不能晚于今天。")
        return day


class ArchiveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="归档原因",
        max_length=200,
        help_text="如：死亡、出党、组织关系转出本区等。归档不删除任何记录，可随时恢复。",
        error_messages={"required": "请填写归档原因。"},
    )
