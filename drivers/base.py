"""The Driver protocol: what a controller's runner needs from a treadmill, simulated or real.

Everything that can wait is a coroutine (a Bluetooth treadmill answers in its own time; the
simulator at once), and time comes from the driver's `clock`, so one runner serves the
simulator's time and the wall's. Speeds and inclines are SI at this boundary (m/s, %); a
driver converts to its wire units.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sim.control.api import Commands, Sensors

SAFETY_KEY = "stopped_by_safety_key"  # the event a driver reports when the clip is pulled
CONTROLLER_RESET = "controller.reset"  # the controller's processor came back from reset


class DriverConnectionError(ConnectionError):
    """The treadmill cannot be reached (no Bluetooth here, no such device, it went away)."""


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the run began."""
        ...

    async def sleep_until(self, t_s: float) -> bool:
        """Wait until `t_s`; False if this clock will never get there (a simulation that
        has reached its end)."""
        ...


class WallClock:
    """Monotonic wall time, from the moment the clock is made."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._t0

    async def sleep_until(self, t_s: float) -> bool:
        await asyncio.sleep(max(0.0, t_s - self.now()))
        return True


@dataclass(frozen=True)
class DriverEvent:
    """Something the treadmill reported: `kind` is a short name (SAFETY_KEY, "stopped",
    "started", "controller.reset", "control_lost"...), `t_s` the driver clock's time."""

    t_s: float
    kind: str
    details: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Driver(Protocol):
    clock: Clock
    tick_hz: float  # how often the runner ticks a controller on it

    def offered(self) -> dict[str, float]:
        """Sensor name -> the highest rate (Hz) this driver gives it at."""
        ...

    def serve(self, sensors: set[str]) -> None:
        """Give these sensors from now on (the runner passes the controller's needs); the
        others read None."""
        ...

    async def connect(self) -> None: ...

    async def telemetry(self) -> Sensors | None:
        """The latest readings. None: no controller runs this tick (the processor it runs
        on is down or hung; only a simulated treadmill says so)."""
        ...

    async def set_target(self, speed_mps: float, incline_pct: float) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def command(self, cmd: Commands) -> None:
        """A tick's whole command (a driver maps it onto its targets, start and stop)."""
        ...

    def events(self) -> list[DriverEvent]:
        """What happened since the last call, oldest first."""
        ...

    async def close(self) -> None: ...
