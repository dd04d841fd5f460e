"""The demo project: the demo compound's purchase of services with targets and a year of work."""

from __future__ import annotations

from peiban.core.demo import DEMO_LOADERS, DemoWorld
from peiban.indicators.demo import PROJECT_NAME, TARGETS, demo_load
from peiban.indicators.models import Project, TimeLog
from peiban.indicators.portfolio import project_progress


def test_it_is_listed_after_the_activities() -> None:
    assert DEMO_LOADERS.index("peiban.indicators.demo.demo_load") > DEMO_LOADERS.index(
        "peiban.activities.demo.demo_load"
    )


def test_the_demo_project_shows_a_year_of_progress(demo: DemoWorld) -> None:
    project = Project.objects.get(name=PROJECT_NAME)
    assert set(project.targets.values_list("indicator", flat=True)) == set(TARGETS)
    assert TimeLog.objects.filter(project=project).count() == 52
    progress = {p.row.key: (p.row, p.reached) for p in project_progress(project)}
    row, reached = progress["activities_held"]
    assert row.value is not None
    assert row.value > 0
    assert reached is not None
    assert progress["self_organisations"][0].measured  # the groups area provides it
    messages: list[str] = []
    demo_load(world=demo, progress=messages.append)  # idempotent
    assert Project.objects.filter(name=PROJECT_NAME).count() == 1
    assert messages
