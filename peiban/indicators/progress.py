"""Method progress (domain rules §8): each community's phase, from milestones computed from data.

Phases: 入驻 entry → 摸底 understanding → 聚人 gathering → 陪伴 accompanying → 赋能 empowering →
自治 self-governance. A phase is complete when every milestone of it that can be measured is met
and it has at least one such milestone; a community stands in the first phase not complete
(phases complete in order). A milestone with ``measurable=False`` (one no record can measure; none
today) is shown as "not measurable yet" and neither holds a phase back nor completes one.

Thresholds are per organisation (MethodThresholds; the model's defaults without a row).
``method_progress`` costs a fixed number of queries for any number of communities.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peiban.activities.models import Activity, ActivityKind
from peiban.chats.models import Channel, ChannelKind
from peiban.core.models import Organisation
from peiban.indicators.figures import Indicators, indicators_for
from peiban.indicators.measures import Measure
from peiban.indicators.models import MethodThresholds
from peiban.places.models import Dwelling, Partner, PartnerKind, PublicSpace

PHASES = ("entry", "understanding", "gathering", "accompanying", "empowering", "self_governance")
PHASE_LABELS: dict[str, Promise] = {
    "entry": gettext_lazy("Entry (入驻)"),
    "understanding": gettext_lazy("Understanding (摸底)"),
    "gathering": gettext_lazy("Gathering people (聚人)"),
    "accompanying": gettext_lazy("Accompanying (陪伴)"),
    "empowering": gettext_lazy("Empowering (赋能)"),
    "self_governance": gettext_lazy("Self-governance (自治)"),
}
# Everything since the method began counts for milestones.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
ENTRY_PARTNERS = (PartnerKind.STREET_OFFICE, PartnerKind.COMMUNITY_COMMITTEE)
QUERY_BOUND = 29  # method_progress's queries, however many communities


@dataclass(frozen=True)
class Milestone:
    key: str
    phase: str
    label: str
    measurable: bool
    met: bool = False
    figure: Decimal | None = None
    threshold: Decimal | None = None
    evidence: str = ""
    drill: str = ""  # an indicator drill-down kind (see definitions.Indicator.drill)


@dataclass
class Progress:
    community_id: int
    milestones: list[Milestone] = field(default_factory=list)

    def of_phase(self, phase: str) -> list[Milestone]:
        return [m for m in self.milestones if m.phase == phase]

    def complete(self, phase: str) -> bool:
        measurable = [m for m in self.of_phase(phase) if m.measurable]
        return bool(measurable) and all(m.met for m in measurable)

    @property
    def phase(self) -> str:
        for phase in PHASES:
            if not self.complete(phase):
                return phase
        return PHASES[-1]

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS[self.phase])

    def phases(self) -> list[tuple[str, str, bool, list[Milestone]]]:
        current = PHASES.index(self.phase)
        return [
            (p, str(PHASE_LABELS[p]), i < current, self.of_phase(p)) for i, p in enumerate(PHASES)
        ]


def thresholds_for(organisation: Organisation | int) -> MethodThresholds:
    """The organisation's thresholds, or the defaults (an unsaved row) if it has set none."""
    pk = organisation if isinstance(organisation, int) else organisation.pk
    found = MethodThresholds.objects.filter(organisation_id=pk).first()
    return found or MethodThresholds(organisation_id=pk)


def _at_least(
    key: str,
    phase: str,
    label: str,
    figure: Decimal | None,
    threshold: int,
    evidence: str,
    drill: str = "",
) -> Milestone:
    value = figure if figure is not None else Decimal(0)
    return Milestone(
        key,
        phase,
        label,
        measurable=True,
        met=value >= threshold,
        figure=value,
        threshold=Decimal(threshold),
        evidence=evidence,
        drill=drill,
    )


def _gathered(threshold: int, leaders: Decimal, groups: list[str]) -> Milestone:
    """聚人: enough leaders known and a leaders' group (骨干群) open that gathers them."""
    evidence = _("%(n)s leaders known (the threshold is %(t)s); leaders' groups: %(groups)s.") % {
        "n": leaders,
        "t": threshold,
        "groups": "、".join(groups) or _("none recorded"),
    }
    return Milestone(
        "group_channel",
        "gathering",
        _("≥ %(t)s leaders known and a leaders' group recorded") % {"t": threshold},
        measurable=True,
        met=leaders >= threshold and bool(groups),
        figure=Decimal(len(groups)),
        threshold=Decimal(1),
        evidence=evidence,
        drill="participation",
    )


def _rising(attendance: list[int], n: int) -> bool:
    """The last `n` figures rise strictly, one after the other."""
    last = attendance[-n:]
    return len(last) >= max(n, 2) and all(b > a for a, b in itertools.pairwise(last))


def method_progress(
    community_ids: Sequence[int],
    *,
    thresholds: MethodThresholds,
    now: datetime | None = None,
    indicators: Indicators | None = None,
) -> dict[int, Progress]:
    """Each community's milestones and phase, as of `now`."""
    now = now or timezone.now()
    ids = list(community_ids)
    figures = indicators or indicators_for(ids, since=BEGINNING, until=now)
    partners: dict[int, list[str]] = defaultdict(list)
    for community, name in (
        Partner.objects.filter(community__in=ids, kind__in=ENTRY_PARTNERS)
        .order_by("community_id", "name")
        .values_list("community_id", "name")
    ):
        partners[community].append(name)
    dwellings = dict(
        Dwelling.objects.filter(community__in=ids)
        .order_by()
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    spaces: dict[int, list[str]] = defaultdict(list)
    for community, name in (
        PublicSpace.objects.filter(community__in=ids, usable_for_activities=True)
        .order_by("community_id", "name")
        .values_list("community_id", "name")
    ):
        spaces[community].append(name)
    themed: dict[int, list[int]] = defaultdict(list)
    for community, attended in (
        Activity.objects.filter(
            community__in=ids,
            kind=ActivityKind.THEMED,
            cancelled_at__isnull=True,
            starts_at__lt=now,
        )
        .order_by("community_id", "starts_at", "pk")
        .annotate(n=Count("attendance"))
        .values_list("community_id", "n")
    ):
        themed[community].append(attended)
    by_residents = dict(
        Activity.objects.filter(
            Q(organiser_kind="resident") | Q(organiser_kind="self_organisation"),
            community__in=ids,
            cancelled_at__isnull=True,
            starts_at__lt=now,
        )
        .order_by()
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    # Leaders' groups (骨干群) recorded by `now` and still open then.
    day = timezone.localdate(now)
    leader_groups: dict[int, list[str]] = defaultdict(list)
    for community, name in (
        Channel.objects.filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=day),
            Q(started_on__isnull=True) | Q(started_on__lte=day),
            community__in=ids,
            kind=ChannelKind.LEADERS,
            recorded_at__lte=now,
        )
        .order_by("community_id", "name", "pk")
        .values_list("community_id", "name")
    ):
        leader_groups[community].append(name)
    t = thresholds
    result: dict[int, Progress] = {}
    for pk in ids:
        f = figures.by_community.get(pk, {})

        def value(key: str, f: Mapping[str, Measure] = f) -> Decimal | None:
            measure = f.get(key)
            return getattr(measure, "value", None)

        named = partners[pk]
        coach = value("coach_actions")
        rising = themed[pk]
        progress = Progress(pk)
        progress.milestones = [
            Milestone(
                "entry_partner",
                "entry",
                _("Entry agreed with the street office or community committee"),
                measurable=True,
                met=bool(named),
                figure=Decimal(len(named)),
                threshold=Decimal(1),
                evidence=", ".join(named)
                or _("No street office or committee recorded as a partner."),
            ),
            _at_least(
                "registry",
                "entry",
                _("Dwellings recorded in the registry"),
                Decimal(dwellings.get(pk, 0)),
                1,
                _("%(n)s dwellings recorded.") % {"n": dwellings.get(pk, 0)},
            ),
            _at_least(
                "survey_coverage",
                "understanding",
                _("Survey coverage of households") + f" ≥ {t.survey_coverage_percent}%",
                value("survey_coverage"),
                t.survey_coverage_percent,
                _("%(n)s%% of lived-in dwellings have answered a survey; the threshold is %(t)s%%.")
                % {"n": value("survey_coverage") or 0, "t": t.survey_coverage_percent},
            ),
            _at_least(
                "needs_recorded",
                "understanding",
                _("Needs recorded"),
                value("needs_raised"),
                t.needs_recorded,
                _("%(n)s needs recorded; the threshold is %(t)s.")
                % {"n": value("needs_raised") or 0, "t": t.needs_recorded},
                "needs?",
            ),
            _at_least(
                "recommendations",
                "understanding",
                _("Recommendations issued from the survey"),
                value("recommendations_issued"),
                1,
                _("%(n)s recommendations written from the survey results.")
                % {"n": value("recommendations_issued") or 0},
            ),
            _at_least(
                "leaders_known",
                "gathering",
                _("Leaders known"),
                value("reached_leader"),
                t.leaders_known,
                _(
                    "%(n)s residents have organised an activity or led a need; "
                    "the threshold is %(t)s."
                )
                % {"n": value("reached_leader") or 0, "t": t.leaders_known},
                "participation",
            ),
            _gathered(t.leaders_known, value("reached_leader") or Decimal(0), leader_groups[pk]),
            Milestone(
                "public_space",
                "gathering",
                _("A public space recorded for activities"),
                measurable=True,
                met=bool(spaces[pk]),
                figure=Decimal(len(spaces[pk])),
                threshold=Decimal(1),
                evidence=", ".join(spaces[pk]) or _("No public space usable for activities yet."),
            ),
            Milestone(
                "themed_rising",
                "accompanying",
                _("Themed activities with rising attendance"),
                measurable=True,
                met=_rising(rising, t.themed_activities),
                figure=Decimal(len(rising)),
                threshold=Decimal(t.themed_activities),
                evidence=_("Attendance at the themed activities in order: %(list)s.")
                % {"list": " → ".join(str(n) for n in rising[-8:]) or "–"},
                drill="activities",
            ),
            _at_least(
                "regular_participants",
                "accompanying",
                _("Regular participants"),
                value("reached_regular"),
                t.regular_participants,
                _("%(n)s residents came three times within 90 days; the threshold is %(t)s.")
                % {"n": value("reached_regular") or 0, "t": t.regular_participants},
                "participation",
            ),
            _at_least(
                "self_organisation",
                "empowering",
                _("First self-organisation founded"),
                value("self_organisations"),
                1,
                _("%(n)s self-organisations founded.") % {"n": value("self_organisations") or 0},
            ),
            Milestone(
                "coach_ratio",
                "empowering",
                _("Coach ratio above the threshold"),
                measurable=True,
                met=coach is not None and coach > t.coach_ratio_percent,
                figure=coach,
                threshold=Decimal(t.coach_ratio_percent),
                evidence=_(
                    "%(share)s of the steps on needs were taken by residents; "
                    "the threshold is %(t)s%%."
                )
                % {"share": f"{coach}%" if coach is not None else "–", "t": t.coach_ratio_percent},
                drill="actions",
            ),
            _at_least(
                "resident_organised",
                "empowering",
                _("Activities organised by residents or self-organisations"),
                Decimal(by_residents.get(pk, 0)),
                t.resident_organised_activities,
                _("%(n)s activities organised by residents; the threshold is %(t)s.")
                % {"n": by_residents.get(pk, 0), "t": t.resident_organised_activities},
                "activities",
            ),
            _at_least(
                "council_decisions",
                "self_governance",
                _("Council decisions carried out and checked"),
                value("decisions_carried_out"),
                t.council_decisions_verified,
                _(
                    "%(n)s of %(made)s decisions were checked by residents as carried out; "
                    "the threshold is %(t)s."
                )
                % {
                    "n": value("decisions_carried_out") or 0,
                    "made": value("decisions_made") or 0,
                    "t": t.council_decisions_verified,
                },
                "decisions",
            ),
        ]
        result[pk] = progress
    return result
