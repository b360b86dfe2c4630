"""The coupled plant the kernel advances: a treadmill, the walker on it and the clip cord
between them.

With the minimal walker the belt is stepped alone, the walker's load frozen over the
sub-step. With the gait walker the belt and the pendulum are one linear system, stepped
exactly together (`sim.linear`): state (v, y, U, 1) with y the pendulum's lean over its
centre of pressure and U its lab speed,

    m_eq·v' = a − b·v − m·ω0²·y     (a prescribed v' on the lab servo; v' = 0 while stuck)
    y'      = U − v                 (U on a side rail)
    U'      = ω0²·y + c

so the belt dips at each stance and the walker feels the belt, within the sub-step.
"""

from __future__ import annotations

import math
from typing import Any

from sim.kernel import Kernel, Phase, ticks
from sim.linear import CoupledStep
from sim.treadmills.belt import NEVER
from sim.treadmills.clip import Cord
from sim.treadmills.manual import UnpoweredTreadmill
from sim.treadmills.motorized import MotorizedTreadmill
from sim.treadmills.speed_source import SpeedSourceTreadmill
from sim.units import G_MPS2, angle_from_pct
from sim.walker.gait import BELT, GaitWalker
from sim.walker.minimal import MinimalWalker

Treadmill = MotorizedTreadmill | SpeedSourceTreadmill | UnpoweredTreadmill
Walker = MinimalWalker | GaitWalker


class Rig:
    def __init__(self, treadmill: Treadmill, walker: Walker | None):
        self.treadmill = treadmill
        self.walker = walker
        clip = getattr(treadmill.p, "clip", None)
        self.cord = Cord(clip, walker.waist_height_m) if walker and clip else None
        self.cord_tension_n = 0.0
        self.servo = isinstance(treadmill, SpeedSourceTreadmill)
        # On a curved deck the gait walker balances in the horizontal lab frame, its foot on
        # a slope that changes under it: the weight's share along the local slope goes to
        # the belt directly (`GaitWalker.belt_force_n`), not through a lean.
        self.curved = getattr(treadmill, "curve", None) is not None
        self.gait = isinstance(walker, GaitWalker)
        self._incline_pct = math.nan  # the incline its sine and cosine below belong to
        self._sin = self._cos = 0.0
        self._coupled = CoupledStep()
        self.kernel: Kernel | None = None
        self.pacing = self.gait and walker.pace is not None  # the walker drives the belt
        names = treadmill.signal_names + ("cord_tension_n",)
        crossings = treadmill.crossing_names
        if walker:
            names += walker.signal_names
            crossings += walker.crossing_names + ("clip.release",)
        if self.gait and not self.servo:
            crossings += ("belt.breaks_free",)
        if self.pacing:  # the force it would need to add at its intended speed
            names += ("push_needed_n",)
        self.signal_names = names
        self.crossing_names = crossings
        self.signal_index = {n: i for i, n in enumerate(names)}

    def attach(self, kernel: Kernel) -> None:
        """Join the kernel; a gait walker starts balanced on the slope under its feet (the
        kernel re-reads the crossings, taken before it stood so)."""
        self.kernel = kernel
        if self.gait:
            self._read_slope()
            self.walker.balance_on_slope()
            kernel.touch()

    def _read_slope(self) -> None:
        """The deck's slope under the walker's feet, passed on when it changes."""
        tm, w = self.treadmill, self.walker
        on_foot = self.gait and w.coupled and w.support == BELT
        incline_pct = tm.incline_at(w.A if on_foot else w.x)
        if incline_pct != self._incline_pct:
            theta = angle_from_pct(incline_pct)
            self._incline_pct = incline_pct
            self._sin, self._cos = math.sin(theta), math.cos(theta)
            if self.curved:  # it balances as on the flat; its weight drives the belt
                w.weight_on_slope_n = w.mass * G_MPS2 * self._sin
            elif self.gait:
                w.set_incline(self._sin, self._cos)

    def push_needed_n(self) -> float:
        """The force the walker must add by effort to hold its intended belt speed against
        the belt's resistance in its present state."""
        w = self.walker
        normal = w.mass * G_MPS2 * self._cos
        resistance = self.treadmill.resistance_n(w.pace.belt_mps, normal)
        return w.pace.needed_n(resistance, w.mass * G_MPS2 * self._sin)

    # ----------------------------------------------------------------- kernel protocol
    def next_boundary(self, t: int) -> int:
        return self.treadmill.next_boundary(t)

    def on_boundary(self, t: int) -> None:
        self.treadmill.on_boundary(t)

    def save(self) -> tuple:
        """The treadmill's, the walker's and the rig's own state (the slope it last passed
        on: the walker's copy of it is restored too, so it must be)."""
        w = self.walker
        slope = (self._incline_pct, self._sin, self._cos)
        return (self.treadmill.save(), w.save() if w else None, self.cord_tension_n, slope)

    def restore(self, state: tuple) -> None:
        self.treadmill.restore(state[0])
        if self.walker:
            self.walker.restore(state[1])
        self.cord_tension_n = state[2]
        self._incline_pct, self._sin, self._cos = state[3]

    def step(self, h_ticks: int) -> None:
        tm = self.treadmill
        w = self.walker
        if w is None:
            tm.step(h_ticks, 0.0, 0.0, 0.0)
            return
        self._read_slope()
        tension, force = 0.0, 0.0
        if self.cord and tm.clip_attached and w.on_deck:
            tension, force = self.cord.horizontal_force(w.clip_x_m)
        self.cord_tension_n = tension
        if self.gait and w.coupled:
            self._step_pendulum(h_ticks, force)
            return
        body = w.body if self.gait else w
        f, m_add, normal = body.belt_load(self._sin, self._cos, force)
        s0 = tm.s
        tm.step(h_ticks, f, m_add, normal)
        body.step(h_ticks * 1e-6, tm.v, tm.s - s0)

    def _step_pendulum(self, h_ticks: int, cord_n: float) -> None:
        tm, w = self.treadmill, self.walker
        w.external_n = w.hand_n + cord_n
        on_belt = w.support == BELT
        k = w.k_foot if on_belt else 0.0
        share = w.weight_on_slope_n if on_belt else 0.0  # a curved deck's, beside the lean's
        y0 = w.lean
        beta = kappa = alpha = 0.0  # the belt row of the system matrix (sim.linear)
        if self.servo:
            alpha = tm.accel
        else:
            normal = w.mass * G_MPS2 * self._cos if on_belt else 0.0
            a, b, m_eq = tm.belt_terms(w.belt_force_n, normal)
            if tm.moving:
                beta, kappa, alpha = b / m_eq, k / m_eq, (a + share) / m_eq
        if h_ticks == 0:
            accel = alpha - beta * tm.v - kappa * y0
            if not self.servo:
                tm.refresh(accel)
        else:
            h = h_ticks * 1e-6
            matrix = (beta, kappa, alpha, 1.0 if on_belt else 0.0, w.omega2, w.accel_const)
            v1, u1, int_v, int_u, int_v2, int_vy = self._coupled.step(matrix, (tm.v, y0, w.U), h)
            w.X += int_u
            w.U = u1
            if on_belt:
                w.A += int_v
            accel = alpha - beta * v1 - kappa * w.lean
            tm.advance(h, v1, accel, int_v, int_v2, share * int_v - k * int_vy)
        w.belt_v, w.belt_a = tm.v, accel
        if self.servo:
            tm.set_walker_force(w.lean_force_n)

    def crossings(self) -> tuple[float, ...]:
        tm = self.treadmill
        g = tm.crossings()
        w = self.walker
        if w is None:
            return g
        release = NEVER
        if self.cord and tm.clip_attached and w.on_deck:
            release = self.cord.distance(w.clip_x_m) - self.cord.release_length_m
        g += w.crossings(tm.v, tm.accel) + (release,)
        if self.gait and not self.servo:  # only a belt held at rest can break free
            held = w.coupled and not tm.moving
            g += (tm.breakaway_margin(w.belt_force_n) if held else NEVER,)
        return g

    def signals(self) -> tuple[float, ...]:
        tm = self.treadmill
        if self.walker is None:
            return tm.signals() + (self.cord_tension_n,)
        out = tm.signals() + (self.cord_tension_n,) + self.walker.signals()
        return out + (self.push_needed_n(),) if self.pacing else out

    def on_crossing(self, name: str, t: int) -> dict[str, Any]:
        tm = self.treadmill
        if name == "clip.release":
            return self.release_clip(by="cord")
        if name == "belt.breaks_free":
            return {"foot_force_n": self.walker.belt_force_n}
        if name.startswith("walker."):
            return self.walker.on_crossing(name, tm.v, tm.accel)
        return tm.on_crossing(name)

    # ----------------------------------------------------------------- hardware
    def release_clip(self, by: str) -> dict[str, Any]:
        """The clip (attached) leaves the switch; the contactor cuts power one contactor
        delay later (unless the switch is stuck shut)."""
        tm = self.treadmill
        switch_opened = tm.release_clip()
        self.cord_tension_n = 0.0
        if switch_opened:
            self._contactor_drops()
        details: dict[str, Any] = {"by": by, "belt_speed_mps": tm.v, "belt_position_m": tm.s,
                                   "switch_opened": switch_opened}  # fmt: skip
        if self.walker:
            details["clip_x_m"] = self.walker.clip_x_m
        return details

    def _contactor_drops(self) -> None:
        cut_at = self.kernel.now + ticks(self.treadmill.p.clip.contactor_delay_s)
        self.kernel.call_at(cut_at, Phase.HARDWARE, self._contactor_opens)

    def free_clip_switch(self) -> None:
        """A stuck switch comes free: with the clip already out it opens now."""
        tm = self.treadmill
        tm.clip_switch_stuck = False
        if not tm.clip_attached and not tm.cut_pending and not tm.contactor_open:
            tm.cut_pending = True
            self.kernel.record("clip.switch_opened", belt_speed_mps=tm.v)
            self._contactor_drops()

    def _contactor_opens(self, t: int) -> None:
        tm = self.treadmill
        tm.cut()
        self.kernel.record("drive.cut", belt_speed_mps=tm.v, belt_position_m=tm.s)
        if self.gait and tm.v != 0.0:
            self.walker.perturbed(-tm.v)  # the belt is left to stop under the walker
        self.kernel.touch()
