"""A typical console: it passes the user's requested speed to the drive through a fixed ramp.

When the drive stops being ready (clip pulled, power lost) its output drops to zero, so the
belt never jumps back to the old speed after a manual reset. The ramps are unsourced defaults
("OEM ramps are slow", REFERENCE.md).
"""

from __future__ import annotations

from sim.control.api import Commands, Sensors
from sim.control.ramp import Ramp, positive


class ConsoleBaseline:
    needs = {"drive_ready": 1.0}  # it reads the ready line; any tick rate will do

    def __init__(self, accel_mps2: float = 0.4, decel_mps2: float = 0.8):
        self.speed = Ramp(positive("accel_mps2", accel_mps2), positive("decel_mps2", decel_mps2))

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        if not sensors.drive_ready:
            self.speed.value = 0.0
        self.speed.toward(sensors.requested_speed_mps, t)
        return Commands(self.speed.value, sensors.requested_incline_pct)
