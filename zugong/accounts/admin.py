"""Accounts in the admin, for the 系统管理员: create accounts, reset passwords, deactivate. Role grants are
shown read-only: granting roles is the 安全管理员's job, done through accounts.services (三员分立)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from zugong.core.admin import SysadminReadOnlyAdmin, is_sysadmin

from .models import RoleGrant, TOTPDevice, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name")
    raw_id_fields = ("person",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("display_name", "person", "must_change_password")}),
        ("状态", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def has_module_permission(self, request):
        return is_sysadmin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_sysadmin(request.user)

    def has_add_permission(self, request):
        return is_sysadmin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_sysadmin(request.user)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted, so the audit log keeps naming them.
        return False

    def save_model(self, request, obj, form, change):
        # A new account's password was chosen by the 系统管理员: its owner must replace it first.
        if not change:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(RoleGrant)
class RoleGrantAdmin(SysadminReadOnlyAdmin):
    list_display = ("user", "role", "organization", "granted_at", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "organization__name")
    list_select_related = ("user", "organization", "granted_by")


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(SysadminReadOnlyAdmin):
    """The 系统管理员 may remove an administrator's dynamic code (a lost phone); the secret is never shown."""

    list_display = ("user", "confirmed_at")
    fields = ("user", "confirmed_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)

    def has_delete_permission(self, request, obj=None):
        return is_sysadmin(request.user)
