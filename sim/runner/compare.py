"""Paired comparison of two scenario variants on common random numbers.

Both variants run the same N runs with the same seed, so run i of each draws its walker and
perturbations from the same streams: differences between them are the variants', not the
dice's. Per check: the mean of the per-run differences (b − a) with a Student-t 95 %
interval; for falls, McNemar's exact test on the runs where only one variant fell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.runner.monte_carlo import MonteCarloResult, run_many
from sim.scenario import schema as s
from sim.scenario.loader import load_scenario
from sim.stats import mcnemar_exact, paired_difference


@dataclass
class PairedComparison:
    a: MonteCarloResult
    b: MonteCarloResult
    differences: dict[str, dict[str, Any]]  # check -> paired difference (b − a), JSON-ready
    falls: dict[str, Any]  # discordant pairs and McNemar's p

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.scenario_name,
            "b": self.b.scenario_name,
            "runs": len(self.a.runs),
            "seed": self.a.seed,
            "differences_b_minus_a": self.differences,
            "falls": self.falls,
        }


def _fell(result) -> bool:
    return any(kind == "walker.fall" for _, kind, _ in result.events)


def compare_paired(
    scenario_a: s.Scenario | str | Path,
    scenario_b: s.Scenario | str | Path,
    runs: int,
    seed: int = 0,
) -> PairedComparison:
    """Run both variants `runs` times on the same per-run streams and compare them."""
    variants = [sc if isinstance(sc, s.Scenario) else load_scenario(sc)
                for sc in (scenario_a, scenario_b)]  # fmt: skip
    a, b = (run_many(sc, runs, seed, sc.name) for sc in variants)
    differences = {}
    for name in variants[0].checks:
        if name not in variants[1].checks:
            continue
        pairs = [
            (_value(ra, name), _value(rb, name)) for ra, rb in zip(a.runs, b.runs, strict=True)
        ]
        pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
        if pairs:
            diff = paired_difference([x for x, _ in pairs], [y for _, y in pairs])
            differences[name] = diff.to_dict()
    fell_a, fell_b = [_fell(r) for r in a.runs], [_fell(r) for r in b.runs]
    only_a = sum(x and not y for x, y in zip(fell_a, fell_b, strict=True))
    only_b = sum(y and not x for x, y in zip(fell_a, fell_b, strict=True))
    falls = {
        "a": sum(fell_a),
        "b": sum(fell_b),
        "only_a": only_a,
        "only_b": only_b,
        "mcnemar_p": mcnemar_exact(only_a, only_b),
    }
    return PairedComparison(a, b, differences, falls)


def _value(result, name: str) -> float | None:
    return next(c.value for c in result.checks if c.name == name)
