"""Shared fixtures of the chats tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Services' messages are asserted in English (the catalogue translates them for people)."""
    with translation.override("en"):
        yield
