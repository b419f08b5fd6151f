"""Read-only views of the organization tree for the 系统管理员; changes go through the pages (services).
Leadership positions name roster people, so they stay out of the admin (三员分立)."""

from django.contrib import admin

from zugong.core.admin import SysadminReadOnlyAdmin

from .models import LeadershipTeam, Organization, Unit


@admin.register(Organization)
class OrganizationAdmin(SysadminReadOnlyAdmin):
    list_display = ("code", "name", "org_type", "status", "depth", "path")
    list_filter = ("org_type", "status")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    exclude = ("secretary",)  # a roster person


@admin.register(Unit)
class UnitAdmin(SysadminReadOnlyAdmin):
    list_display = ("code", "name", "kind", "organization")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


@admin.register(LeadershipTeam)
class LeadershipTeamAdmin(SysadminReadOnlyAdmin):
    list_display = ("name", "unit", "is_district_managed")
    list_select_related = ("unit",)
    raw_id_fields = ("unit",)
