from django.urls import path

from peiban.places import views

app_name = "places"

urlpatterns = [
    path("c/<slug:community>/", views.community_overview, name="community"),
    path("c/<slug:community>/search/", views.search, name="search"),
    path("c/<slug:community>/roster/", views.roster_upload, name="roster-upload"),
    path("c/<slug:community>/b/<int:pk>/", views.building_detail, name="building"),
    path("c/<slug:community>/d/<int:pk>/", views.dwelling_detail, name="dwelling"),
    path("c/<slug:community>/r/<int:pk>/", views.resident_detail, name="resident"),
    path("c/<slug:community>/r/<int:pk>/edit/", views.resident_edit, name="resident-edit"),
    path("c/<slug:community>/r/<int:pk>/account/", views.resident_account, name="resident-account"),
    path(
        "c/<slug:community>/r/<int:pk>/unmask/", views.resident_unmask_view, name="resident-unmask"
    ),
    path("c/<slug:community>/residents.xlsx", views.residents_export, name="residents-export"),
    path("c/<slug:community>/r/<int:pk>/rights/", views.rights_desk, name="rights"),
    path("c/<slug:community>/r/<int:pk>/rights/consents/", views.consent_add, name="consent-add"),
    path(
        "c/<slug:community>/r/<int:pk>/rights/consents/<int:consent>/withdraw/",
        views.consent_end,
        name="consent-withdraw",
    ),
    path(
        "c/<slug:community>/r/<int:pk>/rights/data.<str:fmt>",
        views.resident_download,
        name="resident-data",
    ),
    path(
        "c/<slug:community>/r/<int:pk>/rights/<str:how>/",
        views.resident_erase,
        name="resident-erase",
    ),
]
