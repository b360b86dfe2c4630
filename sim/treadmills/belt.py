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

STOPPED_SPEED_MPS = 0.01  # "belt stopped" means |v| < 0.01 m/s (REFERENCE.md design default)


def affine_step(v0: float, mass: float, a: float, b: float, h: float) -> tuple[float, float, float]:
    """Solve mass·dv/dt = a − b·v for h seconds from v0.

    Returns (v(h), ∫v dt, ∫v² dt) over the sub-step, exactly.
    """
    if b > 0.0:
        k = b / mass
        v_inf = a / b
        d0 = v0 - v_inf
        one_minus_e = -math.expm1(-k * h)
        e = 1.0 - one_minus_e
        int_d = d0 * one_minus_e / k
        v1 = v_inf + d0 * e
        int_v = v_inf * h + int_d
        int_d2 = d0 * d0 * one_minus_e * (1.0 + e) / (2.0 * k)
        int_v2 = v_inf * v_inf * h + 2.0 * v_inf * int_d + int_d2
        return v1, int_v, int_v2
    acc = a / mass
    v1 = v0 + acc * h
    int_v = v0 * h + 0.5 * acc * h * h
    int_v2 = v0 * v0 * h + v0 * acc * h * h + acc * acc * h * h * h / 3.0
    return v1, int_v, int_v2
