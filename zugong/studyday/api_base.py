"""What the staff API of 学习日 and 三会一课 shares (``api``, ``api_sessions``): staff only (a grant that lets the
caller view something; plain members use ``api_mine``, 三员 see nothing), reads through ``restrict``, writes
through the services, whose Chinese refusals become 400 / 403; filters by organization (with its subtree) and
dates; decimals (rates) as strings."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import permissions, serializers

from zugong.core.api import ScopedViewSetMixin, api_validation_error
from zugong.core.roles import Action
from zugong.core.scope import grant_paths, path_prefix_q
from zugong.orgs.models import Organization

from .forms import MAX_ID, parse_id

NO_GRANT = "您没有办理学习日和三会一课业务的权限。"
DATE_ERRORS = {"invalid": "日期格式不正确，应为 2026-01-31。"}


class StaffPermission(permissions.IsAuthenticated):
    """Secretaries, 组织委员 and the 组织部 (a grant with ``view``); plain members and 三员 get 403."""

    message = NO_GRANT

    def has_permission(self, request, view):
        return super().has_permission(request, view) and bool(grant_paths(request.user, Action.VIEW))


class ServiceErrorsMixin:
    """A service's ``ValidationError`` (Chinese) as a 400 with the same messages."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)


class StaffViewSetMixin(ScopedViewSetMixin):
    permission_classes = [StaffPermission]

    def _input(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def org_for(user, pk, action: str = Action.VIEW) -> Organization:
    """An organization given by id: 404 outside the user's view, 403 if seen but not ``action``-able."""
    pk = parse_id(pk)
    if pk is None:
        raise DjangoValidationError({"org": "党组织编号不正确。"})
    org = Organization.objects.restrict(user, Action.VIEW).filter(pk=pk).first()
    if org is None:
        raise Http404("党组织不存在或不在您的授权范围内。")
    if action != Action.VIEW and not Organization.objects.restrict(user, action).filter(pk=pk).exists():
        raise PermissionDenied("您没有在该党组织办理此项业务的权限。")
    return org


def date_param(request, name: str, label: str) -> dt.date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise DjangoValidationError({name: f"{label}“{raw[:20]}”不正确，应为 2026-01-31 这样的日期。"})


def period_params(request) -> tuple[dt.date | None, dt.date | None]:
    date_from = date_param(request, "date_from", "起始日期")
    date_to = date_param(request, "date_to", "截止日期")
    if date_from and date_to and date_from > date_to:
        raise DjangoValidationError({"date_to": "截止日期不能早于起始日期。"})
    return date_from, date_to


class IdFilter(django_filters.NumberFilter):
    """A record's id in a query string: a whole number that fits a database integer (a larger one would
    overflow SQLite), else 400 with “<label>编号不正确”."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        text = f"{kwargs.get('label') or ''}编号不正确。"
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("error_messages", {"invalid": text, "min_value": text, "max_value": text})
        super().__init__(*args, **kwargs)


class OrgSubtreeFilterSet(django_filters.FilterSet):
    """``org``: records of that organization and its sub-organizations (an id outside the view: none)."""

    org_lookup = "org_path"
    org = django_filters.NumberFilter(label="党组织（含下级）", method="filter_org")

    def filter_org(self, queryset, name, value):
        org = Organization.objects.restrict(self.request.user, Action.VIEW).filter(pk=value).first()
        if org is None:
            return queryset.none()
        return queryset.filter(path_prefix_q(self.org_lookup, org.path))


class DateFilter(django_filters.DateFilter):
    field_class = forms.DateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", DATE_ERRORS)
        super().__init__(*args, **kwargs)


def rate_text(value) -> str | None:
    return None if value is None else str(value)


class StudyDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label="是否通过")
    comment = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", label="意见"
    )


class StudyReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="原因")
