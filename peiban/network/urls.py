from django.urls import path

from peiban.network import views

app_name = "network"

P = "c/<slug:community>/network/"

urlpatterns = [
    path(P, views.overview, name="overview"),
    path(f"{P}graph.json", views.graph_json, name="graph"),
    path(f"{P}picture.svg", views.picture_svg, name="picture"),
    path(f"{P}refresh/", views.refresh, name="refresh"),
    path(f"{P}ties/", views.tie_list, name="ties"),
    path(f"{P}ties/new/", views.tie_new, name="tie-new"),
]
