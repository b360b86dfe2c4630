"""Drive checks: over-speed, motor current and DC bus voltage."""

from __future__ import annotations

from sim.checks.base import SignalExtremeCheck


class Overspeed(SignalExtremeCheck):
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
    name = "motor_peak_current"
    unit = "A"
    description = "Peak armature current, either direction."
    source = "the preset's motor.peak_current_a"
    default_text = "motor.peak_current_a"
    signal = "motor_current_a"
    absolute = True
    what = "peak armature current"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.motor.peak_current_a


class BusVoltage(SignalExtremeCheck):
    name = "bus_voltage"
    unit = "V"
    description = "Peak DC bus voltage against the bus capacitor's rating."
    source = "the preset's bus.capacitor_rating_v (REFERENCE.md: 200-250 V on a 170 V bus)"
    default_text = "bus.capacitor_rating_v"
    signal = "bus_voltage_v"
    what = "peak bus voltage"

    def default_threshold(self, ctx) -> float:
        return ctx.treadmill.bus.capacitor_rating_v


CHECKS = [Overspeed, MotorPeakCurrent, BusVoltage]
