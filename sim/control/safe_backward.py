"""A console policy for backward walking, from the guidance in REFERENCE.md: start slow,
speed up more gently than it slows down, never raise speed and incline together, and slow
down gently when the walker drifts toward the rear of the deck.

- After every standstill the belt goes no faster than `start_limit_mps` (1.0 mph, the
  guidance's first-time limit) until the walker has walked `settle_s` at speed.
- Speed-up at `accel_mps2`, slow-down at `decel_mps2` (default 0.1 and 0.4 m/s²: unsourced,
  a quarter of the console's 0.4 up, and the same 0.4 down since a backward walker's forward
  (facing) recovery is the stronger one).
- The incline follows its request only while the speed is steady.
- Past `rear_limit_m` (deck position from the front) the target eases down at
  `drift_decel_mps2` until the walker is back ahead of it.
"""

from __future__ import annotations

from sim.control.api import Commands, Sensors
from sim.control.ramp import Ramp, positive
from sim.units import mph_to_mps

STEADY_MPS = 0.01  # the speed output counts as steady within this of its target


class SafeBackward:
    needs = {"drive_ready": 1.0, "walker_position_m": 5.0}

    def __init__(
        self,
        start_limit_mps: float = mph_to_mps(1.0),
        settle_s: float = 10.0,
        accel_mps2: float = 0.1,
        decel_mps2: float = 0.4,
        incline_rate_pct_per_s: float = 0.5,
        rear_limit_m: float = 1.0,
        drift_decel_mps2: float = 0.1,
    ):
        self.start_limit_mps = positive("start_limit_mps", start_limit_mps)
        self.settle_s = positive("settle_s", settle_s)
        self.speed = Ramp(positive("accel_mps2", accel_mps2), positive("decel_mps2", decel_mps2))
        rate = positive("incline_rate_pct_per_s", incline_rate_pct_per_s)
        self.incline = Ramp(rate, rate)
        self.rear_limit_m = positive("rear_limit_m", rear_limit_m)
        self.drift_decel_mps2 = positive("drift_decel_mps2", drift_decel_mps2)
        self.moving_since: float | None = None
        self.eased_mps: float | None = None  # a target lowered for a rearward drift

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        if not sensors.drive_ready:
            self.speed.value = self.incline.value = 0.0
            self.moving_since = self.eased_mps = None
        target = sensors.requested_speed_mps
        if target > 0.0 and self.moving_since is None:
            self.moving_since = t
        if target == 0.0:
            self.moving_since = None
        settled = self.moving_since is not None and t - self.moving_since >= self.settle_s
        if not settled:
            target = min(target, self.start_limit_mps)
        target = self._ease_for_drift(sensors.walker_position_m, target, t)
        speed = self.speed.toward(target, t)
        incline_target = sensors.requested_incline_pct
        if abs(target - speed) >= STEADY_MPS:  # the speed is changing: the incline may only fall
            incline_target = min(incline_target, self.incline.value)
        return Commands(speed, self.incline.toward(incline_target, t))

    def _ease_for_drift(self, x_m: float | None, target: float, t: float) -> float:
        """Past the rear limit the target eases down from the present speed, gently."""
        if x_m is None:  # no reading: an easing already begun holds where it got to
            return target if self.eased_mps is None else min(target, self.eased_mps)
        if x_m <= self.rear_limit_m:
            self.eased_mps = None
            return target
        dt = 0.0 if self.speed.last_t is None else t - self.speed.last_t
        start = self.speed.value if self.eased_mps is None else self.eased_mps
        self.eased_mps = max(0.0, start - self.drift_decel_mps2 * dt)
        return min(target, self.eased_mps)
