"""The coupled plant the kernel advances: a treadmill, the walker on it and the clip cord
between them, wired through the belt force and (for a rider) the belt's acceleration."""

from __future__ import annotations

import math
from typing import Any

from sim.kernel import Kernel, Phase, ticks
from sim.treadmills.clip import Cord
from sim.treadmills.motorized import NEVER, MotorizedTreadmill
from sim.units import angle_from_pct
from sim.walker.minimal import OFF_DECK, MinimalWalker


class Rig:
    def __init__(self, treadmill: MotorizedTreadmill, walker: MinimalWalker | None):
        self.treadmill = treadmill
        self.walker = walker
        self.cord = Cord(treadmill.p.clip, walker.waist_height_m) if walker else None
        self.cord_tension_n = 0.0
        self._incline_pct = math.nan  # the incline its sine and cosine below belong to
        self._sin = self._cos = 0.0
        self.kernel: Kernel | None = None
        names = treadmill.signal_names + ("cord_tension_n",)
        crossings = treadmill.crossing_names
        if walker:
            names += walker.signal_names
            crossings += walker.crossing_names + ("clip.release",)
        self.signal_names = names
        self.crossing_names = crossings
        self.signal_index = {n: i for i, n in enumerate(names)}

    def attach(self, kernel: Kernel) -> None:
        self.kernel = kernel

    # ----------------------------------------------------------------- kernel protocol
    def next_boundary(self, t: int) -> int:
        return self.treadmill.next_boundary(t)

    def on_boundary(self, t: int) -> None:
        self.treadmill.on_boundary(t)

    def save(self) -> tuple:
        w = self.walker
        return (self.treadmill.save(), w.save() if w else None, self.cord_tension_n)

    def restore(self, state: tuple) -> None:
        self.treadmill.restore(state[0])
        if self.walker:
            self.walker.restore(state[1])
        self.cord_tension_n = state[2]

    def step(self, h_ticks: int) -> None:
        tm = self.treadmill
        w = self.walker
        if w is None:
            tm.step(h_ticks, 0.0, 0.0, 0.0)
            return
        if tm.incline_pct != self._incline_pct:
            theta = angle_from_pct(tm.incline_pct)
            self._incline_pct = tm.incline_pct
            self._sin, self._cos = math.sin(theta), math.cos(theta)
        tension, force = 0.0, 0.0
        if tm.clip_attached and w.mode != OFF_DECK:
            tension, force = self.cord.horizontal_force(w.x + w.clip_offset_m)
        self.cord_tension_n = tension
        f, m_add, normal = w.belt_load(self._sin, self._cos, force)
        s0 = tm.s
        tm.step(h_ticks, f, m_add, normal)
        w.step(h_ticks * 1e-6, tm.v, tm.s - s0)

    def crossings(self) -> tuple[float, ...]:
        tm = self.treadmill
        g = tm.crossings()
        w = self.walker
        if w is None:
            return g
        release = NEVER
        if tm.clip_attached and w.on_deck:
            release = self.cord.distance(w.clip_x_m) - self.cord.release_length_m
        return g + w.crossings(tm.v, tm.accel) + (release,)

    def signals(self) -> tuple[float, ...]:
        tm = self.treadmill
        if self.walker is None:
            return tm.signals() + (self.cord_tension_n,)
        return tm.signals() + (self.cord_tension_n,) + self.walker.signals()

    def on_crossing(self, name: str, t: int) -> dict[str, Any]:
        tm = self.treadmill
        if name == "clip.release":
            return self.release_clip(by="cord")
        if name.startswith("walker."):
            return self.walker.on_crossing(name, tm.v, tm.accel)
        return tm.on_crossing(name)

    # ----------------------------------------------------------------- hardware
    def release_clip(self, by: str) -> dict[str, Any]:
        """The clip (attached) leaves the switch; the contactor cuts power one contactor
        delay later."""
        tm = self.treadmill
        tm.release_clip()
        self.cord_tension_n = 0.0
        kernel = self.kernel
        cut_at = kernel.now + ticks(tm.p.clip.contactor_delay_s)
        kernel.call_at(cut_at, Phase.HARDWARE, self._contactor_opens)
        details: dict[str, Any] = {"by": by, "belt_speed_mps": tm.v, "belt_position_m": tm.s}
        if self.walker:
            details["clip_x_m"] = self.walker.clip_x_m
        return details

    def _contactor_opens(self, t: int) -> None:
        tm = self.treadmill
        tm.cut()
        self.kernel.record("drive.cut", belt_speed_mps=tm.v, belt_position_m=tm.s)
        self.kernel.touch()
