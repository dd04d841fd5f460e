"""Reads shared by the pages and the API."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from peiban.core.models import ApiToken


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk).order_by("revoked_at", "-created_at")


def get_token_for_user(user: User, pk: int) -> ApiToken:
    return get_object_or_404(ApiToken, pk=pk, user_id=user.pk)
