"""The catalogue's filter, shared by the list page and its Excel export: a search in the title and the
organizer, the category, the year, the owning organization (with its subtree), current or archived, and
the order."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from zugong.core.scope import path_prefix_q
from zugong.orgs.models import Organization
from zugong.people.filters import StyledForm

from .models import Activity, Category

ACTIVITY_SORTS = {
    "date": ("start_date", "id"),
    "-date": ("-start_date", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "category": ("category", "-start_date", "-id"),
    "-category": ("-category", "-start_date", "-id"),
}
ACTIVITY_SORT_LABELS = {
    "-date": "开始日期（新→旧）",
    "date": "开始日期（旧→新）",
    "title": "名称",
    "-title": "名称（倒序）",
    "category": "类别",
    "-category": "类别（倒序）",
}
ARCHIVED = [("", "在用项目"), ("true", "已归档项目")]


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称/主办单位", method="filter_q")
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices, empty_label="全部")
    year = YearFilter(
        label="年度",
        field_name="start_date",
        lookup_expr="year",
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": "年度应为四位数字，如 2025。", "min_value": "年度应在 2000–2100 之间。",
                        "max_value": "年度应在 2000–2100 之间。"},
    )  # fmt: skip
    org = django_filters.NumberFilter(
        label="党组织（含下级）", method="filter_subtree", widget=forms.HiddenInput
    )
    archived = django_filters.ChoiceFilter(
        label="状态", choices=ARCHIVED[1:], method="filter_archived", empty_label=ARCHIVED[0][1]
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=list(ACTIVITY_SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Activity
        fields = ["q", "category", "year", "org", "archived", "sort"]
        form = StyledForm

    @property
    def qs(self):
        qs = super().qs
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        if not data.get("archived"):
            qs = qs.filter(archived_at__isnull=True)
        if not data.get("sort"):
            qs = qs.order_by(*ACTIVITY_SORTS["-date"])
        return qs

    def filter_q(self, queryset, name, value):
        value = value.strip()[:50]
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(organizer__icontains=value))

    def filter_subtree(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        orgs = Organization.objects.restrict(user, "view") if user is not None else Organization.objects.all()
        org = orgs.filter(pk=value).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(path_prefix_q("org__path", org.path))

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=False) if value == "true" else queryset

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*ACTIVITY_SORTS.get(value, ACTIVITY_SORTS["-date"]))
