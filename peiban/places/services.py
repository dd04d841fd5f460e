"""Writes to the community registry. Every write leaves an audit entry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.crypto import lookup_hash, normalise_id_number, normalise_phone, phone_last4
from peiban.core.exports import workbook_bytes
from peiban.core.masking import mask_id_number, mask_phone
from peiban.core.models import AuditAction, Membership, Organisation, Role
from peiban.places.addresses import Address, AddressError, make_address, parse_address
from peiban.places.models import (
    AreaSource,
    Building,
    Community,
    Dwelling,
    DwellingUse,
    Household,
    Ownership,
    Resident,
    ResidentKind,
)
from peiban.places.roster import Rejection, RosterReading, RosterRow


class RegistryError(ValueError):
    """A write the registry refuses; the message is for people."""


def _unique_slug(model: type[Organisation] | type[Community], wanted: str, fallback: str) -> str:
    base = slugify(wanted) or fallback
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organisation_create(*, name: str, slug: str = "", actor: User | None = None) -> Organisation:
    name = name.strip()
    if not name:
        raise RegistryError("An organisation needs a name.")
    if slug and Organisation.objects.filter(slug=slug).exists():
        raise RegistryError(f"The short name {slug!r} is taken.")
    organisation = Organisation.objects.create(
        name=name, slug=slug or _unique_slug(Organisation, name, "org")
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, subject=organisation, organisation=organisation
    )
    return organisation


@transaction.atomic
def community_create(
    *,
    organisation: Organisation,
    name: str,
    slug: str = "",
    city: str = "",
    grid_code: str = "",
    actor: User | None = None,
) -> Community:
    name = name.strip()
    if not name:
        raise RegistryError("A community needs a name.")
    if slug and Community.objects.filter(slug=slug).exists():
        raise RegistryError(f"The short name {slug!r} is taken.")
    community = Community.objects.create(
        organisation=organisation,
        name=name,
        slug=slug or _unique_slug(Community, name, "community"),
        city=city,
        grid_code=grid_code,
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, subject=community, organisation=organisation
    )
    return community


def contact_hashes(*, phone: str, id_number: str) -> dict[str, str]:
    """The keyed hashes that let staff search and de-duplicate without the clear values."""
    phone_digits = normalise_phone(phone) if phone else ""
    id_clean = normalise_id_number(id_number) if id_number else ""
    return {
        "phone_hash": lookup_hash(phone_digits, kind="phone") if phone_digits else "",
        "phone_last4_hash": (
            lookup_hash(phone_last4(phone_digits), kind="phone_last4")
            if len(phone_digits) >= 4
            else ""
        ),
        "id_number_hash": lookup_hash(id_clean, kind="id_number") if id_clean else "",
    }


def resident_set_contact(resident: Resident, *, phone: str, id_number: str) -> None:
    """Set phone and ID number with their lookup hashes (the caller saves)."""
    resident.phone = normalise_phone(phone) if phone else ""
    resident.id_number = normalise_id_number(id_number) if id_number else ""
    for name, value in contact_hashes(phone=phone, id_number=id_number).items():
        setattr(resident, name, value)


# --- Roster import ------------------------------------------------------------------------------

HOUSEHOLD_TAGS = {
    "elderly": ("老人", "老年", "高龄", "空巢"),
    "children": ("儿童", "小孩", "孩子", "未成年", "学生"),
    "lives_alone": ("独居",),
}


@dataclass
class RosterResult:
    dwellings_created: int = 0
    dwellings_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    owners: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "dwellings_created": self.dwellings_created,
            "dwellings_updated": self.dwellings_updated,
            "residents_created": self.residents_created,
            "residents_updated": self.residents_updated,
            "owners": self.owners,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "written": self.written,
        }


class RosterRejected(RegistryError):
    """The roster has rejected rows and the import is all or nothing: nothing was written."""

    def __init__(self, result: RosterResult) -> None:
        super().__init__(
            f"{len(result.rejected)} row(s) of the roster have problems; nothing was imported."
        )
        self.result = result


def _address(row: RosterRow) -> Address:
    if row.building or row.room:
        return make_address(building=row.building, unit=row.unit, room=row.room)
    return parse_address(row.address)


AREA_FIELDS = {
    AreaSource.REGISTRY: "area_registry",
    AreaSource.SURVEY: "area_survey",
    AreaSource.CONTRACT: "area_contract",
}
USES = {
    "residential": DwellingUse.RESIDENTIAL,
    "commercial": DwellingUse.COMMERCIAL,
    "converted": DwellingUse.CONVERTED,
}
KINDS = {"owner": ResidentKind.OWNER, "tenant": ResidentKind.TENANT, "family": ResidentKind.FAMILY}


def roster_check(reading: RosterReading) -> tuple[list[tuple[RosterRow, Address]], list[Rejection]]:
    """Normalise every address; rows whose address cannot be read are rejected."""
    rows: list[tuple[RosterRow, Address]] = []
    rejected = list(reading.rejected)
    for row in reading.rows:
        try:
            rows.append((row, _address(row)))
        except AddressError as error:
            rejected.append(Rejection(row=row.row, reason=f"address: {error}"))
    rejected.sort(key=lambda r: r.row)
    return rows, rejected


def roster_import(
    *,
    community: Community,
    reading: RosterReading,
    actor: User | None,
    partial: bool = False,
    dry_run: bool = False,
) -> RosterResult:
    """Import a roster: all or nothing unless `partial`; importing again updates, never duplicates.

    Dwellings are matched on building, unit and room; residents on dwelling and name.
    With `dry_run` the counts are computed and everything is rolled back (the upload preview).
    """
    rows, rejected = roster_check(reading)
    result = RosterResult(rejected=rejected)
    if rejected and not partial and not dry_run:
        raise RosterRejected(result)
    try:
        with transaction.atomic():
            _roster_write(community=community, rows=rows, result=result)
            if dry_run:
                raise _Rollback
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                subject=community,
                organisation=community.organisation,
                reason="roster import",
                detail={k: v for k, v in result.as_dict().items() if k != "rejected"}
                | {"rejected": len(result.rejected)},
            )
    except _Rollback:
        return result
    except IntegrityError as error:  # pragma: no cover - guarded by the matching above
        raise RegistryError(f"The roster could not be saved: {error}") from None
    result.written = True
    return result


class _Rollback(Exception):
    pass


def _roster_write(
    *, community: Community, rows: list[tuple[RosterRow, Address]], result: RosterResult
) -> None:
    buildings = {b.label: b for b in Building.objects.filter(community=community)}
    for label in sorted({address.building for _row, address in rows} - buildings.keys()):
        building = Building(community=community, label=label)
        building.save()
        buildings[label] = building

    dwellings = {
        (d.building_id, d.unit, d.room): d for d in Dwelling.objects.filter(community=community)
    }
    touched: dict[int, Dwelling] = {}
    before: dict[int, tuple[object, ...]] = {}
    new_dwellings: dict[tuple[int, str, str], Dwelling] = {}
    for row, address in rows:
        building = buildings[address.building]
        key = (building.pk, address.unit, address.room)
        dwelling = dwellings.get(key) or new_dwellings.get(key)
        if dwelling is None:
            dwelling = Dwelling(
                community=community, building=building, unit=address.unit, room=address.room
            )
            new_dwellings[key] = dwelling
        elif dwelling.pk is not None and dwelling.pk not in touched:
            touched[dwelling.pk] = dwelling
            before[dwelling.pk] = _values(dwelling, DWELLING_FIELDS)
        if row.floor is not None:
            dwelling.floor = row.floor
        elif dwelling.floor is None:
            dwelling.floor = _floor_from_room(address.room)
        if row.area is not None:
            setattr(
                dwelling,
                AREA_FIELDS.get(AreaSource(row.area_source or "registry"), "area_registry"),
                row.area,
            )
        if row.use:
            dwelling.use = USES.get(row.use, DwellingUse.RESIDENTIAL)
        if row.unsold:
            dwelling.developer_held = True
    Dwelling.objects.bulk_create(list(new_dwellings.values()))
    changed = [d for pk, d in touched.items() if _values(d, DWELLING_FIELDS) != before[pk]]
    if changed:
        Dwelling.objects.bulk_update(changed, DWELLING_FIELDS, batch_size=500)
    result.dwellings_created = len(new_dwellings)
    result.dwellings_updated = len(touched)
    dwellings.update(new_dwellings)

    _roster_people(
        community=community, rows=rows, buildings=buildings, dwellings=dwellings, result=result
    )


DWELLING_FIELDS = [
    "floor",
    "area_registry",
    "area_survey",
    "area_contract",
    "use",
    "developer_held",
]
RESIDENT_FIELDS = [
    "kind",
    "relation",
    "phone",
    "phone_hash",
    "phone_last4_hash",
    "id_number",
    "id_number_hash",
    "owner_number",
    "years_lived",
    "tags",
]


def _values(instance: object, fields: list[str]) -> tuple[object, ...]:
    return tuple(getattr(instance, name) for name in fields)


def _floor_from_room(room: str) -> int | None:
    digits = room.split("-")[0]
    if digits.isdigit() and len(digits) >= 3:
        return int(digits[:-2])
    return None


def _roster_people(
    *,
    community: Community,
    rows: list[tuple[RosterRow, Address]],
    buildings: dict[str, Building],
    dwellings: dict[tuple[int, str, str], Dwelling],
    result: RosterResult,
) -> None:
    people = [(row, address) for row, address in rows if row.name]
    if not people:
        return
    households = {h.dwelling_id: h for h in Household.objects.filter(community=community)}
    residents = {
        (r.household.dwelling_id if r.household else None, r.name): r
        for r in Resident.objects.filter(community=community).select_related("household")
    }
    # One buyer holding several dwellings is one person: the owner number says so.
    by_owner_number = {r.owner_number: r for r in residents.values() if r.owner_number}
    owned = {
        (o.dwelling_id, o.resident_id)
        for o in Ownership.objects.filter(dwelling__community=community)
    }
    new_households: list[Household] = []
    household_flags: dict[int, set[str]] = defaultdict(set)
    created: dict[tuple[int | None, str], Resident] = {}
    updated: dict[int, Resident] = {}
    resident_before: dict[int, tuple[object, ...]] = {}
    ownerships: list[tuple[Dwelling, Resident]] = []
    for row, address in people:
        dwelling = dwellings[(buildings[address.building].pk, address.unit, address.room)]
        key = (dwelling.pk, row.name)
        resident = by_owner_number.get(row.owner_number) if row.owner_number else None
        resident = resident or residents.get(key) or created.get(key)
        if resident is None:
            household = households.get(dwelling.pk)
            if household is None:
                household = Household(community=community, dwelling=dwelling)
                households[dwelling.pk] = household
                new_households.append(household)
            resident = Resident(community=community, household=household, name=row.name)
            created[key] = resident
        elif resident.pk is not None and resident.pk not in updated:
            updated[resident.pk] = resident
            resident_before[resident.pk] = _values(resident, RESIDENT_FIELDS)
        if row.owner_number:
            by_owner_number[row.owner_number] = resident
        if row.relation:
            resident.kind = KINDS[row.relation]
        resident.relation = row.relation_text or resident.relation
        if row.phone or row.id_number:
            resident_set_contact(
                resident,
                phone=row.phone or resident.phone,
                id_number=row.id_number or resident.id_number,
            )
        if row.owner_number:
            resident.owner_number = row.owner_number
        if row.years is not None:
            resident.years_lived = row.years
        if row.tags:
            resident.tags = sorted(set(resident.tags) | set(row.tags))
            for flag, words in HOUSEHOLD_TAGS.items():
                if dwelling.pk in households and any(
                    word in tag for tag in row.tags for word in words
                ):
                    household_flags[dwelling.pk].add(flag)
        if row.relation == "owner":
            ownerships.append((dwelling, resident))
    Household.objects.bulk_create(new_households)
    Resident.objects.bulk_create(list(created.values()), batch_size=500)
    # Only rows whose values changed are written: re-importing an unchanged roster is cheap.
    now = timezone.now()
    changed = [r for pk, r in updated.items() if _values(r, RESIDENT_FIELDS) != resident_before[pk]]
    for resident in changed:
        resident.updated_at = now
    if changed:
        Resident.objects.bulk_update(changed, [*RESIDENT_FIELDS, "updated_at"], batch_size=500)
    new_ownerships = []
    owners: set[int] = set()
    for dwelling, resident in ownerships:
        owners.add(resident.pk)
        if (dwelling.pk, resident.pk) not in owned:
            owned.add((dwelling.pk, resident.pk))
            new_ownerships.append(Ownership(dwelling=dwelling, resident=resident))
    Ownership.objects.bulk_create(new_ownerships)
    flagged = []
    for dwelling_id, flags in household_flags.items():
        household = households[dwelling_id]
        if all(getattr(household, flag) for flag in flags):
            continue
        for flag in flags:
            setattr(household, flag, True)
        flagged.append(household)
    if flagged:
        Household.objects.bulk_update(
            flagged, ["elderly", "children", "lives_alone"], batch_size=500
        )
    result.residents_created = len(created)
    result.residents_updated = len(updated)
    result.owners = len(owners)


def residents_workbook(*, community: Community, actor: User, full: bool) -> bytes:
    """The community's residents as Excel; phone and ID masked unless `full`. Always logged."""
    residents = (
        Resident.objects.filter(community=community, anonymised_at__isnull=True)
        .select_related("household__dwelling__building")
        .order_by("household__dwelling__building__sort_key", "household__dwelling__room", "name")
    )

    def rows() -> Iterator[list[object]]:
        for r in residents.iterator(chunk_size=1000):
            dwelling = r.household.dwelling if r.household else None
            yield [
                dwelling.building.label if dwelling else "",
                dwelling.unit if dwelling else "",
                dwelling.room if dwelling else "",
                r.name,
                r.get_kind_display() if r.kind else "",
                r.phone if full else mask_phone(r.phone),
                r.id_number if full else mask_id_number(r.id_number),
                "、".join(r.skills),
                "、".join(r.tags),
            ]

    header = ["栋", "单元", "房号", "姓名", "身份", "电话", "身份证号", "技能", "标签"]
    content = workbook_bytes([("居民", header, rows())])
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        subject=community,
        organisation=community.organisation,
        reason="resident list" + (" in full" if full else " (masked)"),
        detail={"format": "xlsx", "masked": not full},
    )
    return content


def resident_unmask(*, resident: Resident, actor: User, reason: str, via: str = "page") -> None:
    """Record that `actor` saw the resident's phone and ID number in full, and why."""
    audit_record(
        actor=actor,
        action=AuditAction.UNMASK,
        subject=resident,
        organisation=resident.community.organisation,
        reason=reason,
        detail={"fields": ["phone", "id_number"], "via": via},
    )


RESIDENT_ROLES = frozenset({Role.RESIDENT, Role.RESIDENT_LEADER})


def linkable_accounts(resident: Resident) -> list[User]:
    """Accounts of residents and leaders of this community not yet linked to anyone here."""
    community = resident.community
    taken = Resident.objects.filter(community=community, user__isnull=False).values("user_id")
    return list(
        User.objects.filter(
            memberships__organisation=community.organisation_id,
            memberships__role__in=RESIDENT_ROLES,
            memberships__communities=community,
            is_active=True,
        )
        .exclude(pk__in=taken)
        .order_by("username")
        .distinct()
    )


@transaction.atomic
def resident_link_account(*, resident: Resident, user: User | None, actor: User) -> Resident:
    """Link a resident's record to their own account (so they see their activities, hours and
    points), or unlink it with `user=None`. The account must belong to a resident or resident
    leader of this community, and may be linked to one resident here only."""
    resident = Resident.objects.select_for_update().select_related("community").get(pk=resident.pk)
    if user is not None:
        allowed = Membership.objects.filter(
            user=user,
            organisation=resident.community.organisation_id,
            role__in=RESIDENT_ROLES,
            communities=resident.community,
        ).exists()
        if not allowed:
            raise RegistryError(
                _("%(user)s is not a resident or resident leader of %(community)s.")
                % {"user": user.get_username(), "community": resident.community.name}
            )
        other = (
            Resident.objects.filter(community=resident.community, user=user)
            .exclude(pk=resident.pk)
            .first()
        )
        if other is not None:
            raise RegistryError(
                _("%(user)s is already linked to %(name)s.")
                % {"user": user.get_username(), "name": other.name}
            )
    before = resident.user.get_username() if resident.user else None
    resident.user = user
    resident.save(update_fields=["user", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=resident,
        organisation=resident.community.organisation,
        detail={"account": user.get_username() if user else None, "before": before},
    )
    return resident
