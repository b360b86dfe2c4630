"""How a walker drives a belt that does not drive itself: it seeks its intended belt speed.

As it plans each step the walker compares the belt's speed as its feet felt it over the
last stride with the speed it means to walk at, and sets the force along the belt it wants
to give, by a PI rule: a belt too slow gets more drive. The force is its weight along the
deck's slope plus what its hands add on the rails or handle (flat manual, decline trainer,
a switched-off motorized belt), or, on the curved deck, its weight on the slope where it
chooses to stand. Either way the part it adds by effort is at most its push capacity at
the belt's speed (the profile's force-velocity line, and what its grip holds): where more
is needed the speed settles where capacity meets drag.

The walker feels the belt's heft M = m_eq + b/ω0 (its damping b, an eddy brake or a motor's
circuit, counted as the mass it resists like at the gait's rate ω0): its gains scale with
it so that the loop M·v'' + k_p·v' + k_i·v = … is critically damped with time constant
τ = PACE_TIME_S (k_p = 2·M/τ, k_i = M/τ²), whatever the treadmill.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from sim.treadmills.belt import STOPPED_SPEED_MPS
from sim.treadmills.curved import DeckCurve
from sim.walker.profile import Push

# unsourced: about the time in which the walker brings the belt to its pace; slower when it
# must walk to a new spot on the curve first (shorter made it overshoot, or fall, in trials)
PACE_TIME_S = {"hands": 4.0, "position": 8.0}
# unsourced: a walker leaning into a belt that will not move adds push at least this fast
# (per second, as a share of its weight), as into a sled; the PI rule alone, sized for a
# moving belt, took ~40 s to break a stuck one free
BREAKAWAY_PER_WEIGHT_S = 0.05


class Pace:
    """The walker's drive on a belt it powers. `belt_mps`: the belt velocity it seeks
    (signed along +x); `by`: the hands on rails or handle, or where it stands on a curve."""

    def __init__(
        self,
        belt_mps: float,
        weight_n: float,
        push: Push,
        belt_mass_kg: float,
        belt_damping: Callable[[], float],
        by: Literal["hands", "position"],
        curve: DeckCurve | None = None,
    ):
        self.belt_mps = belt_mps
        self.weight_n = weight_n
        self.push = push
        self.by = by
        self.curve = curve
        self.belt_mass_kg = belt_mass_kg
        self.belt_damping = belt_damping  # N per m/s, in the belt's present state
        self.tau_s = PACE_TIME_S[by]
        self.integral_n: float | None = None  # the drive it has settled on, once started
        self.capacity_n = push.capacity_n(weight_n, belt_mps)  # at the intended speed

    def drive_n(
        self,
        felt_mps: float,
        dt_s: float,
        weight_along_n: float,
        heft_kg: float,
        grip_n: float = math.inf,
    ) -> float:
        """The force along +x the walker wants on the belt from now on; weight_along_n: its
        weight along the slope under its feet now (where it starts from); heft_kg: the
        belt's (`heft_kg`); grip_n: what its hands can hold. Within that ± capacity (and
        grip) with hands (the weight is free), within ± capacity on the curve."""
        if self.integral_n is None:
            self.integral_n = weight_along_n
        error = self.belt_mps - felt_mps
        cap = min(self.push.capacity_n(self.weight_n, felt_mps), grip_n)
        centre = weight_along_n if self.by == "hands" else 0.0
        lo, hi = centre - cap, centre + cap
        integral = self.integral_n + heft_kg / self.tau_s**2 * error * dt_s
        if abs(felt_mps) < STOPPED_SPEED_MPS:  # a belt that will not move: lean into it
            step = BREAKAWAY_PER_WEIGHT_S * self.weight_n * dt_s
            integral = max(integral, self.integral_n + step) if error > 0 else integral
            integral = min(integral, self.integral_n - step) if error < 0 else integral
        self.integral_n = min(max(integral, lo), hi)
        return min(max(self.integral_n + 2.0 * heft_kg / self.tau_s * error, lo), hi)

    def heft_kg(self, omega0: float) -> float:
        """The belt's heft at the gait's rate: m_eq + b/ω0, its damping (an eddy brake, a
        shorted motor, a drive holding its speed) counted as the mass it resists like."""
        return self.belt_mass_kg + self.belt_damping() / omega0

    def needed_n(self, resistance_n: float, free_n: float) -> float:
        """The force the walker must add by effort to hold its intended speed, against the
        belt's steady resistance at that speed (its weight on a fixed slope helps for free;
        on the curve the slope it stands on is its effort)."""
        return abs(resistance_n - (free_n if self.by == "hands" else 0.0))
