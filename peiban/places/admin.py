"""Django admin for site operators (superusers); organisations manage themselves on their pages."""

from django.contrib import admin

from peiban.places.models import Building, Community, Dwelling, Partner, Resident


class PartnerInline(admin.TabularInline[Partner, Community]):
    model = Partner
    extra = 0


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin[Community]):
    list_display = ("name", "slug", "organisation", "city")
    list_filter = ("organisation",)
    search_fields = ("name", "slug")
    inlines = (PartnerInline,)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin[Building]):
    list_display = ("__str__", "community")
    list_filter = ("community__organisation",)
    search_fields = ("label", "community__name")


@admin.register(Dwelling)
class DwellingAdmin(admin.ModelAdmin[Dwelling]):
    list_display = ("__str__", "community", "floor", "area_registry", "use", "developer_held")
    list_filter = ("use", "developer_held", "community__organisation")
    list_select_related = ("building", "community")
    raw_id_fields = ("building",)


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin[Resident]):
    # Phone and ID numbers stay out of the admin: they are seen, logged, on the resident page.
    list_display = ("name", "community", "kind", "lives_here")
    list_filter = ("kind", "community__organisation")
    search_fields = ("name",)
    exclude = ("phone", "id_number", "sensitive_note", "party_member")
    readonly_fields = ("phone_hash", "phone_last4_hash", "id_number_hash")
    raw_id_fields = ("household", "user")
