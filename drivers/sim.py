"""The simulator behind the Driver protocol: a built scenario run on a motorized treadmill.

Its clock is the kernel's: sleeping until t runs the simulation to t, so the controller
acts at t after the hardware, the sensors and the walker (DESIGN.md's ordering). The
controller runs on the treadmill's logic rail: while the rail is down, or an injected hang
holds it, it does not tick (`telemetry()` is None); when the rail comes back, the driver
says "controller.reset" and the runner starts a fresh controller.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.base import CONTROLLER_RESET, SAFETY_KEY, DriverEvent
from sim.control.api import Commands, Sensors
from sim.control.sensors import SensorBank, sensors_from
from sim.kernel import Kernel, Phase, seconds, ticks
from sim.treadmills.motorized import MotorizedTreadmill
from sim.treadmills.watchdog import Watchdog

if TYPE_CHECKING:
    from sim.runner.single import Run
    from sim.scenario.schema import Scenario

# What a controller on the board can observe, by the kernel's event names
_OBSERVABLE = {
    "drive.cut": SAFETY_KEY,  # the clip switch opened and the contactor cut
    "belt.stopped": "stopped",
    "drive.watchdog_cut": "watchdog_cut",
    "bus.overvoltage": "overvoltage_trip",
    "reset": "reset_pressed",
}


class SimClock:
    def __init__(self, kernel: Kernel):
        self.kernel = kernel

    def now(self) -> float:
        return seconds(self.kernel.now)

    async def sleep_until(self, t_s: float) -> bool:
        return self.kernel.run_until(ticks(t_s), Phase.CONTROLLER)


class SimDriver:
    def __init__(self, run: Run, profile: str = "full", wanted: set[str] | None = None):
        tm = run.treadmill
        if not isinstance(tm, MotorizedTreadmill):
            raise TypeError(f"a controller needs a motorized treadmill (got {tm.p.kind})")
        self.run, self.kernel, self.treadmill = run, run.kernel, tm
        self.clock = SimClock(run.kernel)
        self.tick_hz = run.scenario.controller.rate_hz
        self.sensors = SensorBank(tm.p.sensors, profile, run.kernel.rng("sensors"))
        self.serve(set(self.sensors.offered()) if wanted is None else wanted)
        self.watchdog = Watchdog(run.kernel, tm, tm.p.watchdog.timeout_s) if tm.p.watchdog else None
        self.hung = False
        self.command_latency = 0  # ticks
        self.fault_layers: dict[tuple[int, str], tuple[Any, list]] = {}  # `faults._set`
        self.readings: dict[str, Any] = {}
        self._seen = 0  # the event log read so far
        self._losses = tm.logic_losses  # the board's resets seen so far
        self._sent = self._applied = 0  # commands numbered: a late one never overtakes
        self._running = True  # start/stop, for a caller using the protocol's primitives
        self._target = (0.0, 0.0)

    @classmethod
    def from_scenario(
        cls, scenario: Scenario | str | Path, seed: int = 0, profile: str = "full"
    ) -> SimDriver:
        """A fresh run of a scenario (on a motorized treadmill) behind the protocol, for a
        controller supplied by the caller; the scenario's own controller is not run."""
        from sim.runner.single import build  # the runner builds on this module
        from sim.scenario.loader import load_scenario

        if not hasattr(scenario, "controller"):
            scenario = load_scenario(Path(scenario))
        driver = build(scenario, seed, profile=profile, with_controller=False).driver
        if driver is None:
            raise TypeError(f"{scenario.name}: a controller needs a motorized treadmill")
        return driver

    def serve(self, names: set[str]) -> None:
        """Read these sensors from now on (the others read None)."""
        tm, walker = self.treadmill, self.run.rig.walker
        true_values = {
            "belt_speed_mps": lambda: tm.v,
            "incline_pct": lambda: tm.incline_pct,
            "clip_attached": lambda: tm.clip_attached or tm.clip_switch_stuck,
            "drive_ready": lambda: tm.drive_ready,
            "motor_current_a": lambda: tm.current_a,
            "bus_voltage_v": lambda: tm.bus_voltage_v,
            "walker_position_m": lambda: walker.x if walker else None,
        }
        self._true = [(name, true_values[name]) for name in sorted(names)]

    def offered(self) -> dict[str, float]:
        return self.sensors.offered()

    async def connect(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def telemetry(self) -> Sensors | None:
        if self.hung or not self.treadmill.logic_on:
            return None
        tm, console = self.treadmill, self.run.console
        if not tm.drive_ready:
            console.speed_mps = 0.0  # the console clears its request when the drive drops
        raw = {name: value() for name, value in self._true}
        self.readings = self.sensors.read(self.clock.now(), raw, tm.s)
        return sensors_from(self.readings, console.speed_mps, console.incline_pct)

    def last_reading(self, sensor: str) -> Any:
        return self.readings.get(sensor)

    async def command(self, cmd: Commands) -> None:
        if self.watchdog is not None:
            self.watchdog.feed()
        self._sent += 1
        n = self._sent
        if self.command_latency:
            at = self.kernel.now + self.command_latency
            self.kernel.call_at(at, Phase.ACTUATORS, lambda t: self._apply(cmd, n))
        else:
            self._apply(cmd, n)

    def _apply(self, cmd: Commands, n: int) -> None:
        if n < self._applied:  # a delayed command arriving after a newer one
            return
        self._applied = n
        self.treadmill.command(cmd.target_speed_mps, cmd.target_incline_pct, cmd.drive_enable,
                               cmd.brake_level)  # fmt: skip

    async def set_target(self, speed_mps: float, incline_pct: float) -> None:
        self._target = (speed_mps, incline_pct)
        await self._primitive()

    async def start(self) -> None:
        self._running = True
        await self._primitive()

    async def stop(self) -> None:
        self._running = False
        await self._primitive()

    async def _primitive(self) -> None:
        speed, incline = self._target
        await self.command(Commands(speed if self._running else 0.0, incline))

    def events(self) -> list[DriverEvent]:
        """What the board saw since the controller last looked. After a reset (its rail went
        down since, however briefly), only "controller.reset": a fresh controller starts
        with nothing from before."""
        log = self.kernel.log
        if self.treadmill.logic_losses != self._losses and self.treadmill.logic_on:
            self._losses = self.treadmill.logic_losses
            self.kernel.record(CONTROLLER_RESET)
            self._seen = len(log)
            return [DriverEvent(self.clock.now(), CONTROLLER_RESET)]
        out = [
            DriverEvent(seconds(t), _OBSERVABLE[kind], details)
            for t, kind, details in log[self._seen :]
            if kind in _OBSERVABLE
        ]
        self._seen = len(log)
        return out
