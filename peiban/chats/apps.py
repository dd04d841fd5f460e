from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    name = "peiban.chats"
    label = "chats"
    verbose_name = _("Group chats")
