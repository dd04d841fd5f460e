"""Issue 10's figures: indicators of an organisation of 200 communities (queries and seconds),
the progress of a project over all of them with linked records, and the report of one
community-year as Word, PDF and Excel (the PDF twice: the first pays for reading the font)."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.runner import Figure, benchmark, measure, print_figures
from peiban.activities.models import Activity, Attendance, Feedback
from peiban.core.models import Organisation
from peiban.councils.models import Resolution, ResolutionStatus
from peiban.indicators.figures import indicators_for
from peiban.indicators.models import Project
from peiban.indicators.portfolio import project_progress
from peiban.indicators.progress import method_progress, thresholds_for
from peiban.indicators.reports import FORMATS, report_bytes, report_data
from peiban.indicators.services import project_create
from peiban.ledger.models import HourEntry
from peiban.needs.models import Action, Category, Need, StageChange
from peiban.places.models import Building, Community, Dwelling, Household, Resident

COMMUNITIES = 200
RESIDENTS = 150  # per community: 30,000 residents
ACTIVITIES = 40  # per community over the year: 8,000 activities
DECISIONS = 6  # per community: 1,200 council decisions, half checked by residents
START = datetime(2025, 1, 1, 9, tzinfo=UTC)


def _fill(community: Community, rng: random.Random, category: Category) -> None:
    building = Building.objects.create(community=community, label="1")
    dwellings = Dwelling.objects.bulk_create(
        Dwelling(community=community, building=building, unit="1", room=str(100 + i))
        for i in range(RESIDENTS // 2)
    )
    households = Household.objects.bulk_create(
        Household(community=community, dwelling=d) for d in dwellings
    )
    residents = Resident.objects.bulk_create(
        Resident(community=community, household=households[i // 2], name=f"居民{i}")
        for i in range(RESIDENTS)
    )
    activities = []
    for i in range(ACTIVITIES):
        at = START + timedelta(days=rng.randrange(0, 365))
        activities.append(
            Activity(
                community=community,
                title=f"活动{i}",
                kind="themed" if i % 10 == 0 else "interest_group",
                organiser_kind=rng.choice(["staff", "resident", "self_organisation"]),
                starts_at=at,
                ends_at=at + timedelta(hours=2),
            )
        )
    activities = Activity.objects.bulk_create(activities)
    attendance, feedback, hours = [], [], []
    for activity in activities:
        for resident in rng.sample(residents, rng.randrange(5, 30)):
            volunteer = rng.random() < 0.1
            attendance.append(
                Attendance(
                    activity=activity,
                    resident=resident,
                    checked_in_at=activity.starts_at,
                    volunteer=volunteer,
                )
            )
            if rng.random() < 0.3:
                feedback.append(
                    Feedback(activity=activity, resident=resident, rating=rng.randrange(1, 6))
                )
            if volunteer:
                hours.append(
                    HourEntry(
                        community=community,
                        resident=resident,
                        activity=activity,
                        service="服务",
                        started_at=activity.starts_at,
                        hours=Decimal(2),
                        kind="credit",
                        status="verified",
                    )
                )
    Attendance.objects.bulk_create(attendance)
    Feedback.objects.bulk_create(feedback)
    HourEntry.objects.bulk_create(hours)
    needs = Need.objects.bulk_create(
        Need(
            community=community,
            title=f"需求{i}",
            category=category,
            channel="visit",
            raised_at=START + timedelta(days=rng.randrange(0, 300)),
            stage_changed_at=START,
        )
        for i in range(15)
    )
    StageChange.objects.bulk_create(
        StageChange(
            need=need,
            from_stage="raised",
            to_stage="accompanied",
            at=need.raised_at + timedelta(days=3),
        )
        for need in needs
    )
    Action.objects.bulk_create(
        Action(
            need=need,
            kind="talk",
            taken_by=rng.choice(["resident", "staff"]),
            taken_at=need.raised_at + timedelta(days=1),
            description="谈话",
        )
        for need in needs
    )
    decisions = Resolution.objects.bulk_create(
        Resolution(
            community=community,
            action=f"决定{i}",
            responsible="议事会",
            due_on=date(2025, 12, 31),
            status=ResolutionStatus.VERIFIED if i % 2 == 0 else ResolutionStatus.IN_PROGRESS,
        )
        for i in range(DECISIONS)
    )
    for i, decision in enumerate(decisions):  # created_at is set on insert: date it in the year
        decided = START + timedelta(days=rng.randrange(0, 300))
        Resolution.objects.filter(pk=decision.pk).update(
            created_at=decided,
            verified_at=decided + timedelta(days=rng.randrange(5, 60)) if i % 2 == 0 else None,
        )


@benchmark("indicators")
def run() -> None:
    rng = random.Random(10)
    organisation = Organisation.objects.create(name="二百小区机构", slug="bench-indicators")
    category = Category.objects.create(organisation=organisation, name="安全/治安")
    communities = Community.objects.bulk_create(
        Community(organisation=organisation, name=f"小区{i}", slug=f"bench-ind-{i}")
        for i in range(COMMUNITIES)
    )
    for community in communities:
        _fill(community, rng, category)
    ids = [c.pk for c in communities]
    since, until = START, START + timedelta(days=365)
    figures: list[Figure] = []
    with measure("indicators, 200 communities", figures, attendance=Attendance.objects.count()):
        indicators_for(ids, since=since, until=until)
    with measure("method progress, 200 communities", figures):
        method_progress(ids, thresholds=thresholds_for(organisation), now=until)
    with measure("indicators, 1 community", figures):
        indicators_for(ids[:1], since=since, until=until)
    project = project_create(
        organisation=organisation,
        name="全市购买服务",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        communities=communities,
        targets={"activities_held": 4000, "person_times": 60000, "needs_raised": 1000},
        actor=None,
    )
    linked_activities = list(Activity.objects.filter(community__in=ids).order_by("pk"))[::4]
    linked_needs = list(Need.objects.filter(community__in=ids).order_by("pk"))[::3]
    project.activities.set(linked_activities)
    project.needs.set(linked_needs)
    with measure(
        "project progress, 200 communities",
        figures,
        linked=len(linked_activities) + len(linked_needs),
    ):
        project_progress(Project.objects.get(pk=project.pk))
    for fmt in (*FORMATS, "pdf"):
        name = f"report {fmt}, 1 community-year"
        again = name in {figure.name for figure in figures}
        with measure(f"{name}, again" if again else name, figures) as notes:
            data = report_data(
                communities[0], start=date(2025, 1, 1), end=date(2025, 12, 31), government=False
            )
            body = report_bytes(data, fmt)
            notes["kB"] = len(body) // 1024
            Path(tempfile.gettempdir(), f"bench-report.{fmt}").write_bytes(body)
    print_figures("Indicators and reports (issue 10)", figures, baseline="indicators, 1 community")
