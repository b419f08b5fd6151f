"""The API's base: every viewset reads through ``restrict(user, action)`` and writes through services.

- A list shows only what the user may view; a record outside the user's view is 404, a record the user
  may view but not act on is 403 (the semantics of ``zugong.core.scope.get_object_for_user``).
- Services raise Django's ``ValidationError`` / ``PermissionDenied`` with Chinese messages; they become
  400 / 403 responses carrying the same messages.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination

from .roles import Action
from .scope import can


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


# DRF action name -> scope action. A viewset adds its own custom actions in ``scope_actions``.
ACTION_SCOPE: dict[str, str] = {
    "list": Action.VIEW,
    "retrieve": Action.VIEW,
    "metadata": Action.VIEW,
    "create": Action.ADD,
    "update": Action.CHANGE,
    "partial_update": Action.CHANGE,
    "archive": Action.ARCHIVE,
    "restore": Action.ARCHIVE,
    "export": Action.EXPORT,
    "transfer": Action.TRANSFER,
    "move": Action.MOVE,
}


def api_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as a DRF one: field errors keyed by field, the rest under
    ``non_field_errors``."""
    detail = serializers.as_serializer_error(exc)
    if "__all__" in detail:
        detail.setdefault(serializers.api_settings.NON_FIELD_ERRORS_KEY, []).extend(detail.pop("__all__"))
    return exceptions.ValidationError(detail)


class ScopedActionPermission(permissions.IsAuthenticated):
    """Creating needs the ``add`` action somewhere; object actions are checked in ``get_object``."""

    message = "您没有新增此类记录的权限。"

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "create":
            return can(request.user, Action.ADD, model=view.queryset.model)
        return True


class ScopedViewSetMixin:
    """Mix into a GenericViewSet whose ``queryset`` is a domain model's (select_related) queryset."""

    permission_classes = [ScopedActionPermission]
    lookup_value_regex = r"\d+"
    scope_actions: dict[str, str] = {}

    def get_scope_action(self) -> str:
        action = self.action or "metadata"
        scope_action = self.scope_actions.get(action) or ACTION_SCOPE.get(action)
        if scope_action is None:
            raise ImproperlyConfigured(f"{type(self).__name__}: no scope action for {action!r}")
        return scope_action

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.get_scope_action())

    def get_object(self):
        """404 if the record is outside the user's view, 403 if visible but the action is not allowed."""
        user = self.request.user
        lookup_kwarg = self.lookup_url_kwarg or self.lookup_field
        base = super().get_queryset()
        obj = (
            base.restrict(user, Action.VIEW).filter(**{self.lookup_field: self.kwargs[lookup_kwarg]}).first()
        )
        if obj is None:
            raise Http404("记录不存在或不在您的授权范围内。")
        action = self.get_scope_action()
        if (
            action != Action.VIEW
            and not base.model._default_manager.restrict(user, action).filter(pk=obj.pk).exists()
        ):
            raise DjangoPermissionDenied("您没有对该记录执行此操作的权限。")
        self.check_object_permissions(self.request, obj)
        return obj

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)

    @property
    def actor(self):
        return self.request.user


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key given by id, chosen among the records the requesting user may view (an id outside
    the view is "does not exist", as on a page)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.restrict(request.user, Action.VIEW)
