"""A virtual FTMS treadmill: the Fitness Machine Service's GATT server, backed by a Driver
(normally the simulator), so that FTMS clients (our FtmsDriver, a third-party library) can
be tried against simulated hardware and simulated time.

No Bluetooth: a transport (`drivers.ftms.transport`) carries a client's reads, writes and
subscriptions to `VirtualTreadmill`, and its notifications back. The server is strict where
real treadmills are often lenient, so that a client that works here does not depend on a
lenient treadmill:

- every Control Point write other than Request Control answers Control Not Permitted until
  control is granted (a disconnection or a Reset takes it back);
- a target speed or inclination outside the Supported Range, or off its increment, answers
  Invalid Parameter (the increment counts from the range's minimum);
- Stop when stopped, Pause when not running, Start when running answer Operation Failed, and
  so does Start while the drive is not ready (the safety key out);
- an opcode it does not implement answers Not Supported; a known opcode with the wrong
  parameter length or value answers Invalid Parameter; an empty write has no opcode to
  answer and is answered with nothing;
- a Control Point write while the client has not enabled its indications is refused with
  the ATT error "CCCD improperly configured", as the specification requires.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import astuple, dataclass

from drivers.base import CONTROLLER_RESET, SAFETY_KEY, Clock, Driver
from drivers.ftms.codec import (
    CONTROL_POINT_UUID,
    FEATURES_UUID,
    INCLINE_RANGE_UUID,
    MACHINE_STATUS_UUID,
    NOT_AVAILABLE_S16,
    PAUSE,
    SPEED_RANGE_UUID,
    STOP,
    TREADMILL_DATA_UUID,
    ControlRequest,
    ControlResponse,
    Features,
    FtmsError,
    InclineRange,
    MachineFeature,
    MachineStatus,
    Op,
    Result,
    SpeedRange,
    Status,
    TargetFeature,
    TreadmillData,
    UnknownOpcode,
)
from sim.control.api import Sensors
from sim.units import KMH_PER_MPS

# ATT error codes (Bluetooth Core, Vol 3 Part F 3.4.1.1; 0xFD from the Core Specification
# Supplement) that this server answers at the GATT level, before any FTMS procedure runs.
READ_NOT_PERMITTED = 0x02
WRITE_NOT_PERMITTED = 0x03
REQUEST_NOT_SUPPORTED = 0x06
CCCD_IMPROPERLY_CONFIGURED = 0xFD

DEFAULT_SPEED_RANGE = SpeedRange(50, 1600, 10)  # 0.5-16 km/h by 0.1 km/h
DEFAULT_INCLINE_RANGE = InclineRange(0, 150, 5)  # 0-15 % by 0.5 %
_REPORTED = MachineFeature.TOTAL_DISTANCE | MachineFeature.INCLINATION | MachineFeature.ELAPSED_TIME
FEATURES = Features(_REPORTED, TargetFeature.SPEED | TargetFeature.INCLINATION)


class AttError(Exception):
    """An ATT Error Response: the request is refused at the GATT level (a transport raises
    its own error type for it, as a Bluetooth stack does)."""

    def __init__(self, code: int, message: str):
        super().__init__(f"ATT error {code:#04x}: {message}")
        self.code = code


@dataclass(frozen=True)
class Characteristic:
    """One entry of the server's attribute table: what a client discovers."""

    uuid: str
    properties: tuple[str, ...]


CHARACTERISTICS = (
    Characteristic(FEATURES_UUID, ("read",)),
    Characteristic(TREADMILL_DATA_UUID, ("notify",)),
    Characteristic(SPEED_RANGE_UUID, ("read",)),
    Characteristic(INCLINE_RANGE_UUID, ("read",)),
    Characteristic(CONTROL_POINT_UUID, ("write", "indicate")),
    Characteristic(MACHINE_STATUS_UUID, ("notify",)),
)
_BY_UUID = {c.uuid: c for c in CHARACTERISTICS}


@dataclass(frozen=True)
class ControlPointWrite:
    """One write the Control Point received, at the backing driver's time, and what it
    answered (None: nothing, for an empty write)."""

    t_s: float
    data: bytes
    response: ControlResponse | None


class Session(enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"


def _accepts(value: int, minimum: int, maximum: int, increment: int) -> bool:
    return minimum <= value <= maximum and (value - minimum) % increment == 0


class VirtualClock:
    """The backing driver's time, for a client: sleeping until t runs the driver to t in its
    own ticks, and the treadmill sends on the way what it would have sent by then."""

    def __init__(self, treadmill: VirtualTreadmill):
        self._treadmill = treadmill

    def now(self) -> float:
        return self._treadmill.driver.clock.now()

    async def sleep_until(self, t_s: float) -> bool:
        return await self._treadmill.run_until(t_s)


class VirtualTreadmill:
    """The FTMS server of a treadmill whose drive is `driver`. Like a console board, it
    commands the drive at every one of the driver's ticks (a drive with a watchdog wants
    that), reads its sensors there, integrates the distance, notifies Treadmill Data every
    `data_period_s` and the safety key's stop as soon as the driver reports it.

    Its counters (distance, elapsed time) run from power-on. A Start with no target speed
    set runs at the range's minimum, as consoles do."""

    def __init__(
        self,
        driver: Driver,
        speed_range: SpeedRange = DEFAULT_SPEED_RANGE,
        incline_range: InclineRange = DEFAULT_INCLINE_RANGE,
        data_period_s: float = 1.0,
    ):
        if speed_range.increment_kmh_x100 <= 0 or incline_range.increment_pct_x10 <= 0:
            raise ValueError("a supported range needs an increment > 0")
        self.driver = driver
        self.speed_range, self.incline_range = speed_range, incline_range
        self.data_period_s = data_period_s
        self.clock: Clock = VirtualClock(self)
        self.writes: list[ControlPointWrite] = []
        self.session = Session.IDLE
        self.control_granted = False
        self._subscribers: dict[str, Callable[[bytes], None]] = {}
        self._powered = False
        self._speed_x100, self._incline_x10 = self._default_targets()
        self._key_out = False  # latched by the driver's safety-key event
        self._sensors: Sensors | None = None
        self._distance_m = 0.0
        self._polled_s: float | None = None
        self._tick = 0  # the driver's next tick to poll at
        self._next_data = 1  # the next data period to notify

    def _default_targets(self) -> tuple[int, int]:
        """The slowest speed; level, or the nearest the range allows."""
        r = self.incline_range
        return self.speed_range.minimum_kmh_x100, max(r.minimum_pct_x10, min(0, r.maximum_pct_x10))

    # ------------------------------------------------------------ power and time
    async def power_on(self) -> None:
        """Connect the drive and bring it up idle (once; the transport's connect calls it)."""
        if not self._powered:
            await self.driver.connect()
            await self.driver.stop()
            self._powered = True

    async def power_off(self) -> None:
        if self._powered:
            await self.driver.close()
            self._powered = False

    async def run_until(self, t_s: float) -> bool:
        """Run the backing driver to `t_s`, polling it at each of its ticks on the way;
        False once its clock has ended. A time already past is now: time never goes back."""
        hz = self.driver.tick_hz
        while self._tick / hz <= t_s:
            if not await self.driver.clock.sleep_until(self._tick / hz):
                return False
            await self._poll()
            self._tick += 1
        return await self.driver.clock.sleep_until(max(t_s, self.driver.clock.now()))

    async def _poll(self) -> None:
        now = self.driver.clock.now()
        kinds = {event.kind for event in self.driver.events()}
        if SAFETY_KEY in kinds:
            await self._safety_stop()
        if CONTROLLER_RESET in kinds:  # its board came back from a power cut or a brown-out
            self.session, self.control_granted = Session.IDLE, False
            self._status(MachineStatus(Status.RESET))
        sensors = await self.driver.telemetry()
        if sensors is None:  # the board is down: nothing runs, nothing is notified
            self.session = Session.IDLE
        elif self.session is Session.RUNNING and sensors.drive_ready is False:
            self.session = Session.IDLE  # the drive dropped out (a watchdog, a trip)
            self._status(MachineStatus(Status.STOPPED_OR_PAUSED_BY_USER, STOP))
        if sensors is not None:
            self._sensors = sensors
            if self._polled_s is not None and sensors.belt_speed_mps is not None:
                self._distance_m += abs(sensors.belt_speed_mps) * (now - self._polled_s)
        self._polled_s = now
        await self._apply()
        period = math.floor(now / self.data_period_s + 1e-9)
        if period >= self._next_data:
            self._next_data = period + 1
            if sensors is not None and sensors.belt_speed_mps is not None:  # a dark console
                self._notify(TREADMILL_DATA_UUID, self._treadmill_data(sensors, now).encode())

    def _treadmill_data(self, sensors: Sensors, now: float) -> TreadmillData:
        incline = sensors.incline_pct
        if incline is None:
            inclination = ramp = NOT_AVAILABLE_S16
        else:
            inclination = round(incline * 10)
            ramp = round(math.degrees(math.atan(incline / 100)) * 10)
        return TreadmillData(
            speed_kmh_x100=min(round(abs(sensors.belt_speed_mps) * KMH_PER_MPS * 100), 0xFFFE),
            total_distance_m=min(int(self._distance_m), (1 << 24) - 1),
            inclination_pct_x10=inclination,
            ramp_angle_deg_x10=ramp,
            elapsed_s=min(int(now), 0xFFFF),
        )

    # ------------------------------------------------------------ the drive
    def drive_ready(self) -> bool:
        """The drive's ready line when the driver reports it (and the clip switch, if it
        does); otherwise the safety-key event, latched."""
        s = self._sensors
        if s is not None and s.drive_ready is not None:
            return s.drive_ready and s.clip_attached is not False
        return not self._key_out

    async def _apply(self) -> None:
        running = self.session is Session.RUNNING
        speed = self._speed_x100 / 100 / KMH_PER_MPS if running else 0.0
        await self.driver.set_target(speed, self._incline_x10 / 10)

    async def _safety_stop(self) -> None:
        self._key_out = True
        self.session = Session.IDLE
        await self._apply()
        self._status(MachineStatus(Status.STOPPED_BY_SAFETY_KEY))

    def revoke_control(self) -> None:
        """The user took over at the console: control permission lost (0xFF)."""
        self.control_granted = False
        self._status(MachineStatus(Status.CONTROL_PERMISSION_LOST))

    # ------------------------------------------------------------ GATT
    def read(self, uuid: str) -> bytes:
        values = {
            FEATURES_UUID: FEATURES,
            SPEED_RANGE_UUID: self.speed_range,
            INCLINE_RANGE_UUID: self.incline_range,
        }
        if uuid not in values:
            raise AttError(READ_NOT_PERMITTED, f"{uuid} cannot be read")
        return values[uuid].encode()

    def subscribe(self, uuid: str, callback: Callable[[bytes], None]) -> None:
        """The client wrote the characteristic's CCCD: notifications (or indications) on."""
        properties = _BY_UUID[uuid].properties if uuid in _BY_UUID else ()
        if "notify" not in properties and "indicate" not in properties:
            raise AttError(REQUEST_NOT_SUPPORTED, f"{uuid} neither notifies nor indicates")
        self._subscribers[uuid] = callback

    def unsubscribe(self, uuid: str) -> None:
        self._subscribers.pop(uuid, None)

    def disconnect(self) -> None:
        """The link went: its subscriptions and its control permission go with it (the belt
        keeps its state, as most treadmills' do when an app disconnects)."""
        self._subscribers.clear()
        self.control_granted = False

    async def write(self, uuid: str, data: bytes) -> None:
        """A Write Request. Only the Control Point takes them; its answer is indicated, then
        the Machine Status changes it caused are notified."""
        if uuid != CONTROL_POINT_UUID:
            raise AttError(WRITE_NOT_PERMITTED, f"{uuid} cannot be written")
        if CONTROL_POINT_UUID not in self._subscribers:
            raise AttError(CCCD_IMPROPERLY_CONFIGURED, "Control Point indications are off")
        data = bytes(data)
        response, changes = await self._procedure(data)
        self.writes.append(ControlPointWrite(self.driver.clock.now(), data, response))
        if response is not None:
            self._notify(CONTROL_POINT_UUID, response.encode())
        for change in changes:
            self._status(change)

    def _notify(self, uuid: str, data: bytes) -> None:
        callback = self._subscribers.get(uuid)
        if callback is not None:
            callback(data)

    def _status(self, status: MachineStatus) -> None:
        self._notify(MACHINE_STATUS_UUID, status.encode())

    # ------------------------------------------------------------ Control Point procedures
    async def _procedure(self, data: bytes) -> tuple[ControlResponse | None, list[MachineStatus]]:
        if not data:
            return None, []
        opcode = data[0]
        if opcode != Op.REQUEST_CONTROL and not self.control_granted:
            return ControlResponse(opcode, Result.CONTROL_NOT_PERMITTED), []
        if opcode == Op.RESPONSE:
            return ControlResponse(opcode, Result.NOT_SUPPORTED), []
        try:
            request = ControlRequest.decode(data)
        except UnknownOpcode:
            return ControlResponse(opcode, Result.NOT_SUPPORTED), []
        except FtmsError:
            return ControlResponse(opcode, Result.INVALID_PARAMETER), []
        handler = {
            Op.REQUEST_CONTROL: self._request_control,
            Op.RESET: self._reset,
            Op.SET_TARGET_SPEED: self._set_speed,
            Op.SET_TARGET_INCLINATION: self._set_incline,
            Op.START_OR_RESUME: self._start,
            Op.STOP_OR_PAUSE: self._stop_or_pause,
        }[request.op]
        result, changes = await handler(request.parameter)
        return ControlResponse(opcode, result), changes

    async def _request_control(self, _: None) -> tuple[Result, list[MachineStatus]]:
        self.control_granted = True
        return Result.SUCCESS, []

    async def _reset(self, _: None) -> tuple[Result, list[MachineStatus]]:
        """Targets back to their defaults, the belt stopped, control taken back."""
        if self.session is not Session.IDLE:
            await self.driver.stop()
        self.session = Session.IDLE
        self._speed_x100, self._incline_x10 = self._default_targets()
        self.control_granted = False
        await self._apply()
        return Result.SUCCESS, [MachineStatus(Status.RESET)]

    async def _set_speed(self, value: int) -> tuple[Result, list[MachineStatus]]:
        if not _accepts(value, *astuple(self.speed_range)):
            return Result.INVALID_PARAMETER, []
        previous, self._speed_x100 = self._speed_x100, value
        return await self._target_set(MachineStatus(Status.TARGET_SPEED_CHANGED, value), previous)

    async def _set_incline(self, value: int) -> tuple[Result, list[MachineStatus]]:
        if not _accepts(value, *astuple(self.incline_range)):
            return Result.INVALID_PARAMETER, []
        previous, self._incline_x10 = self._incline_x10, value
        return await self._target_set(MachineStatus(Status.TARGET_INCLINE_CHANGED, value), previous)

    async def _target_set(
        self, change: MachineStatus, previous: int
    ) -> tuple[Result, list[MachineStatus]]:
        """Apply a new target; its status only when it differs from the one it replaced."""
        await self._apply()
        return Result.SUCCESS, [change] if change.parameter != previous else []

    async def _start(self, _: None) -> tuple[Result, list[MachineStatus]]:
        if self.session is Session.RUNNING or not self.drive_ready():
            return Result.OPERATION_FAILED, []
        self.session = Session.RUNNING
        await self.driver.start()
        await self._apply()
        return Result.SUCCESS, [MachineStatus(Status.STARTED_OR_RESUMED_BY_USER)]

    async def _stop_or_pause(self, how: int) -> tuple[Result, list[MachineStatus]]:
        allowed = (Session.RUNNING,) if how == PAUSE else (Session.RUNNING, Session.PAUSED)
        if self.session not in allowed:
            return Result.OPERATION_FAILED, []
        self.session = Session.PAUSED if how == PAUSE else Session.IDLE
        await self.driver.stop()
        await self._apply()
        return Result.SUCCESS, [MachineStatus(Status.STOPPED_OR_PAUSED_BY_USER, how)]
