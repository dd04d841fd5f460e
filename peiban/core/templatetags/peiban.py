from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from peiban.core.names import user_display_name

register = template.Library()


@register.filter
def display_name(user: AbstractBaseUser | AnonymousUser) -> str:
    return user_display_name(user)
