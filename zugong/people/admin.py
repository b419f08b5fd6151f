"""Django admin for the 系统管理员: read-only views of the roster tables with personal data masked (the
masked copies only; nothing here decrypts).
Every change goes through the pages or the API, whose services check scope and write the audit log."""

from django.contrib import admin

from .models import CadreRecord, Membership, Person, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "sex", "id_number_masked", "org", "rank", "archived_at")
    list_filter = ("sex", "rank")
    list_select_related = ("org",)
    search_fields = ("name", "id_tail")
    show_full_result_count = False
    fields = (
        "name",
        "sex",
        "ethnicity",
        "id_number_masked",
        "birth_date",
        "phone_masked",
        "home_address_masked",
        "education",
        "unit",
        "post",
        "rank",
        "org",
        "archived_at",
        "archived_reason",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="家庭住址")
    def home_address_masked(self, obj):
        return obj.home_address_masked


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("person", "status", "join_date", "confirmation_date")
    list_filter = ("status",)
    list_select_related = ("person",)
    search_fields = ("person__name",)
    show_full_result_count = False


@admin.register(CadreRecord)
class CadreRecordAdmin(ReadOnlyAdmin):
    list_display = ("person", "post", "rank", "is_district_managed", "appointed_on")
    list_filter = ("is_district_managed", "rank")
    list_select_related = ("person",)
    search_fields = ("person__name", "post")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "from_org", "to_org", "transfer_date", "actor")
    list_filter = ("kind",)
    list_select_related = ("person", "from_org", "to_org", "actor")
    search_fields = ("person__name",)
    date_hierarchy = "transfer_date"
