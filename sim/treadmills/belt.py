"""The one belt equation, solved in closed form over a sub-step.

Every treadmill type obeys  m_eq · dv/dt = F_drive + F_walker − F_drag(v) − F_brake(v)
(v: belt-top velocity along +x, toward the rear of the deck). Over a sub-step the plant freezes
its inputs, and every term is affine in v:

    F_walker = F_w − m_add · dv/dt     (m_add = the walker's mass while it rides the belt)
    F_drag   = sign(v0) · F_coulomb + b · v
    F_drive  = (k / R) · (V − k · v)    (a PMDC motor on a voltage V through resistance R)

so (m_eq + m_add) dv/dt = A − B·v with constants A and B, whose exact solution and exact
integrals ∫v dt and ∫v² dt give the energy terms. The Coulomb sign is constant within a
sub-step: the plant declares "belt reaching zero" as a crossing, so no sub-step spans it.
"""

from __future__ import annotations

import math

from sim.treadmills.params import Belt

NEVER = -1.0  # crossing value of a crossing that cannot happen in the present mode
STOPPED_SPEED_MPS = 0.01  # "belt stopped" means |v| < 0.01 m/s (REFERENCE.md design default)

_SERIES_BELOW = 0.2  # below this k·h the φ2 and ψ series are used (their direct forms cancel)


# fmt: off
def _phi2(x: float) -> float:
    """(x − 1 + e^−x) / x²"""
    if x < _SERIES_BELOW:
        return 1 / 2 - x * (1 / 6 - x * (1 / 24 - x * (1 / 120 - x * (1 / 720 - x * (
            1 / 5040 - x * (1 / 40320 - x * (1 / 362880 - x * (1 / 3628800 - x * (
                1 / 39916800 - x * (1 / 479001600 - x / 6227020800))))))))))
    return (x + math.expm1(-x)) / (x * x)


def _psi(x: float) -> float:
    """∫₀¹ ((1 − e^(−x·s)) / x)² ds = (x − 2(1 − e^−x) + (1 − e^−2x)/2) / x³"""
    if x < _SERIES_BELOW:
        return 1 / 3 - x * (1 / 4 - x * (7 / 60 - x * (1 / 24 - x * (31 / 2520 - x * (
            1 / 320 - x * (127 / 181440 - x * (17 / 120960 - x * (73 / 2851200 - x * (
                31 / 7257600 - x * (2047 / 3113510400 - x / 10644480))))))))))
    return (x + 2.0 * math.expm1(-x) - 0.5 * math.expm1(-2.0 * x)) / (x * x * x)
# fmt: on


def affine_step(v0: float, mass: float, a: float, b: float, h: float) -> tuple[float, float, float]:
    """Solve mass·dv/dt = a − b·v (b >= 0) for h seconds from v0.

    Returns (v(h), ∫v dt, ∫v² dt) over the sub-step, exact to rounding for every k·h = b·h/m.
    With g = dv/dt at the start, v(t) = v0 + g·t·φ1(k t), so
        ∫v  = v0·h + g·h²·φ2(k h)
        ∫v² = v0²·h + 2·v0·g·h²·φ2(k h) + g²·h³·ψ(k h)
    (φ1 = (1 − e^−x)/x, φ2 = (x − 1 + e^−x)/x², ψ above), which neither divides by b nor
    cancels large terms as k·h goes to zero.
    """
    g = (a - b * v0) / mass
    x = b * h / mass
    phi1 = -math.expm1(-x) / x if x > 0.0 else 1.0
    gh2phi2 = g * h * h * _phi2(x)
    v1 = v0 + g * h * phi1
    int_v = v0 * h + gh2phi2
    int_v2 = v0 * v0 * h + 2.0 * v0 * gh2phi2 + g * g * h * h * h * _psi(x)
    return v1, int_v, int_v2


class BeltTrain:
    """The part of the belt equation every type shares: the belt's state, its deck drag
    (Coulomb, growing with the walker's normal force, plus viscous), sticking at rest and
    breaking free, and the energy books of the walker's work and the drag.

    A type adds its own force terms as `a_own − b_own·v` (a motor, an eddy brake) in
    `belt_terms`, and books their energy in its own `advance` before calling `book`."""

    def __init__(self, belt: Belt):
        self.m_eq = belt.equivalent_mass_kg
        self._no_load_n = belt.no_load_drag_n
        self._mu = belt.friction_coefficient
        self._viscous = belt.viscous_drag_n_per_mps
        self.v = 0.0
        self.s = 0.0
        self.moving = 0  # sign of motion during the current sub-step; 0: held by stiction
        self.accel = 0.0
        self.f_coulomb = self._no_load_n  # deck drag in the current sub-step
        self._a_own = 0.0  # the type's own force at zero speed in the current sub-step
        self.w_walker = self.w_drag = 0.0  # J: the walker's work on the belt, deck drag

    def save(self) -> dict:
        return self.__dict__.copy()

    def restore(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def kinetic_energy_j(self) -> float:
        return 0.5 * self.m_eq * self.v * self.v

    def drag_n(self, speed_mps: float, normal_n: float) -> float:
        """Deck drag at a steady speed (the force it takes to keep the belt moving)."""
        coulomb = self._no_load_n + self._mu * normal_n
        return math.copysign(coulomb, speed_mps) + self._viscous * speed_mps

    def step(self, h_ticks: int, f_walker: float, m_add: float, normal_n: float) -> None:
        """Advance h_ticks with the walker's load F_walker = f_walker − m_add·dv/dt frozen.
        h_ticks = 0 only brings the outputs (acceleration, current) up to date."""
        a, b, mass = self.belt_terms(f_walker, normal_n)
        a += f_walker
        mass += m_add
        v0 = self.v
        if h_ticks == 0:
            self.refresh(0.0 if self.moving == 0 else (a - b * v0) / mass)
            return
        h = h_ticks * 1e-6
        if self.moving == 0:
            v1 = int_v = int_v2 = accel = 0.0
        else:
            v1, int_v, int_v2 = affine_step(v0, mass, a, b, h)
            accel = (a - b * v1) / mass
        walker_work = f_walker * int_v - 0.5 * m_add * (v1 * v1 - v0 * v0)
        self.advance(h, v1, accel, int_v, int_v2, walker_work)

    def resolve(
        self, a_own: float, b_own: float, f_walker: float, normal_n: float
    ) -> tuple[float, float, float]:
        """The belt equation over the coming sub-step without the walker's force, given the
        type's own force a_own − b_own·v: m_eq·dv/dt = a − b·v (+ F_walker), as (a, b, m_eq).
        Decides whether a belt at rest breaks free, with F_walker = f_walker at the start
        of the sub-step (static friction = the Coulomb drag)."""
        f_coulomb = self._no_load_n + self._mu * normal_n
        v0 = self.v
        if v0 > 0.0:
            moving = 1
        elif v0 < 0.0:
            moving = -1
        else:
            applied = a_own + f_walker
            moving = 0 if abs(applied) <= f_coulomb else (1 if applied > 0.0 else -1)
        self.moving = moving
        self.f_coulomb = f_coulomb
        self._a_own = a_own
        return a_own - moving * f_coulomb, b_own + self._viscous, self.m_eq

    def breakaway_margin(self, f_walker: float) -> float:
        """For a belt held at rest: how far the applied force is from breaking it free
        (a crossing value, >= 0 once it breaks free); NEVER while it moves."""
        if self.moving != 0:
            return NEVER
        return abs(self._a_own + f_walker) - self.f_coulomb

    def book(
        self, v1: float, accel: float, int_v: float, int_v2: float, walker_work: float
    ) -> None:
        """The belt's new state and the shared energy terms over a solved sub-step."""
        self.v = v1
        self.accel = accel
        self.s += int_v
        self.w_walker += walker_work
        self.w_drag += self.moving * self.f_coulomb * int_v + self._viscous * int_v2

    def belt_crossings(self) -> tuple[float, float]:
        """(the belt reaching zero, the belt stopped: |v| below STOPPED_SPEED_MPS)."""
        v = self.v
        moving = self.moving
        zero = -v * moving if moving and v != 0.0 and self.f_coulomb > 0.0 else NEVER
        return zero, STOPPED_SPEED_MPS - abs(v)

    def on_belt_crossing(self, name: str) -> dict | None:
        """The belt reaching zero (whether it stays at rest or reverses, the next step
        decides) or stopping; None for any other crossing."""
        if name == "belt.zero":
            self.v = 0.0
            self.moving = 0
        elif name != "belt.stopped":
            return None
        return {"belt_position_m": self.s}

    @property
    def decel_mps2(self) -> float:
        """The belt's deceleration: its acceleration against its motion."""
        return -self.accel * self.moving
