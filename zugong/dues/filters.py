"""One filter set per list, shared by the page, its Excel export and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F

from zugong.core.scope import path_prefix_q
from zugong.orgs.models import Organization
from zugong.people.filters import StyledForm

from .forms import MonthField, MonthInput
from .models import LapseCase, LedgerEntry, Payment

LEDGER_STATUS = [("paid", "已交"), ("owed", "未交"), ("missing", "缺基数")]
LEDGER_SORTS = {
    "name": ("person__name_stroke_key", "person_id"),
    "-name": ("-person__name_stroke_key", "-person_id"),
    "due": ("amount_fen", "person_id"),
    "-due": ("-amount_fen", "person_id"),
    "owed": (F("amount_fen") - F("paid_fen"), "person_id"),
    "-owed": ((F("amount_fen") - F("paid_fen")).desc(), "person_id"),
    "month": ("month", "person_id"),
    "-month": ("-month", "person_id"),
}
LEDGER_SORT_LABELS = {
    "name": "姓氏笔画",
    "-name": "姓氏笔画（倒序）",
    "-owed": "欠交金额（多→少）",
    "owed": "欠交金额（少→多）",
    "-due": "应交金额（多→少）",
    "due": "应交金额（少→多）",
    "-month": "月份（新→旧）",
    "month": "月份（旧→新）",
}


class MonthFilter(django_filters.Filter):
    field_class = MonthField


def _visible_orgs(request):
    user = getattr(request, "user", None)
    if user is None:
        return Organization.objects.all()
    return Organization.objects.restrict(user, "view")


class SubtreeMixin:
    def filter_subtree(self, queryset, name, value):
        org = _visible_orgs(self.request).filter(pk=value).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(path_prefix_q("org_path", org.path))

    def filter_name(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(person__name__contains=value) if value else queryset


class LedgerFilter(SubtreeMixin, django_filters.FilterSet):
    month = MonthFilter(label="月份", field_name="month", widget=MonthInput)
    org = django_filters.NumberFilter(
        label="党组织（含下级）", method="filter_subtree", widget=forms.HiddenInput
    )
    person = django_filters.NumberFilter(label="党员", field_name="person_id", widget=forms.HiddenInput)
    q = django_filters.CharFilter(label="姓名", method="filter_name")
    status = django_filters.ChoiceFilter(
        label="交纳状态", choices=LEDGER_STATUS, method="filter_status", empty_label="全部"
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=list(LEDGER_SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = LedgerEntry
        fields = ["month", "org", "person", "q", "status", "sort"]
        form = StyledForm

    @property
    def qs(self):
        qs = super().qs
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        if not data.get("sort"):
            qs = qs.order_by(*LEDGER_SORTS["name"])
        return qs

    def filter_status(self, queryset, name, value):
        if value == "paid":
            return queryset.filter(paid_fen__gte=F("amount_fen"), missing_base=False)
        if value == "owed":
            return queryset.filter(paid_fen__lt=F("amount_fen"))
        return queryset.filter(missing_base=True)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*LEDGER_SORTS.get(value, LEDGER_SORTS["name"]))


class PaymentFilter(SubtreeMixin, django_filters.FilterSet):
    org = django_filters.NumberFilter(label="党组织（含下级）", method="filter_subtree")
    person = django_filters.NumberFilter(label="党员", field_name="person_id")
    q = django_filters.CharFilter(label="姓名", method="filter_name")
    kind = django_filters.ChoiceFilter(label="类型", choices=Payment.Kind.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=Payment.Status.choices, empty_label="全部")
    paid_from = django_filters.DateFilter(label="交纳日期起", field_name="paid_on", lookup_expr="gte")
    paid_to = django_filters.DateFilter(label="交纳日期止", field_name="paid_on", lookup_expr="lte")
    receipt_no = django_filters.CharFilter(label="收据号", field_name="receipt_no")

    class Meta:
        model = Payment
        fields = ["org", "person", "q", "kind", "status", "paid_from", "paid_to", "receipt_no"]
        form = StyledForm


class LapseFilter(SubtreeMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名", method="filter_name")
    status = django_filters.ChoiceFilter(label="状态", choices=LapseCase.Status.choices, empty_label="全部")

    class Meta:
        model = LapseCase
        fields = ["q", "status"]
        form = StyledForm
