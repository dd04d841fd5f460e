"""Writes of the indicators area: method thresholds, projects and their targets, time logs.

Each service checks its input, writes in one transaction and leaves an audit entry. Errors are
ProjectError with a whole sentence for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction, Organisation
from peiban.indicators.definitions import BY_KEY
from peiban.indicators.models import MethodThresholds, Project, ProjectTarget, TimeLog
from peiban.indicators.portfolio import KINDS
from peiban.places.models import Community

THRESHOLD_FIELDS = (
    "survey_coverage_percent",
    "needs_recorded",
    "leaders_known",
    "themed_activities",
    "regular_participants",
    "coach_ratio_percent",
    "resident_organised_activities",
    "council_decisions_verified",
)


class ProjectError(ValueError):
    """A write the rules refuse; the message is a sentence for people."""


@transaction.atomic
def thresholds_update(
    *, organisation: Organisation, values: Mapping[str, int], actor: User | None
) -> MethodThresholds:
    row, _created = MethodThresholds.objects.get_or_create(organisation=organisation)
    changed = {}
    for name in THRESHOLD_FIELDS:
        if name in values:
            value = int(values[name])
            if value < 0 or (name.endswith("_percent") and value > 100):
                raise ProjectError(
                    _("A threshold is a whole number from 0 (100 for a percentage).")
                )
            setattr(row, name, value)
            changed[name] = value
    row.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=row,
        organisation=organisation,
        detail=changed,
    )
    return row


def _targets(targets: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    clean: dict[str, Decimal] = {}
    for key, raw in targets.items():
        if key not in BY_KEY:
            raise ProjectError(_("There is no indicator “%(key)s”.") % {"key": key})
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ProjectError(
                _("The target for “%(key)s” is not a number.") % {"key": key}
            ) from None
        if not value.is_finite() or value < 0:
            raise ProjectError(_("The target for “%(key)s” is not a number.") % {"key": key})
        clean[key] = value
    return clean


@transaction.atomic
def project_create(
    *,
    organisation: Organisation,
    name: str,
    starts_on: date,
    ends_on: date,
    communities: Iterable[Community],
    targets: Mapping[str, Decimal | int | str],
    funder: str = "",
    contract_number: str = "",
    actor: User | None,
) -> Project:
    """A project of the organisation over its own communities, with contract targets."""
    chosen = list(communities)
    if not name.strip():
        raise ProjectError(_("A project needs a name."))
    if ends_on < starts_on:
        raise ProjectError(_("The project ends before it starts."))
    if not chosen:
        raise ProjectError(_("Choose at least one community the project covers."))
    if any(c.organisation_id != organisation.pk for c in chosen):
        raise ProjectError(_("A project covers only the organisation's own communities."))
    clean = _targets(targets)
    project = Project.objects.create(
        organisation=organisation,
        name=name.strip()[:200],
        funder=funder.strip()[:200],
        contract_number=contract_number.strip()[:64],
        starts_on=starts_on,
        ends_on=ends_on,
    )
    project.communities.set(chosen)
    ProjectTarget.objects.bulk_create(
        ProjectTarget(project=project, indicator=key, target=value) for key, value in clean.items()
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=project,
        organisation=organisation,
        detail={"targets": {k: str(v) for k, v in clean.items()}},
    )
    return project


@transaction.atomic
def project_link(*, project: Project, other: Project, actor: User | None) -> None:
    """Mark two projects of one organisation as sharing people and effort."""
    if other.organisation_id != project.organisation_id or other.pk == project.pk:
        raise ProjectError(_("Only two different projects of one organisation can be linked."))
    project.linked.add(other)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        organisation=project.organisation,
        detail={"linked": other.pk},
    )


@transaction.atomic
def project_unlink(*, project: Project, other: Project, actor: User | None) -> None:
    """The two projects no longer share people and effort."""
    if other.organisation_id != project.organisation_id:
        raise ProjectError(_("Only two different projects of one organisation can be linked."))
    project.linked.remove(other)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        organisation=project.organisation,
        detail={"unlinked": other.pk},
    )


def _coverable(project: Project, community: Community, kind: str, record: Any) -> None:
    if kind not in KINDS:
        raise ProjectError(_("A project covers needs, recommendations, activities and groups."))
    if not project.communities.filter(pk=community.pk).exists():
        raise ProjectError(_("The project does not cover this community."))
    owner = record.form.community_id if kind == "recommendations" else record.community_id
    if owner != community.pk:
        raise ProjectError(_("A project covers only records of its own communities."))


@transaction.atomic
def project_cover(
    *, project: Project, community: Community, kind: str, record: Any, actor: User | None
) -> None:
    """Link a need, recommendation, activity or self-organisation of one of the project's
    communities to the project (its targets about that kind then count the linked records)."""
    _coverable(project, community, kind, record)
    getattr(project, kind).add(record)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        organisation=project.organisation,
        detail={"covers": kind, "record": record.pk, "community": community.pk},
    )


@transaction.atomic
def project_uncover(
    *, project: Project, community: Community, kind: str, record: Any, actor: User | None
) -> None:
    """The project no longer covers the record."""
    _coverable(project, community, kind, record)
    getattr(project, kind).remove(record)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=project,
        organisation=project.organisation,
        detail={"uncovers": kind, "record": record.pk, "community": community.pk},
    )


@transaction.atomic
def time_log_add(
    *,
    project: Project,
    community: Community,
    user: User,
    day: date,
    hours: Decimal,
    note: str = "",
    actor: User | None,
) -> TimeLog:
    """Staff time on a project in one of the communities it covers, within its dates."""
    if not project.communities.filter(pk=community.pk).exists():
        raise ProjectError(_("The project does not cover this community."))
    if not project.starts_on <= day <= project.ends_on:
        raise ProjectError(_("The day is outside the project's dates."))
    if not Decimal("0.25") <= hours <= Decimal(24):
        raise ProjectError(_("Log between a quarter of an hour and 24 hours for one day."))
    entry = TimeLog.objects.create(
        project=project,
        community=community,
        user=user,
        day=day,
        hours=hours.quantize(Decimal("0.01")),
        note=note.strip()[:300],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=entry,
        organisation=project.organisation,
        detail={"hours": str(entry.hours), "community": community.pk},
    )
    return entry
