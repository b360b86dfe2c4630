"""sim.stats against hand-computed and published values, plus properties of the intervals."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import ttest_rel

from sim.stats import (
    look_confidence,
    mcnemar_exact,
    paired_difference,
    proportion_summary,
    risk_verdict,
    runs_needed_for_pass,
    sequential_looks,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),  # 3.8415 / 13.8415
        (5, 10, 0.2366, 0.7634),  # 0.5 ± 1.96 · sqrt(2.5 + 0.9604) / 13.8415
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Table I
        (15, 148, 0.0624, 0.1605),  # Newcombe (1998), Table I
        (1, 29, 0.0061, 0.1718),  # Newcombe (1998), Table I
    ],
)
def test_wilson_textbook(k, n, low, high):
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=5e-5)


@given(st.integers(1, 10_000), st.data())
def test_wilson_contains_estimate_inside_unit_interval(n, data):
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


@given(st.integers(1, 50), st.integers(1, 50), st.integers(2, 20))
def test_wilson_narrows_with_more_runs(k, n, factor):
    k = min(k, n)
    low, high = wilson_interval(k, n)
    low_f, high_f = wilson_interval(k * factor, n * factor)
    assert high_f - low_f < high - low


@given(st.integers(1, 100_000))
def test_wilson_zero_events_upper_bound(n):
    low, high = wilson_interval(0, n)
    assert low == 0.0
    assert high == pytest.approx(1.959964**2 / (n + 1.959964**2), rel=1e-6)
    assert high == pytest.approx(3.84 / (n + 3.84), rel=1e-3)


def test_runs_needed_for_pass():
    assert runs_needed_for_pass(0.01) == 381  # 3.8415 · 99 = 380.30 → 381
    assert runs_needed_for_pass(0.05) == 73  # 3.8415 · 19 = 72.99 → 73
    assert runs_needed_for_pass(0.01, confidence=0.99) == 657  # 2.5758² · 99 = 656.85


@given(st.floats(0.001, 0.5))
def test_runs_needed_is_the_fewest(p):
    n = runs_needed_for_pass(p)
    assert wilson_interval(0, n)[1] < p <= wilson_interval(0, n - 1)[1]


def test_risk_verdict():
    assert risk_verdict(0.001, 0.009, 0.01) == "pass"
    assert risk_verdict(0.011, 0.05, 0.01) == "fail"
    assert risk_verdict(0.005, 0.02, 0.01) == "inconclusive"
    assert risk_verdict(0.0, 0.01, 0.01) == "inconclusive"  # touching is not below


def test_proportion_summary_decides_at_runs_needed():
    summary = proportion_summary(0, 381, 0.01)
    assert summary["verdict"] == "pass"
    assert summary["events"] == 0 and summary["runs"] == 381 and summary["probability"] == 0.0
    assert summary["high"] == pytest.approx(3.8415 / (381 + 3.8415), rel=1e-4)
    assert proportion_summary(0, 380, 0.01)["verdict"] == "inconclusive"
    assert proportion_summary(20, 100, 0.05)["verdict"] == "fail"
    json.dumps(summary, allow_nan=False)


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [(0, 0, 1.0), (0, 6, 2 * 0.5**6), (3, 3, 1.0), (1, 9, 2 * (1 + 10) / 2**10)],
)
def test_mcnemar_exact(b, c, p):
    assert mcnemar_exact(b, c) == pytest.approx(p, rel=1e-12)


@given(st.integers(0, 200), st.integers(0, 200))
def test_mcnemar_symmetric_probability(b, c):
    p = mcnemar_exact(b, c)
    assert p == mcnemar_exact(c, b)
    assert 0.0 < p <= 1.0


def test_paired_difference_by_hand():
    # d = [1, 0, 2, 1]: mean 1, sd sqrt(2/3) = 0.81650, t(0.975, 3) = 3.18245,
    # half-width 3.18245 · 0.81650 / 2 = 1.29922
    r = paired_difference([1, 2, 3, 4], [2, 2, 5, 5])
    assert (r.mean, r.n) == (1.0, 4)
    assert r.sd == pytest.approx(0.81650, abs=1e-5)
    assert (r.low, r.high) == pytest.approx((1 - 1.29922, 1 + 1.29922), abs=1e-5)


@given(st.lists(st.floats(-100, 100), min_size=2, max_size=30), st.data())
def test_paired_difference_matches_scipy(a, data):
    b = data.draw(st.lists(st.floats(-100, 100), min_size=len(a), max_size=len(a)))
    r = paired_difference(a, b, confidence=0.9)
    if r.sd > 1e-6:
        ci = ttest_rel(b, a).confidence_interval(0.9)
        assert (r.low, r.high) == pytest.approx((ci.low, ci.high), rel=1e-6, abs=1e-9)


@given(st.floats(-1e6, 1e6), st.integers(2, 30))
def test_paired_difference_equal_differences_collapse(delta, m):
    r = paired_difference([1.0] * m, [1.0 + delta] * m)
    assert r.sd == 0.0
    assert r.low == r.high == r.mean


def test_paired_difference_single_pair_is_nan_and_strict_json():
    r = paired_difference([2.0], [3.5])
    assert r.mean == 1.5 and r.n == 1
    assert math.isnan(r.low) and math.isnan(r.high) and math.isnan(r.sd)
    assert r.to_dict() == {"mean": 1.5, "low": None, "high": None, "n": 1, "sd": None}
    json.dumps(r.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("func", "bad_args"),
    [
        (wilson_interval, [(0, 0), (-1, 5), (6, 5), (1, 5, 1.0)]),
        (runs_needed_for_pass, [(0.0,), (1.0,)]),
        (mcnemar_exact, [(-1, 3), (3, -1)]),
        (paired_difference, [([], []), ([1.0, 2.0], [1.0]), ([1.0], [math.nan])]),
    ],
)
def test_rejects_bad_input(func, bad_args):
    for args in bad_args:
        with pytest.raises(ValueError):
            func(*args)


def test_sequential_looks_double_from_the_first_to_the_last():
    assert sequential_looks(80, 1280) == [80, 160, 320, 640, 1280]
    assert sequential_looks(80, 1000) == [80, 160, 320, 640, 1000]
    assert sequential_looks(5, 5) == [5]
    with pytest.raises(ValueError):
        sequential_looks(10, 5)


def test_look_confidence_splits_the_error_over_the_looks():
    """Five looks at 95 % overall: 1 − 0.05/5 = 99 % each; one look is the plain 95 %."""
    assert look_confidence(5) == pytest.approx(0.99)
    assert look_confidence(1) == pytest.approx(0.95)
    with pytest.raises(ValueError):
        look_confidence(0)
