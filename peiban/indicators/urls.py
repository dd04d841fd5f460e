from django.urls import path

from peiban.indicators import views

app_name = "indicators"

C = "c/<slug:community>/"
G = "org/<slug:org>/"

urlpatterns = [
    path(f"{C}indicators/", views.community_indicators, name="community"),
    path(f"{C}indicators/records/<str:what>/", views.records, name="records"),
    path(f"{C}progress/", views.community_progress, name="progress"),
    path(f"{C}report/", views.report, name="report"),
    path(f"{C}time/", views.time_log, name="time-log"),
    path(f"{C}projects/<int:pk>/", views.project_coverage, name="project-coverage"),
    path(f"{C}projects/<int:pk>/cover/", views.project_cover, name="project-cover"),
    path(
        f"{C}projects/<int:pk>/uncover/",
        views.project_cover,
        {"unlink": True},
        name="project-uncover",
    ),
    path(f"{G}indicators/", views.organisation_indicators, name="organisation"),
    path(f"{G}method/", views.thresholds, name="thresholds"),
    path(f"{G}projects/", views.projects, name="projects"),
    path(f"{G}projects/new/", views.project_new, name="project-new"),
    path(f"{G}projects/<int:pk>/", views.project_detail, name="project"),
    path(f"{G}projects/<int:pk>/link/", views.project_link_view, name="project-link"),
    path(
        f"{G}projects/<int:pk>/unlink/",
        views.project_link_view,
        {"unlink": True},
        name="project-unlink",
    ),
]
