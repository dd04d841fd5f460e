from __future__ import annotations

from typing import Any

import pytest

from peiban.needs.services import categories_ensure
from tests.conftest import Registry, World


@pytest.fixture
def category(world: World) -> Any:
    return next(c for c in categories_ensure(world.organisation) if c.name == "邻里关系")


@pytest.fixture
def linked(world: World, registry: Registry) -> Registry:
    """Link the resident persona's account to the registry's resident 张伟."""
    registry.resident.user = world.resident
    registry.resident.save(update_fields=["user"])
    return registry


@pytest.fixture(autouse=True)
def _english_messages() -> Any:
    """Service messages are asserted in English whatever an earlier test activated."""
    from django.utils import translation

    with translation.override("en"):
        yield
