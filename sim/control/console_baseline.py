"""A typical console: it passes the user's requested speed to the drive through a fixed ramp.

When the drive stops being ready (clip pulled, power lost) its output drops to zero, so the
belt never jumps back to the old speed after a manual reset. The ramps are unsourced defaults
("OEM ramps are slow", REFERENCE.md).
"""

from __future__ import annotations

from sim.control.api import Commands, Sensors


class ConsoleBaseline:
    def __init__(self, accel_mps2: float = 0.4, decel_mps2: float = 0.8):
        if accel_mps2 <= 0 or decel_mps2 <= 0:
            raise ValueError("ramps must be > 0")
        self.accel_mps2 = accel_mps2
        self.decel_mps2 = decel_mps2
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
