"""The audit log is append-only."""

from __future__ import annotations

import pytest

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_it_refuses_to_change_or_delete_an_entry(world: World) -> None:
    entry = audit_record(actor=world.staff, action=AuditAction.VIEW, subject=world.community)
    assert entry.subject_type == "places.community"
    assert entry.subject_id == str(world.community.pk)
    entry.reason = "tamper"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
