"""Walker checks: where the walker's feet end up, and how fast a backward walker starts."""

from __future__ import annotations

from sim.checks.base import Check, Extreme, evidence, extreme_measure
from sim.units import mph_to_mps, mps_to_mph


class RearClearance(Check):
    name = "rear_clearance"
    unit = "m"
    sense = "min"
    description = "Smallest distance from the walker's rearmost foot point to the deck's rear end."
    source = (
        "design rule: the walker stays on the deck; what matters is where the walker ends up, "
        "not belt travel alone (REFERENCE.md)"
    )
    default_text = "0"

    def default_threshold(self, ctx) -> float:
        return 0.0

    def reducer(self, ctx):
        index = ctx.signal_index.get("rear_clearance_m")
        return None if index is None else Extreme(index, sense="min")

    def measure(self, ctx, reducer):
        if ctx.scenario.walker is None:
            return None, evidence(None, None, "the scenario has no walker")
        return extreme_measure(reducer, "smallest rear clearance")


class StartSpeed(Check):
    name = "start_speed"
    unit = "m/s"
    description = "First speed set-point a backward-facing walker is asked to walk at."
    source = "backward-walking guidance (REFERENCE.md): 0.5-1.0 mph for a first time"
    default_text = "0.447 (1.0 mph)"

    def default_threshold(self, ctx) -> float:
        return mph_to_mps(1.0)

    def measure(self, ctx, reducer):
        walker = ctx.scenario.walker
        if walker is None or walker.facing != "backward":
            return None, evidence(None, None, "no backward-facing walker in the scenario")
        first = ctx.first("user.set_speed", where=lambda d: d["speed_mps"] > 0.0)
        if first is None:
            return None, evidence(None, None, "no speed was set in the run")
        t, _, d = first
        v = d["speed_mps"]
        return v, evidence(t, "user.set_speed", f"first set-point {mps_to_mph(v):.2f} mph")


CHECKS = [RearClearance, StartSpeed]
