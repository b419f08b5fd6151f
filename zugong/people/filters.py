"""One filter set per list, used by the page, its Excel export and the API alike."""

import re

import django_filters
from django import forms

from zugong.core import crypto
from zugong.core.idnumber import normalize
from zugong.core.scope import path_prefix_q
from zugong.orgs.models import Organization

from .choices import MembershipStatus, Rank, TransferKind
from .models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, Person, Transfer

FULL_PHONE = re.compile(r"^\+?[0-9][0-9\-]{6,19}$")

SORTS = {
    "stroke": ("name_stroke_key", "id"),
    "-stroke": ("-name_stroke_key", "-id"),
    "birth": ("birth_date", "id"),
    "-birth": ("-birth_date", "-id"),
    # Ids grow with creation, and the primary key is an index where created_at is not.
    "created": ("id",),
    "-created": ("-id",),
}
SORT_LABELS = {
    "stroke": "姓氏笔画",
    "-stroke": "姓氏笔画（倒序）",
    "birth": "出生日期",
    "-birth": "出生日期（倒序）",
    "created": "录入时间",
    "-created": "录入时间（倒序）",
}

YES_NO = [("", "全部"), ("true", "是"), ("false", "否")]
ARCHIVED = [("", "在册人员"), ("true", "已归档人员")]


class StyledForm(forms.Form):
    """The filter form with Bootstrap classes, so templates can render ``{{ field }}`` as is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = (
                "form-select form-select-sm"
                if isinstance(widget, forms.Select)
                else "form-control form-control-sm"
            )
            widget.attrs.setdefault("class", css)


def _visible_orgs(request):
    """Organizations a filter may name: those the requesting user may see (all when no request)."""
    user = getattr(request, "user", None)
    if user is None:
        return Organization.objects.all()
    return Organization.objects.restrict(user, "view")


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名、身份号码（全号或后四位）或联系电话", method="filter_q")
    org = django_filters.NumberFilter(
        label="所在组织（含下级）", method="filter_subtree", widget=forms.HiddenInput
    )
    status = django_filters.ChoiceFilter(
        label="党员类别",
        choices=[*MembershipStatus.choices, ("none", "非党员")],
        method="filter_status",
        empty_label="全部",
    )
    rank = django_filters.ChoiceFilter(label="职级", choices=Rank.choices, empty_label="全部")
    district_managed = django_filters.BooleanFilter(
        label="区管干部", field_name="is_district_cadre", widget=forms.Select(choices=YES_NO)
    )
    archived = django_filters.BooleanFilter(
        label="归档状态", method="filter_archived", widget=forms.Select(choices=ARCHIVED)
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=list(SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Person
        fields = ["q", "org", "status", "rank", "district_managed", "archived", "sort"]
        form = StyledForm

    @property
    def qs(self):
        qs = super().qs
        # Invalid values (e.g. ?rank=bogus) are dropped by the form and the page shows its errors.
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        # Archived people are hidden unless asked for; default order is 姓氏笔画.
        if data.get("archived") is None:
            qs = qs.filter(archived_at__isnull=True)
        if not data.get("sort"):
            qs = qs.order_by(*SORTS["stroke"])
        return qs

    def filter_q(self, queryset, name, value):
        value = normalize(value)
        if not value:
            return queryset
        # Personal data is stored encrypted: a full number is found by its blind index (exact match).
        if len(value) == 18 and value[:17].isdigit():
            return queryset.filter(id_number_hash=crypto.blind_index(value, context=ID_NUMBER_CONTEXT))
        if len(value) == 4 and (value[:3].isdigit() and (value[3].isdigit() or value[3] == "X")):
            # Digits are never a name: the indexed tail alone (an OR with the name would scan).
            return queryset.filter(id_tail=value)
        if FULL_PHONE.match(value):
            return queryset.filter(phone_hash=crypto.blind_index(value, context=PHONE_CONTEXT))
        return (
            queryset.filter(name__startswith=value)
            if len(value) < 2
            else queryset.filter(name__contains=value)
        )

    def filter_subtree(self, queryset, name, value):
        org = _visible_orgs(self.request).filter(pk=value).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(path_prefix_q("org_path", org.path))

    def filter_status(self, queryset, name, value):
        # The person row carries its membership status (kept in step by membership_set): no join.
        return queryset.filter(party_status="" if value == "none" else value)

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["stroke"]))


class TransferFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名", method="filter_q")
    kind = django_filters.ChoiceFilter(label="转接类型", choices=TransferKind.choices, empty_label="全部")
    date_from = django_filters.DateFilter(
        label="转接日期起",
        field_name="transfer_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label="转接日期止",
        field_name="transfer_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Transfer
        fields = ["q", "kind", "date_from", "date_to"]
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(person__name__contains=value) if value else queryset
