"""Auto-pace: the belt follows the walker. It reads the walker's deck position and speeds
the belt up when the walker is ahead of `home_m` (toward the front), slows it when behind,
so walking faster or slower changes the belt's speed with no button.

The hazard it carries for backward walking: a backward walker who stumbles backward in
their own frame moves toward the console, which auto-pace reads as a faster walker. It
speeds the belt up, which carries the feet rearward under a body already falling backward:
a blind backward fall. `GuardedAutoPace` knows which way the walker faces: toward their
back it never speeds up faster than a walker can mean to (a position rate above
`stumble_mps` is a stumble, not a stride) and it holds the speed through the stumble.
"""

from __future__ import annotations

from collections import deque

from sim.control.api import Commands, Sensors
from sim.control.ramp import Ramp, positive

RATE_WINDOW_S = 0.2  # the position rate over this long: the sensor's noise averaged down


class AutoPace:
    needs = {"drive_ready": 1.0, "walker_position_m": 10.0}

    def __init__(
        self,
        home_m: float = 0.7,
        gain_per_s: float = 1.0,
        max_speed_mps: float = 2.0,
        accel_mps2: float = 0.4,
        decel_mps2: float = 0.8,
    ):
        self.home_m = positive("home_m", home_m)
        self.gain_per_s = positive("gain_per_s", gain_per_s)
        self.max_speed_mps = positive("max_speed_mps", max_speed_mps)
        self.speed = Ramp(positive("accel_mps2", accel_mps2), positive("decel_mps2", decel_mps2))

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        x = sensors.walker_position_m
        if not sensors.drive_ready or sensors.requested_speed_mps == 0.0:
            self.speed.value = 0.0
            self.speed.toward(0.0, t)
            return Commands(0.0)
        if x is None:  # lost the walker: hold what it had
            return Commands(self.speed.toward(self.speed.value, t))
        target = sensors.requested_speed_mps + self.gain_per_s * (self.home_m - x)
        target = self.guard(x, t, min(max(target, 0.0), self.max_speed_mps))
        return Commands(self.speed.toward(target, t))

    def guard(self, x_m: float, t: float, target: float) -> float:
        return target


class GuardedAutoPace(AutoPace):
    """Auto-pace for a walker facing the rear (a backward walker; `facing = "forward"` for
    the usual walker, whose stumbles are toward the front and read as slower)."""

    def __init__(self, facing: str = "backward", stumble_mps: float = 0.3,
                 hold_s: float = 2.0, **kwargs: float):  # fmt: skip
        super().__init__(**kwargs)
        if facing not in ("backward", "forward"):
            raise ValueError(f"facing must be 'backward' or 'forward' (got {facing!r})")
        self.back_sign = -1.0 if facing == "backward" else 1.0  # toward its back, along x
        self.stumble_mps = positive("stumble_mps", stumble_mps)
        self.hold_s = positive("hold_s", hold_s)
        self.seen: deque[tuple[float, float]] = deque()  # (t, x) over the last RATE_WINDOW_S
        self.held_until = -1.0

    def guard(self, x_m: float, t: float, target: float) -> float:
        self.seen.append((t, x_m))
        while t - self.seen[0][0] > RATE_WINDOW_S:
            self.seen.popleft()
        t0, x0 = self.seen[0]
        if t - t0 >= RATE_WINDOW_S / 2:
            rate = (x_m - x0) / (t - t0)
            if self.back_sign * rate > self.stumble_mps:  # moving toward its back, fast
                self.held_until = t + self.hold_s
        if t < self.held_until:  # a stumble: no speed-up under it
            return min(target, self.speed.value)
        return target
