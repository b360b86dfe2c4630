"""Monte Carlo: one scenario run N times in-process, run i on its own random streams
(`SeedSequence(seed, spawn_key=(i, stream id))`, so run 0 is the single run), and the
checks aggregated across the runs.

`fall_risk` aggregates as a proportion (Wilson interval, three-valued verdict). Every other
check reports its worst value with the run that gave it and the fraction of runs that
failed, and fails if any run failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.checks.base import CheckResult, Verdict
from sim.checks.registry import REGISTRY
from sim.report.result import SCHEMA_VERSION, RunResult
from sim.runner.single import build, collect, execute
from sim.scenario import schema as s

OUTCOME_EVENTS = ("walker.fall", "walker.recovered")


@dataclass
class MonteCarloResult:
    scenario_id: str
    scenario_name: str
    seed: int
    checks: list[CheckResult]
    runs: list[RunResult] = field(repr=False)

    @property
    def first(self) -> RunResult:
        return self.runs[0]

    @property
    def verdict(self) -> Verdict:
        return max((c.verdict for c in self.checks), default=Verdict.PASS)

    @property
    def as_expected(self) -> bool:
        return all(c.as_expected for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The aggregate, with one summary per run (its checks and balance outcomes)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": {"name": self.scenario_name},
            "seed": self.seed,
            "runs": len(self.runs),
            "provenance": self.first.provenance,
            "as_expected": self.as_expected,
            "verdict": self.verdict.label,
            "checks": [c.to_dict() for c in self.checks],
            "per_run": [_run_summary(i, r) for i, r in enumerate(self.runs)],
        }


def _run_summary(index: int, r: RunResult) -> dict[str, Any]:
    return {
        "run": index,
        "verdict": r.verdict.label,
        "checks": {c.name: {"value": c.value, "verdict": c.verdict.label} for c in r.checks},
        "outcomes": [{"t_s": t, "kind": k, **d} for t, k, d in r.events if k in OUTCOME_EVENTS],
        **({"walker_energy": r.walker_energy} if r.walker_energy else {}),
        "events_processed": r.events_processed,
    }


def run_many(
    scenario: s.Scenario,
    runs: int,
    seed: int,
    scenario_id: str,
    progress: Callable[[int], None] | None = None,
) -> MonteCarloResult:
    """Run `runs` times (a ScenarioCrash from any run propagates) and aggregate."""
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    results = []
    for i in range(runs):
        run = build(scenario, seed, run_index=i)
        execute(run)
        results.append(collect(run, scenario_id, seed))
        if progress:
            progress(i + 1)
    return MonteCarloResult(scenario_id, scenario.name, seed, aggregate(scenario, results), results)


def aggregate(scenario: s.Scenario, results: list[RunResult]) -> list[CheckResult]:
    out = []
    for j, name in enumerate(scenario.checks):
        per_run = [r.checks[j] for r in results]
        check = REGISTRY[name]
        expected = Verdict.FAIL if name in scenario.expect_fail else Verdict.PASS
        if hasattr(check, "aggregate"):
            values = [c.value for c in per_run]
            evidences = [c.evidence for c in per_run]
            out.append(check.aggregate(values, evidences, per_run[0].threshold, expected))
        else:
            out.append(_worst(per_run, expected))
    return out


def _worst(per_run: list[CheckResult], expected: Verdict) -> CheckResult:
    """The worst run's value; failed if any run failed (a missing value is the worst)."""
    first = per_run[0]
    sign = 1.0 if first.sense == "max" else -1.0

    def badness(c: CheckResult) -> tuple[int, float]:
        return (c.verdict, sign * c.value if c.value is not None else float("inf"))

    index = max(range(len(per_run)), key=lambda i: badness(per_run[i]))
    worst = per_run[index]
    failed = sum(c.verdict >= Verdict.FAIL for c in per_run)
    verdict = max(c.verdict for c in per_run)
    ev = dict(worst.evidence)
    ev.update(run=index, failed_fraction=failed / len(per_run),
              message=f"run {index}: {worst.evidence['message']}; "
              f"{failed} of {len(per_run)} run(s) failed")  # fmt: skip
    return CheckResult(first.name, worst.value, first.unit, first.threshold, first.sense,
                       verdict, expected, ev, first.source)  # fmt: skip
