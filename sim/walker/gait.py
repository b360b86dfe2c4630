"""The gait walker: a linear inverted pendulum that walks by foot placement and falls when it
cannot capture its extrapolated centre of mass.

Sagittal plane, deck coordinates (x from the front end toward the rear). The centre of mass
X moves in the lab frame; the stance foot's ankle A rides the belt (or stands on a side
rail); the centre of pressure sits p from the ankle, within the foot. With y = X − A − p,

    Ẍ = ω0²·y + g·sin θ + F_ext/m,      ω0² = g·cos θ / l,   l = 1.24 × trochanter height,

and the stance foot pushes the belt with −m·ω0²·y, which is the momentum rule
F_walker = m·g·sin θ − m·Ẍ + F_ext exactly (F_ext: handrail and clip cord on the walker).
The rig steps this pendulum and the belt together, exactly (`sim.linear`).

Decisions are events, each after its latency (the profile's):
- Gait (Hof's constant-offset rule): a step lands every 60/cadence s; foot_placement_s
  before it lands, the walker predicts its XCoM ξ = x + ẋ/ω0 (relative to the stance foot)
  at landing and places the new ankle at ξ − d·b (d the walking direction on the deck), with
  b = |w|·T/(e^{ω0·T} − 1) so that it walks at w relative to the belt; w steers it back to
  its preferred deck spot (seen when the step is planned, acting from the landing on: at
  least foot_placement_s later, the reaction delay of the steering).
- Balance: the XCoM leaving what the present stance can handle — behind the foot's rear
  edge, or beyond the reach of the next step — is a crossing (`walker.threat`). A recovery
  step then lands step_s after the perturbation's onset, on the capture point, no longer
  than the profile's recovery step (shorter backward, which is also blind); more follow at
  min_step_time_s while the XCoM stays outside. Between steps, and while standing, the ankle
  moves the centre of pressure within the foot (ankle_s after each look) and a gripping hand
  adds up to its grip force, which widens the base of support by F/(m·ω0²).
- A fall is a failure to capture: the centre of mass and the XCoM both beyond the longest
  step on one side (the leg can no longer be put under the body), the stance foot carried
  off the rear of the deck, or the waist meeting the console at the front end (the model
  has no way to lean on it: it stops the body, which would otherwise pass through). Its
  direction is in the walker's own frame. The fallen walker is then a passive body on the
  belt (the minimal walker's rider).
- Gait speed is chosen against the belt's speed as the feet felt it over the last stride
  and its trend (three contacts), not at one contact: see `_felt_belt_speed`.
- After a recovery a walker stands captured for a step's time, then walks on; if standing
  there still needs its hands, it first steps under its body, and a hand that reached for
  the rail lets go only once the walker stands or walks without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from sim.kernel import Phase, seconds, ticks
from sim.strict import NonNegative, Positive
from sim.treadmills.clip import WAIST_HALF_DEPTH_M
from sim.units import G_MPS2
from sim.walker.minimal import NEVER, OFF_DECK, MinimalWalker, WalkerSpec
from sim.walker.pace import Pace
from sim.walker.profile import ANKLE_FROM_HEEL_M, WalkerProfile

if TYPE_CHECKING:
    from sim.kernel import Kernel

STANDING, WALKING, FALLEN = "standing", "walking", "fallen"
BELT, RAILS = "belt", "rails"

POSTURE_LOOK_S = 0.05  # unsourced: how often the standing walker updates its ankle and hands
STEERING_GAIN_PER_S = 1.0  # unsourced: lab speed wanted per metre off the preferred spot
SPEED_CHANGE_MPS2 = 1.0  # unsourced: the fastest the walker changes its walking speed
EPISODE_S = 2.0  # unsourced: a perturbation not ended by a fall within this is recovered
ARM_REACH_M = 0.35  # unsourced: how far along the deck beyond the rail's ends a hand reaches
CONSOLE_ZONE_M = 0.5  # unsourced: a fall toward the front this near it lands on the console
PACE_DECK_MARGIN_M = 0.45  # unsourced: pacing on a curve, it keeps this far from either end
EXTERNAL_TOLERANCE_N = 1e-9
# crossing: (side of the fall on the deck, None for the way the walker faces; place)
DECK_EDGE_FALLS = {
    "walker.off_deck": (None, "off the rear"),  # a stance foot carried off the rear
    "walker.console": (-1, "against the console"),  # carried or stumbling into it
}


class GaitWalkerSpec(WalkerProfile):
    """A profile (merged from `profile`, any field overridable) placed on a treadmill."""

    model: Literal["gait"]
    profile: str  # the preset file the values started from
    facing: Literal["forward", "backward"]  # backward: faces the rear (+x)
    # the way it walks in its own frame (None: the way it faces the deck, backward facing
    # the rear); on the decline trainer it faces the handle, at the front, and walks backward
    walks: Literal["forward", "backward"] | None = None
    # the belt speed it seeks on a belt it drives (None: its preferred speed that way); on a
    # motorized treadmill, given only when it pushes the belt of a switched-off one
    pace_mps: Positive | None = None
    position_m: Positive  # preferred deck position of the centre of mass
    clip_point: Literal["front", "back"] = "front"
    start: Literal["walking", "standing", "side_rails"] = "walking"
    # rails held at the start (None: as the habit says, or both where it drives the belt
    # with its hands)
    hands: Literal[0, 1, 2] | None = None
    spread_scale: NonNegative = 1.0  # 0: the nominal walker in every run
    name: str = ""  # the profile's own title (not needed in a scenario)
    sources: dict[str, str] = Field(default_factory=dict)

    @property
    def walks_backward(self) -> bool:
        return (self.walks or self.facing) == "backward"

    @property
    def walking_direction(self) -> int:
        """The way it walks along the deck relative to the belt: −1 toward the front."""
        faces = 1 if self.facing == "backward" else -1
        return -faces if self.walks_backward else faces


class GaitWalker:
    signal_names = (
        "walker_x_m", "walker_speed_mps", "rear_clearance_m", "clip_x_m", "xcom_x_m",
        "cop_x_m", "ankle_x_m", "foot_force_n", "hand_force_n", "walker_accel_mps2",
    )  # fmt: skip
    crossing_names = ("walker.fall", "walker.threat", "walker.off_deck", "walker.slips",
                      "walker.rides", "walker.console", "walker.leaves_console")  # fmt: skip

    def __init__(self, spec: GaitWalkerSpec, profile: WalkerProfile, deck_length_m: float):
        self.spec = spec
        self.profile = profile
        body = profile.body
        self.mass = body.mass_kg
        self.facing = 1 if spec.facing == "backward" else -1
        self.deck_length_m = deck_length_m
        self.pendulum_m = body.pendulum_m
        heel = -self.facing * ANKLE_FROM_HEEL_M
        toe = heel + self.facing * body.foot_m
        self.foot_lo, self.foot_hi = min(heel, toe), max(heel, toe)  # about the ankle
        leg = body.leg_m
        forward = profile.recovery_step.forward_per_leg * leg
        backward = profile.recovery_step.backward_per_leg * leg
        self.reach = {self.facing: forward, -self.facing: backward}  # by deck direction
        self.gait_step_m = forward  # the longest deliberate step, either way (unsourced)
        figure = MinimalWalker(self._minimal_spec(spec.position_m), deck_length_m)
        self.clip_offset_m = figure.clip_offset_m
        self.waist_height_m = figure.waist_height_m
        lat = profile.latencies
        self.cadence_period = ticks(60.0 / profile.speeds.cadence_spm)
        self.t_ankle, self.t_step = ticks(lat.ankle_s), ticks(lat.step_s)
        self.t_place, self.t_hand = ticks(lat.foot_placement_s), ticks(lat.handrail_reach_s)
        self.t_min_step = ticks(profile.recovery_step.min_step_time_s)
        self.support = RAILS if spec.start == "side_rails" else BELT
        self.belt_yield = 0.0  # m / m_eq of a belt its own push moves (0: held, or ground)
        self.set_incline(0.0, 1.0)

        # state
        self.X = self.A = spec.position_m
        self.U = 0.0
        self.p = 0.0
        self.mode = WALKING if spec.start == "walking" else STANDING
        self.hands = spec.hands if spec.hands is not None else (
            2 if profile.handrail.habit == "holds" else 0)  # fmt: skip
        self.push_n = 0.0  # a stated push on the rails (force on the walker along +x)
        self.hand_n = 0.0  # what the rails give the walker now, push included
        self.external_n = 0.0  # hands + clip cord, frozen over a sub-step
        self.belt_v = self.belt_a = 0.0  # the support's motion, as last stepped
        self.walk_mps = 0.0  # the walking velocity relative to the belt (deck frame)
        self.threat = False
        self.letting_go = False  # a hand that reached lets go once the walker is steady
        self.episode: dict[str, Any] | None = None
        self.target_x = spec.position_m  # where it steers to (pacing on a curve moves it)
        self.weight_on_slope_n = 0.0  # m·g·sin θ under the stance foot, on a curved deck
        self.pace: Pace | None = None  # how it drives a belt it powers (set before a run)
        self._paced_at: int | None = None
        self.body: MinimalWalker | None = None  # the passive body after a fall
        self.contact_listeners: list[Callable[[int], None]] = []  # called once, next contact
        self.next_landing: int | None = None  # when the planned step lands
        self.contact_belt_mps: tuple[float, ...] = ()  # the belt under the last 3 contacts
        self.contact_belt_at: tuple[tuple[int, float], ...] = ()  # (t, belt travel), 4 contacts
        self.kernel: Kernel | None = None
        self._limits_key: tuple | None = None
        self._limits_value = (0.0, 0.0, 0.0, 0.0)

    def _minimal_spec(self, position_m: float) -> WalkerSpec:
        s, b = self.spec, self.profile.body
        return WalkerSpec(mass_kg=b.mass_kg, height_m=b.height_m, facing=s.facing,
                          position_m=max(position_m, 1e-3), clip_point=s.clip_point)  # fmt: skip

    # ----------------------------------------------------------------- plant state
    def save(self) -> dict:
        state = self.__dict__.copy()
        if self.body is not None:
            state["body_state"] = self.body.save()
        return state

    def restore(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.body is not None:
            self.body.restore(state["body_state"])

    def set_incline(self, sin_t: float, cos_t: float) -> None:
        self.sin_t = sin_t
        self.omega2 = G_MPS2 * cos_t / self.pendulum_m
        self.k_foot = self.mass * self.omega2  # foot force per metre of lean
        self._set_rate()

    def _set_rate(self) -> None:
        """The rate the walker plans with: the pendulum's relative to its support. On a belt
        its own push moves (`belt_yield` = m / m_eq) the foot's force drives the belt back
        under it: ÿ = ω0²·(1 + m/m_eq)·y + …, so its XCoM and steps go by that faster rate
        (the offsets c/ω0² where it stands still are unchanged). Planning with ω0 there, the
        walker misjudged every step on a light belt and drifted into the console."""
        yielding = self.belt_yield if self.support == BELT else 0.0
        self.omega = math.sqrt(self.omega2 * (1.0 + yielding))

    def balance_on_slope(self) -> None:
        """At the start: the stance ankle where the pendulum is at rest on this slope,
        y = −c/ω0² (on a flat deck, under the centre of mass)."""
        self.A = self.X + self.accel_const / self.omega2 - self.p

    @property
    def coupled(self) -> bool:
        """The pendulum is up (standing or walking), not a fallen body."""
        return self.mode != FALLEN

    @property
    def on_belt(self) -> bool:
        return self.coupled and self.support == BELT

    @property
    def on_deck(self) -> bool:
        return self.body.mode != OFF_DECK if self.body else True

    @property
    def x(self) -> float:
        return self.body.x if self.body else self.X

    @property
    def clip_x_m(self) -> float:
        return self.x + self.clip_offset_m

    @property
    def lean(self) -> float:
        """y = X − A − p: the pendulum's lean over the centre of pressure."""
        return self.X - self.A - self.p

    @property
    def lean_force_n(self) -> float:
        """The stance foot's force on the belt along +x from the lean (none from a side
        rail); all of it but on a curved deck (`belt_force_n`)."""
        return -self.k_foot * self.lean if self.support == BELT else 0.0

    @property
    def belt_force_n(self) -> float:
        """All the stance foot gives the belt along +x: the lean's force, and on a curved
        deck its weight's share along the slope under it."""
        if self.support != BELT:
            return 0.0
        return self.weight_on_slope_n - self.k_foot * self.lean

    @property
    def accel_const(self) -> float:
        """c in Ẍ = ω0²·y + c: gravity along the deck plus the external force."""
        return G_MPS2 * self.sin_t + self.external_n / self.mass

    def relative(self) -> tuple[float, float]:
        """(x, ẋ) of the centre of mass relative to the stance ankle."""
        v = self.belt_v if self.support == BELT else 0.0
        return self.X - self.A, self.U - v

    def xcom(self) -> float:
        """ξ relative to the stance ankle."""
        x, xd = self.relative()
        return x + xd / self.omega

    @property
    def balance_shift(self) -> float:
        """How far the steady force along the deck (gravity along a slope, a stated push on
        the rails) moves the centre of pressure that stills the body: (g·sin θ + F_push/m)
        /ω0², the rest lean y = −shift. The XCoM is judged against the support shifted by
        it; on the flat without a push it is zero."""
        return (G_MPS2 * self.sin_t + self.push_n / self.mass) / self.omega2

    def balanced_xcom(self) -> float:
        """ξ relative to the stance ankle, plus `balance_shift`: the centre of pressure
        that stills the body with gravity and the push as they are."""
        return self.xcom() + self.balance_shift

    # ----------------------------------------------------------------- crossings, signals
    def crossings(self, v: float, belt_accel: float) -> tuple[float, ...]:
        if self.body is not None:
            slips, rides, off, console, leaves = self.body.crossings(v, belt_accel)
            return (NEVER, NEVER, off, slips, rides, console, leaves)
        shift = self.balance_shift
        x = self.X - self.A + shift  # relative()[0], read once: crossings run every sub-step
        xi = self.xcom() + shift
        reach_lo, reach_hi, lo, hi = self._limits()
        falls = max(min(x, xi) - reach_hi, -max(x, xi) - reach_lo)
        threat = NEVER if self.threat else max(lo - xi, xi - hi)
        off = self.A + self.foot_hi - self.deck_length_m if self.support == BELT else NEVER
        console = WAIST_HALF_DEPTH_M - self.X  # the waist meets the console
        return (falls, threat, off, NEVER, NEVER, console, NEVER)

    def _limits(self) -> tuple[float, float, float, float]:
        """(capture reach toward −x, toward +x, support edges lo, hi), recomputed only when
        what they depend on changes: crossings read them at every evaluation."""
        key = (self.mode, self.hands, self.walk_mps, self.omega)
        if key != self._limits_key:
            self._limits_key = key
            self._limits_value = (self._capture_reach(-1), self._capture_reach(1),
                                  *self._support_edges())  # fmt: skip
        return self._limits_value

    def _capture_reach(self, side: int) -> float:
        """The farthest XCoM a step to this side can still capture: the longest step that way
        (a walker already walking that way steps as far as its gait does), the foot beyond
        the ankle, and what gripping hands hold."""
        step = self.reach[side]
        if self.mode == WALKING and side == _sign(self.walk_mps):
            step = max(step, self.gait_step_m)
        return step + (self.foot_hi if side > 0 else -self.foot_lo) + self._widening()

    def _widening(self) -> float:
        return self.hands * self.profile.handrail.grip_force_n / self.k_foot

    def _support_edges(self) -> tuple[float, float]:
        """The XCoM range the present stance handles without a recovery step."""
        widen = self._widening()
        lo, hi = self.foot_lo - widen, self.foot_hi + widen
        if self.mode == WALKING:  # the next step, at its longest, walking at full speed
            d = _sign(self.walk_mps)
            if d >= 0:
                hi = max(hi, self.gait_step_m + self._offset(self._max_speed(1)) + self.foot_hi)
            if d <= 0:
                lo = min(lo, self.foot_lo - self.gait_step_m - self._offset(self._max_speed(-1)))
        return lo, hi

    def _max_speed(self, side: int) -> float:
        sp = self.profile.speeds
        return sp.max_forward_mps if side == self.facing else sp.max_backward_mps

    def _period_at(self, speed: float) -> int:
        """The cadence's step time, shortened when a step that long would exceed the longest
        step at this walking speed (cadence rises with speed)."""
        if speed * seconds(self.cadence_period) <= self.gait_step_m:
            return self.cadence_period
        return ticks(self.gait_step_m / speed)

    def _offset(self, speed: float) -> float:
        """Hof's constant offset b that walks at `speed`: b = speed·T/(e^{ω0·T} − 1)."""
        period = seconds(self._period_at(speed))
        return speed * period / math.expm1(self.omega * period)

    def signals(self) -> tuple[float, ...]:
        if self.body is not None:
            x, u, clear, clip = self.body.signals()
            return (x, u, clear, clip, x, x, x, 0.0, 0.0, 0.0)
        rear_foot = self.A + self.foot_hi
        return (
            self.X, self.U, self.deck_length_m - rear_foot, self.X + self.clip_offset_m,
            self.A + self.xcom(), self.A + self.p, self.A, self.belt_force_n, self.hand_n,
            self.omega2 * self.lean + self.accel_const,
        )  # fmt: skip

    def on_crossing(self, name: str, v: float, belt_accel: float) -> dict[str, Any]:
        if self.body is not None:
            return self.body.on_crossing(name, v, belt_accel)
        if name == "walker.threat":
            return self._on_threat()
        if name in DECK_EDGE_FALLS:  # a deck edge reached: a fall too, logged as one
            side, place = DECK_EDGE_FALLS[name]
            details = self._fall(self.facing if side is None else side, place, v)
            self.kernel.record("walker.fall", **details)
            return details
        x = self.relative()[0] + self.balance_shift
        side = 1 if min(x, self.balanced_xcom()) - self._limits()[1] >= 0 else -1
        near_console = side < 0 and self.X < CONSOLE_ZONE_M
        return self._fall(side, "against the console" if near_console else "on the deck", v)

    # ----------------------------------------------------------------- decisions
    def attach(
        self,
        kernel: Kernel,
        belt_speed: Callable[[], float],
        belt_travel: Callable[[], float],
        rails: tuple[float, float] | None,
    ) -> None:
        """Start deciding: the gait's first step, and the posture looks. `belt_speed` and
        `belt_travel` read the belt; `rails`: the handrails' x range along the deck."""
        self.kernel = kernel
        self._belt_speed, self._belt_travel = belt_speed, belt_travel
        self.rails = rails
        pace = self.pace
        if pace is not None:
            self._feel_belt()
            kernel.record("walker.pace", belt_mps=pace.belt_mps, by=pace.by,
                          capacity_n=pace.capacity_n)  # fmt: skip
        kernel.process(self._posture_loop())
        if self.mode == WALKING:
            self._next_gait_step()

    def _posture_loop(self):
        kernel = self.kernel
        yield kernel.timeout(0, Phase.WALKER)
        while self.coupled:
            if self.mode == STANDING or self.threat:
                self._look_posture()
            yield kernel.timeout(ticks(POSTURE_LOOK_S), Phase.WALKER)

    def _look_posture(self) -> None:
        """Ankle and hands: choose the centre of pressure that holds the XCoM where it will
        be when the choice takes effect (ankle_s later), against the acceleration of the
        support the feet feel now, as far as the foot and the grip allow."""
        felt = self.accel_const - (self.belt_a if self.support == BELT else 0.0)
        xi = self._predicted_xcom(self.t_ankle, felt)
        wanted = xi + (felt - self.hand_n / self.mass) / self.omega2
        widen = self._widening()
        effective = min(max(wanted, self.foot_lo - widen), self.foot_hi + widen)
        p = min(max(effective, self.foot_lo), self.foot_hi)
        balance_n = self.k_foot * (p - effective)
        grip = self.hands * self.profile.handrail.grip_force_n
        hand = max(-grip, min(grip, self.push_n + balance_n))

        def act(t: int) -> None:
            if self.coupled and (self.mode == STANDING or self.threat):
                self.p, self.hand_n = p, hand
                if self.episode is not None and abs(hand - self.push_n) > 1.0:
                    self.episode["handrail"] = True
                self.kernel.touch()

        self.kernel.call_at(self.kernel.now + self.t_ankle, Phase.WALKER, act, key="walker.ankle")

    def _walking_velocity(self) -> float:
        """The velocity to walk at relative to the belt (deck frame) over the coming step:
        the lab velocity that brings it back to its preferred spot, less the belt's velocity
        as its feet felt it (`_felt_belt_speed`; over the last stride on a belt it drives,
        whose speed swings within each step); within the profile's speeds and rate of
        change."""
        lab = -STEERING_GAIN_PER_S * (self.X - self.target_x)
        felt = self._stride_belt_speed() if self.pace else self._felt_belt_speed()
        w = lab - (felt if self.support == BELT else 0.0)
        limit = self._max_speed(_sign(w))
        w = max(-limit, min(limit, w))
        change = SPEED_CHANGE_MPS2 * seconds(self.cadence_period)
        return max(self.walk_mps - change, min(self.walk_mps + change, w))

    def intended_belt_mps(self) -> float:
        """The belt velocity along +x it seeks on a belt it drives (its pace, or its own
        preferred speed the way it walks): the belt carries it back the way it walks."""
        sp, spec = self.profile.speeds, self.spec
        speed = spec.pace_mps or (
            sp.preferred_backward_mps if spec.walks_backward else sp.preferred_forward_mps
        )
        return -spec.walking_direction * speed

    def _pace_step(self) -> None:
        """On a belt it powers: the drive it wants from now on (`sim.walker.pace`), given by
        the hands or by where it stands on the curve. Changed as the next step is planned,
        so that step's placement already allows for it."""
        now = self.kernel.now
        dt = 0.0 if self._paced_at is None else seconds(now - self._paced_at)
        self._paced_at = now
        pace = self.pace
        heft = self._feel_belt()
        weight_along = self.weight_on_slope_n or self.mass * G_MPS2 * self.sin_t
        grip = self.hands * self.profile.handrail.grip_force_n if pace.by == "hands" else math.inf
        drive = pace.drive_n(self._stride_belt_speed(), dt, weight_along, heft, grip)
        if pace.by == "hands":
            self.push(drive - weight_along)
        else:
            spot = pace.curve.position_for_sin(drive / pace.weight_n)
            margin = PACE_DECK_MARGIN_M
            self.target_x = min(max(spot, margin), self.deck_length_m - margin)

    def _feel_belt(self) -> float:
        """The belt's heft as the walker feels it now (`Pace.heft_kg`), returned; pacing
        with its hands, also how far its own push moves the belt (`belt_yield`). On the
        curve it plans with ω0: there the yielding rate made its walk to the spot that sets
        the speed overshoot, a ~10 s oscillation that grew."""
        heft = self.pace.heft_kg(math.sqrt(self.omega2))
        if self.pace.by == "hands":
            self.belt_yield = self.mass / heft
            self._set_rate()
        return heft

    def _stride_belt_speed(self) -> float:
        """The belt's speed now as a walker that drives it feels it: its mean over the last
        stride (the travel between contacts two steps apart) carried a step on by its
        change since the stride before. Not the speed at a contact: a belt the walker
        drives surges and stalls within every step, always at the same phase of it."""
        if len(self.contact_belt_at) < 4:
            return self._felt_belt_speed()
        (t3, s3), (t2, s2), (t1, s1), (t0, s0) = self.contact_belt_at
        last = (s0 - s2) / seconds(t0 - t2)
        return 2.0 * last - (s1 - s3) / seconds(t1 - t3)

    def _felt_belt_speed(self) -> float:
        """The belt's speed as the feet felt it over the last stride, carried to now by
        its trend: the mean of this contact's and the last one's (left and right), plus
        half a step of the change in that mean since the contact before: ¾·v₀ + ½·v₁ − ¼·v₂.
        The belt now before a third contact. Not this contact alone: a heavy walker's belt
        swings with every push-off, and sampling it per step fed that swing back into the
        next step's speed, a left-right oscillation that grew until the walker drifted off
        the rear; the mean alone lagged a ramping belt by half a step."""
        if len(self.contact_belt_mps) < 3:
            return self._belt_speed()
        v2, v1, v0 = self.contact_belt_mps
        return 0.75 * v0 + 0.5 * v1 - 0.25 * v2

    def _predicted_xcom(self, dt: int, felt: float | None = None) -> float:
        """ξ relative to the stance ankle dt ticks from now, if nothing changes. `felt`: the
        acceleration of the body relative to its support the walker feels (gravity, hands,
        the support's own acceleration); a step plan uses its own body's (no belt term)."""
        felt = self.accel_const if felt is None else felt
        centre = self.p - felt / self.omega2
        return centre + (self.xcom() - centre) * math.exp(self.omega * seconds(dt))

    def _time_to_xcom(self, target: float, felt: float) -> int:
        """Ticks until ξ (relative to the stance ankle) reaches target, at least one."""
        centre = self.p - felt / self.omega2
        ratio = (target - centre) / (self.xcom() - centre)
        if ratio <= 1.0:
            return 1
        return max(1, ticks(math.log(ratio) / self.omega))

    def _limit_step(self, step: float, recovery: bool) -> float:
        """A gait step is at most the longest deliberate step either way; a recovery step
        the profile's reach that way, or the gait's toward where the walker was walking."""
        if not recovery:
            return max(-self.gait_step_m, min(self.gait_step_m, step))
        side = _sign(step)
        reach = self.reach[side] if side else 0.0
        if side and side == _sign(self.walk_mps):
            reach = max(reach, self.gait_step_m)
        return side * min(abs(step), reach)

    def _next_gait_step(self) -> None:
        """Choose the speed of the coming step now (a contact is when the walker looks), so
        its step time follows from it; where the foot goes is planned foot_placement_s
        before it lands, from the walker's own body: a belt acceleration shows up as the
        XCoM moving, and the next step corrects it (the placement rule is deadbeat)."""
        w = self._walking_velocity()
        land_at = self.kernel.now + self._period_at(abs(w))
        self.next_landing = land_at

        def plan(t: int) -> None:
            if self.mode != WALKING:
                return
            if self.pace is not None and self.support == BELT:
                self._pace_step()  # its drive changes as it plans the step that carries it
            felt = self.accel_const
            shift = felt / self.omega2 - _sign(w) * self._offset(abs(w))
            land = land_at
            xi = self._predicted_xcom(land - t, felt)
            if abs(xi + shift) > self.gait_step_m:  # the body runs ahead: step sooner
                land = t + self._time_to_xcom(_sign(xi + shift) * self.gait_step_m - shift, felt)
                xi = self._predicted_xcom(land - t, felt)
            step = self._limit_step(xi + shift, False)
            self.next_landing = land
            self.kernel.call_at(
                land, Phase.WALKER, lambda t: self._land(step, w, "walker.step"),
                key="walker.step",
            )  # fmt: skip

        decide_at = max(self.kernel.now, land_at - self.t_place)
        self.kernel.call_at(decide_at, Phase.WALKER, plan, key="walker.step")

    def _land(self, step: float, w: float, kind: str) -> None:
        """A foot lands `step` from the stance ankle and becomes the stance foot."""
        if not self.coupled:
            return
        self.A += step
        if self.support == BELT:
            self.contact_belt_mps = (*self.contact_belt_mps[-2:], self._belt_speed())
            if self.pace is not None:
                now = (self.kernel.now, self._belt_travel())
                self.contact_belt_at = (*self.contact_belt_at[-3:], now)
        self.p = 0.0  # gripping hands keep holding across a step: the posture looks decide
        self.walk_mps = w
        self.threat = False  # re-armed: still outside the new stance's reach fires it at once
        self.next_landing = None
        details: dict[str, Any] = {"step_m": step, "ankle_x_m": self.A}
        d = _sign(w)
        if d and kind == "walker.step":  # Hak 2013: XCoM to the edge opposite walking
            rear_edge = self.foot_lo if d > 0 else self.foot_hi
            details["mos_m"] = d * (self.balanced_xcom() - rear_edge)
        self.kernel.record(kind, **details)
        self.kernel.touch()
        listeners, self.contact_listeners = self.contact_listeners, []
        for listener in listeners:
            listener(self.kernel.now)
        if kind == "walker.recovery_step" and self.episode is not None:
            self.episode["steps"] += 1
            self.episode["last_step_at"] = self.kernel.now
        lo, hi = self.foot_lo - self._widening(), self.foot_hi + self._widening()
        if kind == "walker.recovery_step" and lo <= self.balanced_xcom() <= hi:
            # captured: the foot lands with its centre of pressure under the capture point,
            # stands on it, then walks on
            self.p = min(max(self.xcom() + self.accel_const / self.omega2, self.foot_lo),
                         self.foot_hi)  # fmt: skip
            self.mode = STANDING
            self.kernel.call_at(self.kernel.now + self.cadence_period, Phase.WALKER,
                                self._resume_walking, key="walker.step")  # fmt: skip
        elif self.mode == WALKING:
            self._next_gait_step()

    # ----------------------------------------------------------------- perturbations
    def perturbed(self, belt_speed_change_mps: float) -> None:
        """The belt's speed starts changing under the walker (onset now): open an episode and
        sample the margin of stability when a first recovery step could land."""
        if not self.coupled:
            return
        now = self.kernel.now
        if self.episode is None:
            self._open_episode(now, "belt speed change")
        side = -_sign(belt_speed_change_mps) if self.support == BELT else 0
        if side:
            self.kernel.call_at(now + self.t_step, Phase.WALKER,
                                lambda t: self._perturbation_margin(side))  # fmt: skip

    def stumble(self, speed_mps: float) -> None:
        """A trip backward in the walker's own frame: the body's velocity jumps by
        `speed_mps` toward its back while the feet stay where they are; its balance
        responses (ankle, steps, the rails) then do what they can."""
        if not self.coupled:
            return
        self.U -= self.facing * speed_mps
        if self.episode is None:
            self._open_episode(self.kernel.now, "stumble")
        self.kernel.touch()

    def _perturbation_margin(self, side: int) -> None:
        """XCoM to the edge the belt's change pushed it toward: the reach of a recovery step
        on the walking side, the foot (and grip) on the other."""
        if not self.coupled:
            return
        if side == _sign(self.walk_mps):
            edge = self._capture_reach(side)
        else:
            widen = self._widening()
            edge = self.foot_hi + widen if side > 0 else -(self.foot_lo - widen)
        margin = edge - side * self.balanced_xcom()
        self.kernel.record("walker.margin", cause="belt speed change", mos_m=margin,
                           side=self._frame(side))  # fmt: skip

    def _frame(self, side: int) -> str:
        return "forward" if side == self.facing else "backward"

    def _open_episode(self, onset: int, cause: str) -> None:
        self.episode = {"onset": onset, "steps": 0, "handrail": False, "cause": cause}
        self.kernel.call_at(onset + ticks(EPISODE_S), Phase.WALKER, self._close_episode,
                            key="walker.episode")  # fmt: skip

    def _close_episode(self, t: int) -> None:
        ep = self.episode
        if ep is None or not self.coupled:
            return
        self.episode = None
        if ep.get("reached"):  # a reaching walker lets go again once recovered and steady
            self.letting_go = True
            if self.mode == WALKING or self._stands_unaided():
                self._let_go()
        if ep["steps"] == 0 and not ep["handrail"]:
            outcome = "recovered"
        elif ep["handrail"]:
            outcome = "saved by the handrail"
        else:
            outcome = f"recovered with {ep['steps']} step" + ("s" if ep["steps"] > 1 else "")
        self.kernel.record("walker.recovered", outcome=outcome, steps=ep["steps"],
                           handrail=ep["handrail"], cause=ep["cause"])  # fmt: skip

    def _on_threat(self) -> dict[str, Any]:
        now = self.kernel.now
        xi = self.balanced_xcom()
        side = 1 if xi > 0 else -1
        self.threat = True
        if self.episode is None:
            self._open_episode(now, "balance")
        if self.hands == 0 and self.profile.handrail.habit == "reaches" and self.rails_ok:
            self.episode["reached"] = True
            grip_at = max(now, self.episode["onset"] + self.t_hand)
            self.kernel.call_at(grip_at, Phase.WALKER, lambda t: self._grip(1, "reached"))
        last = self.episode.get("last_step_at")
        if last is None:  # the first: step_s after the onset, and never sooner than a placement
            land = max(self.episode["onset"] + self.t_step, now + self.t_place)
        else:  # a further one: min_step_time_s after the last
            land = max(last + self.t_min_step, now + 1)
        if self.next_landing is None or self.next_landing > land:
            self.kernel.invalidate("walker.step")  # a recovery step lands first
            self._plan_recovery_step(land)
        return {"side": self._frame(side), "xcom_m": xi}

    def _plan_recovery_step(self, land_at: int, unaided: bool = False) -> None:
        """A step that lands on the capture point, no longer than the reach that way;
        `unaided`: where the body stands without what the hands add for balance, which
        they stop adding as it lands."""
        self.next_landing = land_at

        def plan(t: int) -> None:
            if not self.coupled:
                return
            xi = self._predicted_xcom(land_at - t)
            middle = 0.5 * (self.foot_lo + self.foot_hi)
            accel = self._unaided_accel() if unaided else self.accel_const
            step = self._limit_step(xi + accel / self.omega2 - middle, True)

            def land(t: int) -> None:
                if unaided:  # under the body now: the hands back to the stated push
                    self.hand_n = self.push_n
                self._land(step, 0.0, "walker.recovery_step")

            self.kernel.call_at(land_at, Phase.WALKER, land, key="walker.step")

        decide_at = max(self.kernel.now, land_at - self.t_place)
        self.kernel.call_at(decide_at, Phase.WALKER, plan, key="walker.step")

    def _resume_walking(self, t: int) -> None:
        """Walk on after standing captured; first step under the body if standing there
        needs the hands (letting go then would drop it, blind, the way it leans)."""
        if self.coupled and not self.threat and self.spec.start != "standing":
            if not self._stands_unaided():
                self._plan_recovery_step(t + self.t_place, unaided=True)
                return
            self._let_go()
            self.mode = WALKING
            self.contact_belt_mps = self.contact_belt_at = ()  # it stood: it feels it as it is
            self.p = 0.0
            self.hand_n = self.push_n
            self._next_gait_step()
            self.kernel.touch()

    def _stands_unaided(self) -> bool:
        """Whether the foot alone could hold the body where it is: the centre of pressure
        that stills the XCoM, without the hands' balance force, lies within the foot."""
        needed_p = self.xcom() + self._unaided_accel() / self.omega2
        return self.foot_lo <= needed_p <= self.foot_hi

    def _let_go(self) -> None:
        """A hand that reached for the rail lets go, if one is waiting to."""
        if self.letting_go:
            self.letting_go = False
            self.set_hands(0)
            self.kernel.record("walker.hands", hands=0)

    def _unaided_accel(self) -> float:
        """accel_const without the balance force the hands add beyond the stated push."""
        return self.accel_const - (self.hand_n - self.push_n) / self.mass

    def _fall(self, side: int, place: str, v: float) -> dict[str, Any]:
        """A failure to capture: the details of the `walker.fall` event."""
        details = {"direction": self._frame(side), "place": place, "walker_x_m": self.X}
        if self.episode is not None:
            details["steps"] = self.episode["steps"]
            details["cause"] = self.episode["cause"]
        self._become_body(v, place)
        return details

    def _become_body(self, v: float, place: str) -> None:
        """From now on a passive body on the belt (or off it)."""
        self.episode = None
        self.mode = FALLEN
        for key in ("walker.step", "walker.ankle", "walker.episode"):
            self.kernel.invalidate(key)
        body = MinimalWalker(self._minimal_spec(self.X), self.deck_length_m)
        body.x, body.u = self.X, self.U
        if place == "off the rear":
            body.mode = OFF_DECK
        elif place == "against the console":
            body.at_console(v)
        else:
            body.stop_walking(v)
        self.body = body
        self.hand_n = self.external_n = 0.0

    # ----------------------------------------------------------------- user actions
    def stop_walking(self, v: float) -> None:
        """Stop and be carried: a passive rider (a deliberate stop, not a fall)."""
        if self.coupled:
            self._become_body(v, "on the deck")

    def rails_in_reach(self, x_from: float, x_to: float) -> bool:
        return x_from - ARM_REACH_M <= self.X <= x_to + ARM_REACH_M

    @property
    def rails_ok(self) -> bool:
        """Whether the treadmill's handrails are within a hand's reach now."""
        return self.rails is not None and self.rails_in_reach(*self.rails)

    def _grip(self, hands: int, how: str) -> None:
        if self.coupled and hands > self.hands:
            self.hands = hands
            self.kernel.record("walker.grasp", hands=hands, how=how)
            self.kernel.touch()

    def set_hands(self, hands: int) -> None:
        self.hands = hands
        limit = hands * self.profile.handrail.grip_force_n
        self.push_n = max(-limit, min(limit, self.push_n))
        self.hand_n = max(-limit, min(limit, self.hand_n))

    def push(self, force_n: float) -> float:
        """A stated force of the rails on the walker along +x, up to what the grip holds;
        what the hands add for balance now stays on top of it."""
        limit = self.hands * self.profile.handrail.grip_force_n
        old = self.push_n
        self.push_n = max(-limit, min(limit, force_n))
        hand = max(-limit, min(limit, self.hand_n + self.push_n - old))
        self.external_n += hand - self.hand_n  # felt at once, not at the next sub-step
        self.hand_n = hand
        if self.kernel is not None:
            self.kernel.touch()
        return self.push_n

    def step_on(self) -> None:
        """From the side rails onto the moving belt: the foot meets the belt's speed."""
        if self.coupled and self.support == RAILS:
            self.support = BELT
            self._set_rate()
            self.mode = WALKING
            self._open_episode(self.kernel.now, "stepping on")
            self.perturbed(self._belt_speed())  # the foot meets the belt's speed at once
            self._next_gait_step()


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)
