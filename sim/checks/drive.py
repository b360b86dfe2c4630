"""Drive checks: over-speed, motor current, DC bus voltage, winding temperature, and what a
belt pushed with the drive off does to the electronics (back-feed, brown-outs, motion the
controller did not command)."""

from __future__ import annotations

from sim.checks.base import Check, SignalExtremeCheck, evidence


class Overspeed(SignalExtremeCheck):
    motorized_only = True
    name = "overspeed"
    unit = "m/s"
    description = "Largest excess of belt speed over the drive's speed reference while it drives."
    source = (
        "design rule, unsourced 0.2 m/s tolerance; a single-switch chopper cannot brake, so a "
        "heavy walker on an incline can over-speed the belt (REFERENCE.md)"
    )
    default = 0.2
    signal = "overspeed_mps"
    what = "largest over-speed"


class MotorPeakCurrent(SignalExtremeCheck):
    motorized_only = True
    name = "motor_peak_current"
    unit = "A"
    description = "Peak armature current, either direction."
    source = "the preset's motor.peak_current_a"
    default_text = "motor.peak_current_a (induction.peak_current_a on a vfd)"
    signal = "motor_current_a"
    absolute = True
    what = "peak armature current"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.peak_current_a


class BusVoltage(SignalExtremeCheck):
    motorized_only = True
    name = "bus_voltage"
    unit = "V"
    description = "Peak DC bus voltage against the bus capacitor's rating."
    source = "the preset's bus.capacitor_rating_v (REFERENCE.md: 200-250 V on a 170 V bus)"
    default_text = "bus.capacitor_rating_v"
    signal = "bus_voltage_v"
    what = "peak bus voltage"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.bus.capacitor_rating_v


class WindingTemperature(SignalExtremeCheck):
    motorized_only = True
    name = "winding_temperature"
    unit = "degC"
    description = "Peak motor winding temperature (two-node thermal model, Ra rising with it)."
    source = "the preset's thermal.max_winding_c (insulation thermal class B, 130 degC, by default)"
    default_text = "thermal.max_winding_c"
    signal = "winding_temp_c"
    what = "peak winding temperature"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.thermal.max_winding_c


class BackfedEnergy(SignalExtremeCheck):
    motorized_only = True
    name = "backfed_energy"
    unit = "J"
    description = "Energy the back-driven motor pushed into the DC bus through the bridge's diodes."
    source = (
        "design rule, unsourced: a drive the user switched off should not be powered by the "
        "belt; REFERENCE.md: a back-driven PMDC charges an unpowered bus once EMF > V_bus"
    )
    default = 0.0
    signal = "backfed_energy_j"
    what = "energy back-fed into the bus"


class BrownoutEvents(Check):
    motorized_only = True
    name = "brownout_events"
    unit = "count"
    description = (
        "Times the logic rail browned out: a power cut, or a back-fed rail that woke and fell."
    )
    source = (
        "design rule, unsourced: the logic should not cycle; REFERENCE.md: back-feed can wake "
        "or brown out the logic"
    )
    default = 0.0

    def measure(self, ctx, reducer):
        events = [t for t, k, _ in ctx.log if k == "bus.brownout"]
        if not events:
            return 0.0, evidence(None, None, "the logic rail never browned out")
        wakes = sum(k == "bus.wake" for _, k, _ in ctx.log)
        return float(len(events)), evidence(
            events[0], "bus.brownout",
            f"first brown-out at {events[0] / 1e6:.3f} s; {wakes} wake-up(s)",
        )  # fmt: skip


class UncommandedMotion(SignalExtremeCheck):
    motorized_only = True
    name = "uncommanded_motion"
    unit = "m/s"
    description = (
        "Largest belt speed reached while the belt gained speed with the drive commanding "
        "none (off, disabled or at a zero set-point): the belt was pushed."
    )
    source = "design rule, unsourced 0.1 m/s: a belt creeping, not a walker pushing it"
    default = 0.1
    signal = "uncommanded_speed_mps"
    what = "largest uncommanded belt speed"


CHECKS = [
    Overspeed, MotorPeakCurrent, BusVoltage, WindingTemperature, BackfedEnergy,
    BrownoutEvents, UncommandedMotion,
]  # fmt: skip
