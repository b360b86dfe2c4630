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
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

BUILT_IN = {"console_baseline": "sim.control.console_baseline:ConsoleBaseline"}


@dataclass(slots=True)
class Sensors:
    belt_speed_mps: float
    incline_pct: float
    clip_attached: bool
    drive_ready: bool  # powered, clip in, not latched off
    requested_speed_mps: float  # the user's console request
    requested_incline_pct: float


@dataclass(slots=True, frozen=True)
class Commands:
    target_speed_mps: float
    target_incline_pct: float = 0.0
    drive_enable: bool = True


@runtime_checkable
class Controller(Protocol):
    def on_tick(self, sensors: Sensors, t: float) -> Commands: ...


class ControllerError(ValueError):
    """A controller that cannot be loaded or built from its scenario entry; `field` names
    the scenario field at fault ("policy" or "params")."""

    def __init__(self, message: str, field: str = "policy"):
        super().__init__(message)
        self.field = field


def load_controller(policy: str, params: dict[str, Any]) -> Controller:
    """Import and build a controller; every failure is a ControllerError naming the cause."""
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
    try:
        inspect.signature(cls).bind(**params)
    except TypeError as exc:
        raise ControllerError(f"{target}: {exc}", field="params") from None
    try:
        return cls(**params)
    except Exception as exc:  # a user's constructor may raise anything
        raise ControllerError(f"{target}: {type(exc).__name__}: {exc}", field="params") from None
