from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "peiban.groups"
    label = "groups"
    verbose_name = _("Self-organisations and micro-projects")
