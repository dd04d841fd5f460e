from django.urls import path

from peiban.surveys import views

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
    path(f"{P}<int:pk>/export.<str:fmt>", views.export, name="export"),
    path(f"{P}<int:pk>/recommendations/", views.recommend, name="recommend"),
    path(f"{P}<int:pk>/report.docx", views.report, name="report"),
]
