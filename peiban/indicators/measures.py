"""Measures: the parts an indicator is made of, so that communities can be combined exactly.

A provider returns, for each community, measures that add up across communities: counts and
sums add, a share adds its numerator and denominator, a mean its total and count, a median keeps
its samples, a distribution adds bucket by bucket. An organisation's figure is therefore the
figure of all its communities' records together, never an average of averages.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

TENTH = Decimal("0.1")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Count:
    n: int

    def merge(self, other: Count) -> Count:
        return Count(self.n + other.n)

    @property
    def value(self) -> Decimal:
        return Decimal(self.n)


@dataclass(frozen=True)
class Amount:
    total: Decimal

    def merge(self, other: Amount) -> Amount:
        return Amount(self.total + other.total)

    @property
    def value(self) -> Decimal:
        return self.total.quantize(CENT)


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    def merge(self, other: Share) -> Share:
        return Share(self.part + other.part, self.whole + other.whole)

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.part, self.whole) if self.whole else None

    @property
    def value(self) -> Decimal | None:
        """The share in percent, to one decimal; None when there is nothing to divide."""
        if not self.whole:
            return None
        return (Decimal(self.part) * 100 / Decimal(self.whole)).quantize(TENTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Mean:
    total: int
    n: int

    def merge(self, other: Mean) -> Mean:
        return Mean(self.total + other.total, self.n + other.n)

    @property
    def value(self) -> Decimal | None:
        if not self.n:
            return None
        return (Decimal(self.total) / Decimal(self.n)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Median:
    """Samples in days; the value is their median to one decimal."""

    samples: tuple[Decimal, ...]

    def merge(self, other: Median) -> Median:
        return Median(self.samples + other.samples)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def value(self) -> Decimal | None:
        if not self.samples:
            return None
        return Decimal(statistics.median(self.samples)).quantize(TENTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Distribution:
    """Counts per bucket, such as ratings 1 to 5 (bucket i counts value i + 1)."""

    counts: tuple[int, ...]

    def merge(self, other: Distribution) -> Distribution:
        return Distribution(tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)))

    @property
    def value(self) -> Decimal:
        return Decimal(sum(self.counts))


Measure = Count | Amount | Share | Mean | Median | Distribution


def merge(measures: Iterable[Measure]) -> Measure | None:
    """All the measures of one indicator combined (they are of one kind); None if there are none."""
    result: Measure | None = None
    for measure in measures:
        result = measure if result is None else result.merge(measure)  # type: ignore[arg-type]
    return result


def days(seconds: float) -> Decimal:
    return Decimal(str(seconds)) / Decimal(86400)
