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
