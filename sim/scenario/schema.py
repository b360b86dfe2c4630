"""The scenario file, as pydantic models: strict numbers, unknown keys rejected, frozen."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from sim.checks.registry import REGISTRY
from sim.control.faults import Fault
from sim.strict import NonNegative, Positive, StrictModel
from sim.treadmills.clip import WAIST_HALF_DEPTH_M, Cord
from sim.treadmills.params import (
    CurvedParams,
    DeclineTrainerParams,
    ManualFlatParams,
    MotorizedParams,
    SpeedSourceParams,
)
from sim.units import kmh_to_mps, mph_to_mps
from sim.walker.gait import GaitWalker, GaitWalkerSpec
from sim.walker.minimal import MinimalWalker, WalkerSpec


class _Action(StrictModel):
    at_s: NonNegative


class SetSpeed(_Action):
    """The user asks the console for a belt speed, in exactly one unit. On the lab servo
    (`speed_source`) it is the prescribed profile: it may be negative (the belt reverses),
    it is reached at `accel_mps2`, and it may wait for the walker's next foot contact at or
    after `at_s`, then `after_foot_contact_s` more (a range is drawn from per run)."""

    action: Literal["set_speed"]
    speed_mps: float | None = None
    speed_kmh: float | None = None
    speed_mph: float | None = None
    accel_mps2: Positive | None = None
    after_foot_contact_s: Annotated[list[NonNegative], Field(min_length=1, max_length=2)] | None = (
        None
    )

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


class StepOn(_Action):
    """From the side rails onto the moving belt."""

    action: Literal["step_on"]


class GraspHandrails(_Action):
    """Hold the handrails with this many hands from now on."""

    action: Literal["grasp_handrails"]
    hands: Literal[1, 2] = 2


class ReleaseHandrails(_Action):
    """Let go: this many hands still hold afterwards."""

    action: Literal["release_handrails"]
    hands: Literal[0, 1] = 0


class PushHandrails(_Action):
    """Push (positive) or pull (negative) on the held rails: the rails' force on the walker
    along the deck, positive toward the rear, up to what the grip holds."""

    action: Literal["push_handrails"]
    force_n: float


class Stumble(_Action):
    """The walker trips backward in its own frame: its body's velocity jumps toward its
    back (for a backward walker, toward the console)."""

    action: Literal["stumble"]
    speed_mps: Annotated[float, Field(gt=0, le=2.0)]


class CutPower(_Action):
    action: Literal["cut_power"]


class RestorePower(_Action):
    action: Literal["restore_power"]


class ManualReset(_Action):
    """Clip back in and the reset pressed."""

    action: Literal["manual_reset"]


_ACTIONS = (
    SetSpeed, SetIncline, PullClip, StopWalking, StepOn, GraspHandrails, ReleaseHandrails,
    PushHandrails, Stumble, CutPower, RestorePower, ManualReset,
)  # fmt: skip
Action = Annotated[
    SetSpeed
    | SetIncline
    | PullClip
    | StopWalking
    | StepOn
    | GraspHandrails
    | ReleaseHandrails
    | PushHandrails
    | Stumble
    | CutPower
    | RestorePower
    | ManualReset,
    Field(discriminator="action"),
]
ACTION_MODELS = {m.model_fields["action"].annotation.__args__[0]: m for m in _ACTIONS}
ACTION_NAMES = tuple(ACTION_MODELS)
GAIT_ACTIONS = (StepOn, GraspHandrails, ReleaseHandrails, PushHandrails, Stumble)
MOTORIZED_ACTIONS = (SetIncline, PullClip, CutPower, RestorePower, ManualReset)
POWERED_ACTIONS = (SetSpeed, *MOTORIZED_ACTIONS)  # a belt the walker drives has none of them


MAX_TRACE_SAMPLES = 5e6  # 20 signals x 8 bytes x 5e6 = 800 MB of trace at most


def starting_position_problem(walker: AnyWalker, treadmill: AnyTreadmill) -> str | None:
    """Why this walker cannot start where it stands: feet off the deck, the waist against
    the console, or the clip cord already beyond its release length."""
    if isinstance(walker, GaitWalkerSpec):
        gait = GaitWalker(walker, walker, treadmill.deck.length_m)
        front, rear = walker.position_m + gait.foot_lo, walker.position_m + gait.foot_hi
        figure = gait
    else:
        figure = MinimalWalker(walker, treadmill.deck.length_m)
        rear = walker.position_m + figure.rear_offset_m
        front = walker.position_m + figure.front_offset_m
    if front < 0.0 or rear > treadmill.deck.length_m:
        return (
            f"position_m = {walker.position_m} puts the feet at {front:.3f}..{rear:.3f} m, "
            f"off the {treadmill.deck.length_m} m deck"
        )
    if walker.position_m <= WAIST_HALF_DEPTH_M:
        return (
            f"position_m = {walker.position_m} puts the waist against the console (it is "
            f"{WAIST_HALF_DEPTH_M} m from the centre of mass): stand further back"
        )
    if not isinstance(treadmill, MotorizedParams):
        return None  # a harness, no clip
    cord = Cord(treadmill.clip, figure.waist_height_m)
    clip_x = walker.position_m + figure.clip_offset_m
    if cord.distance(clip_x) >= cord.release_length_m:
        return (
            f"position_m = {walker.position_m} puts the clip at {clip_x:.3f} m, beyond where "
            f"its cord releases ({cord.release_x():.3f} m): stand nearer the console"
        )
    return None


def _pace_problem(walker: AnyWalker, treadmill: AnyTreadmill) -> str | None:
    """Why this walker cannot walk the way it says on this treadmill, if it cannot."""
    if getattr(treadmill, "dyno", None) is not None:
        return "a dyno drives the belt alone, as a lab measures a deadmill: no [walker]"
    if not isinstance(walker, GaitWalkerSpec):
        if isinstance(treadmill, UNPOWERED_SPECS):
            return 'the walker drives this belt: it needs model = "gait" (the minimal one cannot)'
        return None
    if isinstance(treadmill, DeclineTrainerSpec) and walker.walking_direction != 1:
        return (
            "a decline trainer is walked backward up its slope, facing the handle: facing = "
            '"forward", walks = "backward"'
        )
    if isinstance(treadmill, SpeedSourceSpec) and walker.pace_mps is not None:
        return "pace_mps: a speed_source belt follows its own profile; the walker cannot drive it"
    pushes = walker.pace_mps is not None  # pushing a switched-off belt, either way
    if isinstance(treadmill, MotorizedSpec) and walker.walking_direction != -1 and not pushes:
        return (
            f"walks = {walker.walks!r} facing {walker.facing!r}: a motorized belt runs "
            "toward the rear, so the walker walks toward the console relative to it "
            "(unless it pushes the belt itself: give pace_mps)"
        )
    return None


def _within_servo(i: int, a: SetSpeed, servo: Any) -> None:
    """A lab servo's set-point must be one it can follow, not silently clipped."""
    if abs(a.mps) > servo.max_speed_mps:
        raise ValueError(f"[{i}] |speed| {abs(a.mps):g} m/s is above the servo's "
                         f"max_speed_mps = {servo.max_speed_mps:g}")  # fmt: skip
    if a.accel_mps2 is not None and a.accel_mps2 > servo.max_accel_mps2:
        raise ValueError(f"[{i}] accel_mps2 = {a.accel_mps2:g} is above the servo's "
                         f"max_accel_mps2 = {servo.max_accel_mps2:g}")  # fmt: skip
    window = a.after_foot_contact_s
    if window is not None and window[0] > window[-1]:
        raise ValueError(f"[{i}] after_foot_contact_s = {window}: give [low, high]")


class MotorizedSpec(MotorizedParams):
    preset: str  # the preset file the values started from (the scenario may override any)


class SpeedSourceSpec(SpeedSourceParams):
    preset: str


class ManualFlatSpec(ManualFlatParams):
    preset: str


class DeclineTrainerSpec(DeclineTrainerParams):
    preset: str


class CurvedSpec(CurvedParams):
    preset: str


UNPOWERED_SPECS = (ManualFlatSpec, DeclineTrainerSpec, CurvedSpec)
AnyTreadmill = MotorizedSpec | SpeedSourceSpec | ManualFlatSpec | DeclineTrainerSpec | CurvedSpec
TreadmillSpec = Annotated[AnyTreadmill, Field(discriminator="kind")]


def _walker_model(value: Any) -> str:
    if isinstance(value, dict):
        return value.get("model", "minimal")
    return getattr(value, "model", "minimal")


AnyWalker = WalkerSpec | GaitWalkerSpec
WalkerModel = Annotated[
    Annotated[WalkerSpec, Tag("minimal")] | Annotated[GaitWalkerSpec, Tag("gait")],
    Discriminator(_walker_model),
]
TAG_MODELS = {
    "motorized": MotorizedSpec, "speed_source": SpeedSourceSpec,
    "manual_flat": ManualFlatSpec, "decline_trainer": DeclineTrainerSpec, "curved": CurvedSpec,
    "minimal": WalkerSpec, "gait": GaitWalkerSpec,
}  # fmt: skip
TREADMILL_TAGS = ("motorized", "speed_source", "manual_flat", "decline_trainer", "curved")
WALKER_TAGS = ("minimal", "gait")


class ControllerSpec(StrictModel):
    policy: str = "console_baseline"
    rate_hz: Annotated[float, Field(gt=0, le=10_000)] = 50.0
    params: dict[str, Any] = Field(default_factory=dict)
    # the sensors it sees: every fitted one ("full"), or a Bluetooth FTMS treadmill's
    profile: Literal["full", "ftms"] = "full"


class CheckSpec(StrictModel):
    threshold: float | None = None  # in the check's unit (`treadbench checks`); None: default


class Scenario(StrictModel):
    name: str
    description: str = ""
    duration_s: Annotated[float, Field(gt=0, le=86_400)]  # at most a day
    seed: Annotated[int, Field(ge=0)] = 0
    runs: Annotated[int, Field(ge=1, le=1_000_000)] = 1  # Monte Carlo runs (`--runs` overrides)
    runs_max: Annotated[int, Field(ge=2, le=1_000_000)] | None = None  # sequential up to this
    trace_hz: Annotated[float, Field(gt=0, le=10_000)] = 100.0
    treadmill: TreadmillSpec
    walker: WalkerModel | None = None
    controller: ControllerSpec = Field(default_factory=ControllerSpec, validate_default=True)
    timeline: list[Action] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    checks: dict[str, CheckSpec] = Field(min_length=1)
    expect_fail: list[str] = Field(default_factory=list)

    @field_validator("walker")
    @classmethod
    def _fits(cls, walker: AnyWalker | None, info: ValidationInfo) -> AnyWalker | None:
        treadmill = info.data.get("treadmill")
        if walker and treadmill:
            problem = starting_position_problem(walker, treadmill) or _pace_problem(
                walker, treadmill
            )
            if problem:
                raise ValueError(problem)
        return walker

    @field_validator("runs_max")
    @classmethod
    def _after_runs(cls, runs_max: int | None, info: ValidationInfo) -> int | None:
        runs = info.data.get("runs")
        if runs_max is not None and runs is not None and runs_max <= runs:
            raise ValueError(f"runs_max ({runs_max}) must exceed runs ({runs}), the first look")
        return runs_max

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
        walker = info.data.get("walker")
        treadmill = info.data.get("treadmill")
        servo = isinstance(treadmill, SpeedSourceSpec)
        dyno = getattr(treadmill, "dyno", None)  # set-points drive the dynamometer
        unpowered = isinstance(treadmill, UNPOWERED_SPECS)
        for i, a in enumerate(timeline):
            if duration is not None and a.at_s >= duration:
                raise ValueError(f"[{i}] at {a.at_s} s is not before duration_s = {duration}")
            if isinstance(a, StopWalking) and walker is None:
                raise ValueError(f"[{i}] stop_walking needs a [walker]")
            if isinstance(a, GAIT_ACTIONS) and not isinstance(walker, GaitWalkerSpec):
                raise ValueError(f'[{i}] {a.action} needs a walker with model = "gait"')
            if servo and isinstance(a, MOTORIZED_ACTIONS):
                raise ValueError(f"[{i}] {a.action}: a speed_source treadmill has no such input")
            if unpowered and isinstance(a, POWERED_ACTIONS):
                raise ValueError(
                    f"[{i}] {a.action}: the walker drives this belt; it has no such input "
                    "(its incline is a fixed setting: treadmill.incline_pct)"
                )
            if isinstance(a, SetSpeed) and not servo and dyno is None:
                if a.accel_mps2 is not None or a.after_foot_contact_s is not None:
                    raise ValueError(
                        f"[{i}] accel_mps2 and after_foot_contact_s are for a speed_source "
                        "treadmill: a motorized drive ramps at its own rate"
                    )
                if a.mps < 0.0:
                    raise ValueError(f"[{i}] a motorized belt's speed must be >= 0")
            if isinstance(a, SetSpeed) and (servo or dyno):
                _within_servo(i, a, treadmill.servo if servo else dyno)
            timed = isinstance(a, SetSpeed) and a.after_foot_contact_s is not None
            if timed and not isinstance(walker, GaitWalkerSpec):
                raise ValueError(f"[{i}] after_foot_contact_s needs a gait walker")
        return timeline

    @field_validator("controller")
    @classmethod
    def _watchdog_fits(cls, controller: ControllerSpec, info: ValidationInfo) -> ControllerSpec:
        watchdog = getattr(info.data.get("treadmill"), "watchdog", None)
        if watchdog is not None and watchdog.timeout_s <= 1.0 / controller.rate_hz:
            raise ValueError(
                f"rate_hz = {controller.rate_hz:g} ticks every {1.0 / controller.rate_hz:g} s, "
                f"no sooner than the watchdog's timeout_s = {watchdog.timeout_s:g}: it would "
                "cut every run"
            )
        return controller

    @field_validator("faults")
    @classmethod
    def _faults_fit(cls, faults_: list, info: ValidationInfo) -> list:
        duration = info.data.get("duration_s")
        treadmill = info.data.get("treadmill")
        for i, f in enumerate(faults_):
            if treadmill is not None and not isinstance(treadmill, MotorizedSpec):
                raise ValueError(f"[{i}] {f.fault}: faults need a motorized treadmill (its "
                                 "controller, sensors and drive)")  # fmt: skip
            if duration is not None and f.at_s >= duration:
                raise ValueError(f"[{i}] at {f.at_s} s is not before duration_s = {duration}")
        return faults_

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, checks: dict, info: ValidationInfo) -> dict:
        unknown = sorted(set(checks) - set(REGISTRY))
        if unknown:
            raise ValueError(f"unknown check {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
        if info.data.get("runs_max") and "fall_risk" not in checks:
            raise ValueError("runs_max (a sequential Monte Carlo) needs the fall_risk check")
        if "walker" in info.data:
            for name in checks:
                need = REGISTRY[name].unmet_need(info.data["walker"])
                if need:
                    raise ValueError(need)
        treadmill = info.data.get("treadmill")
        if treadmill is not None and not isinstance(treadmill, MotorizedSpec):
            drive = sorted(name for name in checks if REGISTRY[name].motorized_only)
            if drive:
                raise ValueError(
                    f"{', '.join(drive)}: a {treadmill.kind} treadmill has no drive, clip or "
                    "console (motorized only)"
                )
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
