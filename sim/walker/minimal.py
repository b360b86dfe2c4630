"""The minimal walker: a point mass with feet under it, no balance model.

Its centre of mass moves in the lab frame (deck coordinates: x from the front end toward the
rear). A belt speed change moves the feet, not the body: the lab velocity is continuous. At
each step (its cadence) it looks at where it is and, one reaction time later, sets a lab-frame
acceleration that steers it back to its preferred deck position, limited to max_accel_mps2.

Its force on the belt is the momentum rule of DESIGN.md:
    F_walker = m·g·sin θ − m·a_com + F_hand     (F_hand: the clip cord while taut)
"Stop walking" makes it a passive rider: friction brings its centre of mass to belt speed at
5 m/s², then it moves with the belt (it adds its mass to the belt's), until the belt's own
deceleration exceeds what friction can hold. A walker whose centre of mass passes the rear
end of the deck has left it and no longer loads the belt. At the front end the console stops
it, the back or front of its waist against it: a belt running toward the console then slides
under it (friction on the belt), and it is carried off again once the belt runs rearward.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from sim.kernel import ticks
from sim.strict import NonNegative, Positive, StrictModel
from sim.treadmills.clip import WAIST_HALF_DEPTH_M, WAIST_HEIGHT_PER_HEIGHT
from sim.units import G_MPS2

NEVER = -1.0
FOOT_PER_HEIGHT = 0.15  # foot length / height (Winter 2009 anthropometric tables)
ANKLE_FROM_HEEL_M = 0.05  # REFERENCE.md: ankle about 0.05 m in front of the heel
RIDER_FRICTION_MPS2 = 5.0  # unsourced: friction limit on a carried or fallen walker
STEERING_RATE_RAD_S = 1.0  # unsourced: natural frequency of the position steering

WALKING, SLIDING, RIDING, OFF_DECK = "walking", "sliding", "riding", "off_deck"
AT_CONSOLE = "at_console"  # held by the console, the belt sliding under it toward the front


class WalkerSpec(StrictModel):
    model: Literal["minimal"] = "minimal"
    mass_kg: Annotated[float, Field(gt=20, le=300)] = 75.0
    height_m: Annotated[float, Field(ge=1.0, le=2.5)] = 1.75  # adults: children are out of scope
    facing: Literal["forward", "backward"]
    position_m: Positive  # preferred deck position of the centre of mass, from the front end
    clip_point: Literal["front", "back"] = "front"  # on the walker's own front or back
    # simple reaction time 213-231 ms (REFERENCE.md); 0.22 s
    reaction_s: NonNegative = 0.22
    max_accel_mps2: Positive = 1.0  # unsourced: the steering's lab-frame acceleration limit
    cadence_spm: Annotated[float, Field(gt=0, le=300)] = 110.0  # steps/min; ~110 at 1.3 m/s


class MinimalWalker:
    signal_names = ("walker_x_m", "walker_speed_mps", "rear_clearance_m", "clip_x_m")
    crossing_names = ("walker.slips", "walker.rides", "walker.off_deck", "walker.console",
                      "walker.leaves_console")  # fmt: skip

    def __init__(self, spec: WalkerSpec, deck_length_m: float):
        self.spec = spec
        self.mass = spec.mass_kg
        self.facing = 1 if spec.facing == "backward" else -1  # +1: faces the rear (+x)
        self.deck_length_m = deck_length_m
        foot = FOOT_PER_HEIGHT * spec.height_m
        heel = -self.facing * ANKLE_FROM_HEEL_M  # ankle under the centre of mass
        toe = heel + self.facing * foot
        self.rear_offset_m = max(heel, toe)
        self.front_offset_m = min(heel, toe)
        side = 1 if spec.clip_point == "front" else -1
        self.clip_offset_m = side * self.facing * WAIST_HALF_DEPTH_M
        self.waist_height_m = WAIST_HEIGHT_PER_HEIGHT * spec.height_m
        self.step_ticks = ticks(60.0 / spec.cadence_spm)
        self.reaction_ticks = ticks(spec.reaction_s)
        self.x = spec.position_m
        self.u = 0.0
        self.a = 0.0
        self.mode = WALKING

    def save(self) -> dict:
        return self.__dict__.copy()

    def restore(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def clip_x_m(self) -> float:
        return self.x + self.clip_offset_m

    @property
    def on_deck(self) -> bool:
        return self.mode != OFF_DECK

    def belt_load(self, sin_t: float, cos_t: float, hand_n: float) -> tuple[float, float, float]:
        """(f, m_add, normal force): F_walker = f − m_add·dv/dt over the coming sub-step."""
        if self.mode == OFF_DECK:
            return 0.0, 0.0, 0.0
        m = self.mass
        f = m * G_MPS2 * sin_t + hand_n
        if self.mode == RIDING:
            return f, m, m * G_MPS2 * cos_t
        if self.mode == AT_CONSOLE:  # the belt slides under it toward the console
            return m * RIDER_FRICTION_MPS2, 0.0, m * G_MPS2 * cos_t
        return f - m * self.a, 0.0, m * G_MPS2 * cos_t

    def step(self, h: float, v1: float, int_v: float) -> None:
        if self.mode == RIDING:
            self.x += int_v
            self.u = v1
        elif self.mode not in (OFF_DECK, AT_CONSOLE):
            self.x += (self.u + 0.5 * self.a * h) * h
            self.u += self.a * h

    def crossings(self, v: float, belt_accel: float) -> tuple[float, ...]:
        mode = self.mode
        slips = abs(belt_accel) - RIDER_FRICTION_MPS2 if mode == RIDING else NEVER
        rides = (self.u - v) * math.copysign(1.0, self.a) if mode == SLIDING else NEVER
        off = self.x - self.deck_length_m if mode != OFF_DECK else NEVER
        held = mode in (OFF_DECK, AT_CONSOLE)
        console = NEVER if held else WAIST_HALF_DEPTH_M - self.x
        leaves = v if mode == AT_CONSOLE else NEVER
        return (slips, rides, off, console, leaves)

    def on_crossing(self, name: str, v: float, belt_accel: float) -> dict:
        if name == "walker.slips":
            self.mode = SLIDING
            self.a = math.copysign(RIDER_FRICTION_MPS2, belt_accel)
        elif name == "walker.rides":
            self.mode = RIDING
            self.u = v
        elif name == "walker.off_deck":
            self.mode = OFF_DECK
            self.u = self.a = 0.0
            return {"place": "off the rear", "walker_x_m": self.x}
        elif name == "walker.console":
            self.at_console(v)
        elif name == "walker.leaves_console":
            self._slide_to(v)  # a passive body again
        return {"walker_x_m": self.x}

    def at_console(self, v: float) -> None:
        """The console stops the body; held there while the belt runs toward it."""
        self.u = self.a = 0.0
        if v < 0.0:
            self.mode = AT_CONSOLE
        else:
            self._slide_to(v)

    # ----------------------------------------------------------------- decisions
    def steering(self) -> float:
        """The lab-frame acceleration chosen now, toward the preferred position."""
        w = STEERING_RATE_RAD_S
        wanted = w * w * (self.spec.position_m - self.x) - 2.0 * w * self.u
        limit = self.spec.max_accel_mps2
        return max(-limit, min(limit, wanted))

    def stop_walking(self, v: float) -> None:
        """Become a passive rider: slide toward belt speed, then ride."""
        if self.mode == WALKING:
            self._slide_to(v)

    def _slide_to(self, v: float) -> None:
        """Friction brings the body to the belt's speed v, then it rides."""
        if self.u == v:
            self.mode = RIDING
        else:
            self.mode = SLIDING
            self.a = math.copysign(RIDER_FRICTION_MPS2, v - self.u)

    def signals(self) -> tuple[float, float, float, float]:
        x = self.x
        return (x, self.u, self.deck_length_m - (x + self.rear_offset_m), x + self.clip_offset_m)
