"""The safety clip's cord: from the console anchor to the clip point at the walker's waist.

The cord is straight and elastic once taut: tension = stiffness · (length − cord_length), with
the stiffness set by the stated stretch at the release force. The clip releases when the
tension reaches the release force, that is when the anchor-to-clip distance reaches
cord_length + stretch_at_release.
"""

from __future__ import annotations

import math

from sim.treadmills.params import Clip

# Anthropometry for the clip point. Winter (2009), Biomechanics and Motor Control of Human
# Movement, Fig. 4.1: greater trochanter at 0.530 x height. The waist belt line is taken
# 0.07 x height above it, and the clip 0.10 m in front of or behind the body's centre line:
# both unsourced.
WAIST_HEIGHT_PER_HEIGHT = 0.60
WAIST_HALF_DEPTH_M = 0.10


class Cord:
    def __init__(self, p: Clip, waist_height_m: float):
        self.anchor_x_m = p.anchor_x_m
        self.dz_m = p.anchor_height_m - waist_height_m
        self.length_m = p.cord_length_m
        self.release_length_m = p.cord_length_m + p.stretch_at_release_m
        self.stiffness_n_per_m = p.release_force_n / p.stretch_at_release_m

    def distance(self, clip_x_m: float) -> float:
        return math.hypot(clip_x_m - self.anchor_x_m, self.dz_m)

    def horizontal_force(self, clip_x_m: float) -> tuple[float, float]:
        """(tension, force on the walker along +x). The cord pulls toward the anchor."""
        d = self.distance(clip_x_m)
        if d <= self.length_m:
            return 0.0, 0.0
        tension = self.stiffness_n_per_m * (d - self.length_m)
        return tension, -tension * (clip_x_m - self.anchor_x_m) / d

    def release_x(self) -> float:
        """Where the clip point is along the deck when the clip releases (toward the rear)."""
        reach = self.release_length_m**2 - self.dz_m**2
        return self.anchor_x_m + math.sqrt(max(reach, 0.0))
