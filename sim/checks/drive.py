"""Drive checks: over-speed, motor current, DC bus voltage, winding temperature, and what a
belt pushed with the drive off does to the electronics (back-feed, brown-outs, motion the
controller did not command)."""

from __future__ import annotations

from sim.checks.base import Check, SignalExtremeCheck, evidence
from sim.kernel import seconds
from sim.treadmills.belt import STOPPED_SPEED_MPS


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


class WatchdogLatency(Check):
    motorized_only = True
    name = "watchdog_latency"
    unit = "s"
    description = (
        "A hung controller's last command to the drive cut by the board's watchdog (a run "
        "with no hang passes; a hang never cut measures to the run's end)."
    )
    source = (
        "design rule, unsourced 0.5 s: a belt no controller is watching must stop being "
        "driven within half a second (EN 957-6: stops must not rely on software alone)"
    )
    default = 0.5

    def measure(self, ctx, reducer):
        hang = ctx.first("fault.start", where=lambda d: d["fault"] == "controller_hang")
        if hang is None:
            return 0.0, evidence(None, None, "the controller never hung in this run")
        cut = ctx.first("drive.watchdog_cut", after=hang[0])
        back = ctx.first(
            "fault.end", after=hang[0], where=lambda d: d["fault"] == "controller_hang"
        )
        if cut is None and back is not None:
            return 0.0, evidence(
                back[0], "fault.end",
                f"the controller came back after {seconds(back[0] - hang[0]):.3f} s, before "
                "the watchdog needed to cut",
            )  # fmt: skip
        if cut is None:
            never = ctx.scenario.duration_s - seconds(hang[0])
            return never, evidence(
                hang[0], "fault.start",
                f"hung at {seconds(hang[0]):.3f} s and never cut (no watchdog, or it failed): at "
                f"least {never:g} s",
            )  # fmt: skip
        latency = seconds(cut[0]) - cut[2]["last_command_s"]
        return latency, evidence(
            cut[0], "drive.watchdog_cut",
            f"last command at {cut[2]['last_command_s']:.6f} s, drive cut {latency:.6f} s later",
        )  # fmt: skip


class RelaySwitching(Check):
    motorized_only = True
    name = "relay_switching"
    unit = "count"
    description = (
        "Times the armature relay switched while the belt moved (|v| >= 0.01 m/s): the motor "
        "or a brake put on or taken off under a walker."
    )
    source = (
        "design rule, unsourced: no sudden brake under a walker, and a relay switching a "
        "moving motor's current arcs its contacts (REFERENCE.md: back-feed can chatter relays)"
    )
    default = 0.0

    def reducer(self, ctx) -> _Switchings:
        index = ctx.signal_index
        return _Switchings(index["relay_closed"], index["belt_speed_mps"])

    def measure(self, ctx, reducer):
        if reducer.first is None:
            return 0.0, evidence(None, None, "the relay never switched under a moving belt")
        return float(reducer.count), evidence(
            reducer.first, None, f"first at {seconds(reducer.first):.3f} s, {reducer.count} in all"
        )


class _Switchings:
    """Online: changes of a 0/1 signal while the belt moves."""

    def __init__(self, index: int, speed_index: int):
        self.index, self.speed_index = index, speed_index
        self.state: float | None = None
        self.count, self.first = 0, None

    def update(self, t: int, signals: tuple[float, ...]) -> None:
        state = signals[self.index]
        changed = self.state is not None and state != self.state
        if changed and abs(signals[self.speed_index]) >= STOPPED_SPEED_MPS:
            self.count += 1
            self.first = t if self.first is None else self.first
        self.state = state

    def on_event(self, t: int, kind: str, details: dict) -> None:
        pass


CHECKS = [
    Overspeed, MotorPeakCurrent, BusVoltage, WindingTemperature, BackfedEnergy,
    BrownoutEvents, UncommandedMotion, WatchdogLatency, RelaySwitching,
]  # fmt: skip
