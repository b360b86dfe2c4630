"""Drive checks: over-speed, motor current and DC bus voltage."""

from __future__ import annotations

from sim.checks.base import Check, Extreme, extreme_measure


class Overspeed(Check):
    name = "overspeed"
    unit = "m/s"
    description = "Largest excess of belt speed over the drive's speed reference while it drives."
    source = (
        "design rule, unsourced 0.2 m/s tolerance; a single-switch chopper cannot brake, so a "
        "heavy walker on an incline can over-speed the belt (REFERENCE.md)"
    )
    default_text = "0.2"

    def default_threshold(self, ctx) -> float:
        return 0.2

    def reducer(self, ctx):
        return Extreme(ctx.signal_index["overspeed_mps"])

    def measure(self, ctx, reducer):
        return extreme_measure(reducer, "largest over-speed")


class MotorPeakCurrent(Check):
    name = "motor_peak_current"
    unit = "A"
    description = "Peak armature current, either direction."
    source = "the preset's motor.peak_current_a"
    default_text = "motor.peak_current_a"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.motor.peak_current_a

    def reducer(self, ctx):
        return Extreme(ctx.signal_index["motor_current_a"], absolute=True)

    def measure(self, ctx, reducer):
        return extreme_measure(reducer, "peak armature current")


class BusVoltage(Check):
    name = "bus_voltage"
    unit = "V"
    description = "Peak DC bus voltage against the bus capacitor's rating."
    source = "the preset's bus.capacitor_rating_v (REFERENCE.md: 200-250 V on a 170 V bus)"
    default_text = "bus.capacitor_rating_v"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.bus.capacitor_rating_v

    def reducer(self, ctx):
        return Extreme(ctx.signal_index["bus_voltage_v"])

    def measure(self, ctx, reducer):
        return extreme_measure(reducer, "peak bus voltage")


CHECKS = [Overspeed, MotorPeakCurrent, BusVoltage]
