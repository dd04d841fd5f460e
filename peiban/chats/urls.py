from django.urls import path

from peiban.chats import views

app_name = "chats"

urlpatterns = [
    path("c/<slug:community>/chats/", views.intake, name="intake"),
    path("c/<slug:community>/chats/demo.txt", views.demo_text, name="demo-text"),
    path("c/<slug:community>/chats/proposals/", views.proposals, name="proposals"),
    path("c/<slug:community>/chats/proposals/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("c/<slug:community>/chats/proposals/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("c/<slug:community>/chats/model/", views.model_quality, name="model"),
    path("c/<slug:community>/chats/model/train/", views.model_train, name="train"),
    path("c/<slug:community>/chats/alerts/", views.alerts, name="alerts"),
    path("c/<slug:community>/chats/needs/<int:pk>/", views.need_messages, name="need-messages"),
    path("c/<slug:community>/chats/groups/", views.channels, name="channels"),
    path("c/<slug:community>/chats/groups/new/", views.channel_add, name="channel-add"),
    path("c/<slug:community>/chats/groups/<int:pk>/", views.channel_edit, name="channel-edit"),
    path(
        "c/<slug:community>/chats/groups/<int:pk>/close/",
        views.channel_close_view,
        name="channel-close",
    ),
]
