"""The scenario file, as pydantic models: strict numbers, unknown keys rejected, frozen."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.checks.registry import REGISTRY
from sim.strict import NonNegative, Positive, StrictModel
from sim.treadmills.params import MotorizedParams
from sim.units import kmh_to_mps, mph_to_mps
from sim.walker.minimal import WalkerSpec


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
ACTION_NAMES = (
    "set_speed", "set_incline", "pull_clip", "stop_walking", "cut_power", "restore_power",
    "manual_reset",
)  # fmt: skip


class TreadmillSpec(MotorizedParams):
    preset: str  # the preset file the values started from (the scenario may override any)


class ControllerSpec(StrictModel):
    policy: str = "console_baseline"
    rate_hz: Positive = 50.0
    params: dict[str, Any] = Field(default_factory=dict)


class CheckSpec(StrictModel):
    threshold: float | None = None  # in the check's unit (`treadbench checks`); None: default


class Scenario(StrictModel):
    name: str
    description: str = ""
    duration_s: Positive
    seed: Annotated[int, Field(ge=0)] = 0
    trace_hz: Positive = 100.0
    treadmill: TreadmillSpec
    walker: WalkerSpec | None = None
    controller: ControllerSpec = Field(default_factory=ControllerSpec)
    timeline: list[Action] = Field(default_factory=list)
    checks: dict[str, CheckSpec] = Field(min_length=1)
    expect_fail: list[str] = Field(default_factory=list)

    @field_validator("walker")
    @classmethod
    def _on_deck(cls, walker: WalkerSpec | None, info: ValidationInfo) -> WalkerSpec | None:
        treadmill = info.data.get("treadmill")
        if walker and treadmill and walker.position_m >= treadmill.deck.length_m:
            raise ValueError(
                f"position_m must be on the deck, < {treadmill.deck.length_m} m"
                f" (got {walker.position_m})"
            )
        return walker

    @field_validator("timeline")
    @classmethod
    def _within_run(cls, timeline: list, info: ValidationInfo) -> list:
        duration = info.data.get("duration_s")
        for a in timeline:
            if duration is not None and a.at_s > duration:
                raise ValueError(f"action at {a.at_s} s is after duration_s = {duration}")
        return timeline

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, checks: dict) -> dict:
        unknown = sorted(set(checks) - set(REGISTRY))
        if unknown:
            raise ValueError(f"unknown check {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
        return checks

    @field_validator("expect_fail")
    @classmethod
    def _listed(cls, expect_fail: list[str], info: ValidationInfo) -> list[str]:
        stray = sorted(set(expect_fail) - set(info.data.get("checks", {})))
        if stray:
            raise ValueError(f"{', '.join(stray)} not listed in [checks]")
        return expect_fail
