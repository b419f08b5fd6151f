"""Forms of the 学习日 and 三会一课 staff pages. Field names are the services' data keys, so a service's
refusal lands on the field it names; the forms check the shape of the input, the services the rules,
the scope and the audit."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from zugong.core.forms import BootstrapMixin, DateInput
from zugong.core.models import WorkdayOverride
from zugong.orgs.models import Organization

from .choices import SessionKind
from .models import Attendance, PlanItem, Session, StudyPlan

MAX_ID = 2**31 - 1  # the largest id a database integer column takes; a larger one overflows SQLite
DATETIME_WIDGET = {"attrs": {"type": "datetime-local"}, "format": "%Y-%m-%dT%H:%M"}
DEFAULT_START, DEFAULT_END = dt.time(14, 30), dt.time(16, 30)


class StudyForm(BootstrapMixin, forms.Form):
    pass


def parse_id(value) -> int | None:
    """A record id from a query string or a form: a positive whole number in ASCII digits that fits a
    database integer, else None. (``"²".isdigit()`` is True but ``int("²")`` fails; ``10**30`` overflows.)"""
    text = "" if value is None else str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def local_at(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


def _required(label: str) -> dict:
    return {"required": f"请填写{label}。", "invalid": f"{label}格式不正确。"}


def datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(**DATETIME_WIDGET),
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}格式不正确，如 2026-03-05 14:30。",
        },
    )


def date_field(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"required": f"请填写{label}。", "invalid": f"{label}格式不正确，如 2026-03-05。"},
    )


def minutes_field(label: str, initial: int, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        initial=initial,
        min_value=0,
        max_value=240,
        help_text=help_text,
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}应为整数。",
            "min_value": f"{label}应在 0 至 240 之间。",
            "max_value": f"{label}应在 0 至 240 之间。",
        },
    )


class ReasonForm(StudyForm):
    """A required reason: 归档 a plan, 取消 a session (``label``)."""

    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label: str = "原因", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = label
        field.error_messages["required"] = f"请填写{label}。"
        field.error_messages["max_length"] = f"{label}不能超过 200 字。"

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError(f"请填写{self.fields['reason'].label}。")
        return reason


# ---- plans ----------------------------------------------------------------------------------------------


class PlanForm(StudyForm):
    org = forms.ModelChoiceField(
        label="党组织",
        queryset=Organization.objects.none(),
        empty_label=None,
        error_messages={"required": "请选择党组织。", "invalid_choice": "所选党组织不在您的授权范围内。"},
    )
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "请填写年度。",
            "invalid": "年度应为四位数字，如 2026。",
            "min_value": "年度应在 2000–2100 之间。",
            "max_value": "年度应在 2000–2100 之间。",
        },
    )
    quarter = forms.TypedChoiceField(
        label="季度",
        choices=[("", "全年"), *StudyPlan._meta.get_field("quarter").choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="留空即制定全年计划。",
        error_messages={"invalid_choice": "季度应为第一至第四季度。"},
    )
    weekday = forms.TypedChoiceField(
        label="学习日",
        choices=StudyPlan._meta.get_field("weekday").choices,
        coerce=int,
        initial=4,
        help_text="默认每周四；遇法定节假日顺延至下一个工作日。",
        error_messages={"invalid_choice": "学习日应为星期一至星期五。"},
    )
    title = forms.CharField(
        label="计划名称", max_length=200, required=False, help_text="留空则为“组织名称+年度+学习计划”。"
    )
    note = forms.CharField(
        label="说明", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()


class PlanItemForm(StudyForm):
    date = date_field("学习日期")
    topic = forms.CharField(
        label="学习主题",
        max_length=200,
        required=False,
        error_messages={"max_length": "学习主题不能超过 200 字。"},
    )
    materials = forms.CharField(
        label="学习材料",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "学习材料不能超过 2000 字。"},
    )

    @classmethod
    def for_item(cls, item: PlanItem, data=None) -> PlanItemForm:
        """The row's own form: its ids carry the item's id so that many rows fit on one page."""
        return cls(
            data,
            auto_id=f"id_item{item.pk}_%s",
            initial={"date": item.date, "topic": item.topic, "materials": item.materials},
        )


# ---- sessions -------------------------------------------------------------------------------------------


class IdListField(forms.Field):
    """Ids ticked in a list of checkboxes (the template draws them): a list of positive integers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        out = []
        for raw in value if isinstance(value, list | tuple) else [value]:
            number = parse_id(raw)
            if number is None:
                raise ValidationError("人员编号不正确。")
            out.append(number)
        return sorted(set(out))


class SessionFieldsForm(StudyForm):
    """What a session's create and edit forms share."""

    title = forms.CharField(label="主题", max_length=200, error_messages=_required("主题"))
    starts_at = datetime_field("开始时间")
    ends_at = datetime_field("结束时间")
    place = forms.CharField(label="地点", max_length=200, required=False)
    organizer = forms.CharField(label="主持人/组织者", max_length=100, required=False)
    agenda = forms.CharField(
        label="议程", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    late_after = minutes_field("迟到界限（分钟）", 10, "开始后超过此分钟数签到记为迟到。")
    signin_before = minutes_field("提前签到（分钟）", 30, "开始前多少分钟起可以签到。")
    needs_notes = forms.BooleanField(label="需交笔记和心得", required=False, initial=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "结束时间应晚于开始时间。")
        return data


class SessionForm(SessionFieldsForm):
    kind = forms.ChoiceField(
        label="类型",
        choices=SessionKind.choices,
        error_messages={"required": "请选择类型。", "invalid_choice": "会议类型不正确。"},
    )
    org = forms.ModelChoiceField(
        label="党组织",
        queryset=Organization.objects.none(),
        empty_label=None,
        error_messages={"required": "请选择党组织。", "invalid_choice": "所选党组织不在您的授权范围内。"},
    )
    expected_mode = forms.ChoiceField(
        label="应到人员",
        choices=Session.Expected.choices,
        initial=Session.Expected.MEMBERS,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "应到人员的方式不正确。"},
    )
    person_ids = IdListField(label="指定人员", required=False)
    plan_item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["kind", "org", "title", "starts_at", "ends_at", "place", "organizer", "agenda",
                   "late_after", "signin_before", "needs_notes", "expected_mode", "person_ids"]  # fmt: skip

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()
        self.fields["expected_mode"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        chosen = data.get("expected_mode") == Session.Expected.CHOSEN
        if chosen and not data.get("person_ids") and "person_ids" not in self.errors:
            self.add_error("person_ids", "请勾选应到人员。")
        return data


class SessionEditForm(SessionFieldsForm):
    minutes = forms.CharField(
        label="会议记录", max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


def session_initial(session: Session) -> dict:
    names = [*SessionFieldsForm.base_fields, "minutes"]
    return {name: getattr(session, name) for name in names}


class ExpectedForm(StudyForm):
    person_ids = IdListField(label="应到人员", required=True, error_messages={"required": "请勾选应到人员。"})


class UploadForm(StudyForm):
    file = forms.FileField(
        label="附件",
        help_text="PDF、JPG、PNG 或 Word（.docx），不超过 5 MB。",
        error_messages={"required": "请选择要上传的文件。", "empty": "所选文件是空的。"},
    )


class ReviewForm(StudyForm):
    decision = forms.ChoiceField(
        choices=[("approve", "审阅通过"), ("return", "退回")],
        error_messages={"required": "请选择审阅通过或退回。", "invalid_choice": "请选择审阅通过或退回。"},
    )
    comment = forms.CharField(
        label="审阅意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回时必须填写理由。",
        error_messages={"max_length": "审阅意见不能超过 500 字。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", "请填写退回理由。")
        return data


class LeaveDecisionForm(StudyForm):
    decision = forms.ChoiceField(
        choices=[("approve", "批准"), ("reject", "不批准")],
        error_messages={"required": "请选择批准或不批准。", "invalid_choice": "请选择批准或不批准。"},
    )
    comment = forms.CharField(
        label="审批意见",
        max_length=300,
        required=False,
        help_text="不批准时必须填写理由。",
        error_messages={"max_length": "审批意见不能超过 300 字。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", "请填写不批准的理由。")
        return data


MARK_CHOICES = [
    (Attendance.Status.EXPECTED, "未签到"),
    (Attendance.Status.PRESENT, "出席"),
    (Attendance.Status.LATE, "迟到"),
    (Attendance.Status.LEAVE, "请假"),
    (Attendance.Status.ABSENT, "缺席"),
]


def parse_marks(post) -> tuple[dict[int, str], list[str]]:
    """``status_<person id>`` fields of the attendance form: ({person id: status}, errors)."""
    marks, errors = {}, []
    allowed = {value for value, _ in MARK_CHOICES}
    for key, value in post.items():
        if not key.startswith("status_"):
            continue
        person_id = parse_id(key.removeprefix("status_"))
        if person_id is None:
            errors.append("人员编号不正确。")
            continue
        if value not in allowed:
            errors.append(f"出勤状态不正确：{value[:20]}。")
            continue
        marks[person_id] = value
    if not marks and not errors:
        errors.append("没有要登记的人员。")
    return marks, errors


def parse_was(post) -> dict[int, str]:
    """``was_<person id>`` fields of the attendance form: the status each row showed when the page was
    drawn ({person id: status}); malformed ones are left out."""
    was = {}
    for key, value in post.items():
        if key.startswith("was_") and (person_id := parse_id(key.removeprefix("was_"))):
            was[person_id] = value
    return was


# ---- statistics and the calendar ------------------------------------------------------------------------


class StatsForm(StudyForm):
    date_from = date_field("起始日期", required=False)
    date_to = date_field("截止日期", required=False)
    org = forms.ModelChoiceField(
        label="党组织（含下级）",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="全部",
        error_messages={"invalid_choice": "所选党组织不在您的授权范围内。"},
    )

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Organization.objects.none()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "截止日期应不早于起始日期。")
        if start and end and (end - start).days > 366 * 5:
            self.add_error("date_to", "统计区间不能超过五年。")
        return data


class WorkdayForm(StudyForm):
    date = date_field("日期")
    kind = forms.ChoiceField(
        label="类型",
        choices=WorkdayOverride.Kind.choices,
        error_messages={
            "required": "请选择类型。",
            "invalid_choice": "类型应为“法定节假日（休）”或“调休上班”。",
        },
    )
    name = forms.CharField(
        label="名称",
        max_length=50,
        help_text="如：国庆节、春节调休。",
        error_messages={"required": "请填写名称。", "max_length": "名称不能超过 50 字。"},
    )


class WorkdayImportForm(StudyForm):
    text = forms.CharField(
        label="节假日安排",
        max_length=20000,
        widget=forms.Textarea(
            attrs={"rows": 10, "placeholder": "2026-10-01 休 国庆节\n2026-09-27 班 国庆节调休"}
        ),
        help_text="每行一天：日期、“休”或“班”、名称，如“2026-10-01 休 国庆节”“2026-09-27 班 国庆节调休”。",
        error_messages={"required": "请至少填写一行。", "max_length": "内容过长，请分次导入。"},
    )
