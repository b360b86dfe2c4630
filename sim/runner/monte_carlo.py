"""Monte Carlo: one scenario run N times in-process, run i on its own random streams
(`SeedSequence(seed, spawn_key=(i, stream id))`, so run 0 is the single run), and the
checks aggregated across the runs.

Each check aggregates its own per-run results (`Check.aggregate`): `fall_risk` as a
proportion (Wilson interval, three-valued verdict); every other check reports its worst value
with the run that gave it and the fraction of runs that failed, and fails if any run failed.

Sequential (`runs_max`): the runs are judged at planned looks (`runs`, doubling, up to
`runs_max`) and stop at the first look where no check is inconclusive. Each look's intervals
are at the confidence that keeps the whole schedule at 95 % (`sim.stats.look_confidence`), so
stopping early cannot flatter the verdict. Run i is the same run whatever look stops the
sequence, so the result is a function of the scenario and the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.checks.base import CheckResult, Verdict
from sim.checks.registry import REGISTRY
from sim.report.result import SCHEMA_VERSION, Judged, RunResult
from sim.runner.single import build, collect, execute
from sim.scenario import schema as s
from sim.stats import look_confidence, sequential_looks

OUTCOME_EVENTS = ("walker.fall", "walker.recovered")


@dataclass
class MonteCarloResult(Judged):
    scenario_id: str
    scenario_name: str
    seed: int
    checks: list[CheckResult]
    runs: list[RunResult] = field(repr=False)
    looks: list[dict[str, Any]] = field(default_factory=list)  # a sequential run's looks

    @property
    def first(self) -> RunResult:
        return self.runs[0]

    def to_dict(self) -> dict[str, Any]:
        """The aggregate, with one summary per run (its checks and balance outcomes)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": {"name": self.scenario_name},
            "seed": self.seed,
            "runs": len(self.runs),
            **({"looks": self.looks} if self.looks else {}),
            "provenance": self.first.provenance,
            "as_expected": self.as_expected,
            "verdict": self.verdict.label,
            "checks": [c.to_dict() for c in self.checks],
            "per_run": [_run_summary(i, r) for i, r in enumerate(self.runs)],
        }


def planned_runs(scenario: s.Scenario, runs: int | None) -> tuple[int, int | None]:
    """(runs, runs_max) to run: the scenario's own, or a fixed `runs` given instead."""
    return (scenario.runs, scenario.runs_max) if runs is None else (runs, None)


def _check_values(checks: list[CheckResult], evidence: tuple[str, ...] = ()) -> dict[str, Any]:
    """Each check's value and verdict, with the named evidence fields it has."""
    return {
        c.name: {"value": c.value, "verdict": c.verdict.label}
        | {k: c.evidence[k] for k in evidence if k in c.evidence}
        for c in checks
    }


def _run_summary(index: int, r: RunResult) -> dict[str, Any]:
    return {
        "run": index,
        "verdict": r.verdict.label,
        "checks": _check_values(r.checks),
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
    runs_max: int | None = None,
) -> MonteCarloResult:
    """Run `runs` times, or sequentially from `runs` up to `runs_max` (see the module), and
    aggregate; a ScenarioCrash from any run propagates. `progress(runs done)`."""
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    looks = sequential_looks(runs, runs_max or runs)
    confidence = look_confidence(len(looks))
    results: list[RunResult] = []
    history: list[dict[str, Any]] = []
    for n in looks:
        for i in range(len(results), n):
            run = build(scenario, seed, run_index=i)
            execute(run)
            results.append(collect(run, scenario_id, seed))
            if progress:
                progress(i + 1)
        checks = aggregate(scenario, results, confidence)
        if runs_max is not None:
            history.append(_look(n, checks))
        if all(c.verdict != Verdict.INCONCLUSIVE for c in checks):
            break
    return MonteCarloResult(scenario_id, scenario.name, seed, checks, results, history)


def _look(n: int, checks: list[CheckResult]) -> dict[str, Any]:
    return {"runs": n, "checks": _check_values(checks, ("low", "high", "confidence"))}


def aggregate(
    scenario: s.Scenario, results: list[RunResult], confidence: float = 0.95
) -> list[CheckResult]:
    """Each check's own aggregate of its per-run results (`Check.aggregate`)."""
    return [
        REGISTRY[name].aggregate(
            [r.checks[j] for r in results],
            Verdict.FAIL if name in scenario.expect_fail else Verdict.PASS,
            confidence,
        )
        for j, name in enumerate(scenario.checks)
    ]
