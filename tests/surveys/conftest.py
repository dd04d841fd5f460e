from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from peiban.places.models import Building, Dwelling, Household
from peiban.surveys.models import Form
from peiban.surveys.questionnaires import needs_xlsform
from peiban.surveys.services import form_import
from peiban.surveys.xlsform import read_xlsform
from tests.conftest import World


@pytest.fixture
def needs_form(world: World) -> Form:
    parsed = read_xlsform(needs_xlsform())
    return form_import(community=world.community, parsed=parsed, actor=world.staff).form


@pytest.fixture
def dwellings(world: World) -> list[Dwelling]:
    """Two buildings, two units, four rooms each: 16 dwellings with one household each."""
    out = []
    for label in ("1", "2"):
        building = Building.objects.create(community=world.community, label=label)
        for unit in ("1", "2"):
            for room in ("101", "102", "201", "202"):
                dwelling = Dwelling.objects.create(
                    community=world.community, building=building, unit=unit, room=room
                )
                Household.objects.create(community=world.community, dwelling=dwelling)
                out.append(dwelling)
    return out


def good_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "household_size": "3",
        "has_elderly": "yes",
        "elderly_count": "1",
        "has_children": "no",
        "tenure": "owner",
        "sat_security": "4",
        "sat_property": "2",
        "sat_environment": "3",
        "sat_parking": "1",
        "sat_neighbours": "5",
        "needs": "elderly_care health",
        "volunteer": "maybe",
        "skills": "teaching",
        "belonging": "7",
        "comments": "楼道灯坏了",
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Services' messages are asserted in English (the catalogue translates them for people)."""
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(settings: Any) -> None:
    """Pages read in English, for tests that assert English page text (a request without a
    language gets LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"
