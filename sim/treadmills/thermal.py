"""Two-node winding thermal model: winding -> frame -> air, cooling growing with speed."""

from __future__ import annotations

from sim.treadmills.params import Thermal


def thermal_step(
    p: Thermal, winding_c: float, frame_c: float, copper_w: float, speed_mps: float, h: float
) -> tuple[float, float]:
    """(winding, frame) temperatures after h seconds of the sub-step's mean copper loss.

    An explicit step: the thermal time constants are minutes and the sub-steps milliseconds,
    far inside the step's stability limit."""
    to_frame_w = (winding_c - frame_c) / p.winding_to_frame_k_per_w
    g_air = p.frame_to_air_w_per_k + p.frame_to_air_w_per_k_per_mps * abs(speed_mps)
    to_air_w = (frame_c - p.ambient_c) * g_air
    return (
        winding_c + (copper_w - to_frame_w) * h / p.winding_capacity_j_per_k,
        frame_c + (to_frame_w - to_air_w) * h / p.frame_capacity_j_per_k,
    )
