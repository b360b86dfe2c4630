"""Walker checks: where the walker's feet end up, and how fast a backward walker starts."""

from __future__ import annotations

from sim.checks.base import Check, SignalExtremeCheck, evidence
from sim.units import mph_to_mps, mps_to_mph


class RearClearance(SignalExtremeCheck):
    name = "rear_clearance"
    unit = "m"
    sense = "min"
    description = "Smallest distance from the walker's rearmost foot point to the deck's rear end."
    source = (
        "design rule: the walker stays on the deck; what matters is where the walker ends up, "
        "not belt travel alone (REFERENCE.md)"
    )
    default = 0.0
    needs_walker = True
    signal = "rear_clearance_m"
    what = "smallest rear clearance"


class StartSpeed(Check):
    name = "start_speed"
    unit = "m/s"
    description = "First speed set-point a backward-facing walker is asked to walk at."
    source = "backward-walking guidance (REFERENCE.md): 0.5-1.0 mph for a first time"
    default = mph_to_mps(1.0)
    default_text = "0.447 (1.0 mph)"

    def unmet_need(self, walker) -> str | None:
        if walker is None or walker.facing != "backward":
            return "start_speed needs a backward-facing [walker]"
        return None

    def measure(self, ctx, reducer):
        first = ctx.first("user.set_speed", where=lambda d: d["speed_mps"] > 0.0)
        if first is None:
            return None, evidence(None, None, "no speed was set in the run")
        t, _, d = first
        v = d["speed_mps"]
        return v, evidence(t, "user.set_speed", f"first set-point {mps_to_mph(v):.2f} mph")


CHECKS = [RearClearance, StartSpeed]
