"""The treadmills the walker drives: manual flat, decline trainer and curved.

No motor: the belt train (a flywheel, mostly) is driven by the walker's feet alone, and
slowed by deck drag and an eddy brake at its selected level, F_brake = c·v. The one belt
equation then reads m_eq·dv/dt = F_walker − F_drag(v) − c·v. The deck sets the angle the
walker stands at: fixed for the flat manual (one of its incline settings) and the decline
trainer (θ = −decline: handle end low), and the local slope under the stance foot on the
curved deck, looked up every `SLOPE_PERIOD_S` as the foot rides along it.
"""

from __future__ import annotations

import math

from sim.kernel import ticks
from sim.treadmills.belt import BeltTrain
from sim.treadmills.curved import DeckCurve
from sim.treadmills.params import CurvedParams, DeclineTrainerParams, UnpoweredParams

SLOPE_PERIOD_S = 0.01  # the curved deck's slope is re-read under the foot this often (~1 cm)
_NO_BOUNDARY = 2**62


class UnpoweredTreadmill(BeltTrain):
    signal_names = (
        "belt_speed_mps", "belt_accel_mps2", "belt_decel_mps2", "belt_position_m",
        "incline_pct", "brake_force_n",
    )  # fmt: skip
    crossing_names = ("belt.zero", "belt.stopped")
    clip_attached = False  # no clip: nothing to cut

    def __init__(self, p: UnpoweredParams):
        super().__init__(p.belt)
        self.p = p
        self.length_m = p.deck.length_m
        self.brake_c = p.brake.coefficient_n_per_mps
        self.curve = DeckCurve(p.curve, self.length_m) if isinstance(p, CurvedParams) else None
        self.slope_ticks = ticks(SLOPE_PERIOD_S)
        if isinstance(p, DeclineTrainerParams):
            self.incline_pct = -100.0 * math.tan(math.radians(p.decline_deg))
        elif self.curve is not None:
            self.incline_pct = 0.0  # until a walker stands on it
        else:
            self.incline_pct = p.incline_pct
        self.w_brake = 0.0

    def incline_at(self, x_m: float) -> float:
        """The deck's incline (%) under a foot at x; on the curved deck it also becomes the
        incline the trace shows (the one under the walker)."""
        if self.curve is not None:
            self.incline_pct = 100.0 * self.curve.tan(min(max(x_m, 0.0), self.length_m))
        return self.incline_pct

    def resistance_n(self, speed_mps: float, normal_n: float) -> float:
        """The force along +x it takes to hold the belt at a steady speed."""
        return self.drag_n(speed_mps, normal_n) + self.brake_c * speed_mps

    def damping_n_per_mps(self) -> float:
        """The belt's resistance per m/s of speed (its eddy brake, viscous drag)."""
        return self.brake_c + self._viscous

    def energy_account(self) -> dict[str, float]:
        """Lab-frame energy since the start (J): the walker's work on the belt = deck drag +
        brake heat + the belt train's kinetic energy; the residual closes it."""
        kinetic = self.kinetic_energy_j
        return {
            "walker_on_belt": self.w_walker,
            "deck_drag": self.w_drag,
            "brake": self.w_brake,
            "belt_kinetic": kinetic,
            "residual": self.w_walker - self.w_drag - self.w_brake - kinetic,
        }

    # ----------------------------------------------------------------- dynamics
    def next_boundary(self, t: int) -> int:
        if self.curve is None:
            return _NO_BOUNDARY
        return (t // self.slope_ticks + 1) * self.slope_ticks

    def on_boundary(self, t: int) -> None:
        pass  # the rig re-reads the slope under the foot at every sub-step

    def belt_terms(self, f_walker: float, normal_n: float) -> tuple[float, float, float]:
        return self.resolve(0.0, self.brake_c, f_walker, normal_n)

    def refresh(self, accel: float) -> None:
        self.accel = accel

    def advance(
        self, h: float, v1: float, accel: float, int_v: float, int_v2: float, walker_work: float
    ) -> None:
        self.w_brake += self.brake_c * int_v2
        self.book(v1, accel, int_v, int_v2, walker_work)

    def crossings(self) -> tuple[float, ...]:
        return self.belt_crossings()

    def signals(self) -> tuple[float, ...]:
        v = self.v
        return (v, self.accel, self.decel_mps2, self.s, self.incline_pct,
                self.brake_c * v)  # fmt: skip

    def on_crossing(self, name: str) -> dict:
        details = self.on_belt_crossing(name)
        if details is None:
            raise KeyError(name)
        return details
