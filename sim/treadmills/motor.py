"""Permanent-magnet DC motor, seen from the belt.

V = Ke·ω + Ra·i with a quasi-static armature (no inductance); Kt = Ke in SI units. With ω =
rad_per_m · v, the EMF is k·v and the force on the belt k·i, where k = Ke · rad_per_m
(V per m/s, equal to N per A).
"""

from __future__ import annotations

from sim.treadmills.params import Motor


class PmdcMotor:
    def __init__(self, p: Motor):
        self.k = p.ke_v_s_per_rad * p.rad_per_m
        self._r_ref = p.armature_resistance_ohm
        self._t_ref = p.resistance_reference_c
        self._alpha = p.copper_temperature_coefficient_per_k

    def resistance(self, winding_c: float) -> float:
        """Armature resistance at a winding temperature (copper: +0.393 %/K)."""
        return self._r_ref * (1.0 + self._alpha * (winding_c - self._t_ref))
