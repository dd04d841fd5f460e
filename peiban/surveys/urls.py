from django.urls import path

from peiban.surveys import import_views, views

app_name = "surveys"

P = "c/<slug:community>/surveys/"

urlpatterns = [
    path(P, views.form_list, name="list"),
    path(f"{P}upload/", views.form_upload, name="upload"),
    path(f"{P}<int:pk>/", views.results, name="results"),
    path(f"{P}<int:pk>/visits/", views.visits, name="visits"),
    path(f"{P}<int:pk>/visits/<int:dwelling>/", views.visit, name="visit"),
    path(f"{P}<int:pk>/fill/<int:dwelling>/", views.fill, name="fill"),
    path(f"{P}<int:pk>/import/", views.import_responses, name="import"),
    path(f"{P}<int:pk>/import/check/", import_views.import_upload, name="import-upload"),
    path(
        f"{P}<int:pk>/import/check/<str:token>/",
        import_views.import_preview,
        name="import-preview",
    ),
    path(
        f"{P}<int:pk>/import/check/<str:token>/confirm/",
        import_views.import_confirm,
        name="import-confirm",
    ),
    path(
        f"{P}<int:pk>/import/check/<str:token>/cancel/",
        import_views.import_cancel,
        name="import-cancel",
    ),
    path(f"{P}<int:pk>/export.<str:fmt>", views.export, name="export"),
    path(f"{P}<int:pk>/recommendations/", views.recommend, name="recommend"),
    path(f"{P}<int:pk>/report.docx", views.report, name="report"),
    path(f"{P}<int:pk>/link/", views.link, name="link"),
    path(f"{P}<int:pk>/link/open/", views.link_open_view, name="link-open"),
    path(f"{P}<int:pk>/link/close/", views.link_close_view, name="link-close"),
    path(f"{P}<int:pk>/link/codes/", views.codes, name="codes"),
    path("s/<str:token>/", views.answer, name="answer"),  # residents answer without an account
]
