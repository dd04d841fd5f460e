from django.urls import path

from peiban.core import org_views as views

app_name = "org"

urlpatterns = [
    path("<slug:org>/", views.home, name="home"),
    path("<slug:org>/communities/new/", views.community_new, name="community-new"),
    path(
        "<slug:org>/communities/<slug:community>/partners/new/",
        views.partner_new,
        name="partner-new",
    ),
    path("<slug:org>/members/new/", views.member_new, name="member-new"),
    path("<slug:org>/members/<int:pk>/", views.member_edit, name="member-edit"),
    path("<slug:org>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("<slug:org>/audit/", views.audit_log, name="audit"),
]
