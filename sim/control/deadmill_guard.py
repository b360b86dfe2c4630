"""Deadmill guard: a board that sees its belt moving with no speed commanded (a walker
pushing a switched-off or idle treadmill) protects the electronics without a lurch.

It never commands motion of its own, and with no speed requested it never enables the
drive, but to ramp the belt down from the user's own stop (for at most `stop_s`, and only
while the drive is ready): an enabled drive at a zero set-point would fight the walker (a
two-quadrant speed loop brakes the belt toward zero, hard), and enabling pulls the armature
relay in (on an nc_brake relay that takes the brake off under the walker, and puts it back
on at the next drop-out). So with no request the relay stays as it is unpowered. Belt
motion above `detect_mps` on the tach is a push: where the board can brake (a two-quadrant
bridge, the armature on it) it brings the brake in as a ramp of its duty,
`brake_ramp_per_s`, up to `max_brake`, so the walker feels the belt stiffen over seconds
instead of a sudden stop, and the EMF's current goes into the brake's short instead of the
bus.

Across a brown-out it is not running at all: it comes back from reset with nothing
remembered, the drive disabled. While the rail is down the relay's unpowered state is what
protects walker and electronics.
"""

from __future__ import annotations

from sim.control.api import Commands, Sensors
from sim.control.ramp import positive


class DeadmillGuard:
    needs = {"belt_speed_mps": 5.0, "drive_ready": 1.0}

    def __init__(
        self,
        detect_mps: float = 0.1,
        brake_ramp_per_s: float = 0.01,
        max_brake: float = 0.05,
        stop_s: float = 4.0,
    ):
        self.detect_mps = positive("detect_mps", detect_mps)
        self.stop_s = positive("stop_s", stop_s)  # the drive's ramp-down from a request
        self.brake_ramp_per_s = positive("brake_ramp_per_s", brake_ramp_per_s)
        self.max_brake = min(positive("max_brake", max_brake), 1.0)
        self.running = False  # driving a request, or ramping down from one
        self.stopping_since: float | None = None
        self.pushed = False
        self.brake = 0.0
        self.last_t: float | None = None

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        dt = 0.0 if self.last_t is None else t - self.last_t
        self.last_t = t
        request = sensors.requested_speed_mps if sensors.drive_ready else 0.0
        if request > 0.0:  # the user runs the belt: a console's job, ramped by the drive
            self.running, self.pushed, self.brake = True, False, 0.0
            self.stopping_since = None
            return Commands(request)
        speed = sensors.belt_speed_mps
        if self.running:  # the user's stop: the drive ramps the belt down, still enabled,
            if self.stopping_since is None:  # for at most stop_s and only while it is ready
                self.stopping_since = t
            ramping = t - self.stopping_since < self.stop_s and sensors.drive_ready
            if ramping and (speed is None or speed >= self.detect_mps / 2):
                return Commands(0.0)
            self.running, self.stopping_since = False, None
        if speed is not None and speed > self.detect_mps:
            self.pushed = True
        elif speed is not None and speed < self.detect_mps / 2:
            self.pushed = False
        self.brake = (
            min(self.max_brake, self.brake + self.brake_ramp_per_s * dt) if self.pushed else 0.0
        )
        return Commands(0.0, drive_enable=False, brake_level=self.brake)
