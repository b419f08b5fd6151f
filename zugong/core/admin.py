"""The Django admin is for the 系统管理员 only (see ``admin_site``): system configuration and read-only
views. Domain records are read-only here: every change to them must go through a service so that it is
scope-checked and audited, which the admin does not do. The audit log is not in the admin at all — it is
the 审计管理员's, read through the audit pages (三员分立) — and neither is the roster (personal data)."""

from django.contrib import admin

from .admin_site import is_sysadmin

__all__ = ["SysadminReadOnlyAdmin", "is_sysadmin"]


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
