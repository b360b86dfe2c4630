"""Two-node winding thermal model: winding -> frame -> air, cooling growing with speed."""

from __future__ import annotations

from sim.treadmills.params import Thermal


class WindingThermal:
    def __init__(self, p: Thermal):
        self.p = p
        self.winding_c = p.ambient_c
        self.frame_c = p.ambient_c

    def step(self, copper_loss_w: float, speed_mps: float, h: float) -> None:
        """Explicit step with the sub-step's mean copper loss. The thermal time constants are
        minutes, the sub-steps milliseconds, so the explicit step is far inside its limit."""
        p = self.p
        to_frame_w = (self.winding_c - self.frame_c) / p.winding_to_frame_k_per_w
        g_air = p.frame_to_air_w_per_k + p.frame_to_air_w_per_k_per_mps * abs(speed_mps)
        to_air_w = (self.frame_c - p.ambient_c) * g_air
        self.winding_c += (copper_loss_w - to_frame_w) * h / p.winding_capacity_j_per_k
        self.frame_c += (to_frame_w - to_air_w) * h / p.frame_capacity_j_per_k
