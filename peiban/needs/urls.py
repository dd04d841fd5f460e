from django.urls import path

from peiban.needs import dashboard_views, views

app_name = "needs"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("c/<slug:community>/needs/", views.need_list, name="list"),
    path("c/<slug:community>/needs/new/", views.need_new, name="new"),
    path(
        "c/<slug:community>/needs/dashboard/", dashboard_views.community_dashboard, name="dashboard"
    ),
    path("c/<slug:community>/board/", views.board, name="board"),
    path("c/<slug:community>/needs/<int:pk>/", views.need_detail, name="detail"),
    path("c/<slug:community>/needs/<int:pk>/move/", views.need_move_view, name="move"),
    path("c/<slug:community>/needs/<int:pk>/reopen/", views.need_reopen_view, name="reopen"),
    path("c/<slug:community>/needs/<int:pk>/actions/", views.action_new, name="action"),
    path("c/<slug:community>/needs/<int:pk>/lead/", views.lead_set, name="lead"),
    path("c/<slug:community>/needs/<int:pk>/companion/", views.companion_join, name="companion"),
    path("c/<slug:community>/needs/<int:pk>/attachments/", views.attachment_new, name="attachment"),
    path(
        "c/<slug:community>/needs/<int:pk>/attachments/<int:attachment>/",
        views.attachment_file,
        name="attachment-file",
    ),
    path("c/<slug:community>/needs/<int:pk>/letters/new/", views.letter_new, name="letter-new"),
    path(
        "c/<slug:community>/needs/<int:pk>/letters/<int:letter>.<str:fmt>",
        views.letter_file,
        name="letter-file",
    ),
    path(
        "c/<slug:community>/needs/<int:pk>/letters/<int:letter>/posted/",
        views.letter_posted_view,
        name="letter-posted",
    ),
    path("c/<slug:community>/needs/<int:pk>/thanks/", views.recognition_new, name="recognition"),
    path("c/<slug:community>/needs/<int:pk>/help/", views.help_new, name="help"),
    path("org/<slug:org>/needs/", dashboard_views.organisation_dashboard, name="org-dashboard"),
    path("org/<slug:org>/needs/categories/", views.categories, name="categories"),
]
