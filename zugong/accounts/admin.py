"""Accounts in the admin, for the 系统管理员, read-only: accounts are created, deactivated and given new
passwords on the account pages (accounts:user_list), whose services validate and audit; role grants are
the 安全管理员's job, on the grant pages (三员分立). The only write here is removing a lost phone's
dynamic code, and that is audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from zugong.core import audit
from zugong.core.admin import SysadminReadOnlyAdmin, is_sysadmin

from .models import RoleGrant, TOTPDevice, User


@admin.register(User)
class UserAdmin(SysadminReadOnlyAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("username", "display_name")
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("基本信息", {"fields": ("display_name", "must_change_password")}),
        ("状态", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )


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

    def delete_model(self, request, obj):
        audit.record_event(
            actor=request.user, event=audit.Events.TOTP_DISABLED, obj=obj.user, detail={"by": "sysadmin"}
        )
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            self.delete_model(request, device)
