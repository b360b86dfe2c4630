"""The check API: an online reducer during the run, a measurement and one verdict after it.

Verdicts are decided here and nowhere else; writers only format them. A check whose closing
event never happened fails with value None and evidence saying what was missing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from sim.kernel import seconds

if TYPE_CHECKING:
    from sim.runner.context import RunContext
    from sim.walker.minimal import WalkerSpec


class Verdict(enum.IntEnum):
    """Ordered: the worst wins."""

    PASS = 0
    FAIL = 1
    INCONCLUSIVE = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class CheckResult:
    name: str
    value: float | None
    unit: str
    threshold: float
    sense: Literal["max", "min"]  # max: value must be <= threshold; min: >= threshold
    verdict: Verdict
    expected: Verdict  # PASS, or FAIL when the scenario lists the check in expect_fail
    evidence: dict[str, Any]
    source: str

    @property
    def as_expected(self) -> bool:
        """An expected failure counts only with a measured value: a check that measured
        nothing has not shown its hazard. An error or an inconclusive verdict never counts."""
        if self.expected == Verdict.FAIL and self.value is None:
            return False
        return self.verdict == self.expected and self.verdict <= Verdict.FAIL

    @property
    def value_text(self) -> str:
        return "—" if self.value is None else f"{self.value:.4g} {self.unit}"

    @property
    def limit_text(self) -> str:
        return f"{'<=' if self.sense == 'max' else '>='} {self.threshold:.4g} {self.unit}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "threshold": self.threshold,
            "sense": self.sense,
            "verdict": self.verdict.label,
            "expected": self.expected.label,
            "as_expected": self.as_expected,
            "evidence": self.evidence,
            "source": self.source,
        }


def evidence(t: int | None, event: str | None, message: str, **extra: Any) -> dict[str, Any]:
    return {"t_s": None if t is None else seconds(t), "event": event, "message": message, **extra}


@dataclass
class Extreme:
    """Online reducer: the largest (or smallest) value of one signal, with its time,
    optionally only between the first `opens_on` event and the next `closes_on` event.

    The kernel shows it every sub-step end and the outputs just after every event and
    sampled-data update; in between, each signal is monotonic (the belt solution is one
    exponential), so these samples hold the extreme over the run."""

    index: int
    sense: Literal["max", "min"] = "max"
    absolute: bool = False
    opens_on: str | None = None
    closes_on: str | None = None
    opens_if: Callable[[dict[str, Any]], bool] | None = None  # a condition on the details
    value: float | None = None
    t: int | None = None
    is_open: bool = field(init=False)
    _opened: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.is_open = self.opens_on is None

    def update(self, t: int, signals: tuple[float, ...]) -> None:
        if not self.is_open:
            return
        v = signals[self.index]
        if self.absolute:
            v = abs(v)
        best = self.value
        if best is None or (v > best if self.sense == "max" else v < best):
            self.value = v
            self.t = t

    def on_event(self, t: int, kind: str, details: dict[str, Any]) -> None:
        if kind == self.opens_on and not self._opened:
            if self.opens_if is None or self.opens_if(details):
                self._opened = self.is_open = True
        elif kind == self.closes_on and self._opened:
            self.is_open = False


class Check:
    """One family member: name, unit, default threshold, description, source."""

    name: ClassVar[str]
    unit: ClassVar[str]
    sense: ClassVar[Literal["max", "min"]] = "max"
    description: ClassVar[str]
    source: ClassVar[str]
    default: ClassVar[float | None] = None  # a fixed default threshold, in `unit`
    default_text: ClassVar[str] = ""  # how `treadbench checks` shows a default from the preset
    needs_walker: ClassVar[bool] = False
    motorized_only: ClassVar[bool] = False  # needs a drive, a clip or a console

    def unmet_need(self, walker: WalkerSpec | None) -> str | None:
        """Why this check cannot apply to a scenario with this walker (None: it can)."""
        if self.needs_walker and walker is None:
            return f"{self.name} needs a [walker]"
        return None

    def default_threshold(self, ctx: RunContext) -> float:
        return self.default

    def describe_default(self) -> str:
        return self.default_text or f"{self.default:g}"

    def reducer(self, ctx: RunContext) -> Extreme | None:
        return None

    def measure(self, ctx: RunContext, reducer: Extreme | None) -> tuple[float | None, dict]:
        raise NotImplementedError

    def evaluate(
        self, ctx: RunContext, reducer: Extreme | None, threshold: float | None, expected: Verdict
    ) -> CheckResult:
        limit = self.default_threshold(ctx) if threshold is None else threshold
        value, ev = self.measure(ctx, reducer)
        if value is None:
            verdict = Verdict.FAIL
        elif self.sense == "max":
            verdict = Verdict.PASS if value <= limit else Verdict.FAIL
        else:
            verdict = Verdict.PASS if value >= limit else Verdict.FAIL
        return CheckResult(
            self.name, value, self.unit, limit, self.sense, verdict, expected, ev, self.source
        )

    def aggregate(
        self, per_run: list[CheckResult], expected: Verdict, confidence: float = 0.95
    ) -> CheckResult:
        """Across Monte Carlo runs: the worst run's value (a missing value is the worst) and
        the fraction of runs that failed; failed if any run failed. (`confidence` is for the
        checks judged by an interval over the runs.)"""
        first = per_run[0]
        sign = 1.0 if first.sense == "max" else -1.0

        def badness(c: CheckResult) -> tuple[int, float]:
            return (c.verdict, sign * c.value if c.value is not None else float("inf"))

        index = max(range(len(per_run)), key=lambda i: badness(per_run[i]))
        worst = per_run[index]
        failed = sum(c.verdict >= Verdict.FAIL for c in per_run)
        ev = dict(worst.evidence)
        ev.update(run=index, failed_fraction=failed / len(per_run),
                  message=f"run {index}: {worst.evidence['message']}; "
                  f"{failed} of {len(per_run)} run(s) failed")  # fmt: skip
        return CheckResult(first.name, worst.value, first.unit, first.threshold, first.sense,
                           max(c.verdict for c in per_run), expected, ev, first.source)  # fmt: skip


class SignalExtremeCheck(Check):
    """A check whose value is the extreme of one signal over the run, or between the first
    `opens_on` event and the next `closes_on` event."""

    signal: ClassVar[str]
    what: ClassVar[str]  # the value in words, for the evidence: "peak bus voltage"
    absolute: ClassVar[bool] = False
    opens_on: ClassVar[str | None] = None
    closes_on: ClassVar[str | None] = None

    @staticmethod
    def opens_if(details: dict[str, Any]) -> bool:
        """Whether the `opens_on` event with these details opens the window."""
        return True

    def reducer(self, ctx: RunContext) -> Extreme | None:
        index = ctx.signal_index.get(self.signal)
        if index is None:
            return None
        return Extreme(
            index, self.sense, self.absolute, self.opens_on, self.closes_on, self.opens_if
        )

    def measure(self, ctx: RunContext, reducer: Extreme | None) -> tuple[float | None, dict]:
        return extreme_measure(reducer, self.what)


def extreme_measure(reducer: Extreme | None, what: str) -> tuple[float | None, dict]:
    """Value and evidence of an `Extreme` reducer that may have seen nothing."""
    if reducer is None or reducer.value is None:
        return None, evidence(None, None, f"no {what} was sampled")
    return reducer.value, evidence(reducer.t, None, f"{what} at t = {seconds(reducer.t):.3f} s")
