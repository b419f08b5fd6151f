"""The filters of the session list (shared by the page and its Excel export) and of the plan list: a search,
the kind, the organization (with its subtree), the dates, the status, and the order."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from zugong.core.forms import DateInput
from zugong.core.scope import path_prefix_q
from zugong.orgs.models import Organization
from zugong.people.filters import StyledForm

from .choices import SessionKind
from .models import Session, StudyPlan

SESSION_SORTS = {
    "-starts": ("-starts_at", "-id"),
    "starts": ("starts_at", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "kind": ("kind", "-starts_at", "-id"),
    "-kind": ("-kind", "-starts_at", "-id"),
    "org": ("org__path", "-starts_at", "-id"),
    "-org": ("-org__path", "-starts_at", "-id"),
}
SESSION_SORT_LABELS = {
    "-starts": "时间（新→旧）",
    "starts": "时间（旧→新）",
    "title": "主题",
    "-title": "主题（倒序）",
    "kind": "类型",
    "-kind": "类型（倒序）",
    "org": "党组织",
    "-org": "党组织（倒序）",
}
STATUSES = [("upcoming", "未结束"), ("ended", "已结束"), ("cancelled", "已取消")]


def visible_orgs(request, action: str = "view"):
    user = getattr(request, "user", None)
    return Organization.objects.restrict(user, action).order_by("path")


def _org_queryset(request):
    return visible_orgs(request)


def _date_filter(label: str, lookup: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        label=label,
        field_name="starts_at",
        lookup_expr=lookup,
        widget=DateInput(),
        error_messages={"invalid": f"{label}格式不正确，如 2026-03-05。"},
    )


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """An organization the user may see, and every record under it."""

    def __init__(self, *args, path_field: str = "org__path", **kwargs):
        self.path_field = path_field
        kwargs.setdefault("queryset", _org_queryset)
        kwargs.setdefault("empty_label", "全部")
        kwargs.setdefault("error_messages", {"invalid_choice": "所选党组织不在您的授权范围内。"})
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path_prefix_q(self.path_field, value.path))


class SessionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="主题/地点/主持人", method="filter_q")
    kind = django_filters.ChoiceFilter(label="类型", choices=SessionKind.choices, empty_label="全部")
    org = SubtreeFilter(label="党组织（含下级）", path_field="org_path")
    date_from = _date_filter("起始日期", "date__gte")
    date_to = _date_filter("截止日期", "date__lte")
    status = django_filters.ChoiceFilter(
        label="状态", choices=STATUSES, method="filter_status", empty_label="全部（不含已取消）"
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=list(SESSION_SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Session
        fields = ["q", "kind", "org", "date_from", "date_to", "status", "sort"]
        form = StyledForm

    @property
    def qs(self):
        qs = super().qs
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        if not data.get("status"):
            qs = qs.filter(archived_at__isnull=True)
        if not data.get("sort"):
            qs = qs.order_by(*SESSION_SORTS["-starts"])
        return qs

    def filter_q(self, queryset, name, value):
        value = value.strip()[:50]
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(place__icontains=value) | Q(organizer__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == "cancelled":
            return queryset.filter(archived_at__isnull=False)
        live = queryset.filter(archived_at__isnull=True)
        if value == "upcoming":
            return live.filter(ends_at__gte=now, closed_at__isnull=True)
        if value == "ended":
            return live.filter(Q(ends_at__lt=now) | Q(closed_at__isnull=False))
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SESSION_SORTS.get(value, SESSION_SORTS["-starts"]))


class YearField(forms.IntegerField):
    """A year between 2000 and 2100, with the messages in Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        range_text = "年度应在 2000–2100 之间。"
        kwargs["error_messages"] = {
            "invalid": "年度应为四位数字，如 2026。", "min_value": range_text, "max_value": range_text,
            **(kwargs.get("error_messages") or {}),
        }  # fmt: skip
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


class PlanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="计划名称", method="filter_q")
    org = SubtreeFilter(label="党组织（含下级）")
    year = YearFilter(label="年度")
    archived = django_filters.ChoiceFilter(
        label="状态", choices=[("true", "已归档")], method="filter_archived", empty_label="在用计划"
    )

    class Meta:
        model = StudyPlan
        fields = ["q", "org", "year", "archived"]
        form = StyledForm

    @property
    def qs(self):
        qs = super().qs
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        if not data.get("archived"):
            qs = qs.filter(archived_at__isnull=True)
        return qs.order_by("-year", "org__path", "quarter", "id")

    def filter_q(self, queryset, name, value):
        value = value.strip()[:50]
        return queryset.filter(title__icontains=value) if value else queryset

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=False) if value == "true" else queryset
