"""Communities (小区) and, as the registry grows, the places and people in them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation


class Community(models.Model):
    """A residential compound (小区) that an organisation accompanies."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    grid_code = models.CharField(_("grid code"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name
