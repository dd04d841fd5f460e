"""The demo needs survey: one response per answering dwelling, visit outcomes for the rest."""

from __future__ import annotations

import pytest

from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.core.models import Role
from peiban.places.demo import demo_load as places_demo_load
from peiban.places.models import Dwelling
from peiban.surveys.demo import ANSWER_RATE, RECOMMENDATIONS, VISIT_DAYS, demo_load
from peiban.surveys.models import Form, Response, Visit
from peiban.surveys.selectors import survey_summary
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(world: World) -> DemoWorld:
    demo_world = DemoWorld(
        organisation=world.organisation,
        community=world.community,
        users={Role.STAFF: world.staff},
    )
    places_demo_load(world=demo_world, progress=lambda _message: None)  # DEMO_BUILDINGS = 2
    demo_load(world=demo_world, progress=lambda _message: None)
    return demo_world


def test_it_is_listed_after_the_registry() -> None:
    assert DEMO_LOADERS.index("peiban.surveys.demo.demo_load") > DEMO_LOADERS.index(
        "peiban.places.demo.demo_load"
    )


def test_the_demo_survey_covers_the_compound(loaded: DemoWorld) -> None:
    dwellings = Dwelling.objects.filter(community=loaded.community).count()
    form = Form.objects.get(community=loaded.community, id_string="peiban_needs")
    responses = Response.objects.filter(form=form)
    assert responses.count() == round(dwellings * ANSWER_RATE)
    assert responses.filter(dwelling__isnull=True).count() == 0
    assert Visit.objects.filter(wave__form=form).count() == dwellings
    summary = survey_summary(form)
    assert summary["responses"] == responses.count()
    parking = summary["questions"]["sat_parking"]["counts"]
    security = summary["questions"]["sat_security"]["counts"]
    assert parking["1"] + parking["2"] > security["1"] + security["2"]
    party = Form.objects.get(community=loaded.community, id_string="peiban_party")
    assert party.sensitive


def test_the_demo_visits_took_two_weeks_and_gave_eight_recommendations(
    loaded: DemoWorld,
) -> None:
    form = Form.objects.get(community=loaded.community, id_string="peiban_needs")
    visits = Visit.objects.filter(wave__form=form)
    assert not visits.filter(visited_at__isnull=True).exists()
    first = min(v.visited_at for v in visits if v.visited_at)
    last = max(v.visited_at for v in visits if v.visited_at)
    assert (last - first).days < VISIT_DAYS
    answered = Response.objects.filter(form=form)
    assert not answered.filter(submitted_at__isnull=True).exists()
    # Each response was submitted at its household's visit.
    for response in answered.select_related("dwelling")[:50]:
        visit = visits.get(dwelling=response.dwelling)
        assert visit.visited_at == response.submitted_at
    recommendations = list(form.recommendations.all())
    assert [r.priority for r in recommendations] == list(range(1, len(RECOMMENDATIONS) + 1))
    assert len(recommendations) == 8
    assert all(r.questions or "再次走访" in r.title for r in recommendations)


def test_loading_twice_changes_nothing(loaded: DemoWorld) -> None:
    before = Response.objects.count()
    messages: list[str] = []
    demo_load(world=loaded, progress=messages.append)
    assert Response.objects.count() == before
    assert "already" in messages[0]
