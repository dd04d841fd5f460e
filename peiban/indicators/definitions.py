"""Every indicator Peiban reports (domain rules §7), with its section, unit and drill-down.

docs/indicators.md defines each one precisely; the keys are stable (projects' targets and the
reports name them). An indicator whose area is not built yet has no provider: it is shown as
"not measured yet", never as zero.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from peiban.activities.participation import STAGE_LABELS
from peiban.indicators.providers import LADDER_STAGES, LOOP
from peiban.needs.models import Stage


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise


SECTIONS = (
    Section("outputs", _("Outputs")),
    Section("ladder", _("Participation ladder")),
    Section("coach", _("Coach ratio")),
    Section("loop", _("Issue loop")),
    Section("social_capital", _("Social capital")),
    Section("self_organisations", _("Self-organisations")),
    Section("councils", _("Council decisions")),
    Section("satisfaction", _("Satisfaction")),
)


@dataclass(frozen=True)
class Indicator:
    """key: stable name; unit: count, hours, percent, days, rating or ratings; drill: where the
    records behind it are listed ("activities", "attendance", "hours", "feedback", "actions",
    "decisions", "participation", or "needs?<query>" for the needs list); area: the app that
    provides it."""

    key: str
    section: str
    label: Promise
    unit: str
    area: str
    drill: str = ""
    government: bool = True  # shown in the government-facing report and to viewers


def _stage(stage: str) -> Promise:
    return STAGE_LABELS[stage]


_LOOP_LABELS = dict(Stage.choices)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "activities_held", "outputs", _("Activities held"), "count", "activities", "activities"
    ),
    Indicator(
        "person_times", "outputs", _("Person-times (人次)"), "count", "activities", "attendance"
    ),
    Indicator("persons", "outputs", _("Persons (人数)"), "count", "activities", "attendance"),
    Indicator(
        "households_reached",
        "outputs",
        _("Households reached"),
        "count",
        "activities",
        "attendance",
    ),
    Indicator("survey_coverage", "outputs", _("Survey coverage"), "percent", "surveys"),
    Indicator(
        "recommendations_issued",
        "outputs",
        _("Recommendations issued from surveys"),
        "count",
        "surveys",
    ),
    Indicator(
        "volunteer_hours", "outputs", _("Volunteer hours (verified)"), "hours", "ledger", "hours"
    ),
    *(
        Indicator(
            f"ladder_{stage}", "ladder", _stage(stage), "count", "activities", "participation"
        )
        for stage in LADDER_STAGES
    ),
    *(
        Indicator(f"conversion_{a}_{b}", "ladder", _stage(b), "percent", "activities")
        for a, b in itertools.pairwise(LADDER_STAGES)
    ),
    *(
        Indicator(f"days_{a}_{b}", "ladder", _stage(b), "days", "activities")
        for a, b in itertools.pairwise(LADDER_STAGES[1:])
    ),
    Indicator(
        "coach_actions",
        "coach",
        _("Need actions taken by residents"),
        "percent",
        "needs",
        "actions",
    ),
    Indicator(
        "coach_activities",
        "coach",
        _("Activities organised by residents or self-organisations"),
        "percent",
        "activities",
        "activities",
    ),
    Indicator("needs_raised", "loop", _("Needs raised"), "count", "needs", "needs?"),
    *(
        Indicator(f"loop_{a}_{b}", "loop", _LOOP_LABELS[b], "days", "needs", f"needs?reached={b}")
        for a, b in itertools.pairwise(LOOP)
    ),
    Indicator(
        "reopened_share", "loop", _("Needs reopened"), "percent", "needs", "needs?reopened=1"
    ),
    Indicator("network_density", "social_capital", _("Network density"), "percent", "network"),
    Indicator("network_components", "social_capital", _("Network components"), "count", "network"),
    Indicator("ties_per_resident", "social_capital", _("Ties per resident"), "count", "network"),
    Indicator("bridging_ties", "social_capital", _("Ties bridging buildings"), "count", "network"),
    Indicator(
        "residents_with_tie",
        "social_capital",
        _("Residents with at least one tie"),
        "percent",
        "network",
    ),
    Indicator(
        "relational_trust",
        "social_capital",
        _("Trust and reciprocity (relational)"),
        "rating",
        "surveys",
    ),
    Indicator(
        "cognitive_belonging",
        "social_capital",
        _("Belonging and collective efficacy (cognitive)"),
        "rating",
        "surveys",
    ),
    Indicator(
        "self_organisations", "self_organisations", _("Self-organisations"), "count", "groups"
    ),
    Indicator(
        "self_organisation_members",
        "self_organisations",
        _("Members of self-organisations"),
        "count",
        "groups",
    ),
    Indicator(
        "self_organisation_meetings",
        "self_organisations",
        _("Meetings of self-organisations per month"),
        "count",
        "groups",
    ),
    Indicator("decisions_made", "councils", _("Decisions taken"), "count", "councils", "decisions"),
    Indicator(
        "decisions_carried_out",
        "councils",
        _("Decisions carried out and checked by residents"),
        "count",
        "councils",
        "decisions",
    ),
    Indicator(
        "decisions_carried_out_share",
        "councils",
        _("Share of decisions carried out and checked"),
        "percent",
        "councils",
        "decisions",
    ),
    Indicator(
        "decision_days_carried_out",
        "councils",
        _("Median days from decision to residents' check"),
        "days",
        "councils",
        "decisions",
    ),
    Indicator(
        "feedback_mean",
        "satisfaction",
        _("Average activity rating (1–5)"),
        "rating",
        "activities",
        "feedback",
    ),
    Indicator(
        "feedback_ratings",
        "satisfaction",
        _("Activity ratings given"),
        "ratings",
        "activities",
        "feedback",
    ),
    Indicator(
        "needs_verified_share",
        "satisfaction",
        _("Resolved needs verified by residents"),
        "percent",
        "needs",
        f"needs?reached={Stage.VERIFIED}",
    ),
)

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


def conversion_label(key: str) -> str:
    """ "Participant → Regular" for conversion_participant_regular (and days_…)."""
    _kind, a, b = key.split("_", 2)
    return f"{STAGE_LABELS[a]} → {STAGE_LABELS[b]}"


def loop_label(key: str) -> str:
    _kind, a, b = key.split("_", 2)
    return f"{_LOOP_LABELS[a]} → {_LOOP_LABELS[b]}"


def full_label(indicator: Indicator) -> str:
    """The label with the stages a conversion or a median spans."""
    if indicator.key.startswith(("conversion_", "days_")):
        prefix = _("Conversion") if indicator.key.startswith("conversion_") else _("Median days")
        return f"{prefix} {conversion_label(indicator.key)}"
    if indicator.key.startswith("loop_"):
        return _("Median days %(loop)s") % {"loop": loop_label(indicator.key)}
    if indicator.key.startswith("ladder_"):
        return _("Highest stage: %(stage)s") % {"stage": indicator.label}
    return str(indicator.label)
