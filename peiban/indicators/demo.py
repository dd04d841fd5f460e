"""Demo: the street office's purchase of services covering the demo compound, with its targets
(24 activities, 1,200 person-times, 4 self-organisations, …), the records it covers (the themed
activities, trainings and services of its year, the needs raised in it, the self-organisations
and the survey recommendations), a year of staff time logged, and the street office recorded as
the partner the entry was agreed with. Loaded after the other areas; idempotent."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from peiban.activities.models import Activity, ActivityKind
from peiban.core.demo import DemoWorld
from peiban.core.models import Role
from peiban.groups.models import SelfOrganisation
from peiban.indicators.models import Project, TimeLog
from peiban.indicators.portfolio import project_period
from peiban.indicators.services import project_create
from peiban.needs.models import Need
from peiban.places.models import Partner, PartnerKind
from peiban.surveys.models import Recommendation

PROJECT_NAME = "梧桐街道社区营造服务项目（政府购买服务）"
TARGETS = {
    "activities_held": 24,
    "person_times": 1200,
    "persons": 150,
    "households_reached": 100,
    "volunteer_hours": 200,
    "self_organisations": 4,
    "needs_raised": 240,
}
# The kinds of activity the purchase of services pays for (interest-group sessions and meetings
# run on their own).
COVERED_ACTIVITIES = (ActivityKind.THEMED, ActivityKind.TRAINING, ActivityKind.SERVICE)
DEMO_SEED = 20260101
NOTES = ["入户走访", "骨干碰头会", "活动筹备", "议事会陪伴", "需求跟进", "志愿者培训"]


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    community = world.community
    if Project.objects.filter(organisation=world.organisation, name=PROJECT_NAME).exists():
        progress("The demo project is already there.")
        return
    today = timezone.localdate()
    if not Partner.objects.filter(community=community, kind=PartnerKind.STREET_OFFICE).exists():
        Partner.objects.create(
            community=community,
            kind=PartnerKind.STREET_OFFICE,
            name="梧桐街道办事处",
            note="入驻协议：2025年签订，委托陪伴梧桐里小区开展社区营造。",
        )
    admin = world.users.get(Role.ORG_ADMIN)
    admin = admin if isinstance(admin, User) else None
    project = project_create(
        organisation=world.organisation,
        name=PROJECT_NAME,
        funder="梧桐街道办事处",
        contract_number="WT-GM-2025-017",
        starts_on=today - timedelta(days=365),
        ends_on=today + timedelta(days=30),
        communities=[community],
        targets=TARGETS,
        actor=admin,
    )
    since, until = project_period(project)
    project.activities.set(
        Activity.objects.filter(
            community=community,
            kind__in=COVERED_ACTIVITIES,
            starts_at__gte=since,
            starts_at__lt=until,
        )
    )
    project.needs.set(
        Need.objects.filter(community=community, raised_at__gte=since, raised_at__lt=until)
    )
    project.self_organisations.set(SelfOrganisation.objects.filter(community=community))
    project.recommendations.set(Recommendation.objects.filter(form__community=community))
    staff = world.users.get(Role.STAFF) or admin
    if isinstance(staff, User):
        rng = random.Random(seed)  # noqa: S311 - reproducible fiction
        TimeLog.objects.bulk_create(
            TimeLog(
                project=project,
                community=community,
                user=staff,
                day=project.starts_on + timedelta(days=week * 7 + rng.randrange(0, 5)),
                hours=Decimal(rng.randrange(8, 33)) / 4,
                note=rng.choice(NOTES),
            )
            for week in range(52)
        )
    progress(
        f"Demo project “{PROJECT_NAME}” with {len(TARGETS)} targets, covering "
        f"{project.activities.count()} activities, {project.needs.count()} needs, "
        f"{project.self_organisations.count()} self-organisations and "
        f"{project.recommendations.count()} recommendations, and a year of time."
    )
