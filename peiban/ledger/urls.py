from django.urls import path

from peiban.ledger import views

app_name = "ledger"

P = "c/<slug:community>/"

urlpatterns = [
    path(f"{P}me/volunteering/", views.mine, name="mine"),
    path(f"{P}rewards/<int:pk>/redeem/", views.redeem, name="redeem"),
    path(f"{P}certificates/<int:pk>.pdf", views.certificate, name="certificate"),
    path(f"{P}volunteering/", views.hours, name="hours"),
    path(f"{P}hours/<int:pk>/verify/", views.verify, name="verify"),
    path(f"{P}attendance/<int:pk>/credit/", views.credit, name="credit"),
    path(f"{P}hours/<int:pk>/points/", views.points, name="points"),
    path(f"{P}residents/<int:pk>/certificate/", views.issue, name="issue"),
    path(f"{P}points/rules/", views.rules, name="rules"),
    path(f"{P}points/rewards/", views.rewards, name="rewards"),
]
