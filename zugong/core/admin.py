"""The Django admin is for the 系统管理员 only (账号、系统参数). Domain records are read-only here: every
change to them must go through a service so that it is scope-checked and audited, which the admin does
not do. The audit log is shown to the 审计管理员 alone (三员分立), never to the 系统管理员."""

from django.contrib import admin

from .models import AuditEvent
from .roles import Role
from .scope import user_roles


def is_sysadmin(user) -> bool:
    return bool(user.is_active and user.is_staff and (user.is_superuser or Role.SYSADMIN in user_roles(user)))


class SysadminReadOnlyAdmin(admin.ModelAdmin):
    """Visible to the 系统管理员, read-only for everyone."""

    def has_module_permission(self, request):
        return is_sysadmin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_sysadmin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "kind", "event", "object_type", "object_repr", "ip")
    list_filter = ("kind", "event", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id", "request_id")
    date_hierarchy = "at"

    def _is_auditor(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and Role.AUDITOR in user_roles(user))

    def has_module_permission(self, request):
        return self._is_auditor(request)

    def has_view_permission(self, request, obj=None):
        return self._is_auditor(request)

    # Append-only: nobody adds, changes or deletes a row.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
