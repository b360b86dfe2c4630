"""A typical console: it passes the user's requested speed to the drive through a fixed ramp.

When the drive stops being ready (clip pulled, power lost) its output drops to zero, so the
belt never jumps back to the old speed after a manual reset. The ramps are unsourced defaults
("OEM ramps are slow", REFERENCE.md).
"""

from __future__ import annotations

import math

from sim.control.api import Commands, Sensors


def _ramp(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number in m/s^2 (got {value!r})")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be > 0 (got {value!r})")
    return float(value)


class ConsoleBaseline:
    def __init__(self, accel_mps2: float = 0.4, decel_mps2: float = 0.8):
        self.accel_mps2 = _ramp("accel_mps2", accel_mps2)
        self.decel_mps2 = _ramp("decel_mps2", decel_mps2)
        self.output_mps = 0.0
        self.last_t: float | None = None

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        dt = 0.0 if self.last_t is None else t - self.last_t
        self.last_t = t
        if not sensors.drive_ready:
            self.output_mps = 0.0
        else:
            gap = sensors.requested_speed_mps - self.output_mps
            self.output_mps += max(-self.decel_mps2 * dt, min(self.accel_mps2 * dt, gap))
        return Commands(self.output_mps, sensors.requested_incline_pct)
