from django.contrib import admin

from peiban.places.models import Community


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin[Community]):
    list_display = ("name", "slug", "organisation", "city")
    list_filter = ("organisation",)
    search_fields = ("name", "slug")
