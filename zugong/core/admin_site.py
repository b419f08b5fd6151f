"""The Django admin site of Zugong: only the 系统管理员 (role ``sysadmin`` and ``is_staff``) gets in —
not the 安全管理员, not the 审计管理员, not a superuser without the role (三员分立). Installed in place of
``django.contrib.admin`` through ``ZugongAdminConfig``."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


def is_sysadmin(user) -> bool:
    from .roles import Role
    from .scope import user_roles

    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and Role.SYSADMIN in user_roles(user)
    )


class ZugongAdminSite(admin.AdminSite):
    site_header = "组工 · 系统配置"
    site_title = "组工系统配置"
    index_title = "系统配置（系统管理员）"

    def has_permission(self, request):
        return is_sysadmin(request.user)


class ZugongAdminConfig(AdminConfig):
    default_site = "zugong.core.admin_site.ZugongAdminSite"
