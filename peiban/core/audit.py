"""The append-only audit log: every write, export and unmasking leaves an entry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from peiban.core.models import AuditAction, AuditEntry, Organisation


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: AuditAction,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str = "",
    organisation: Organisation | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or str(subject.pk)
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor if isinstance(actor, User) else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason[:300],
        detail=detail or {},
    )
