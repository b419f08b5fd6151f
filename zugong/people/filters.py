"""One filter set per list, used by the page, its Excel export and the API alike."""

import django_filters
from django.db.models import Q

from zugong.core.idnumber import normalize
from zugong.orgs.models import Organization

from .choices import MembershipStatus, Rank
from .models import Person

SORTS = {
    "stroke": ("name_stroke_key", "id"),
    "-stroke": ("-name_stroke_key", "-id"),
    "birth": ("birth_date", "id"),
    "-birth": ("-birth_date", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
SORT_LABELS = {
    "stroke": "姓氏笔画",
    "-stroke": "姓氏笔画（倒序）",
    "birth": "出生日期",
    "-birth": "出生日期（倒序）",
    "created": "录入时间",
    "-created": "录入时间（倒序）",
}


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名或身份号码后四位", method="filter_q")
    org = django_filters.NumberFilter(label="所在组织（含下级）", method="filter_subtree")
    status = django_filters.ChoiceFilter(
        label="党员类别", choices=[*MembershipStatus.choices, ("none", "非党员")], method="filter_status"
    )
    rank = django_filters.ChoiceFilter(label="职级", choices=Rank.choices)
    district_managed = django_filters.BooleanFilter(label="区管干部", field_name="cadre__is_district_managed")
    archived = django_filters.BooleanFilter(label="已归档", method="filter_archived")
    sort = django_filters.ChoiceFilter(
        label="排序", choices=list(SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Person
        fields = ["q", "org", "status", "rank", "district_managed", "archived", "sort"]

    @property
    def qs(self):
        qs = super().qs
        # Archived people are hidden unless asked for; default order is 姓氏笔画.
        if self.form.cleaned_data.get("archived") is None:
            qs = qs.filter(archived_at__isnull=True)
        if not self.form.cleaned_data.get("sort"):
            qs = qs.order_by(*SORTS["stroke"])
        return qs

    def filter_q(self, queryset, name, value):
        value = normalize(value)
        if not value:
            return queryset
        if len(value) == 4 and (value[:3].isdigit() and (value[3].isdigit() or value[3] == "X")):
            return queryset.filter(Q(id_tail=value) | Q(name__startswith=value))
        return (
            queryset.filter(name__startswith=value)
            if len(value) < 2
            else queryset.filter(name__contains=value)
        )

    def filter_subtree(self, queryset, name, value):
        org = Organization.objects.filter(pk=value).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(org_path__startswith=org.path)

    def filter_status(self, queryset, name, value):
        if value == "none":
            return queryset.filter(membership__isnull=True)
        return queryset.filter(membership__status=value)

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["stroke"]))
