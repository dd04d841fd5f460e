from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import poisson

from peiban.chats.selectors import _poisson_tail


@given(st.integers(0, 40), st.floats(0.05, 20))
def test_the_poisson_tail_matches_scipy(k: int, rate: float) -> None:
    expected = poisson.sf(k - 1, rate) if k > 0 else 1.0
    assert abs(_poisson_tail(k, rate) - expected) < 1e-9
