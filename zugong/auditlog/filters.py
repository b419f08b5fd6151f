"""The audit list's filter, shared by the page, the Excel export and the API."""

import datetime as dt

import django_filters
from django.utils import timezone

from zugong.core.models import AuditEvent


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.DateFilter(label="起始日期", method="filter_since")
    until = django_filters.DateFilter(label="截止日期", method="filter_until")
    actor = django_filters.CharFilter(label="操作人账号", field_name="actor_name", max_length=150)
    kind = django_filters.ChoiceFilter(label="类型", choices=AuditEvent.Kind.choices)
    event = django_filters.CharFilter(label="事件", field_name="event", max_length=64)
    object_type = django_filters.CharFilter(label="对象类型", field_name="object_type", max_length=64)
    object_id = django_filters.CharFilter(label="对象编号", field_name="object_id", max_length=64)
    request_id = django_filters.CharFilter(label="请求编号", field_name="request_id", max_length=64)
    ip = django_filters.CharFilter(label="IP", field_name="ip", lookup_expr="startswith", max_length=64)

    class Meta:
        model = AuditEvent
        fields = ["since", "until", "actor", "kind", "event", "object_type", "object_id", "request_id", "ip"]

    # A date typed at the ends of the calendar (0001-01-01, 9999-12-31) would overflow once made a local time.
    FIRST, LAST = dt.date(1900, 1, 1), dt.date(9000, 1, 1)

    def filter_since(self, queryset, name, value):
        return queryset if value <= self.FIRST else queryset.filter(at__gte=_day_start(value))

    def filter_until(self, queryset, name, value):
        # The whole day named: up to the start of the next one.
        if value >= self.LAST:
            return queryset
        return queryset.filter(at__lt=_day_start(value + dt.timedelta(days=1)))
