"""The concave deck of a curved non-motorized treadmill: its slope along x.

Deck frame as everywhere: x from the front end toward the rear, and a positive incline
raises the front, so the deck's angle at x is θ(x) = −atan(dz/dx) with z the deck's height.
Ahead of the lowest point the deck rises toward the front (θ > 0): a walker standing there
drives the belt rearward with its weight, m·g·sin θ; behind it the weight brakes the belt.
A backward walker drives the belt standing on the front slope, the one behind its back.
"""

from __future__ import annotations

import math

from sim.treadmills.params import Curve

_BISECTION_STEPS = 60  # halves the deck length to well below a micrometre


class DeckCurve:
    def __init__(self, c: Curve, length_m: float):
        self.c = c
        self.length_m = length_m

    def tan(self, x_m: float) -> float:
        """tan θ at x (the deck's incline / 100)."""
        d = x_m - self.c.lowest_x_m
        if self.c.shape == "arc":
            r = self.c.radius_m
            return -d / math.sqrt(r * r - d * d)
        return -self.c.polynomial_dz_dx(x_m)

    def sin(self, x_m: float) -> float:
        t = self.tan(x_m)
        return t / math.sqrt(1.0 + t * t)

    def position_for_sin(self, sin_theta: float) -> float:
        """Where on the deck sin θ(x) = sin_theta (the nearest deck end if nowhere): the spot
        whose slope gives a walker of weight W the force W·sin_theta along the belt."""
        c = self.c
        if c.shape == "arc":
            x = c.lowest_x_m - c.radius_m * sin_theta
            return min(max(x, 0.0), self.length_m)
        lo, hi = 0.0, self.length_m  # concave: sin θ falls from the front end to the rear
        if self.sin(lo) <= sin_theta:
            return lo
        if self.sin(hi) >= sin_theta:
            return hi
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            if self.sin(mid) > sin_theta:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)
