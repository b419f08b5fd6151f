import django_filters
from django.db.models import Q

from zugong.core.scope import path_prefix_q

from .models import Organization, OrgStatus, OrgType, Unit, UnitKind


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或编码", method="filter_q")
    org_type = django_filters.ChoiceFilter(label="组织类别", choices=OrgType.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=OrgStatus.choices)
    within = django_filters.NumberFilter(label="所属组织（含下级）", method="filter_within")

    class Meta:
        model = Organization
        fields = ["q", "org_type", "status", "within"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__contains=value) | Q(short_name__contains=value) | Q(code__startswith=value)
        )

    def filter_within(self, queryset, name, value):
        org = Organization.objects.filter(pk=value).only("path").first()
        return queryset.filter(path_prefix_q("path", org.path)) if org else queryset.none()


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="单位名称", method="filter_q")
    kind = django_filters.ChoiceFilter(label="单位类别", choices=UnitKind.choices)

    class Meta:
        model = Unit
        fields = ["q", "kind"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value)) if value else queryset
