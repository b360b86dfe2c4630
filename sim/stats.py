"""Statistics of Monte Carlo fall risk and of paired A/B comparisons.

Fall risk is a binomial proportion (k falls in n runs) judged by its Wilson score interval, which
stays inside [0, 1] and is honest at k = 0, where the naive Wald interval collapses to a point.
A sequential Monte Carlo looks at a fixed schedule of run counts and stops at the first
conclusive look; it stays valid because the error is split over the looks planned in advance
(Bonferroni), never by peeking at a fixed 95 % interval as runs accrue.
A/B comparisons run both variants with the same seeds, so they are paired: falls by McNemar's
exact test on the discordant pairs, continuous metrics by a t interval on per-run differences.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from scipy.stats import binomtest, norm
from scipy.stats import t as student_t


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def _z(confidence: float) -> float:
    """Two-sided standard normal quantile: 1.959964 for 95 %."""
    _check_confidence(confidence)
    return float(norm.ppf(0.5 + 0.5 * confidence))


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k events in n trials.

    At k = 0 the lower bound is exactly 0 and the upper is z²/(n + z²) (3.84/(n + 3.84) at 95 %),
    the bound that a run of clean trials can claim.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"k must be in 0..{n}, got {k}")
    _check_confidence(confidence)
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def risk_verdict(lower: float, upper: float, threshold: float) -> str:
    """Judge an interval against a risk threshold: "pass" when it lies wholly below, "fail"
    when wholly above, else "inconclusive" (more runs are needed to decide)."""
    if upper < threshold:
        return "pass"
    if lower > threshold:
        return "fail"
    return "inconclusive"


def runs_needed_for_pass(p_threshold: float, confidence: float = 0.95) -> int:
    """Fewest runs that, with no event in any, give a Wilson upper bound below p_threshold.

    From z²/(N + z²) < p: N > z²(1 − p)/p, so N = floor(z²(1 − p)/p) + 1; an exact integer
    bound is rounded up because the pass needs a strict inequality. 381 for 1 % at 95 %
    (3.8415 · 99 = 380.3), 73 for 5 % (3.8415 · 19 = 72.99).
    """
    if not 0.0 < p_threshold < 1.0:
        raise ValueError(f"p_threshold must be in (0, 1), got {p_threshold}")
    z2 = _z(confidence) ** 2
    return math.floor(z2 * (1.0 - p_threshold) / p_threshold) + 1


def sequential_looks(first: int, last: int) -> list[int]:
    """The run counts at which a sequential Monte Carlo looks: `first`, doubling, and `last`
    (80, 1280 → 80, 160, 320, 640, 1280)."""
    if not 1 <= first <= last:
        raise ValueError(f"need 1 <= first <= last, got first={first}, last={last}")
    looks = [first]
    while looks[-1] < last:
        looks.append(min(2 * looks[-1], last))
    return looks


def look_confidence(looks: int, confidence: float = 0.95) -> float:
    """The confidence of each of `looks` planned intervals so that all of them hold together
    with `confidence` (Bonferroni: the error split evenly), whatever look a run stops at.
    Five looks at 95 % overall are 99 % each."""
    _check_confidence(confidence)
    if looks < 1:
        raise ValueError(f"looks must be at least 1, got {looks}")
    return 1.0 - (1.0 - confidence) / looks


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for paired falls.

    b counts pairs where A fell and B did not, c where B fell and A did not; pairs where both or
    neither fell carry no information about a difference. Under no difference b ~ Bin(b + c, ½).
    No discordant pair is no evidence at all: p = 1.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    if b + c == 0:
        return 1.0
    return float(binomtest(b, b + c, 0.5).pvalue)


@dataclass(frozen=True)
class PairedDifference:
    """Mean of per-run differences b − a with its t confidence interval; low, high and sd are
    NaN when fewer than two pairs leave the spread unknown."""

    mean: float
    low: float
    high: float
    n: int
    sd: float

    def to_dict(self) -> dict[str, float | int | None]:
        """Fields as a dict with NaN as None, since results are written as strict JSON."""
        return {
            key: None if isinstance(value, float) and math.isnan(value) else value
            for key, value in asdict(self).items()
        }


def paired_difference(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95
) -> PairedDifference:
    """Mean per-run difference d_i = b_i − a_i of paired runs with a Student-t interval.

    With one pair the interval and sd are unknown (NaN). Mean and sd are computed exactly
    (statistics module), so equal differences give sd 0 and low == high == mean.
    """
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} and {len(b)}")
    if len(a) == 0:
        raise ValueError("paired samples are empty")
    _check_confidence(confidence)
    d = [float(bi) - float(ai) for ai, bi in zip(a, b, strict=True)]
    if not all(math.isfinite(x) for x in d):
        raise ValueError("paired samples must be finite")
    n = len(d)
    mean = statistics.mean(d)
    if n < 2:
        return PairedDifference(mean=mean, low=math.nan, high=math.nan, n=n, sd=math.nan)
    sd = statistics.stdev(d)
    half = float(student_t.ppf(0.5 + 0.5 * confidence, n - 1)) * sd / math.sqrt(n)
    return PairedDifference(mean=mean, low=mean - half, high=mean + half, n=n, sd=sd)


def proportion_summary(
    k: int, n: int, threshold: float, confidence: float = 0.95
) -> dict[str, float | int | str]:
    """Fall risk of k falls in n runs: estimate, Wilson interval and verdict against threshold."""
    low, high = wilson_interval(k, n, confidence)
    return {
        "events": k,
        "runs": n,
        "probability": k / n,
        "low": low,
        "high": high,
        "threshold": threshold,
        "verdict": risk_verdict(low, high, threshold),
    }
