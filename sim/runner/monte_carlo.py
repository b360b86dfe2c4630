"""Monte Carlo: one scenario run N times in-process, run i on its own random streams
(`SeedSequence(seed, spawn_key=(i, stream id))`, so run 0 is the single run), and the
checks aggregated across the runs.

Each check aggregates its own per-run results (`Check.aggregate`): `fall_risk` as a
proportion (Wilson interval, three-valued verdict); every other check reports its worst value
with the run that gave it and the fraction of runs that failed, and fails if any run failed.
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

OUTCOME_EVENTS = ("walker.fall", "walker.recovered")


@dataclass
class MonteCarloResult(Judged):
    scenario_id: str
    scenario_name: str
    seed: int
    checks: list[CheckResult]
    runs: list[RunResult] = field(repr=False)

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
    """Each check's own aggregate of its per-run results (`Check.aggregate`)."""
    return [
        REGISTRY[name].aggregate(
            [r.checks[j] for r in results],
            Verdict.FAIL if name in scenario.expect_fail else Verdict.PASS,
        )
        for j, name in enumerate(scenario.checks)
    ]
