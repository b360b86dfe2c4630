"""The scenario file, as pydantic models: strict numbers, unknown keys rejected, frozen."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.checks.registry import REGISTRY
from sim.strict import NonNegative, StrictModel
from sim.treadmills.clip import Cord
from sim.treadmills.params import MotorizedParams
from sim.units import kmh_to_mps, mph_to_mps
from sim.walker.minimal import MinimalWalker, WalkerSpec


class _Action(StrictModel):
    at_s: NonNegative


class SetSpeed(_Action):
    """The user asks the console for a belt speed, in exactly one unit."""

    action: Literal["set_speed"]
    speed_mps: NonNegative | None = None
    speed_kmh: NonNegative | None = None
    speed_mph: NonNegative | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> SetSpeed:
        given = [v for v in (self.speed_mps, self.speed_kmh, self.speed_mph) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of speed_mps, speed_kmh, speed_mph")
        return self

    @property
    def mps(self) -> float:
        if self.speed_mps is not None:
            return self.speed_mps
        if self.speed_kmh is not None:
            return kmh_to_mps(self.speed_kmh)
        return mph_to_mps(self.speed_mph)


class SetIncline(_Action):
    action: Literal["set_incline"]
    incline_pct: NonNegative


class PullClip(_Action):
    """The clip is pulled off by hand."""

    action: Literal["pull_clip"]


class StopWalking(_Action):
    """The walker stops walking and is carried by the belt as a passive rider."""

    action: Literal["stop_walking"]


class CutPower(_Action):
    action: Literal["cut_power"]


class RestorePower(_Action):
    action: Literal["restore_power"]


class ManualReset(_Action):
    """Clip back in and the reset pressed."""

    action: Literal["manual_reset"]


Action = Annotated[
    SetSpeed | SetIncline | PullClip | StopWalking | CutPower | RestorePower | ManualReset,
    Field(discriminator="action"),
]
ACTION_MODELS = {
    m.model_fields["action"].annotation.__args__[0]: m
    for m in (SetSpeed, SetIncline, PullClip, StopWalking, CutPower, RestorePower, ManualReset)
}
ACTION_NAMES = tuple(ACTION_MODELS)


MAX_TRACE_SAMPLES = 5e6  # 20 signals x 8 bytes x 5e6 = 800 MB of trace at most


def starting_position_problem(walker: WalkerSpec, treadmill: MotorizedParams) -> str | None:
    """Why this walker cannot start where it stands: feet off the deck, or the clip cord
    already beyond its release length."""
    figure = MinimalWalker(walker, treadmill.deck.length_m)
    rear = walker.position_m + figure.rear_offset_m
    front = walker.position_m + figure.front_offset_m
    if front < 0.0 or rear > treadmill.deck.length_m:
        return (
            f"position_m = {walker.position_m} puts the feet at {front:.3f}..{rear:.3f} m, "
            f"off the {treadmill.deck.length_m} m deck"
        )
    cord = Cord(treadmill.clip, figure.waist_height_m)
    clip_x = walker.position_m + figure.clip_offset_m
    if cord.distance(clip_x) >= cord.release_length_m:
        return (
            f"position_m = {walker.position_m} puts the clip at {clip_x:.3f} m, beyond where "
            f"its cord releases ({cord.release_x():.3f} m): stand nearer the console"
        )
    return None


class TreadmillSpec(MotorizedParams):
    preset: str  # the preset file the values started from (the scenario may override any)


class ControllerSpec(StrictModel):
    policy: str = "console_baseline"
    rate_hz: Annotated[float, Field(gt=0, le=10_000)] = 50.0
    params: dict[str, Any] = Field(default_factory=dict)


class CheckSpec(StrictModel):
    threshold: float | None = None  # in the check's unit (`treadbench checks`); None: default


class Scenario(StrictModel):
    name: str
    description: str = ""
    duration_s: Annotated[float, Field(gt=0, le=86_400)]  # at most a day
    seed: Annotated[int, Field(ge=0)] = 0
    trace_hz: Annotated[float, Field(gt=0, le=10_000)] = 100.0
    treadmill: TreadmillSpec
    walker: WalkerSpec | None = None
    controller: ControllerSpec = Field(default_factory=ControllerSpec)
    timeline: list[Action] = Field(default_factory=list)
    checks: dict[str, CheckSpec] = Field(min_length=1)
    expect_fail: list[str] = Field(default_factory=list)

    @field_validator("walker")
    @classmethod
    def _fits(cls, walker: WalkerSpec | None, info: ValidationInfo) -> WalkerSpec | None:
        treadmill = info.data.get("treadmill")
        if walker and treadmill:
            problem = starting_position_problem(walker, treadmill)
            if problem:
                raise ValueError(problem)
        return walker

    @field_validator("trace_hz")
    @classmethod
    def _trace_fits(cls, trace_hz: float, info: ValidationInfo) -> float:
        duration = info.data.get("duration_s")
        if duration and duration * trace_hz > MAX_TRACE_SAMPLES:
            raise ValueError(
                f"duration_s x trace_hz = {duration * trace_hz:.0f} samples; at most "
                f"{MAX_TRACE_SAMPLES:.0f}: lower trace_hz"
            )
        return trace_hz

    @field_validator("timeline")
    @classmethod
    def _within_run(cls, timeline: list, info: ValidationInfo) -> list:
        duration = info.data.get("duration_s")
        for i, a in enumerate(timeline):
            if duration is not None and a.at_s >= duration:
                raise ValueError(f"[{i}] at {a.at_s} s is not before duration_s = {duration}")
            if isinstance(a, StopWalking) and info.data.get("walker") is None:
                raise ValueError(f"[{i}] stop_walking needs a [walker]")
        return timeline

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, checks: dict, info: ValidationInfo) -> dict:
        unknown = sorted(set(checks) - set(REGISTRY))
        if unknown:
            raise ValueError(f"unknown check {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
        if "walker" in info.data:
            for name in checks:
                need = REGISTRY[name].unmet_need(info.data["walker"])
                if need:
                    raise ValueError(need)
        return checks

    @field_validator("expect_fail")
    @classmethod
    def _listed(cls, expect_fail: list[str], info: ValidationInfo) -> list[str]:
        if "checks" not in info.data:
            return expect_fail  # [checks] itself is wrong: that error says enough
        stray = sorted(set(expect_fail) - set(info.data["checks"]))
        if stray:
            raise ValueError(f"{', '.join(stray)} not listed in [checks]")
        return expect_fail
