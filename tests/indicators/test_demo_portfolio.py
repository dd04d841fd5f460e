"""The demo project covers the demo compound's records: its themed activities, trainings and
services, the needs raised in its year, and the self-organisations (loaded after the groups)."""

from __future__ import annotations

from peiban.activities.models import Activity
from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.groups.demo import demo_load as groups_demo_load
from peiban.groups.models import SelfOrganisation
from peiban.indicators.demo import COVERED_ACTIVITIES, PROJECT_NAME
from peiban.indicators.demo import demo_load as indicators_demo_load
from peiban.indicators.models import Project
from peiban.indicators.portfolio import project_period, project_progress
from peiban.needs.models import Need


def test_the_demo_project_is_loaded_after_every_area_it_covers() -> None:
    assert DEMO_LOADERS[-1] == "peiban.indicators.demo.demo_load"


def test_the_demo_project_covers_the_compounds_records(demo: DemoWorld) -> None:
    # The `demo` fixture loaded the project before the groups: load them, then the project again.
    Project.objects.filter(name=PROJECT_NAME).delete()
    groups_demo_load(world=demo, progress=lambda _message: None)
    indicators_demo_load(world=demo, progress=lambda _message: None)
    project = Project.objects.get(name=PROJECT_NAME)
    since, until = project_period(project)
    activities = Activity.objects.filter(
        community=demo.community,
        kind__in=COVERED_ACTIVITIES,
        starts_at__gte=since,
        starts_at__lt=until,
    )
    needs = Need.objects.filter(community=demo.community, raised_at__gte=since, raised_at__lt=until)
    assert set(project.activities.all()) == set(activities)
    assert set(project.needs.all()) == set(needs)
    groups = SelfOrganisation.objects.filter(community=demo.community)
    assert groups.exists()
    assert set(project.self_organisations.all()) == set(groups)
    progress = {p.row.key: p for p in project_progress(project)}
    held = activities.filter(cancelled_at__isnull=True).count()
    assert progress["activities_held"].from_linked
    assert progress["activities_held"].row.value == held
    assert progress["needs_raised"].row.value == needs.count()
    assert progress["self_organisations"].from_linked
    assert not progress["volunteer_hours"].from_linked
