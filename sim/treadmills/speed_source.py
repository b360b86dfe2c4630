"""A lab perturbation treadmill: an ideal four-quadrant servo (`speed_source` drive).

The belt follows a prescribed speed profile, in either direction, whatever the walker does:
each set-point is reached at its own constant acceleration (at most the servo's maximum),
and the end of a ramp is a crossing, fired at its own time. The servo supplies whatever
force that takes, F_servo = m_eq·a − F_walker (drag is inside the servo), and logs it. With
the belt's motion prescribed, the walker cannot change it: the coupled step of the gait
walker takes the belt's acceleration as given.
"""

from __future__ import annotations

import math

from sim.treadmills.belt import NEVER
from sim.treadmills.params import Servo, SpeedSourceParams


def ramp_to(
    servo: Servo, v: float, target_mps: float, accel_mps2: float | None
) -> tuple[float, float]:
    """A servo's new set-point from speed v: (the target it can reach, the constant
    acceleration it ramps at: accel_mps2, or its default, within its limits)."""
    a = servo.default_accel_mps2 if accel_mps2 is None else accel_mps2
    a = min(abs(a), servo.max_accel_mps2)
    target = max(-servo.max_speed_mps, min(servo.max_speed_mps, target_mps))
    return target, (0.0 if target == v else math.copysign(a, target - v))


def end_ramp(belt, target_mps: float) -> float:
    """A ramp reaching its set-point (found to within one tick): the belt put exactly on
    it; returns the work that last tick's snap takes, ½·m_eq·(target² − v²)."""
    work = 0.5 * belt.m_eq * (target_mps * target_mps - belt.v * belt.v)
    belt.v = target_mps
    return work


def ramp_end(v: float, target_mps: float, accel_mps2: float) -> float:
    """Crossing value of a ramp reaching its set-point (NEVER while holding)."""
    return (v - target_mps) * math.copysign(1.0, accel_mps2) if accel_mps2 else NEVER


class SpeedSourceTreadmill:
    signal_names = (
        "belt_speed_mps", "target_speed_mps", "belt_accel_mps2", "belt_position_m",
        "servo_force_n", "incline_pct",
    )  # fmt: skip
    crossing_names = ("belt.ramp_end",)
    clip_attached = False
    drive_ready = True

    def __init__(self, p: SpeedSourceParams):
        self.p = p
        self.length_m = p.deck.length_m
        self.m_eq = p.equivalent_mass_kg
        self.incline_pct = p.incline_pct
        self.v = 0.0
        self.s = 0.0
        self.accel = 0.0  # the prescribed acceleration of the present ramp (0: holding)
        self.target_mps = 0.0
        self.servo_force_n = 0.0
        self.w_walker = self.w_servo = 0.0

    def save(self) -> dict:
        return self.__dict__.copy()

    def restore(self, state: dict) -> None:
        self.__dict__.update(state)

    def next_boundary(self, t: int) -> int:
        return 2**62  # no sampled-data loop: the servo is ideal

    def on_boundary(self, t: int) -> None:
        pass

    def incline_at(self, x_m: float) -> float:
        return self.incline_pct

    # ----------------------------------------------------------------- profile
    def prescribe(self, target_mps: float, accel_mps2: float | None) -> dict:
        """A new set-point, reached at accel_mps2 (the servo's default if None)."""
        self.target_mps, self.accel = ramp_to(self.p.servo, self.v, target_mps, accel_mps2)
        return {"from_mps": self.v, "to_mps": self.target_mps, "accel_mps2": self.accel}

    # ----------------------------------------------------------------- dynamics
    def step(self, h_ticks: int, f_walker: float, m_add: float, normal_n: float) -> None:
        """Advance along the profile with a walker load F_walker = f_walker − m_add·dv/dt."""
        h = h_ticks * 1e-6
        v0, a = self.v, self.accel
        v1 = v0 + a * h
        f_now = f_walker - m_add * a
        self.set_walker_force(f_now)
        if h_ticks:
            self.advance(h, v1, a, (v0 + 0.5 * a * h) * h, 0.0, f_now * (v0 + 0.5 * a * h) * h)

    def advance(
        self, h: float, v1: float, accel: float, int_v: float, int_v2: float, walker_work: float
    ) -> None:
        """Book a solved sub-step: the belt's new speed, ∫v dt and the walker's work (the
        acceleration is the profile's own; ∫v² is not needed without drag)."""
        v0 = self.v
        self.v = v1
        self.s += int_v
        self.w_walker += walker_work
        self.w_servo += 0.5 * self.m_eq * (v1 * v1 - v0 * v0) - walker_work

    def set_walker_force(self, f_walker_n: float) -> None:
        self.servo_force_n = self.m_eq * self.accel - f_walker_n

    def crossings(self) -> tuple[float, ...]:
        return (ramp_end(self.v, self.target_mps, self.accel),)

    def on_crossing(self, name: str) -> dict:
        self.w_servo += end_ramp(self, self.target_mps)
        self.accel = 0.0
        return {"belt_speed_mps": self.v, "belt_position_m": self.s}

    def signals(self) -> tuple[float, ...]:
        return (
            self.v, self.target_mps, self.accel, self.s, self.servo_force_n, self.incline_pct,
        )  # fmt: skip

    def energy_account(self) -> dict[str, float]:
        """Lab-frame energy since the start (J): walker work + servo work = belt kinetic."""
        kinetic = 0.5 * self.m_eq * self.v * self.v
        return {
            "walker_on_belt": self.w_walker,
            "servo": self.w_servo,
            "belt_kinetic": kinetic,
            "residual": self.w_walker + self.w_servo - kinetic,
        }
