"""Walker profiles: the body, its speeds, latencies and limits, as a preset file declares them,
and the per-run draw of each number from its stated spread.

A profile (`sim/presets/walkers/*.toml`) holds the numbers of one kind of walker; a scenario
names it under `[walker]` (`model = "gait"`, `profile = "..."`) and may override any field.
`[spread]` gives one standard deviation per field path ("body.mass_kg" = 10.0); each run
draws every listed field from a normal distribution truncated at ±`TRUNCATE_SD`, then clips
it into the field's own bounds, from the run's "walker" stream in sorted path order, so the
same seed and run index always give the same walker.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self

import numpy as np
from pydantic import Field, model_validator

from sim.strict import Fraction, NonNegative, Positive, StrictModel

TRUNCATE_SD = 3.0  # draws beyond ±3 sd are redrawn: no 40 kg "young adult" from a wide spread

# Anthropometry per body height (Winter, Biomechanics and Motor Control of Human Movement,
# segment lengths): foot length 0.152 H, greater trochanter height 0.530 H.
FOOT_PER_HEIGHT = 0.152
LEG_PER_HEIGHT = 0.530
PENDULUM_PER_LEG = 1.24  # sagittal pendulum length / trochanter height (Hof 2005)
ANKLE_FROM_HEEL_M = 0.05  # REFERENCE.md: ankle about 0.05 m in front of the heel


class Body(StrictModel):
    mass_kg: Annotated[float, Field(gt=20, le=300)]
    height_m: Annotated[float, Field(ge=1.0, le=2.5)]  # adults: children are out of scope

    @property
    def foot_m(self) -> float:
        return FOOT_PER_HEIGHT * self.height_m

    @property
    def leg_m(self) -> float:
        return LEG_PER_HEIGHT * self.height_m

    @property
    def pendulum_m(self) -> float:
        return PENDULUM_PER_LEG * self.leg_m


class Speeds(StrictModel):
    """Walking speeds relative to the surface under the feet, m/s."""

    preferred_forward_mps: Positive
    max_forward_mps: Positive
    preferred_backward_mps: Positive
    max_backward_mps: Positive
    cadence_spm: Annotated[float, Field(ge=40, le=200)]  # steps per minute, either direction

    @model_validator(mode="after")
    def _ordered(self) -> Speeds:
        for way in ("forward", "backward"):
            if getattr(self, f"preferred_{way}_mps") > getattr(self, f"max_{way}_mps"):
                raise ValueError(f"preferred_{way}_mps must not exceed max_{way}_mps")
        return self


class Latencies(StrictModel):
    """From a change to the response taking effect, s."""

    steering_s: NonNegative  # deck position correction: a simple reaction
    ankle_s: NonNegative  # centre of pressure moves within the foot
    foot_placement_s: NonNegative  # a planned step's landing point can still change
    step_s: NonNegative  # perturbation -> a recovery step lands
    handrail_reach_s: NonNegative  # perturbation -> a free hand grips the rail


class RecoveryStep(StrictModel):
    """The longest recovery step, ankle to ankle, as a fraction of leg length."""

    forward_per_leg: Positive
    backward_per_leg: Positive
    min_step_time_s: Positive  # the quickest a further recovery step follows the last


class Handrail(StrictModel):
    habit: Literal["none", "reaches", "holds"]  # when perturbed; "holds": from the start
    grip_force_n: NonNegative  # along the deck, per hand, either way


class Push(StrictModel):
    """Sustained horizontal push (or pull) on a handrail or handle: a force-velocity line
    from `at_rest_per_weight` × body weight at standstill to zero at `zero_at_mps`."""

    at_rest_per_weight: Fraction
    zero_at_mps: Positive

    def capacity_n(self, weight_n: float, speed_mps: float) -> float:
        share = 1.0 - abs(speed_mps) / self.zero_at_mps
        return max(0.0, self.at_rest_per_weight * weight_n * share)


class WalkerProfile(StrictModel):
    name: str
    description: str = ""
    body: Body
    speeds: Speeds
    latencies: Latencies
    recovery_step: RecoveryStep
    handrail: Handrail
    push: Push
    spread: dict[str, Positive] = Field(default_factory=dict)  # field path -> one sd
    sources: dict[str, str] = Field(default_factory=dict)  # field path -> where it comes from

    @model_validator(mode="after")
    def _spread_paths_exist(self) -> WalkerProfile:
        for path in self.spread:
            *head, last = path.split(".")
            owner = _get(self, ".".join(head)) if head else self
            fields = getattr(type(owner), "model_fields", {})
            if last not in fields or not isinstance(getattr(owner, last), float):
                raise ValueError(f"spread: {path!r} is not a number field of the profile")
        return self

    def drawn(self, rng: np.random.Generator, scale: float = 1.0) -> Self:
        """This profile with every spread field drawn once (scale 0: the nominal walker)."""
        if scale == 0.0 or not self.spread:
            return self
        data = self.model_dump()
        for path in sorted(self.spread):
            nominal, sd = _get(self, path), self.spread[path] * scale
            while True:
                z = rng.standard_normal()
                if abs(z) <= TRUNCATE_SD:
                    break
            _set(data, path, _clipped(self, path, nominal + sd * z))
        speeds = data["speeds"]
        for way in ("forward", "backward"):  # a draw may not prefer more than its maximum
            key = f"preferred_{way}_mps"
            speeds[key] = min(speeds[key], speeds[f"max_{way}_mps"])
        return type(self).model_validate(data)


def _get(model: StrictModel, path: str) -> object:
    value: object = model
    for key in path.split("."):
        value = getattr(value, key, None)
    return value


def _set(data: dict, path: str, value: float) -> None:
    *head, last = path.split(".")
    for key in head:
        data = data[key]
    data[last] = value


def _clipped(profile: WalkerProfile, path: str, value: float) -> float:
    """Keep a draw inside the field's declared bounds (a draw never makes a profile invalid)."""
    *head, last = path.split(".")
    owner: object = profile
    for key in head:
        owner = getattr(owner, key)
    lo, hi = -math.inf, math.inf
    for meta in type(owner).model_fields[last].metadata:
        for name in ("gt", "ge"):
            if getattr(meta, name, None) is not None:
                lo = max(lo, getattr(meta, name))
        for name in ("lt", "le"):
            if getattr(meta, name, None) is not None:
                hi = min(hi, getattr(meta, name))
    tiny = 1e-9 * max(1.0, abs(value))
    return min(max(value, lo + tiny), hi)
