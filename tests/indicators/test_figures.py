"""Every indicator figure equals an independent computation in Python over the raw records."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.activities.models import Activity, Attendance, Feedback
from peiban.activities.participation import ladder_counts
from peiban.groups.models import GroupMember
from peiban.indicators.figures import indicators_for
from peiban.indicators.measures import Count, Distribution, Mean, Median, Share, merge
from peiban.indicators.providers import PROVIDER_QUERIES, providers_by_name
from peiban.ledger.models import HourEntry
from peiban.needs.models import Action, Need, StageChange
from peiban.places.models import Community, Resident
from tests.conftest import World
from tests.indicators.data import LOOP, START, populate

SINCE = START + timedelta(days=100)
UNTIL = START + timedelta(days=500)
FAR = START + timedelta(days=5000)


def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return Decimal(statistics.median(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def in_days(delta: timedelta) -> Decimal:
    return max(Decimal(str(delta.total_seconds())) / 86400, Decimal(0))


def expected(communities: list[Community], since: datetime, until: datetime) -> dict[str, Any]:
    """The figures computed the slow way: every record loaded, counted in Python."""
    ids = {c.pk for c in communities}
    held = [
        a
        for a in Activity.objects.all()
        if a.community_id in ids and since <= a.starts_at < until and a.cancelled_at is None
    ]
    held_ids = {a.pk for a in held}
    seen = [x for x in Attendance.objects.select_related("resident") if x.activity_id in held_ids]
    hours = [
        h
        for h in HourEntry.objects.all()
        if h.community_id in ids
        and h.status == "verified"
        and since <= (h.started_at or h.created_at) < until
    ]
    ratings = [f.rating for f in Feedback.objects.all() if f.activity_id in held_ids]
    actions = [
        a
        for a in Action.objects.select_related("need")
        if a.need.community_id in ids and since <= a.taken_at < until
    ]
    cohort = [
        n for n in Need.objects.all() if n.community_id in ids and since <= n.raised_at < until
    ]
    changes: dict[int, dict[str, datetime]] = defaultdict(dict)
    for change in StageChange.objects.order_by("at"):
        changes[change.need_id].setdefault(change.to_stage, change.at)
    loop: dict[str, list[Decimal]] = defaultdict(list)
    verified = done = 0
    for need in cohort:
        reached = {"raised": need.raised_at, **changes[need.pk]}
        for a, b in itertools.pairwise(["raised", *LOOP]):
            if a in reached and b in reached:
                loop[f"loop_{a}_{b}"].append(in_days(reached[b] - reached[a]))
        verified += "verified" in reached
        done += "verified" in reached or "resolved" in reached
    figures: dict[str, Any] = {
        "activities_held": len(held),
        "person_times": len(seen),
        "persons": len({x.resident_id for x in seen}),
        "households_reached": len({x.resident.household_id for x in seen} - {None}),
        "volunteer_hours": sum((h.hours for h in hours), Decimal(0)).quantize(Decimal("0.01")),
        "feedback_mean": (Decimal(sum(ratings)) / len(ratings)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        if ratings
        else None,
        "feedback_ratings": tuple(ratings.count(r) for r in range(1, 6)),
        "coach_actions": pct(sum(a.taken_by == "resident" for a in actions), len(actions)),
        "coach_activities": pct(
            sum(a.organiser_kind in {"resident", "self_organisation"} for a in held), len(held)
        ),
        "needs_raised": len(cohort),
        "reopened_share": pct(sum(n.reopened_count > 0 for n in cohort), len(cohort)),
        "needs_verified_share": pct(verified, done),
    }
    for a, b in itertools.pairwise(["raised", *LOOP]):
        figures[f"loop_{a}_{b}"] = median(loop[f"loop_{a}_{b}"])
    figures.update(expected_ladder(ids, until))
    return figures


def expected_ladder(ids: set[int], until: datetime) -> dict[str, Any]:
    stages = ["known", "participant", "regular", "volunteer", "leader", "organiser"]
    highest = dict.fromkeys(stages, 0)
    reached = dict.fromkeys(stages, 0)
    gaps: dict[str, list[Decimal]] = defaultdict(list)
    both: dict[str, int] = defaultdict(int)
    attendance = defaultdict(list)
    for x in Attendance.objects.order_by("checked_in_at"):
        if x.checked_in_at < until:
            attendance[x.resident_id].append(x)
    for resident in Resident.objects.filter(anonymised_at__isnull=True):
        if resident.community_id not in ids:
            continue
        mine = attendance[resident.pk]
        times = [x.checked_in_at for x in mine]
        regular = next(
            (t for t in times if sum(t - timedelta(days=90) < u <= t for u in times) >= 3),
            None,
        )
        led = [
            a.starts_at
            for a in Activity.objects.filter(organiser_resident=resident, cancelled_at=None)
            if a.starts_at < until
        ] + [n.raised_at for n in Need.objects.filter(lead=resident) if n.raised_at < until]
        took_lead = [
            timezone.make_aware(datetime.combine(m.joined_on, time.min))
            for m in GroupMember.objects.filter(resident=resident, role__in=["leader", "deputy"])
            if m.group.community_id == resident.community_id
        ]
        took_lead = [t for t in took_lead if t < until]
        dates = {
            "participant": times[0] if times else None,
            "regular": regular,
            "volunteer": next((x.checked_in_at for x in mine if x.volunteer), None),
            "leader": min(led) if led else None,
            "organiser": min(took_lead) if took_lead else None,
        }
        top = "known"
        reached["known"] += 1
        for stage, at in dates.items():
            if at is not None:
                top = stage
                reached[stage] += 1
        highest[top] += 1
        dates_known = {"known": resident.created_at, **dates}
        for a, b in itertools.pairwise(stages):
            both[f"{a}_{b}"] += bool(dates_known[a] and dates_known[b])
        for a, b in itertools.pairwise(stages[1:]):
            if dates[a] and dates[b]:
                gaps[f"days_{a}_{b}"].append(in_days(dates[b] - dates[a]))  # type: ignore[operator]
    out: dict[str, Any] = {f"ladder_{s}": highest[s] for s in stages}
    out.update({f"reached_{s}": reached[s] for s in stages})
    for a, b in itertools.pairwise(stages):
        out[f"conversion_{a}_{b}"] = pct(both[f"{a}_{b}"], reached[a])
    for key, values in gaps.items():
        out[key] = median(values)
    for a, b in itertools.pairwise(stages[1:]):
        out.setdefault(f"days_{a}_{b}", None)
    return out


def compare(indicators: Any, wanted: dict[str, Any], community: int | None = None) -> None:
    for key, value in wanted.items():
        measure = indicators.measure(key, community)
        assert measure is not None, key
        got = measure.counts if isinstance(measure, Distribution) else measure.value
        if key == "feedback_ratings":
            assert got == value, key
        else:
            assert got == (None if value is None else Decimal(value)), key


@pytest.fixture
def populated(world: World) -> World:
    populate(world.community, seed=1)
    populate(world.other_community, seed=2)
    populate(world.foreign_community, seed=3)
    return world


def test_community_figures_equal_an_independent_computation(populated: World) -> None:
    indicators = indicators_for(
        Community.objects.filter(pk=populated.community.pk), since=SINCE, until=UNTIL
    )
    compare(indicators, expected([populated.community], SINCE, UNTIL))
    compare(indicators, expected([populated.community], SINCE, UNTIL), populated.community.pk)


def test_organisation_figures_combine_the_records_of_all_its_communities(
    populated: World,
) -> None:
    communities = Community.objects.filter(organisation=populated.organisation)
    indicators = indicators_for(communities, since=SINCE, until=UNTIL)
    both = [populated.community, populated.other_community]
    compare(indicators, expected(both, SINCE, UNTIL))
    compare(indicators, expected([populated.other_community], SINCE, UNTIL), both[1].pk)
    assert populated.foreign_community.pk not in indicators.by_community


def test_the_ladder_agrees_with_the_participation_overview(populated: World) -> None:
    counts = ladder_counts(populated.community)
    indicators = indicators_for([populated.community.pk], since=SINCE, until=FAR)
    assert counts.reached["organiser"] > 0  # the data has group leaders
    for stage in ("known", "participant", "regular", "volunteer", "leader", "organiser"):
        assert indicators.value(f"ladder_{stage}") == counts.highest[stage]
        assert indicators.value(f"reached_{stage}") == counts.reached[stage]


def test_areas_not_built_show_nothing_rather_than_zero(populated: World) -> None:
    indicators = indicators_for([populated.community.pk], since=SINCE, until=UNTIL)
    rows = {row.key: row for row in indicators.rows()}
    for key in ("network_density", "relational_trust", "cognitive_belonging"):
        assert rows[key].measure is None
        assert rows[key].display == ""
    assert rows["activities_held"].measured


def test_a_community_without_records_counts_zero_and_divides_nothing(world: World) -> None:
    indicators = indicators_for([world.community.pk], since=SINCE, until=UNTIL)
    assert indicators.value("activities_held") == 0
    assert indicators.value("coach_actions") is None
    assert indicators.value("feedback_mean") is None
    assert indicators.value("loop_raised_accompanied") is None


def test_queries_do_not_grow_with_the_number_of_communities(
    populated: World, django_assert_max_num_queries: Any
) -> None:
    bound = 1 + sum(PROVIDER_QUERIES.values())
    with django_assert_max_num_queries(bound):
        indicators_for(Community.objects.all(), since=SINCE, until=UNTIL)
    for name, provide in providers_by_name().items():
        ids = list(Community.objects.values_list("pk", flat=True))
        with django_assert_max_num_queries(PROVIDER_QUERIES[name]):
            provide(community_ids=ids, since=SINCE, until=UNTIL)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=8),
    samples=st.lists(st.lists(st.integers(0, 10_000), max_size=6), min_size=1, max_size=6),
)
def test_combined_measures_equal_the_measure_of_the_pooled_records(
    parts: list[tuple[int, int]], samples: list[list[int]]
) -> None:
    shares = [Share(min(a, b), max(a, b)) for a, b in parts]
    pooled = merge(shares)
    assert isinstance(pooled, Share)
    assert pooled.value == pct(sum(s.part for s in shares), sum(s.whole for s in shares))
    medians = [Median(tuple(Decimal(v) / 10 for v in group)) for group in samples]
    all_values = [Decimal(v) / 10 for group in samples for v in group]
    combined = merge(medians)
    assert combined is not None
    assert combined.value == median(all_values)
    means = [Mean(a, b) for a, b in parts]
    total = merge(means)
    assert isinstance(total, Mean)
    n = sum(b for _a, b in parts)
    assert total.value == (
        None
        if not n
        else (Decimal(sum(a for a, _b in parts)) / n).quantize(Decimal("0.01"), ROUND_HALF_UP)
    )
    counts = merge([Count(a) for a, _b in parts])
    assert counts is not None
    assert counts.value == sum(a for a, _b in parts)


def test_hours_count_when_served_in_the_period_including_reversals(
    world: World, registry: Any
) -> None:
    served = timezone.make_aware(datetime(2025, 6, 1, 10))
    credit = HourEntry.objects.create(
        community=world.community,
        resident=registry.resident,
        service="巡楼",
        started_at=served,
        hours=Decimal("3.50"),
        kind="credit",
        status="verified",
    )
    HourEntry.objects.create(
        community=world.community,
        resident=registry.resident,
        service="巡楼",
        started_at=served,
        hours=Decimal("-3.50"),
        kind="reversal",
        reverses=credit,
        reason="录错了",
        status="verified",
    )
    HourEntry.objects.create(
        community=world.community,
        resident=registry.resident,
        service="巡楼",
        started_at=served,
        hours=Decimal("2"),
        kind="credit",
        status="verified",
    )
    HourEntry.objects.create(
        community=world.community,
        resident=registry.resident,
        service="巡楼",
        started_at=served,
        hours=Decimal("5"),
        kind="credit",
        status="pending",
    )
    indicators = indicators_for([world.community.pk], since=SINCE, until=UNTIL)
    assert indicators.value("volunteer_hours") == Decimal("2.00")
