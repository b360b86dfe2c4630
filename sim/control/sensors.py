"""The sensors a controller reads, as the hardware gives them: a tach timed edge to edge,
analog channels with a resolution, noise and delay, the clip switch and the drive's ready
line, and an optional walker-position sensor. Faults (`sim.control.faults`) act here.

Two profiles: "full" (every fitted sensor, at any tick rate) and "ftms" (what a Bluetooth
FTMS treadmill reports: speed and incline about once a second at 0.01 km/h and 0.1 %, the
running state from its status; no current, no bus voltage).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.control.api import Sensors
from sim.treadmills.params import AnalogSensor, SensorFit, Tach
from sim.units import kmh_to_mps

MAX_RATE_HZ = 10_000.0  # the full profile: any tick rate the scenario allows
FTMS_RATE_HZ = 1.0
FTMS_SPEED_STEP_MPS = kmh_to_mps(0.01)
FTMS_INCLINE_STEP_PCT = 0.1
BOOLEAN_SENSORS = ("clip_attached", "drive_ready")
FTMS_HELD = ("belt_speed_mps", "incline_pct")  # notified about once a second


class TachReader:
    """Edge timing of the roller's pulses. An edge is the belt's position crossing a
    multiple of the pitch, either way (one channel: no direction); edges are placed by
    interpolating the belt's position between two reads (reads come at the tick rate, far
    faster than the belt changes) and counted in the timer's resolution. The reading is the
    pitch times the edges since the last edge of an earlier read, over the time between
    (edge to edge when they are sparse, over the whole read when they are dense), no more
    than the pitch over the time since the last edge (a belt that is slowing shows it before
    its next edge), and zero after the timeout."""

    def __init__(self, p: Tach):
        self.pitch_m = math.pi * p.roller_diameter_m / p.pulses_per_rev
        self.resolution_s = p.timer_resolution_s
        self.timeout_s = p.timeout_s
        self.count = 0  # edges so far
        self.last: tuple[int, float] | None = None  # (count, time) of the latest edge
        self.speed = 0.0  # from the latest edges
        self.t_s: float | None = None
        self.s_m = 0.0

    def read(self, t_s: float, s_m: float) -> float:
        if self.t_s is not None and t_s > self.t_s and s_m != self.s_m:
            edges = self._edges(self.t_s, self.s_m, t_s, s_m)
            if edges:
                ref = self.last if self.last is not None else edges[0]
                n, t = edges[-1]
                if t > ref[1]:
                    self.speed = self.pitch_m * (n - ref[0]) / (t - ref[1])
                self.last = (n, t)
        self.t_s, self.s_m = t_s, s_m
        if self.last is None or self.speed == 0.0:
            return 0.0
        since = t_s - self.last[1]
        if since > self.timeout_s:
            return 0.0
        gap = since - self.resolution_s  # no edge for at least this long (the last one's
        return min(self.speed, self.pitch_m / gap) if gap > 0 else self.speed  # time is floored)

    def _edges(self, t0: float, s0: float, t1: float, s1: float) -> list[tuple[int, float]]:
        """(edge count, time in timer counts) of the first and the last edge crossed from
        s0 to s1, the ones a reading needs; counts them all."""
        k0, k1 = math.floor(s0 / self.pitch_m), math.floor(s1 / self.pitch_m)
        crossed = abs(k1 - k0)
        if not crossed:
            return []
        first, last = (k0 + 1, k1) if k1 > k0 else (k0, k1 + 1)  # the boundaries, in order
        out = []
        for n, k in ((self.count + 1, first), (self.count + crossed, last))[: min(crossed, 2)]:
            t = t0 + (k * self.pitch_m - s0) / (s1 - s0) * (t1 - t0)
            out.append((n, math.floor(t / self.resolution_s) * self.resolution_s))
        self.count += crossed
        return out


@dataclass
class SensorFault:
    """What the active faults do to one sensor now."""

    dropped: bool = False
    sticking: bool = False
    stuck: Any = None  # the reading it is stuck at (None while sticking: its next one)
    noise_sd: float = 0.0
    delay_s: float = 0.0


@dataclass
class Channel:
    """One sensor's readings, kept for its delay."""

    delay_s: float = 0.0
    noise_sd: float = 0.0
    resolution: float | None = None
    history: deque = field(default_factory=deque)

    def value(self, t_s: float, raw: Any, fault: SensorFault, rng: np.random.Generator) -> Any:
        delay = self.delay_s + fault.delay_s
        self.history.append((t_s, raw))
        while len(self.history) > 1 and self.history[1][0] <= t_s - delay:
            self.history.popleft()
        if fault.dropped:
            return None
        if fault.sticking and fault.stuck is not None:
            return fault.stuck  # exactly what it read when it stuck: no fresh noise
        reading = self._reading(self.history[0][1], fault, rng)
        if fault.sticking:
            fault.stuck = reading
        return reading

    def _reading(self, value: Any, fault: SensorFault, rng: np.random.Generator) -> Any:
        if value is None or isinstance(value, bool):
            return value
        sd = math.hypot(self.noise_sd, fault.noise_sd)
        if sd:
            value += sd * rng.standard_normal()
        if self.resolution:
            value = round(value / self.resolution) * self.resolution
        return float(value)


NO_FAULT = SensorFault()


def _analog(p: AnalogSensor) -> Channel:
    return Channel(delay_s=p.delay_s, noise_sd=p.noise_sd, resolution=p.resolution)


class SensorBank:
    """Reads a motorized treadmill (and its walker) into `Sensors`, for the sensors a
    controller declared; the others read None."""

    def __init__(self, fit: SensorFit, profile: str, rng: np.random.Generator):
        if profile not in ("full", "ftms"):
            raise ValueError(f"unknown sensor profile {profile!r} (full or ftms)")
        self.profile = profile
        self.rng = rng
        self.tach = TachReader(fit.tach)
        self.tach_noise = fit.tach.noise_fraction
        self.faults: dict[str, SensorFault] = {}
        ftms = profile == "ftms"
        self.channels: dict[str, Channel] = {
            "belt_speed_mps": Channel(
                delay_s=fit.tach.delay_s, resolution=FTMS_SPEED_STEP_MPS if ftms else None
            ),
            "incline_pct": Channel(resolution=FTMS_INCLINE_STEP_PCT)
            if ftms
            else _analog(fit.incline),
            "clip_attached": Channel(),
            "drive_ready": Channel(),
        }
        if not ftms:
            self.channels["motor_current_a"] = _analog(fit.motor_current)
            self.channels["bus_voltage_v"] = _analog(fit.bus_voltage)
            if fit.walker_position is not None:
                self.channels["walker_position_m"] = _analog(fit.walker_position)
        self.held: dict[str, Any] = {}  # the ftms profile: the last 1 Hz sample

    def offered(self) -> dict[str, float]:
        if self.profile == "ftms":  # the running state comes from status notifications
            rates = {"belt_speed_mps": FTMS_RATE_HZ, "incline_pct": FTMS_RATE_HZ}
            return rates | {"drive_ready": MAX_RATE_HZ}
        return {name: MAX_RATE_HZ for name in self.channels}

    def fault(self, name: str) -> SensorFault:
        return self.faults.setdefault(name, SensorFault())

    def read(self, t_s: float, raw: dict[str, Any], belt_position_m: float) -> dict[str, Any]:
        """The readings of the sensors in `raw` (their true values now, by name): the belt
        speed is the tach's, timed from the belt's position (the ftms profile: the console's
        own measurement, with the incline, as sampled at the first read of each second)."""
        if self.profile == "ftms":
            k = math.floor(t_s * FTMS_RATE_HZ)
            if self.held.get("k") != k:
                self.held = {"k": k} | {n: raw[n] for n in FTMS_HELD if n in raw}
            raw.update((n, self.held[n]) for n in FTMS_HELD if n in raw)
        elif "belt_speed_mps" in raw:
            speed = self.tach.read(t_s, belt_position_m)
            if speed and self.tach_noise:
                speed *= 1.0 + self.tach_noise * self.rng.standard_normal()
            raw["belt_speed_mps"] = speed
        faults, rng = self.faults, self.rng
        return {
            name: self.channels[name].value(t_s, value, faults.get(name, NO_FAULT), rng)
            for name, value in raw.items()
        }


def sensors_from(readings: dict[str, Any], speed_mps: float, incline_pct: float) -> Sensors:
    return Sensors(**readings, requested_speed_mps=speed_mps, requested_incline_pct=incline_pct)
