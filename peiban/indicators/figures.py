"""Indicators of one community or of many, for a period: the providers' measures combined.

``indicators_for`` runs one query for the community ids, then each provider of
INDICATOR_PROVIDERS once for all the communities together (PROVIDER_QUERIES each), so an
organisation of 200 communities costs the same number of queries as one community.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import QuerySet
from django.utils.module_loading import import_string

from peiban.indicators.definitions import BY_KEY, INDICATORS, SECTIONS, Indicator, full_label
from peiban.indicators.measures import Distribution, Measure, merge
from peiban.indicators.providers import INDICATOR_PROVIDERS, Figures, Provider
from peiban.places.models import Community


@cache
def _provider(path: str) -> Provider:
    function: Provider = import_string(path)
    return function


def providers() -> list[Provider]:
    return [_provider(path) for path in INDICATOR_PROVIDERS]


@dataclass(frozen=True)
class Row:
    """One indicator's figure: `measure` is None when no provider measures it yet."""

    indicator: Indicator
    measure: Measure | None

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def label(self) -> str:
        return full_label(self.indicator)

    @property
    def measured(self) -> bool:
        return self.measure is not None

    @property
    def value(self) -> Decimal | None:
        return None if self.measure is None else self.measure.value

    @property
    def ratings(self) -> tuple[int, ...] | None:
        return self.measure.counts if isinstance(self.measure, Distribution) else None

    @property
    def display(self) -> str:
        """The figure as people read it; "" when not measured or nothing to divide."""
        value = self.value
        if value is None:
            return ""
        unit = self.indicator.unit
        if unit == "percent":
            return f"{value}%"
        if unit in {"count", "ratings"}:
            return f"{int(value):,}"
        return f"{value}"


@dataclass
class Indicators:
    """The figures of a scope: per community and all together."""

    since: datetime
    until: datetime
    community_ids: list[int]
    by_community: Figures
    total: dict[str, Measure] = field(default_factory=dict)

    def rows(self, community: int | None = None) -> list[Row]:
        measures = self.total if community is None else self.by_community.get(community, {})
        return [Row(indicator, measures.get(indicator.key)) for indicator in INDICATORS]

    def sections(self, community: int | None = None) -> list[tuple[Any, list[Row]]]:
        rows = self.rows(community)
        return [(s, [r for r in rows if r.indicator.section == s.key]) for s in SECTIONS]

    def value(self, key: str, community: int | None = None) -> Decimal | None:
        measures = self.total if community is None else self.by_community.get(community, {})
        measure = measures.get(key)
        return None if measure is None else measure.value

    def measure(self, key: str, community: int | None = None) -> Measure | None:
        measures = self.total if community is None else self.by_community.get(community, {})
        return measures.get(key)


def indicators_for(
    communities: QuerySet[Community] | Sequence[int], *, since: datetime, until: datetime
) -> Indicators:
    """Every provider's measures for the communities in [since, until), and their total."""
    ids = (
        list(communities.order_by().values_list("pk", flat=True))
        if isinstance(communities, QuerySet)
        else list(communities)
    )
    by_community: Figures = {pk: {} for pk in ids}
    if ids:
        for provide in providers():
            for pk, measures in provide(community_ids=ids, since=since, until=until).items():
                by_community.setdefault(pk, {}).update(measures)
    total: dict[str, Measure] = {}
    keys = {key for measures in by_community.values() for key in measures}
    for key in keys:
        merged = merge(m[key] for m in by_community.values() if key in m)
        if merged is not None:
            total[key] = merged
    return Indicators(since, until, ids, by_community, total)


def known(key: str) -> bool:
    return key in BY_KEY
