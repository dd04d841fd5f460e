"""The registry: communities (小区), buildings (栋), dwellings (户), households, residents.

Units (单元) are a label on the dwelling rather than a table: nothing is recorded about a unit
itself, and the building grid groups dwellings by it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peiban.core.fields import EncryptedTextField
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


class PartnerKind(models.TextChoices):
    STREET_OFFICE = "street_office", _("Street office")
    COMMUNITY_COMMITTEE = "community_committee", _("Community committee")
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    OTHER = "other", _("Other partner")


class Partner(models.Model):
    """A body the NGO works with in a community: street office, committee, property company."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="partners", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=PartnerKind.choices)
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering: ClassVar = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("community")
    )
    label = models.CharField(_("building"), max_length=20, help_text=_("As in 3 for 3栋."))
    sort_key = models.CharField(max_length=40, db_index=True, editable=False)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering: ClassVar = ["sort_key"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "label"], name="building_unique_label")
        ]

    def __str__(self) -> str:
        return f"{self.label}栋"

    def save(self, *args: object, **kwargs: object) -> None:
        self.sort_key = natural_sort_key(self.label)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def natural_sort_key(label: str) -> str:
    """Sort 2 before 10 and A2 before A10: pad every run of digits."""
    out, digits = [], ""
    for char in label + "\0":
        if char.isdigit():
            digits += char
            continue
        if digits:
            out.append(digits.zfill(8))
            digits = ""
        if char != "\0":
            out.append(char)
    return "".join(out)[:40]


class AreaSource(models.TextChoices):
    REGISTRY = "registry", _("Property registry")
    SURVEY = "survey", _("Survey")
    CONTRACT = "contract", _("Sale contract")


class DwellingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    CONVERTED = "converted", _("Residential turned commercial")


class Dwelling(models.Model):
    """One home (户): a room in a unit of a building, with its exclusive floor area."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("community")
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("building")
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    # Civil Code Art. 278 counting: registry area, else surveyed, else contract area.
    area_registry = models.DecimalField(
        _("registered area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    area_survey = models.DecimalField(
        _("surveyed area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    area_contract = models.DecimalField(
        _("contract area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    use = models.CharField(
        _("use"), max_length=16, choices=DwellingUse.choices, default=DwellingUse.RESIDENTIAL
    )
    developer_held = models.BooleanField(
        _("held by the developer"),
        default=False,
        help_text=_("Not sold or not delivered: all such dwellings count as one owner together."),
    )
    owners: models.ManyToManyField[Resident, Ownership] = models.ManyToManyField(
        "Resident", through="Ownership", related_name="owned_dwellings", verbose_name=_("owners")
    )

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering: ClassVar = ["building__sort_key", "unit", "floor", "room"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="dwelling_unique_room"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["community", "building"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building.label}栋{unit}{self.room}室"

    @property
    def area(self) -> Decimal | None:
        for value in (self.area_registry, self.area_survey, self.area_contract):
            if value is not None:
                return value
        return None

    @property
    def area_source(self) -> str:
        for value, source in (
            (self.area_registry, AreaSource.REGISTRY),
            (self.area_survey, AreaSource.SURVEY),
            (self.area_contract, AreaSource.CONTRACT),
        ):
            if value is not None:
                return str(source)
        return ""


class Household(models.Model):
    """The people who live together in a dwelling (家庭)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="households", verbose_name=_("community")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.CASCADE, related_name="households", verbose_name=_("dwelling")
    )
    elderly = models.BooleanField(_("elderly members"), default=False)
    children = models.BooleanField(_("children"), default=False)
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.dwelling_id}"


class ResidentKind(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")
    OTHER = "other", _("Other")


class Resident(models.Model):
    """A person of the community: an owner, tenant or family member (居民)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="residents", verbose_name=_("community")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
        verbose_name=_("account"),
    )
    name = models.CharField(
        _("name"), max_length=50, help_text=_("Or a form of address, as 彭女士.")
    )
    kind = models.CharField(
        _("owner, tenant or family"), max_length=16, choices=ResidentKind.choices, blank=True
    )
    relation = models.CharField(_("relation to the household"), max_length=30, blank=True)
    lives_here = models.BooleanField(_("lives in the community"), default=True)
    owner_number = models.CharField(
        _("owner number"),
        max_length=40,
        blank=True,
        help_text=_("The same number on several dwellings marks one buyer holding them all."),
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_last4_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    years_lived = models.PositiveSmallIntegerField(_("years lived here"), null=True, blank=True)
    skills = models.JSONField(_("skills and specialities"), default=list, blank=True)
    time_offered = models.CharField(_("time they can give"), max_length=200, blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Sensitive (PIPL Art. 28; treated so by Peiban): kept only with a separate consent.
    party_member = models.BooleanField(_("Party member"), null=True, blank=True)
    sensitive_note = EncryptedTextField(_("sensitive note"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering: ClassVar = ["name", "id"]
        indexes: ClassVar = [models.Index(fields=["community", "name"])]

    def __str__(self) -> str:
        return self.name


class Ownership(models.Model):
    """An owner of a dwelling; co-owners are several rows for one dwelling."""

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("dwelling")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("owner")
    )

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["dwelling", "resident"], name="ownership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} → {self.dwelling_id}"


class PublicSpace(models.Model):
    """A shared place of the community: a square, a corridor, a reception room, a garden."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="public_spaces",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    usable_for_activities = models.BooleanField(_("usable for activities"), default=False)

    class Meta:
        verbose_name = _("public space")
        verbose_name_plural = _("public spaces")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["community", "name"], name="public_space_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
