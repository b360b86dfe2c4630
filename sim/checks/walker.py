"""Walker checks: where the walker's feet end up, how fast a backward walker starts, and
whether it can drive the belt it is on."""

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
    motorized_only = True  # its set-points are a console's
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


class PushForceRequired(SignalExtremeCheck):
    name = "push_force_required"
    unit = "N"
    description = (
        "Largest force the walker must add by effort (hands on rails or handle, or its weight "
        "on the curve) to hold its intended speed on a belt it drives, against its push "
        "capacity at that speed."
    )
    source = (
        "the walker's stated push capacity (its profile's force-velocity line) at its "
        "intended speed; the belt's steady resistance in its present state"
    )
    default_text = "the walker's push capacity at its pace"
    needs_walker = True
    signal = "push_needed_n"
    what = "largest push needed"

    def unmet_need(self, walker) -> str | None:
        if walker is None or walker.model != "gait":
            return 'push_force_required needs a walker with model = "gait"'
        return None

    def default_threshold(self, ctx) -> float:
        pace = ctx.first("walker.pace")
        return pace[2]["capacity_n"] if pace else 0.0

    def measure(self, ctx, reducer):
        if ctx.first("walker.pace") is None:
            return None, evidence(None, None, "the walker does not drive this belt (no pace)")
        return super().measure(ctx, reducer)


CHECKS = [RearClearance, StartSpeed, PushForceRequired]
