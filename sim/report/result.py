"""The one result type every writer reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.checks.base import CheckResult, Verdict

SCHEMA_VERSION = 1

_UNIT_SUFFIXES = (
    ("_mps2", "m/s^2"), ("_mps", "m/s"), ("_m", "m"), ("_a", "A"), ("_v", "V"),
    ("_pct", "%"), ("_n", "N"), ("_c", "degC"), ("_s", "s"),
)  # fmt: skip


def unit_of(signal: str) -> str:
    for suffix, unit in _UNIT_SUFFIXES:
        if signal.endswith(suffix):
            return unit
    return ""


class Judged:
    """What every result's verdict comes from: its checks (the worst wins)."""

    checks: list[CheckResult]

    @property
    def verdict(self) -> Verdict:
        return max((c.verdict for c in self.checks), default=Verdict.PASS)

    @property
    def as_expected(self) -> bool:
        return all(c.as_expected for c in self.checks)


@dataclass
class RunResult(Judged):
    scenario_id: str
    scenario_name: str
    seed: int
    checks: list[CheckResult]
    events: list[tuple[float, str, dict[str, Any]]]  # (t_s, kind, details)
    trace: dict[str, np.ndarray]  # "t_s" and every signal
    energy_j: dict[str, float]
    provenance: dict[str, Any]
    events_processed: int
    deck_length_m: float
    clip_release_x_m: float | None = None  # where the cord would release this walker's clip
    walker_energy: dict[str, Any] | None = None  # kcal and MET of a gait walker, upright

    def trace_summary(self) -> dict[str, Any]:
        t = self.trace["t_s"]
        channels = {
            name: {"unit": unit_of(name), "min": float(values.min()), "max": float(values.max())}
            for name, values in self.trace.items()
            if name != "t_s" and len(values)
        }
        return {
            "samples": int(len(t)),
            "period_s": float(t[1] - t[0]) if len(t) > 1 else None,
            "end_s": float(t[-1]) if len(t) else None,
            "channels": channels,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and free of wall-clock times, host names and output paths."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": {"name": self.scenario_name},  # no path: the same bytes from anywhere
            "seed": self.seed,
            "provenance": self.provenance,
            "as_expected": self.as_expected,
            "verdict": self.verdict.label,
            "checks": [c.to_dict() for c in self.checks],
            "energy_j": self.energy_j,
            **({"walker_energy": self.walker_energy} if self.walker_energy else {}),
            "events": [{"t_s": t, "kind": k, **d} for t, k, d in self.events],
            "events_processed": self.events_processed,
            "trace": self.trace_summary(),
        }
