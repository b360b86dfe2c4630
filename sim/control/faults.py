"""Faults a scenario injects (`[[faults]]`), never coded into a policy.

Each starts at `at_s`, or at the first logged event of kind `after_event` at or after it,
and lasts `duration_s` (to the end of the run without one). Its start and end are logged
("fault.start", "fault.end"). A power loss or a brown-out ends with the power back but the
drive latched off: nothing restarts without a manual reset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.control.api import SENSOR_NAMES
from sim.control.sensors import BOOLEAN_SENSORS
from sim.kernel import Phase, ticks
from sim.strict import NonNegative, Positive, StrictModel
from sim.treadmills.motorized import MotorizedTreadmill
from sim.walker.gait import GaitWalker
from sim.walker.minimal import MinimalWalker

if TYPE_CHECKING:
    from drivers.sim import SimDriver

SensorName = Literal[SENSOR_NAMES]  # type: ignore[valid-type]


# What `after_event` may name: the events a run logs by name, and the plant's crossings
_LOGGED = (
    "user.set_speed", "user.set_incline", "belt.set_speed", "clip.release", "drive.cut",
    "drive.watchdog_cut", "power.lost", "power.restored", "reset", "controller.reset",
    "walker.step", "walker.recovery_step", "walker.step_on", "walker.stumble",
    "walker.stop_walking", "walker.grasp", "walker.hands", "walker.push", "walker.recovered",
    "walker.margin", "walker.pace", "fault.start", "fault.end",
)  # fmt: skip
TRIGGERS = tuple(sorted(set(_LOGGED).union(
    MotorizedTreadmill.crossing_names, GaitWalker.crossing_names, MinimalWalker.crossing_names
)))  # fmt: skip


class _Fault(StrictModel):
    at_s: NonNegative
    duration_s: Positive | None = None
    after_event: str | None = None  # e.g. "user.set_speed": the first one at or after at_s

    @model_validator(mode="after")
    def _known_trigger(self) -> _Fault:
        if self.after_event is not None and self.after_event not in TRIGGERS:
            raise ValueError(
                f"after_event {self.after_event!r} is not an event a run logs; one of "
                + ", ".join(TRIGGERS)
            )
        return self


class SensorDropout(_Fault):
    """The sensor reads nothing (None): a broken wire, a lost frame."""

    fault: Literal["sensor_dropout"]
    sensor: SensorName


class SensorStuck(_Fault):
    """The sensor keeps reading what it read when the fault began."""

    fault: Literal["sensor_stuck"]
    sensor: SensorName


class SensorNoise(_Fault):
    fault: Literal["sensor_noise"]
    sensor: SensorName
    sd: Positive  # in the sensor's unit

    @model_validator(mode="after")
    def _numeric(self) -> SensorNoise:
        if self.sensor in BOOLEAN_SENSORS:
            raise ValueError(f"{self.sensor} is a switch: noise has no meaning for it")
        return self


class SensorDelay(_Fault):
    fault: Literal["sensor_delay"]
    sensor: SensorName
    delay_s: Positive


class ControllerHang(_Fault):
    """The controller stops ticking (an endless loop, a deadlock): no commands reach the
    drive, which keeps acting on the last one until its watchdog, if any, cuts it."""

    fault: Literal["controller_hang"]


class CommandLatency(_Fault):
    fault: Literal["command_latency"]
    latency_s: Positive


class PowerLoss(_Fault):
    fault: Literal["power_loss"]


class Brownout(_Fault):
    """The logic rail dips out (a mains sag): the board and its controller reset."""

    fault: Literal["brownout"]


class StuckClipSwitch(_Fault):
    """The clip switch's contacts welded shut: the clip leaves, the hardware cut never
    comes, and the switch still reads attached."""

    fault: Literal["stuck_clip_switch"]


class WeldedRelay(_Fault):
    """The armature relay welded closed: the armature stays on the bridge whatever the
    logic does (no disconnect, no brake contact)."""

    fault: Literal["welded_relay"]


Fault = Annotated[
    SensorDropout | SensorStuck | SensorNoise | SensorDelay | ControllerHang | CommandLatency
    | PowerLoss | Brownout | StuckClipSwitch | WeldedRelay,
    Field(discriminator="fault"),
]  # fmt: skip


SENSOR_FAULTS = (SensorDropout, SensorStuck, SensorNoise, SensorDelay)
FAULT_MODELS = {m.model_fields["fault"].annotation.__args__[0]: m for m in (
    SensorDropout, SensorStuck, SensorNoise, SensorDelay, ControllerHang, CommandLatency,
    PowerLoss, Brownout, StuckClipSwitch, WeldedRelay)}  # fmt: skip
FAULT_NAMES = tuple(FAULT_MODELS)


def describe(f: _Fault) -> dict[str, Any]:
    return f.model_dump(exclude={"at_s", "duration_s", "after_event"}, exclude_none=True)


def unread_sensors(faults: list[_Fault], needs: dict[str, float]) -> list[str]:
    """Sensor faults on a sensor the controller does not read: they would change nothing."""
    return [
        f"[{i}] {f.fault} acts on {f.sensor}, which the controller does not read"
        for i, f in enumerate(faults)
        if isinstance(f, SENSOR_FAULTS) and f.sensor not in needs
    ]


def schedule(driver: SimDriver, faults: list[_Fault]) -> None:
    """Put each fault on the driver's kernel: its start (at a time or after an event) and
    its end."""
    kernel = driver.kernel
    for f in faults:
        if f.after_event is None:
            kernel.call_at(ticks(f.at_s), Phase.HARDWARE, lambda t, f=f: _start(driver, f, t))
        else:
            kernel.listeners.append(_Trigger(driver, f))


class _Trigger:
    """Starts its fault at the first event of its kind at or after its time."""

    def __init__(self, driver: SimDriver, f: _Fault):
        self.driver, self.fault, self.at = driver, f, ticks(f.at_s)
        self.fired = False

    def __call__(self, t: int, kind: str, details: dict[str, Any]) -> None:
        if not self.fired and kind == self.fault.after_event and t >= self.at:
            self.fired = True
            f, driver = self.fault, self.driver
            driver.kernel.call_at(t, Phase.HARDWARE, lambda t: _start(driver, f, t))


def _start(driver: SimDriver, f: _Fault, t: int) -> None:
    kernel = driver.kernel
    undo = _apply(driver, f)
    kernel.record("fault.start", **describe(f))
    kernel.touch()
    if f.duration_s is not None:

        def end(t: int) -> None:
            undo()
            kernel.record("fault.end", **describe(f))
            kernel.touch()

        kernel.call_at(t + ticks(f.duration_s), Phase.HARDWARE, end)


def _apply(driver: SimDriver, f: _Fault):
    """Make the fault happen; returns what ends it."""
    tm = driver.treadmill
    if isinstance(f, SENSOR_FAULTS):
        state = driver.sensors.fault(f.sensor)
        if isinstance(f, SensorStuck):  # at its last reading, or at its next one
            return _set(driver, state, stuck=driver.last_reading(f.sensor), sticking=True)
        if isinstance(f, SensorDropout):
            return _set(driver, state, dropped=True)
        if isinstance(f, SensorNoise):
            return _set(driver, state, noise_sd=f.sd)
        return _set(driver, state, delay_s=f.delay_s)
    if isinstance(f, ControllerHang):
        return _set(driver, driver, hung=True)
    if isinstance(f, CommandLatency):
        return _set(driver, driver, command_latency=ticks(f.latency_s))
    if isinstance(f, PowerLoss):
        tm.lose_power()
        return tm.restore_power
    if isinstance(f, Brownout):
        tm.brown_out()
        return tm.logic_back
    if isinstance(f, StuckClipSwitch):
        tm.clip_switch_stuck = True
        return driver.run.rig.free_clip_switch
    return _set(driver, tm, relay_welded=True)


def _set(driver: SimDriver, target: Any, **values: Any):
    """Set attributes for one fault; returns what ends it. Faults of one kind may overlap:
    each attribute keeps its value from before them all and the values of the faults
    holding it, and shows the latest that still holds (the first value once none does)."""
    holds = []
    for name, value in values.items():
        key = (id(target), name)
        base, layers = driver.fault_layers.setdefault(key, (getattr(target, name), []))
        token = object()
        layers.append((token, value))
        setattr(target, name, value)
        holds.append((name, base, layers, token))

    def undo() -> None:
        for name, base, layers, token in holds:
            layers[:] = [(k, v) for k, v in layers if k is not token]
            setattr(target, name, layers[-1][1] if layers else base)
            if not layers:
                del driver.fault_layers[(id(target), name)]

    return undo
