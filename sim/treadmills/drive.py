"""The armature circuit of a PMDC drive: what the motor is connected to, the force it puts on
the belt, and where its energy goes, in each state a real machine can be in.

With the EMF k·v (k = Ke × motor rad per metre, V per m/s = N per A) every state is affine
in the belt speed over a sub-step, F_motor = a − b·v − m·dv/dt, so the belt equation keeps
its closed form, and the energy terms follow from the exact ∫v dt and ∫v² dt.

- OPEN: nothing conducts (relay open, or the bridge off with the EMF inside its diodes).
- DRIVEN: the bridge applies V through Ra.  BLOCKED: a single-switch chopper asked for less
  than the EMF: its freewheel diode blocks, i = 0.
- BRAKE: the armature across the brake resistor R_b (0 Ω: shorted), i = k·v / (Ra + R_b).
- BACKFEED: the armature left wired to an idle bridge drives current through the upper
  switch's body diode into the bus, once k·v > V_bus + V_diode. The bus capacitor (R·C about
  a millisecond, against the belt's tenths of seconds) then follows the EMF: quasi-static,
  V_bus = ρ·(k·v − Ra·I_L) − V_diode and the diode current C·dV/dt + I_L (I_L the logic
  rail's draw, frozen over a sub-step; ρ = R_b/(R_b + Ra) with a brake resistor also across
  the armature, 1 without). The capacitor's charge C·ρ·k·a draws the terminal down by Ra
  times it, taking (1 − ρ) of it from the brake branch: the armature carries ρ of it, and
  the capacitor shows as a mass C·ρ²·k² on the belt. The dropped Ra·C·dv/dt term in the
  terminal voltage leaves an energy residual of order Ra·C·k·∫a·i dt (mJ).
- FREEWHEEL: the belt pushed the wrong way: the reverse EMF shorts through the lower diode,
  i = (k·v + V_diode) / Ra.
- INVERTER: a vfd running an induction motor: F = K·(v_sync − v) (slip), or ± its torque
  limit. The bus gives F·v_sync (the air-gap power), the rotor loses F·(v_sync − v): over-
  driven (v > v_sync) it regenerates into the bus. With the inverter off: OPEN, no EMF.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Circuit(enum.IntEnum):
    OPEN = 0
    DRIVEN = 1
    BLOCKED = 2
    BRAKE = 3
    BACKFEED = 4
    FREEWHEEL = 5
    INVERTER = 6


@dataclass(slots=True)
class Terms:
    """F_motor = a − b·v − m·dv/dt over a sub-step, and what the books need."""

    a: float = 0.0
    b: float = 0.0
    m: float = 0.0
    ra: float = 1.0  # armature resistance at the winding's temperature
    r: float = 1.0  # the whole circuit's resistance (DRIVEN, BRAKE)
    volts: float = 0.0  # DRIVEN: the bridge's voltage
    rho: float = 1.0  # BACKFEED: the brake divider R_b / (R_b + Ra)
    logic_a: float = 0.0  # BACKFEED: the logic rail's draw
    brake_ohm: float = 0.0  # BACKFEED: a brake resistor in parallel (0: none)
    bus_v: float = 1.0  # INVERTER: the bus voltage, for its DC-link current


NO_TERMS = Terms()  # nothing conducts: no force, nothing to book (never mutated)


def terms(
    circuit: Circuit,
    k: float,
    ra: float,
    volts: float,
    brake_ohm: float | None,
    diode_v: float,
    capacitance_f: float,
    logic_a: float,
) -> Terms:
    """The motor's force terms in this circuit. brake_ohm: a brake resistor across the
    armature in this state (None: none)."""
    if circuit == Circuit.DRIVEN:
        return Terms(k * volts / ra, k * k / ra, ra=ra, r=ra, volts=volts)
    if circuit == Circuit.BRAKE:
        r = ra + (brake_ohm or 0.0)
        return Terms(0.0, k * k / r, ra=ra, r=r)
    if circuit == Circuit.BACKFEED:
        rho = brake_ohm / (brake_ohm + ra) if brake_ohm is not None else 1.0
        b = k * k / (brake_ohm + ra) if brake_ohm is not None else 0.0
        return Terms(-k * rho * logic_a, b, capacitance_f * rho * rho * k * k, ra=ra, r=ra,
                     rho=rho, logic_a=logic_a, brake_ohm=brake_ohm or 0.0)  # fmt: skip
    if circuit == Circuit.FREEWHEEL:
        return Terms(-k * diode_v / ra, k * k / ra, ra=ra, r=ra)
    return Terms(ra=ra, r=ra)


def inverter_terms(
    sync_mps: float, slip_n_per_mps: float, limit_n: float | None, bus_v: float
) -> Terms:
    """An inverter's force terms: slip, or held at limit_n (signed) at its torque limit.
    `volts` carries the synchronous speed for the books."""
    if limit_n is not None:
        return Terms(limit_n, 0.0, volts=sync_mps, bus_v=bus_v)
    return Terms(slip_n_per_mps * sync_mps, slip_n_per_mps, volts=sync_mps, bus_v=bus_v)


def current(
    circuit: Circuit,
    t: Terms,
    k: float,
    diode_v: float,
    capacitance_f: float,
    v: float,
    accel: float,
) -> float:
    """The armature current in the motoring sense: the motor's force on the belt / k."""
    if circuit in (Circuit.DRIVEN, Circuit.BRAKE):
        return (t.volts - k * v) / t.r
    if circuit == Circuit.INVERTER:  # the DC-link current: the air-gap power over the bus
        return (t.a - t.b * v) * t.volts / max(t.bus_v, 1.0)
    if circuit == Circuit.FREEWHEEL:
        return -(k * v + diode_v) / t.ra
    if circuit == Circuit.BACKFEED:
        through_brake = t.rho * (k * v - t.ra * t.logic_a) / t.brake_ohm if t.brake_ohm else 0.0
        charging = capacitance_f * t.rho * k * accel  # ρ of it through the armature
        return -(through_brake + t.rho * charging + t.logic_a)
    return 0.0


@dataclass(slots=True)
class Books:
    """Energy over a sub-step (J)."""

    copper: float = 0.0
    brake: float = 0.0
    diode: float = 0.0
    from_bus: float = 0.0  # drawn by the bridge (DRIVEN); negative: charged into it
    logic: float = 0.0  # the logic rail's draw, when the armature feeds it (BACKFEED)
    bus_v: float | None = None  # BACKFEED: the bus voltage the EMF holds it at


def book(
    circuit: Circuit,
    t: Terms,
    k: float,
    diode_v: float,
    capacitance_f: float,
    h: float,
    v0: float,
    v1: float,
    int_v: float,
    int_v2: float,
) -> Books:
    """The circuit's energy over a solved sub-step of h seconds (v0 → v1)."""
    if circuit in (Circuit.DRIVEN, Circuit.BRAKE):
        volts = t.volts
        # i = (V − k v)/R:  ∫R i² = (V²h − 2Vk∫v + k²∫v²)/R
        heat = (volts * volts * h - 2.0 * volts * k * int_v + k * k * int_v2) / t.r
        copper = heat * t.ra / t.r
        return Books(copper=copper, brake=heat - copper,
                     from_bus=volts * (volts * h - k * int_v) / t.r)  # fmt: skip
    if circuit == Circuit.INVERTER:  # F = a − b·v: ∫F·v_sync from the bus, ∫F·(v_sync − v) lost
        force_j = t.a * h - t.b * int_v
        from_bus = t.volts * force_j
        return Books(copper=from_bus - (t.a * int_v - t.b * int_v2), from_bus=from_bus)
    if circuit == Circuit.FREEWHEEL:
        copper = (k * k * int_v2 + 2.0 * k * diode_v * int_v + diode_v * diode_v * h) / t.ra
        diode = -diode_v * (k * int_v + diode_v * h) / t.ra
        return Books(copper=copper, diode=diode)
    if circuit == Circuit.BACKFEED:
        return _book_backfeed(t, k, diode_v, capacitance_f, h, v0, v1, int_v, int_v2)
    return Books()


def backfeed_bus_v(t: Terms, k: float, diode_v: float, v: float) -> float:
    """The bus voltage the EMF holds while the diode conducts."""
    return t.rho * (k * v - t.ra * t.logic_a) - diode_v


def backfeed_bus_current(t: Terms, k: float, capacitance_f: float, accel: float) -> float:
    """The current through the diode into the bus: the capacitor's charge and the logic."""
    return capacitance_f * t.rho * k * accel + t.logic_a


def _book_backfeed(
    t: Terms,
    k: float,
    diode_v: float,
    capacitance_f: float,
    h: float,
    v0: float,
    v1: float,
    int_v: float,
    int_v2: float,
) -> Books:
    ra, rho, i_l = t.ra, t.rho, t.logic_a
    c_k = capacitance_f * rho * k  # capacitor current per m/s² of belt acceleration
    dv, dv2 = v1 - v0, v1 * v1 - v0 * v0
    # the bus: V = β·v + γ with β = ρ·k, γ = −ρ·Ra·I_L − V_diode
    beta, gamma = rho * k, -rho * ra * i_l - diode_v
    logic = i_l * (beta * int_v + gamma * h)  # ∫V·I_L
    diode = diode_v * (c_k * dv + i_l * h)  # V_diode·∫i_bus
    brake = 0.0
    q = 0.0  # the brake branch's current per m/s: V_t/R_b = (ρ k v − ρ Ra I_L)/R_b
    p = i_l  # the armature current's part independent of v and dv/dt
    if t.brake_ohm:
        rb = t.brake_ohm
        vt0 = -rho * ra * i_l  # V_t = ρ·k·v + vt0
        brake = (beta * beta * int_v2 + 2.0 * beta * vt0 * int_v + vt0 * vt0 * h) / rb
        q = beta / rb
        p += vt0 / rb
    # the armature's i = p + q·v + ρ·c_k·a; ∫i² without the (c_k·a)² term (order C², µJ)
    copper = ra * (p * p * h + 2.0 * p * q * int_v + q * q * int_v2
                   + 2.0 * rho * c_k * (p * dv + 0.5 * q * dv2))  # fmt: skip
    return Books(copper=copper, brake=brake, diode=diode, logic=logic, bus_v=beta * v1 + gamma)
