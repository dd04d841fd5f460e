from django.urls import path

from peiban.activities import overview_views, views

app_name = "activities"

P = "c/<slug:community>/activities/"

urlpatterns = [
    path(P, views.activity_list, name="list"),
    path(f"{P}new/", views.activity_new, name="new"),
    path(f"{P}<int:pk>/", views.activity_detail, name="detail"),
    path(f"{P}<int:pk>/register/", views.register, name="register"),
    path(f"{P}<int:pk>/cancel/", views.cancel, name="cancel"),
    path(f"{P}<int:pk>/door/", views.door, name="door"),
    path(f"{P}<int:pk>/check-in/", views.check_in, name="check-in"),
    path(f"{P}<int:pk>/newcomer/", views.newcomer, name="newcomer"),
    path(f"{P}<int:pk>/check-out/<int:attendance>/", views.check_out, name="check-out"),
    path(f"{P}<int:pk>/qr/", views.qr, name="qr"),
    path(f"{P}<int:pk>/feedback/", views.feedback, name="feedback"),
    path(f"{P}<int:pk>/summary/", views.summary, name="summary"),
    path(f"{P}<int:pk>/photos/", views.photo_new, name="photo-new"),
    path(f"{P}<int:pk>/photos/<int:photo>/", views.photo_file, name="photo"),
    path(f"{P}<int:pk>/photos/<int:photo>/delete/", views.photo_delete, name="photo-delete"),
    path(f"{P}scan/<str:purpose>/<str:token>/", views.scan, name="scan"),
    path("c/<slug:community>/participation/", overview_views.participation, name="participation"),
    path(
        "c/<slug:community>/participation/residents/<int:pk>/",
        overview_views.resident_participation,
        name="resident-participation",
    ),
]
