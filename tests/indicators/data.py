"""Seeded random records for the indicator tests, written straight to the tables."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from peiban.activities.models import Activity, Attendance, Feedback
from peiban.groups.models import GroupMember, SelfOrganisation
from peiban.ledger.models import HourEntry
from peiban.needs.models import Action, Category, Need, StageChange
from peiban.places.models import Building, Community, Dwelling, Household, Resident

START = timezone.make_aware(datetime(2025, 1, 1, 9))
LOOP = ["accompanied", "deliberating", "decided", "acting", "resolved", "verified"]


def populate(community: Community, *, seed: int, residents: int = 30, activities: int = 12) -> None:
    """Residents in households, activities over two years with attendance, feedback, hours,
    and needs moving through the loop with actions by residents and staff."""
    rng = random.Random(seed)
    building = Building.objects.create(community=community, label=str(seed % 97 + 1))
    people: list[Resident] = []
    for i in range(residents):
        if i % 3 == 0:
            dwelling = Dwelling.objects.create(
                community=community, building=building, unit="1", room=str(101 + i)
            )
            household = Household.objects.create(community=community, dwelling=dwelling)
        people.append(
            Resident.objects.create(
                community=community,
                household=household if i % 5 else None,
                name=f"居民{seed}-{i}",
            )
        )
    for i in range(activities):
        starts = START + timedelta(days=rng.randrange(0, 700), hours=rng.randrange(0, 8))
        kind = rng.choice(["staff", "staff", "resident", "self_organisation"])
        activity = Activity.objects.create(
            community=community,
            title=f"活动{i}",
            kind="themed",
            organiser_kind=kind,
            organiser_resident=rng.choice(people) if kind == "resident" else None,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            cancelled_at=starts if rng.random() < 0.1 else None,
        )
        for person in rng.sample(people, rng.randrange(0, len(people) // 2)):
            volunteer = rng.random() < 0.2
            Attendance.objects.create(
                activity=activity,
                resident=person,
                checked_in_at=starts + timedelta(minutes=rng.randrange(0, 60)),
                volunteer=volunteer,
            )
            if rng.random() < 0.4:
                Feedback.objects.create(
                    activity=activity, resident=person, rating=rng.randrange(1, 6)
                )
            if volunteer:
                HourEntry.objects.create(
                    community=community,
                    resident=person,
                    activity=activity,
                    service="服务",
                    started_at=starts,
                    hours=Decimal(rng.randrange(1, 16)) / 4,
                    kind="credit",
                    status=rng.choice(["verified", "verified", "pending"]),
                )
    category, _created = Category.objects.get_or_create(
        organisation=community.organisation, name="安全/治安"
    )
    for i in range(rng.randrange(4, 12)):
        raised = START + timedelta(days=rng.randrange(0, 700))
        need = Need.objects.create(
            community=community,
            title=f"需求{i}",
            category=category,
            channel="visit",
            raised_at=raised,
            stage_changed_at=raised,
            lead=rng.choice(people) if rng.random() < 0.3 else None,
            reopened_count=1 if rng.random() < 0.2 else 0,
        )
        at, previous = raised, "raised"
        for stage in LOOP[: rng.randrange(0, len(LOOP) + 1)]:
            if rng.random() < 0.2:
                continue  # stages may be skipped
            at += timedelta(hours=rng.randrange(1, 24 * 30))
            StageChange.objects.create(need=need, from_stage=previous, to_stage=stage, at=at)
            previous = stage
        for _j in range(rng.randrange(0, 4)):
            by = rng.choice(["resident", "staff"])
            Action.objects.create(
                need=need,
                kind="talk",
                taken_by=by,
                by_resident=rng.choice(people) if by == "resident" else None,
                taken_at=raised + timedelta(days=rng.randrange(0, 60)),
                description="谈话",
            )
    group = SelfOrganisation.objects.create(
        community=community,
        name=f"自组织{seed}",
        kind="interest",
        founded_on=(START + timedelta(days=rng.randrange(0, 300))).date(),
    )
    for person in rng.sample(people, min(6, len(people))):
        GroupMember.objects.create(
            group=group,
            resident=person,
            role=rng.choice(["leader", "deputy", "treasurer", "member", "member"]),
            joined_on=(START + timedelta(days=rng.randrange(0, 700))).date(),
        )
