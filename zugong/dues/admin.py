"""The dues rule sets, read-only, for the 系统管理员 (system configuration; a new rule set is made on the
党费标准 page by a district-wide user, through the service that audits it). The ledger, payments and
members' bases name roster people and stay out of the admin (三员分立)."""

from django.contrib import admin

from zugong.core.admin import SysadminReadOnlyAdmin

from .models import DuesRuleSet


@admin.register(DuesRuleSet)
class DuesRuleSetAdmin(SysadminReadOnlyAdmin):
    list_display = ("name", "effective_from", "farmer_fen", "flat_fen", "backpay_months", "lapse_months")
    ordering = ("-effective_from",)
