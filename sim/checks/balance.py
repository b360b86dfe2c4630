"""Balance checks: falls, the margin of stability, and walkers leaving the deck.

`fall_risk` is judged across Monte Carlo runs: k falls in N runs, a Wilson 95 % interval
and the three-valued verdict of DESIGN.md (pass if the upper bound is below the threshold,
fail if the lower bound is above it, otherwise inconclusive: raise N). A single run is N = 1.
A sequential Monte Carlo (`runs_max`) judges each of its looks at a higher confidence.
"""

from __future__ import annotations

from sim.checks.base import Check, CheckResult, Verdict, evidence
from sim.kernel import seconds
from sim.stats import proportion_summary

_VERDICTS = {"pass": Verdict.PASS, "fail": Verdict.FAIL, "inconclusive": Verdict.INCONCLUSIVE}


def _needs_gait(name: str, walker) -> str | None:
    if walker is None or getattr(walker, "model", "minimal") != "gait":
        return f'{name} needs a [walker] with model = "gait"'
    return None


class FallRisk(Check):
    name = "fall_risk"
    unit = "per run"
    description = (
        "Probability that a run ends in a fall (a failure to capture), with its Wilson 95 % "
        "interval over the Monte Carlo runs; a scenario's run is one perturbation or one "
        "session, as its description says."
    )
    source = "DESIGN.md: Monte Carlo fall risk, Wilson interval, three-valued verdict"
    default = 0.05
    default_text = "0.05 (5 % per run; N >= 73 runs can show a pass)"

    def unmet_need(self, walker) -> str | None:
        return _needs_gait(self.name, walker)

    def measure(self, ctx, reducer):
        fall = ctx.first("walker.fall")
        if fall is None:
            return 0.0, evidence(None, None, "no fall")
        t, _, d = fall
        return 1.0, evidence(t, "walker.fall", f"fell {d['direction']}, {d['place']}", **d)

    def evaluate(self, ctx, reducer, threshold, expected) -> CheckResult:
        """One run is N = 1 of the proportion."""
        return self.aggregate([super().evaluate(ctx, reducer, threshold, expected)], expected)

    def aggregate(
        self, per_run: list[CheckResult], expected: Verdict, confidence: float = 0.95
    ) -> CheckResult:
        values = [c.value for c in per_run]
        threshold = per_run[0].threshold
        k, n = int(sum(values)), len(values)
        s = proportion_summary(k, n, threshold, confidence)
        first = next((i for i, v in enumerate(values) if v), None)
        message = (
            f"{k} fall(s) in {n} run(s): p = {s['probability']:.3g}, {100 * confidence:.3g} % "
            f"interval {s['low']:.3g}..{s['high']:.3g}"
        )
        ev = {
            "t_s": None,
            "event": "walker.fall" if k else None,
            "message": message,
            "falls": k,
            "runs": n,
            "low": s["low"],
            "high": s["high"],
            "confidence": confidence,
            "first_fall_run": first,
        }
        if first is not None:
            ev["first_fall"] = per_run[first].evidence["message"]
        verdict = _VERDICTS[s["verdict"]]
        return CheckResult(self.name, k / n, self.unit, threshold, self.sense, verdict, expected,
                           ev, self.source)  # fmt: skip


class MinMarginOfStability(Check):
    name = "min_margin_of_stability"
    unit = "m"
    sense = "min"
    description = (
        "Smallest margin of stability: at each foot contact, XCoM to the edge of the base of "
        "support opposite the walking direction (Hak 2013); after each belt speed change, when "
        "a first recovery step could land, XCoM to the edge the change pushed it toward (the "
        "reach of a recovery step on the walking side)."
    )
    source = "Hof 2005 (XCoM), Hak 2013 (margin at foot contact); DESIGN.md"
    default = 0.0

    def unmet_need(self, walker) -> str | None:
        return _needs_gait(self.name, walker)

    def measure(self, ctx, reducer):
        worst = None
        for t, kind, d in ctx.log:
            if "mos_m" in d and (worst is None or d["mos_m"] < worst[2]["mos_m"]):
                worst = (t, kind, d)
        if worst is None:
            return None, evidence(None, None, "no foot contact or belt speed change was sampled")
        t, kind, d = worst
        what = "foot contact" if kind == "walker.step" else f"{d['cause']} ({d['side']})"
        return d["mos_m"], evidence(t, kind, f"at {what}, t = {t / 1e6:.3f} s")


class OffDeckEvents(Check):
    name = "off_deck_events"
    unit = "count"
    description = "Times the walker left the deck (a foot carried off the rear, or the body)."
    source = "design rule: the walker stays on the deck (DESIGN.md)"
    default = 0.0
    needs_walker = True

    def measure(self, ctx, reducer):
        events = [(t, k) for t, k, d in ctx.log if k == "walker.off_deck"]
        if not events:
            return 0.0, evidence(None, None, "the walker stayed on the deck")
        t, k = events[0]
        return float(len(events)), evidence(t, k, f"first off the deck at {t / 1e6:.3f} s")


_OPENS = ("walker.stumble", "walker.threat")
_CLOSES = ("walker.recovered", "walker.fall")


class SpeedupDuringRecovery(Check):
    name = "speedup_during_recovery"
    unit = "m/s"
    description = (
        "Largest rise of the commanded belt speed over its value when a stumble or a "
        "balance threat began, until the walker recovered or fell: a controller speeding the "
        "belt up under a walker already off balance (the belt's own ripple under the "
        "walker's steps is not counted)."
    )
    motorized_only = True
    source = (
        "design rule, unsourced 0.1 m/s: for a backward walker a belt speed-up is a blind "
        "backward fall (DESIGN.md); speed-ups of 0.2 m/s and more are used to trip walkers"
    )
    default = 0.1

    def unmet_need(self, walker) -> str | None:
        return _needs_gait(self.name, walker)

    def reducer(self, ctx) -> _EpisodeGain:
        return _EpisodeGain(ctx.signal_index["target_speed_mps"])

    def measure(self, ctx, reducer):
        if reducer.opened is None:
            return 0.0, evidence(None, None, "the walker never stumbled or lost balance")
        if reducer.t is None:
            return 0.0, evidence(reducer.opened, None, "no speed-up was commanded in an episode")
        return reducer.gain, evidence(
            reducer.t, None, f"commanded {reducer.gain:.3f} m/s faster at "
            f"{seconds(reducer.t):.3f} s than when the episode began",
        )  # fmt: skip


class _EpisodeGain:
    """Online: a signal's largest gain over its value at each episode's start."""

    def __init__(self, index: int):
        self.index = index
        self.start: float | None = None  # the signal's value when the open episode began
        self.v = 0.0
        self.opened: int | None = None
        self.gain, self.t = 0.0, None

    def update(self, t: int, signals: tuple[float, ...]) -> None:
        self.v = signals[self.index]
        if self.start is not None and self.v - self.start > self.gain:
            self.gain, self.t = self.v - self.start, t

    def on_event(self, t: int, kind: str, details: dict) -> None:
        if kind in _OPENS and self.start is None:
            self.start = self.v
            self.opened = t if self.opened is None else self.opened
        elif kind in _CLOSES:
            self.start = None


CHECKS = [FallRisk, MinMarginOfStability, OffDeckEvents, SpeedupDuringRecovery]
