"""FtmsDriver: the Driver protocol for a real treadmill over Bluetooth LE's Fitness Machine
Service (bleak), or for anything shaped like a BleakClient (the virtual treadmill's
transport in the tests).

What FTMS gives a controller: belt speed and incline about once a second (Treadmill Data),
the running state from Machine Status, no current, no bus voltage, no clip switch. What it
takes: a target speed and inclination on the treadmill's own increments, start and stop. So:

- `command()` writes only what changed: drive_enable False (or a speed of zero) stops the
  belt once; a speed is rounded to the treadmill's increment and clamped to its range, a
  Start first if the belt is not running (as apps do: control, start, then speed); the
  incline likewise. brake_level has no FTMS procedure: reported once, ignored.
- A belt stopped by the treadmill itself (its safety key, its stop key) is not restarted
  until the controller has asked for zero since: FTMS cannot tell an app's restart from the
  user's intent, so the controller must say it.
- `drive_ready` is True with control granted, False after the safety key, a lost control
  permission or a refused Start, True again once the belt starts. A stop keeps it True:
  the drive can still start.
- A refused Control Point request is a "command_rejected" event (the run goes on, and the
  controller hears of it); a lost link, a silent or garbled treadmill raise
  DriverConnectionError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, astuple
from typing import Any

from drivers.base import SAFETY_KEY, Clock, DriverConnectionError, DriverEvent, WallClock
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
    MachineStatus,
    Op,
    Result,
    SpeedRange,
    Status,
    TargetFeature,
    TreadmillData,
)
from sim.control.api import Commands, Sensors
from sim.control.sensors import FTMS_RATE_HZ, MAX_RATE_HZ
from sim.units import KMH_PER_MPS

ClientFactory = Callable[[str, Callable[[Any], None]], Any]  # (address, on_disconnect)
STALE_DATA_S = 3.0  # Treadmill Data older than this is no reading (FTMS sends ~1 Hz)


def bleak_client(address: str, on_disconnect: Callable[[Any], None]) -> Any:
    """The default link, bleak's client, imported only here: the simulator never loads
    Bluetooth."""
    from bleak import BleakClient

    return BleakClient(address, disconnected_callback=on_disconnect)


def _link_errors() -> tuple[type[BaseException], ...]:
    """What a Bluetooth link raises when it is not there or goes away."""
    from bleak.exc import BleakError

    return (BleakError, OSError, TimeoutError)


def _why_unreachable(address: str, exc: BaseException) -> str:
    from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakDeviceNotFoundError

    detail = str(exc) or type(exc).__name__
    if isinstance(exc, BleakDeviceNotFoundError):
        return (
            f"no Bluetooth LE device {address} found: is the treadmill on, in range and not"
            " connected to another app?"
        )
    if isinstance(exc, FileNotFoundError | BleakBluetoothNotAvailableError | BleakDBusError):
        return (
            f"Bluetooth is not available on this machine ({type(exc).__name__}: {detail});"
            " FtmsDriver needs a Bluetooth LE adapter (on Linux: BlueZ, reached over D-Bus)"
        )
    if isinstance(exc, TimeoutError):
        return f"{address} did not answer in time"
    return f"cannot reach {address}: {type(exc).__name__}: {detail}"


def _usable(supported: SpeedRange | InclineRange) -> SpeedRange | InclineRange:
    minimum, maximum, increment = astuple(supported)
    if increment <= 0 or minimum > maximum:
        raise FtmsError(f"{supported}: not a range a target can be set in")
    return supported


def snap(value: float, minimum: int, maximum: int, increment: int) -> int:
    """`value` (wire units) on the nearest step of the range, counted from its minimum."""
    top = (maximum - minimum) // increment
    return minimum + max(0, min(top, round((value - minimum) / increment))) * increment


class FtmsDriver:
    """The treadmill at `address`, reached through `client_factory(address, on_disconnect)`
    (bleak's client by default), on `clock` (the wall's by default; a virtual treadmill's in
    tests). It does not assume the belt is stopped when it connects (the first Treadmill
    Data or status says), retries a refused target at its next change or tick, asks for
    control again after a Reset or a loss of control, and after a lost link raises
    DriverConnectionError at the next call."""

    def __init__(
        self,
        address: str,
        client_factory: ClientFactory | None = None,
        clock: Clock | None = None,
        tick_hz: float = 2.0,
        response_timeout_s: float = 2.0,
    ):
        self.address = address
        self.clock: Clock = clock if clock is not None else WallClock()
        self.tick_hz = tick_hz
        self.response_timeout_s = response_timeout_s
        self._factory = client_factory if client_factory is not None else bleak_client
        self._client: Any = None
        self._speed_range: SpeedRange | None = None
        self._incline_range: InclineRange | None = None
        self._data: dict[str, int] = {}  # the latest value of each Treadmill Data field
        self._data_t: float | None = None  # when the latest Treadmill Data came
        self._link_lost = False
        self._control = False  # control permission, as last granted or lost
        self._events: list[DriverEvent] = []
        self._reported: set[str] = set()  # the once-only events said so far
        self._pending: asyncio.Future[bytes] | None = None
        self._drive_ready: bool | None = None
        self._running: bool | None = None  # None: not known yet
        self._armed = True  # a stop the treadmill made itself disarms a restart
        self._own_stop = False  # our Stop is in flight or its status is still due
        self._asked_speed: int | None = None  # wire units; 0: stopped
        self._asked_incline: int | None = None
        self._served = set(self.offered())  # until a runner says what its controller reads

    def offered(self) -> dict[str, float]:
        """FTMS's ~1 Hz speed and incline; the running state from status notifications."""
        return {"belt_speed_mps": FTMS_RATE_HZ, "incline_pct": FTMS_RATE_HZ,
                "drive_ready": MAX_RATE_HZ}  # fmt: skip

    # ------------------------------------------------------------ the link
    async def connect(self) -> None:
        """Connect, read the features and ranges, subscribe, request control. Every way this
        can fail is a DriverConnectionError that says why."""
        try:
            await self._open()
        except DriverConnectionError:
            await self._drop()
            raise
        except FtmsError as exc:
            await self._drop()
            raise DriverConnectionError(
                f"{self.address} is not a usable FTMS treadmill: {exc}"
            ) from None
        except _link_errors() as exc:
            await self._drop()
            raise DriverConnectionError(_why_unreachable(self.address, exc)) from None

    async def _open(self) -> None:
        self._client = client = self._factory(self.address, self._on_disconnect)
        await client.connect()
        if client.services.get_characteristic(FEATURES_UUID) is None:
            raise DriverConnectionError(f"{self.address} has no Fitness Machine Service")
        features = Features.decode(bytes(await client.read_gatt_char(FEATURES_UUID)))
        if not features.target & TargetFeature.SPEED:
            raise DriverConnectionError(f"{self.address} does not take a target speed over FTMS")
        data = bytes(await client.read_gatt_char(SPEED_RANGE_UUID))
        self._speed_range = _usable(SpeedRange.decode(data))
        if features.target & TargetFeature.INCLINATION:
            data = bytes(await client.read_gatt_char(INCLINE_RANGE_UUID))
            self._incline_range = _usable(InclineRange.decode(data))
        await client.start_notify(TREADMILL_DATA_UUID, self._on_data)
        await client.start_notify(MACHINE_STATUS_UUID, self._on_status)
        await client.start_notify(CONTROL_POINT_UUID, self._on_indication)
        result = await self._exchange(ControlRequest(Op.REQUEST_CONTROL))
        if result is not Result.SUCCESS:
            raise DriverConnectionError(f"{self.address} refused control ({result.name})")
        self._control = self._drive_ready = True

    def _on_disconnect(self, _client: object) -> None:
        if self._client is not None:  # not our own disconnect
            self._link_lost, self._drive_ready = True, False
            self._event("link_lost")

    def _check_link(self) -> None:
        if self._link_lost:
            raise DriverConnectionError(f"lost the link to {self.address}")

    async def _drop(self) -> None:
        """Let go of a link that failed (it may be half open, or not there at all)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.disconnect()
            except _link_errors():
                pass  # a link that is not there is as disconnected as it gets

    async def close(self) -> None:
        """Stop a running belt, then disconnect: an FTMS treadmill keeps running when its app
        goes. A belt that could not be stopped raises, after the disconnection."""
        if self._client is None:
            return
        left_running = None
        try:
            await self.stop()
            if self._running is not False:
                left_running = "the treadmill refused the Stop"
        except DriverConnectionError as exc:
            left_running = str(exc)
        await self._drop()
        if left_running:
            raise DriverConnectionError(f"the belt may still be running: {left_running}")

    # ------------------------------------------------------------ Control Point
    async def _exchange(self, request: ControlRequest) -> Result:
        """Write a request and wait for its indication."""
        self._pending = asyncio.get_running_loop().create_future()
        try:
            await self._client.write_gatt_char(CONTROL_POINT_UUID, request.encode(), response=True)
            data = await asyncio.wait_for(self._pending, self.response_timeout_s)
        finally:
            self._pending = None
        response = ControlResponse.decode(data)
        if response.request_op != request.op:
            raise FtmsError(f"the answer to {request.op.name} names opcode {response.request_op}")
        return response.result

    async def _ask(self, request: ControlRequest, probing: bool = False) -> Result:
        """A request during the run (control asked for again first if it was lost);
        refused, an event (but a probe's Operation Failed, which answers its question)."""
        if self._client is None:
            raise DriverConnectionError(f"{self.address}: not connected")
        self._check_link()
        if not self._control and request.op != Op.REQUEST_CONTROL:
            if await self._ask(ControlRequest(Op.REQUEST_CONTROL)) is not Result.SUCCESS:
                return Result.CONTROL_NOT_PERMITTED
            self._control = True
        try:
            result = await self._exchange(request)
        except FtmsError as exc:
            raise DriverConnectionError(f"{self.address} answered out of FTMS: {exc}") from None
        except _link_errors() as exc:
            raise DriverConnectionError(
                f"lost the link to {self.address} ({request.op.name}): {type(exc).__name__}"
            ) from None
        if result is not Result.SUCCESS and not (probing and result is Result.OPERATION_FAILED):
            self._event(
                "command_rejected", op=request.op.name, parameter=request.parameter,
                result=result.name,
            )  # fmt: skip
        return result

    def _on_indication(self, _char: object, data: bytearray) -> None:
        """The answer to the request in flight; an indication nobody waits for is dropped."""
        if self._pending is not None and not self._pending.done():
            self._pending.set_result(bytes(data))

    # ------------------------------------------------------------ notifications
    def _on_data(self, _char: object, data: bytearray) -> None:
        """Merged field by field: a treadmill may split its data over several notifications
        ("More Data")."""
        try:
            fields = asdict(TreadmillData.decode(bytes(data)))
        except FtmsError as exc:
            self._event("malformed_data", data=bytes(data).hex(), error=str(exc))
            return
        self._data.update({k: v for k, v in fields.items() if v is not None})
        self._data_t = self.clock.now()
        speed = self._data.get("speed_kmh_x100")
        if self._running is None and speed is not None:
            self._running = speed > 0  # what the belt was doing when we came

    def _on_status(self, _char: object, data: bytearray) -> None:
        try:
            status = MachineStatus.decode(bytes(data))
        except FtmsError as exc:
            self._event("malformed_status", data=bytes(data).hex(), error=str(exc))
            return
        kind = status.status
        if kind is Status.STOPPED_BY_SAFETY_KEY:
            self._running, self._armed, self._drive_ready = False, False, False
            self._event(SAFETY_KEY)
        elif kind is Status.STOPPED_OR_PAUSED_BY_USER:
            self._running = False
            if self._own_stop:
                self._own_stop = False
            else:  # the user's, at the treadmill
                self._armed = False
            self._event("paused" if status.parameter == PAUSE else "stopped")
        elif kind is Status.STARTED_OR_RESUMED_BY_USER:
            self._running, self._armed, self._drive_ready = True, True, True
            self._own_stop = False
            self._event("started")
        elif kind is Status.TARGET_SPEED_CHANGED:
            self._event("target_speed_changed", speed_mps=status.parameter / 100 / KMH_PER_MPS)
        elif kind is Status.TARGET_INCLINE_CHANGED:
            self._event("target_incline_changed", incline_pct=status.parameter / 10)
        elif kind is Status.RESET:  # stopped, control gone, targets back to defaults
            self._running, self._drive_ready, self._control = False, False, False
            self._asked_speed = self._asked_incline = None
            self._event("reset")
        else:
            self._control = False
            self._asked_speed = self._asked_incline = None
            self._event("control_lost")

    def _event(self, kind: str, **details: Any) -> None:
        self._events.append(DriverEvent(self.clock.now(), kind, details))

    def _once(self, kind: str, **details: Any) -> None:
        if kind not in self._reported:
            self._reported.add(kind)
            self._event(kind, **details)

    def events(self) -> list[DriverEvent]:
        out, self._events = self._events, []
        return out

    # ------------------------------------------------------------ the protocol
    def serve(self, sensors: set[str]) -> None:
        self._served = set(sensors)

    async def telemetry(self) -> Sensors:
        self._check_link()
        fresh = self._data_t is not None and self.clock.now() - self._data_t <= STALE_DATA_S
        speed = self._data.get("speed_kmh_x100") if fresh else None
        incline = self._data.get("inclination_pct_x10") if fresh else None
        readings = {
            "belt_speed_mps": None if speed is None else speed / 100 / KMH_PER_MPS,
            "incline_pct": None if incline in (None, NOT_AVAILABLE_S16) else incline / 10,
            "drive_ready": self._drive_ready,
        }
        return Sensors(**{k: v for k, v in readings.items() if k in self._served})

    async def command(self, cmd: Commands) -> None:
        if cmd.brake_level > 0:
            self._once("brake_unsupported", reason="FTMS has no brake: brake_level ignored")
        speed_mps = cmd.target_speed_mps if cmd.drive_enable else 0.0
        await self.set_target(speed_mps, cmd.target_incline_pct)

    async def set_target(self, speed_mps: float, incline_pct: float) -> None:
        """Speed and incline, each written only when it changed; zero speed stops the belt."""
        if self._speed_range is None:
            raise DriverConnectionError(f"{self.address}: not connected")
        speed = 0
        if speed_mps > 0:
            speed = snap(speed_mps * KMH_PER_MPS * 100, *astuple(self._speed_range))
        if speed == 0:
            self._armed = True
            self._reported.discard("restart_withheld")
        if speed != self._asked_speed:  # remembered only once the treadmill took it
            if speed == 0:
                await self.stop()
                done = self._running is False
            elif await self._ensure_running():
                done = await self._ask(ControlRequest(Op.SET_TARGET_SPEED, speed)) is Result.SUCCESS
            else:
                done = False
            self._asked_speed = speed if done else None
        if self._incline_range is None:
            if incline_pct:
                self._once("incline_unsupported", reason="the treadmill takes no target incline")
            return
        incline = snap(incline_pct * 10, *astuple(self._incline_range))
        if incline != self._asked_incline:
            result = await self._ask(ControlRequest(Op.SET_TARGET_INCLINATION, incline))
            self._asked_incline = incline if result is Result.SUCCESS else None

    async def _ensure_running(self) -> bool:
        if not self._running and not self._armed:
            self._once("restart_withheld", reason="the treadmill stopped itself; ask for 0 first")
            return False
        if not self._running:
            await self.start()
        return bool(self._running)

    async def start(self) -> None:
        if self._running:
            return
        result = await self._ask(ControlRequest(Op.START_OR_RESUME))
        if result is Result.SUCCESS:
            self._running = self._drive_ready = True
            self._armed, self._own_stop = True, False
        elif result is Result.OPERATION_FAILED and self._running is None and self._moving():
            self._running = True  # it was running already when we came
        else:  # refused: most likely the safety key
            self._running = self._drive_ready = False

    async def stop(self) -> None:
        if self._running is False:
            return
        self._own_stop = True
        probing = self._running is None  # stopped already, Operation Failed will say
        result = await self._ask(ControlRequest(Op.STOP_OR_PAUSE, STOP), probing)
        if result is Result.SUCCESS or (result is Result.OPERATION_FAILED and not self._moving()):
            self._running = False  # stopped now, or it was stopped already
        else:
            self._own_stop = False

    def _moving(self) -> bool:
        return bool(self._data.get("speed_kmh_x100"))
