"""The controller API.

A controller is any class with `on_tick(sensors, t) -> Commands`, ticking at the scenario's
rate. It sees what the hardware reports and the user's console requests; its commands go to
the drive board, which applies its own limits. The clip's hardware path never waits for it.
A scenario names a built-in policy ("console_baseline") or "package.module:ClassName", with
keyword parameters.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

BUILT_IN = {
    "console_baseline": "sim.control.console_baseline:ConsoleBaseline",
    "safe_backward": "sim.control.safe_backward:SafeBackward",
    "auto_pace": "sim.control.auto_pace:AutoPace",
    "guarded_auto_pace": "sim.control.auto_pace:GuardedAutoPace",
    "deadmill_guard": "sim.control.deadmill_guard:DeadmillGuard",
}


SENSOR_NAMES = (
    "belt_speed_mps",  # the tach: pulses per roller turn, quantised, delayed, noisy
    "incline_pct",
    "clip_attached",  # the clip switch (its own contact: a stuck switch reads attached)
    "drive_ready",  # the drive board's ready line: powered, clip in, not latched off
    "motor_current_a",
    "bus_voltage_v",
    "walker_position_m",  # an optional deck-position sensor (0 = front end)
)


@dataclass(slots=True)
class Sensors:
    """What the hardware reports at one tick. A sensor the controller did not declare, or
    one that drops out, reads None; the console requests are the user's panel."""

    belt_speed_mps: float | None = None
    incline_pct: float | None = None
    clip_attached: bool | None = None
    drive_ready: bool | None = None
    motor_current_a: float | None = None
    bus_voltage_v: float | None = None
    walker_position_m: float | None = None
    requested_speed_mps: float = 0.0  # the user's console request
    requested_incline_pct: float = 0.0


@dataclass(slots=True, frozen=True)
class Commands:
    """What a controller asks of the drive, which applies its own limits (ramp, current,
    speed and incline range). brake_level 0..1 is the duty of the drive's dynamic brake
    while it is not driving; the clip's hardware path never waits for any of it."""

    target_speed_mps: float
    target_incline_pct: float = 0.0
    drive_enable: bool = True
    brake_level: float = 0.0


@runtime_checkable
class Controller(Protocol):
    """`needs` (a class attribute): sensor name -> the sample rate it needs, Hz."""

    def on_tick(self, sensors: Sensors, t: float) -> Commands: ...


def needs_of(controller: object) -> dict[str, float]:
    return dict(getattr(controller, "needs", {}))


def check_commands(cmd: object) -> Commands:
    """A controller's output, or the TypeError/ValueError that explains why it is not one."""
    if not isinstance(cmd, Commands):
        raise TypeError(f"on_tick returned {cmd!r}, not Commands")
    numbers = (cmd.target_speed_mps, cmd.target_incline_pct, cmd.brake_level)
    if not all(math.isfinite(x) for x in numbers):
        raise ValueError(f"on_tick returned a non-finite command: {cmd}")
    if not 0.0 <= cmd.brake_level <= 1.0:
        raise ValueError(f"on_tick returned brake_level {cmd.brake_level}, not within 0..1")
    return cmd


class ControllerError(ValueError):
    """A controller that cannot be loaded, built or served from its scenario entry; `field`
    is the scenario's field path at fault ("controller.policy", "controller.params",
    "faults")."""

    def __init__(self, message: str, field: str = "controller.policy"):
        super().__init__(message)
        self.field = field


def controller_factory(policy: str, params: dict[str, Any]) -> Callable[[], Controller]:
    """What builds the controller afresh, as its processor does after a reset; importing,
    binding the parameters and a first build are checked here (ControllerError)."""
    target = BUILT_IN.get(policy, policy)
    module_name, sep, class_name = target.partition(":")
    if not sep or not module_name or not class_name:
        raise ControllerError(
            f"expected a built-in policy ({', '.join(BUILT_IN)}) or 'package.module:ClassName'"
            f" (got {policy!r})"
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may fail in any way while importing
        raise ControllerError(
            f"cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        ) from None
    cls = getattr(module, class_name, None)
    if cls is None or not inspect.isclass(cls):
        raise ControllerError(f"{module_name!r} has no class {class_name!r}")
    if not callable(getattr(cls, "on_tick", None)):
        raise ControllerError(f"{target} has no on_tick(sensors, t) method")
    _check_needs(target, getattr(cls, "needs", {}))
    try:
        inspect.signature(cls).bind(**params)
    except TypeError as exc:
        raise ControllerError(f"{target}: {exc}", field="controller.params") from None

    def build() -> Controller:
        return cls(**params)

    try:
        build()
    except Exception as exc:  # a user's constructor may raise anything
        raise ControllerError(
            f"{target}: {type(exc).__name__}: {exc}", field="controller.params"
        ) from None
    return build


def _check_needs(target: str, needs: object) -> None:
    if not isinstance(needs, dict):
        raise ControllerError(f"{target}.needs must be a dict of sensor name -> rate in Hz")
    for name, rate in needs.items():
        if name not in SENSOR_NAMES:
            raise ControllerError(
                f"{target}.needs: unknown sensor {name!r}; known: {', '.join(SENSOR_NAMES)}"
            )
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise ControllerError(f"{target}.needs[{name!r}]: a rate in Hz > 0 (got {rate!r})")


def require_needs(
    who: str, needs: dict[str, float], offered: dict[str, float], tick_hz: float
) -> None:
    """A ControllerError if a driver cannot serve the controller `who` names."""
    problems = unmet_needs(needs, offered, tick_hz)
    if problems:
        raise ControllerError(f"{who} needs what the treadmill cannot give: " + "; ".join(problems))


def unmet_needs(needs: dict[str, float], offered: dict[str, float], tick_hz: float) -> list[str]:
    """Why a driver cannot serve a controller: each sensor it lacks or gives too slowly, or
    a rate above the controller's own tick rate."""
    problems = []
    for name, rate in sorted(needs.items()):
        if name not in offered:
            problems.append(f"{name}: not fitted (offered: {', '.join(offered) or 'none'})")
        elif rate > offered[name]:
            problems.append(f"{name}: needs {rate:g} Hz, offered {offered[name]:g} Hz")
        elif rate > tick_hz:
            problems.append(f"{name}: needs {rate:g} Hz, above the tick rate {tick_hz:g} Hz")
    return problems
