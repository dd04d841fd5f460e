"""Measure wall time, peak Python memory and query counts; print figures and ratios."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


@dataclass
class Figure:
    name: str
    seconds: float
    peak_mib: float
    queries: int
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def measure(name: str, figures: list[Figure], **extra: Any) -> Iterator[dict[str, Any]]:
    """Time the block, record its peak traced memory and the queries it ran."""
    reset_queries()
    notes: dict[str, Any] = dict(extra)
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        yield notes
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures.append(Figure(name, seconds, peak / 2**20, len(queries.captured_queries), notes))


def print_figures(title: str, figures: list[Figure], baseline: str | None = None) -> None:
    base = next((f for f in figures if f.name == baseline), None)
    print(f"\n## {title}")
    print(f"{'case':<44} {'seconds':>9} {'peak MiB':>9} {'queries':>8} {'× base':>7}  notes")
    for figure in figures:
        ratio = f"{figure.seconds / base.seconds:7.2f}" if base and base.seconds else "      -"
        notes = ", ".join(f"{k}={v}" for k, v in figure.extra.items())
        print(
            f"{figure.name:<44} {figure.seconds:9.3f} {figure.peak_mib:9.2f} "
            f"{figure.queries:8d} {ratio}  {notes}"
        )


BENCHMARKS: dict[str, Callable[[], None]] = {}


def benchmark(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(function: Callable[[], None]) -> Callable[[], None]:
        BENCHMARKS[name] = function
        return function

    return register
