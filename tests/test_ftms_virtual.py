"""The virtual FTMS treadmill is strict (raw Control Point writes, a small fake drive, and the
simulator behind it), and FtmsDriver drives it through the fake Bluetooth transport:
connection, control, commands written only on change, the safety key, no Bluetooth."""

from __future__ import annotations

import asyncio
import functools
import math
import os
from pathlib import Path

import pytest
from bleak.exc import (
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import SAFETY_KEY, DriverConnectionError, DriverEvent
from drivers.ftms.client import FtmsDriver
from drivers.ftms.codec import (
    CONTROL_POINT_UUID,
    FEATURES_UUID,
    MACHINE_STATUS_UUID,
    TREADMILL_DATA_UUID,
    ControlResponse,
    MachineStatus,
    Result,
    Status,
    TreadmillData,
)
from drivers.ftms.transport import VirtualBleakClient
from drivers.ftms.virtual import (
    CCCD_IMPROPERLY_CONFIGURED,
    READ_NOT_PERMITTED,
    WRITE_NOT_PERMITTED,
    Session,
    VirtualTreadmill,
)
from drivers.runner import arun_controller
from drivers.sim import SimDriver
from sim.control.api import Commands, Sensors
from sim.control.sensors import MAX_RATE_HZ

CLIP_PULL = Path(__file__).resolve().parent.parent / "scenarios/clip/pull_backward_1mph.toml"
REQUEST_CONTROL, START, STOP, PAUSE = b"\x00", b"\x07", b"\x08\x01", b"\x08\x02"


def speed(kmh_x100: int) -> bytes:
    return b"\x02" + kmh_x100.to_bytes(2, "little")


def incline(pct_x10: int) -> bytes:
    return b"\x03" + pct_x10.to_bytes(2, "little", signed=True)


def sync(test):
    """An async test, run in a fresh event loop (no pytest-asyncio)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


class FakeClock:
    def __init__(self, drive: FakeDrive, end_s: float):
        self.drive, self.t, self.end_s = drive, 0.0, end_s

    def now(self) -> float:
        return self.t

    async def sleep_until(self, t_s: float) -> bool:
        if t_s >= self.end_s:
            return False
        self.t = max(self.t, t_s)
        self.drive.advance()
        return True


class FakeDrive:
    """A drive whose belt is at its target at once; the clip comes out at `pull_at_s` (a
    safety-key event) and goes back at `replace_at_s`. `ready_line`: whether it reports
    drive_ready; `clip_in`: whether the clip is in at the start."""

    tick_hz = 10.0

    def __init__(self, pull_at_s=None, replace_at_s=None, ready_line=True, clip_in=True):
        self.clock = FakeClock(self, end_s=60.0)
        self.pull_at_s, self.replace_at_s, self.ready_line = pull_at_s, replace_at_s, ready_line
        self.clip_in = clip_in
        self.running = True
        self.target = (0.0, 0.0)
        self.calls: list[tuple] = []
        self._events: list[DriverEvent] = []

    def advance(self) -> None:
        t = self.clock.t
        if self.clip_in and self.pull_at_s is not None and t >= self.pull_at_s:
            self.clip_in, self.pull_at_s = False, None
            self._events.append(DriverEvent(t, SAFETY_KEY))
        if not self.clip_in and self.replace_at_s is not None and t >= self.replace_at_s:
            self.clip_in, self.replace_at_s = True, None

    def offered(self) -> dict[str, float]:
        return {"belt_speed_mps": 10.0, "incline_pct": 10.0, "drive_ready": 10.0}

    async def connect(self) -> None:
        self.calls.append(("connect",))

    async def telemetry(self) -> Sensors:
        belt = self.target[0] if self.running and self.clip_in else 0.0
        ready = self.clip_in if self.ready_line else None
        return Sensors(belt_speed_mps=belt, incline_pct=self.target[1], drive_ready=ready)

    async def set_target(self, speed_mps: float, incline_pct: float) -> None:
        if (speed_mps, incline_pct) != self.target:
            self.calls.append(("set_target", round(speed_mps, 6), incline_pct))
        self.target = (speed_mps, incline_pct)

    async def start(self) -> None:
        self.running = True
        self.calls.append(("start",))

    async def stop(self) -> None:
        self.running = False
        self.calls.append(("stop",))

    async def command(self, cmd: Commands) -> None:
        raise AssertionError("the virtual treadmill uses the primitives")

    def events(self) -> list[DriverEvent]:
        out, self._events = self._events, []
        return out

    async def close(self) -> None:
        self.calls.append(("close",))


class Raw:
    """A client writing raw bytes to the Control Point of a powered virtual treadmill, with
    its indications, status and data notifications decoded."""

    def __init__(self, treadmill: VirtualTreadmill):
        self.treadmill = treadmill
        self.indications: list[bytes] = []
        self.statuses: list[MachineStatus] = []
        self.data: list[tuple[float, TreadmillData]] = []
        treadmill.subscribe(CONTROL_POINT_UUID, self.indications.append)
        treadmill.subscribe(MACHINE_STATUS_UUID, self._on_status)
        treadmill.subscribe(TREADMILL_DATA_UUID, self._on_data)

    def _on_status(self, data: bytes) -> None:
        self.statuses.append(MachineStatus.decode(data))

    def _on_data(self, data: bytes) -> None:
        self.data.append((self.treadmill.clock.now(), TreadmillData.decode(data)))

    async def ask(self, data: bytes) -> Result | None:
        """Write; the indicated result (None: nothing indicated)."""
        before = len(self.indications)
        await self.treadmill.write(CONTROL_POINT_UUID, data)
        answers = self.indications[before:]
        assert len(answers) <= 1
        if not answers:
            return None
        response = ControlResponse.decode(answers[0])
        assert response.request_op == data[0]
        return response.result

    def status_codes(self) -> list[tuple[Status, int | None]]:
        return [(s.status, s.parameter) for s in self.statuses]


async def powered(drive=None) -> tuple[VirtualTreadmill, Raw, FakeDrive]:
    drive = drive if drive is not None else FakeDrive()
    treadmill = VirtualTreadmill(drive)
    await treadmill.power_on()
    return treadmill, Raw(treadmill), drive


# ------------------------------------------------------------------ the server's strictness
@pytest.mark.parametrize(
    "request_bytes",
    [speed(300), incline(20), START, STOP, PAUSE, b"\x01", b"\x04\x10\x00", b"\x02", b"\x80"],
)
@sync
async def test_everything_but_request_control_is_not_permitted_before_it(request_bytes):
    treadmill, raw, drive = await powered()
    calls = list(drive.calls)
    assert await raw.ask(request_bytes) is Result.CONTROL_NOT_PERMITTED
    assert drive.calls == calls and raw.statuses == [] and treadmill.session is Session.IDLE
    assert await raw.ask(REQUEST_CONTROL) is Result.SUCCESS
    assert treadmill.control_granted


@pytest.mark.parametrize(
    ("request_bytes", "why"),
    [
        (speed(49), "below the minimum 0.50 km/h"),
        (speed(1610), "above the maximum 16.00 km/h"),
        (speed(155), "off the 0.10 km/h increment"),
        (incline(-5), "below 0 %"),
        (incline(155), "above 15 %"),
        (incline(3), "off the 0.5 % increment"),
    ],
)
@sync
async def test_targets_off_the_supported_ranges_are_invalid_parameters(request_bytes, why):
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    calls = list(drive.calls)
    assert await raw.ask(request_bytes) is Result.INVALID_PARAMETER, why
    assert drive.calls == calls and raw.statuses == []


@sync
async def test_accepted_targets_are_applied_and_notified_when_they_change():
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    assert await raw.ask(speed(180)) is Result.SUCCESS
    assert await raw.ask(incline(20)) is Result.SUCCESS
    assert await raw.ask(speed(180)) is Result.SUCCESS  # unchanged: no status
    assert raw.status_codes() == [
        (Status.TARGET_SPEED_CHANGED, 180),
        (Status.TARGET_INCLINE_CHANGED, 20),
    ]
    assert drive.target == (0.0, 2.0)  # idle: the belt stays still, the deck tilts
    assert await raw.ask(START) is Result.SUCCESS
    assert drive.running and drive.target == pytest.approx((0.5, 2.0))  # 1.8 km/h
    assert await raw.ask(speed(360)) is Result.SUCCESS
    assert drive.target == pytest.approx((1.0, 2.0))
    assert await raw.ask(STOP) is Result.SUCCESS
    assert not drive.running and drive.target == (0.0, 2.0)


@sync
async def test_stop_when_stopped_and_start_when_running_fail():
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    assert await raw.ask(STOP) is Result.OPERATION_FAILED
    assert await raw.ask(PAUSE) is Result.OPERATION_FAILED
    assert await raw.ask(START) is Result.SUCCESS
    assert await raw.ask(START) is Result.OPERATION_FAILED
    assert await raw.ask(PAUSE) is Result.SUCCESS
    assert await raw.ask(PAUSE) is Result.OPERATION_FAILED
    assert await raw.ask(STOP) is Result.SUCCESS  # a paused session can end
    assert await raw.ask(STOP) is Result.OPERATION_FAILED
    assert raw.status_codes() == [
        (Status.STARTED_OR_RESUMED_BY_USER, None),
        (Status.STOPPED_OR_PAUSED_BY_USER, 2),
        (Status.STOPPED_OR_PAUSED_BY_USER, 1),
    ]


@pytest.mark.parametrize("ready_line", [True, False], ids=["drive_ready", "event_only"])
@sync
async def test_the_safety_key_stops_notifies_0x03_and_blocks_start(ready_line):
    treadmill, raw, drive = await powered(FakeDrive(pull_at_s=3.0, ready_line=ready_line))
    await raw.ask(REQUEST_CONTROL)
    await raw.ask(speed(180))
    await raw.ask(START)
    assert await treadmill.clock.sleep_until(5.0)
    assert raw.statuses[-1] == MachineStatus(Status.STOPPED_BY_SAFETY_KEY)
    assert treadmill.session is Session.IDLE and drive.target == (0.0, 0.0)
    calls = list(drive.calls)
    assert await raw.ask(START) is Result.OPERATION_FAILED
    assert drive.calls == calls


@sync
async def test_start_waits_for_the_drive_to_be_ready_again():
    treadmill, raw, drive = await powered(FakeDrive(pull_at_s=1.0, replace_at_s=2.0))
    await raw.ask(REQUEST_CONTROL)
    await treadmill.clock.sleep_until(1.5)
    assert await raw.ask(START) is Result.OPERATION_FAILED
    await treadmill.clock.sleep_until(2.5)
    assert await raw.ask(START) is Result.SUCCESS


@pytest.mark.parametrize("request_bytes", [b"\x04\x10\x00", b"\x05\x64\x00", b"\x11", b"\xfe"])
@sync
async def test_opcodes_it_does_not_implement_are_not_supported(request_bytes):
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    assert await raw.ask(request_bytes) is Result.NOT_SUPPORTED
    assert await raw.ask(b"\x80\x00\x01") is Result.NOT_SUPPORTED  # a response, written back


@pytest.mark.parametrize(
    "request_bytes",
    [b"\x02\xb4", b"\x02\xb4\x00\x00", b"\x03", b"\x00\x00", b"\x07\x00", b"\x08", b"\x08\x03"],
)
@sync
async def test_known_opcodes_with_a_bad_parameter_are_invalid_parameters(request_bytes):
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    assert await raw.ask(request_bytes) is Result.INVALID_PARAMETER
    assert await raw.ask(b"") is None  # no opcode to answer: nothing indicated
    assert treadmill.writes[-1].data == b"" and treadmill.writes[-1].response is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=5), max_size=12), st.booleans())
def test_any_bytes_get_one_answer_or_none_and_never_raise(writes, granted):
    async def go():
        treadmill, raw, drive = await powered()
        if granted:
            await raw.ask(REQUEST_CONTROL)
        for data in writes:
            result = await raw.ask(data)  # decodes the answer and checks its opcode
            assert (result is None) == (data == b"")
            await treadmill.clock.sleep_until(treadmill.clock.now() + 0.25)

    asyncio.run(go())


@sync
async def test_reset_stops_restores_targets_and_takes_control_back():
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    await raw.ask(speed(300))
    await raw.ask(START)
    assert await raw.ask(b"\x01") is Result.SUCCESS
    assert raw.statuses[-1] == MachineStatus(Status.RESET)
    assert not drive.running and treadmill.session is Session.IDLE
    assert await raw.ask(START) is Result.CONTROL_NOT_PERMITTED


@sync
async def test_lost_control_is_notified_and_enforced():
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    treadmill.revoke_control()
    assert raw.statuses[-1] == MachineStatus(Status.CONTROL_PERMISSION_LOST)
    assert await raw.ask(speed(300)) is Result.CONTROL_NOT_PERMITTED


@sync
async def test_treadmill_data_once_a_second_at_ftms_resolution():
    treadmill, raw, drive = await powered()
    await raw.ask(REQUEST_CONTROL)
    await raw.ask(speed(180))
    await raw.ask(incline(25))
    await raw.ask(START)
    assert await treadmill.clock.sleep_until(6.05)
    assert [t for t, _ in raw.data] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    last = raw.data[-1][1]
    assert last.speed_kmh_x100 == 180 and last.inclination_pct_x10 == 25
    assert last.ramp_angle_deg_x10 == round(math.degrees(math.atan(0.025)) * 10) == 14
    assert last.elapsed_s == 6
    assert last.total_distance_m == 3  # 0.5 m/s for 6 s, whole metres
    assert all(d.total_distance_m > 0 for t, d in raw.data if t >= 3.0)


@sync
async def test_gatt_level_refusals_through_the_transport():
    treadmill = VirtualTreadmill(FakeDrive())
    client = VirtualBleakClient(treadmill)
    await client.connect()
    with pytest.raises(BleakGATTProtocolError) as info:  # indications not enabled yet
        await client.write_gatt_char(CONTROL_POINT_UUID, REQUEST_CONTROL, response=True)
    assert info.value.code == CCCD_IMPROPERLY_CONFIGURED and treadmill.writes == []
    with pytest.raises(BleakGATTProtocolError) as info:
        await client.write_gatt_char(FEATURES_UUID, b"\x00", response=True)
    assert info.value.code == WRITE_NOT_PERMITTED
    with pytest.raises(BleakGATTProtocolError) as info:
        await client.read_gatt_char(TREADMILL_DATA_UUID)
    assert info.value.code == READ_NOT_PERMITTED
    await client.disconnect()
    with pytest.raises(BleakError):
        await client.read_gatt_char(FEATURES_UUID)


@sync
async def test_the_simulated_clip_pull_is_notified_as_a_safety_key_stop():
    treadmill = VirtualTreadmill(SimDriver.from_scenario(CLIP_PULL))  # the clip out at 10 s
    await treadmill.power_on()
    raw = Raw(treadmill)
    await raw.ask(REQUEST_CONTROL)
    await raw.ask(speed(180))
    await raw.ask(START)
    assert await treadmill.clock.sleep_until(12.0)
    assert not await treadmill.clock.sleep_until(15.0)  # the scenario ends at 14 s
    assert MachineStatus(Status.STOPPED_BY_SAFETY_KEY) in raw.statuses
    moving = [d.speed_kmh_x100 for t, d in raw.data if 4.0 <= t <= 10.0]
    assert moving and all(abs(v - 180) <= 2 for v in moving)
    assert raw.data[-1][1].speed_kmh_x100 == 0 and raw.data[-1][1].total_distance_m >= 4
    assert await raw.ask(START) is Result.OPERATION_FAILED  # the clip is still out


# ------------------------------------------------------------------ FtmsDriver on the transport
def ftms_on(treadmill: VirtualTreadmill) -> FtmsDriver:
    return FtmsDriver(
        "00:00:5E:00:53:01",
        client_factory=lambda address, gone: VirtualBleakClient(treadmill, address, gone),
        clock=treadmill.clock,
    )


def sent(treadmill: VirtualTreadmill, since: int = 0) -> list[bytes]:
    return [w.data for w in treadmill.writes[since:]]


@sync
async def test_ftms_driver_connects_and_requests_control():
    treadmill = VirtualTreadmill(FakeDrive())
    driver = ftms_on(treadmill)
    await driver.connect()
    assert sent(treadmill) == [REQUEST_CONTROL] and treadmill.control_granted
    sensors = await driver.telemetry()
    assert sensors.drive_ready is True and sensors.belt_speed_mps is None
    assert sensors.clip_attached is None  # FTMS does not report the clip
    assert driver.offered() == {"belt_speed_mps": 1.0, "incline_pct": 1.0,
                                "drive_ready": MAX_RATE_HZ}  # fmt: skip


@sync
async def test_ftms_driver_writes_commands_only_when_they_change():
    treadmill = VirtualTreadmill(FakeDrive())
    driver = ftms_on(treadmill)
    await driver.connect()
    script = [  # no Treadmill Data yet: whether the belt runs is not known, so a Stop asks
        (Commands(0.0), [STOP, incline(0)]),  # (Operation Failed: stopped already); incline once
        (Commands(0.5, 2.0), [START, speed(180), incline(20)]),  # start, then the speed
        (Commands(0.5, 2.0), []),
        (Commands(0.52, 2.1), [speed(190)]),  # 1.872 km/h on the 0.1 step; 2.1 % -> 2.0 %
        (Commands(9.0, 40.0), [speed(1600), incline(150)]),  # clamped to the ranges
        (Commands(9.0, 40.0, drive_enable=False), [STOP]),
        (Commands(9.0, 40.0, drive_enable=False), []),  # stopped once
        (Commands(0.6, 0.0, brake_level=0.5), [START, speed(220), incline(0)]),
        (Commands(0.6, 0.0, brake_level=0.8), []),
    ]
    for cmd, expected in script:
        before = len(treadmill.writes)
        await driver.command(cmd)
        assert sent(treadmill, before) == expected, cmd
    probe, *rest = treadmill.writes[1:]  # after the request for control
    assert probe.response.result is Result.OPERATION_FAILED
    assert all(w.response.result is Result.SUCCESS for w in rest)
    kinds = [e.kind for e in driver.events()]
    assert kinds.count("brake_unsupported") == 1 and "command_rejected" not in kinds


@sync
async def test_ftms_driver_reports_the_safety_key_and_restarts_only_after_zero():
    treadmill = VirtualTreadmill(FakeDrive(pull_at_s=2.0, replace_at_s=4.0))
    driver = ftms_on(treadmill)
    await driver.connect()
    await driver.command(Commands(0.5))
    await driver.clock.sleep_until(3.0)
    assert SAFETY_KEY in [e.kind for e in driver.events()]
    assert (await driver.telemetry()).drive_ready is False
    await driver.clock.sleep_until(5.0)  # the clip is back: the drive could start
    before = len(treadmill.writes)
    await driver.command(Commands(0.6))  # a new speed, but nobody asked for zero since
    assert sent(treadmill, before) == [] and treadmill.session is Session.IDLE
    assert "restart_withheld" in [e.kind for e in driver.events()]
    await driver.command(Commands(0.0))
    await driver.command(Commands(0.6))
    assert sent(treadmill, before) == [START, speed(220)]
    assert (await driver.telemetry()).drive_ready is True


@sync
async def test_ftms_driver_turns_refusals_into_events():
    treadmill = VirtualTreadmill(FakeDrive(clip_in=False))  # out before anyone connected
    driver = ftms_on(treadmill)
    await driver.connect()
    await driver.clock.sleep_until(0.5)
    await driver.command(Commands(0.5))
    assert sent(treadmill) == [REQUEST_CONTROL, START, incline(0)]  # no speed: Start refused
    rejected = [e for e in driver.events() if e.kind == "command_rejected"]
    assert rejected[0].details == {
        "op": "START_OR_RESUME", "parameter": None, "result": "OPERATION_FAILED",
    }  # fmt: skip
    assert (await driver.telemetry()).drive_ready is False
    treadmill.revoke_control()
    before = len(treadmill.writes)
    await driver.command(Commands(0.0, 5.0))  # control asked for again, then the incline
    assert sent(treadmill, before) == [REQUEST_CONTROL, incline(50)]
    assert [e.kind for e in driver.events()] == ["control_lost", "target_incline_changed"]


@sync
async def test_ftms_driver_refused_control_is_a_connection_error():
    treadmill = VirtualTreadmill(FakeDrive())

    async def refuse(_):
        return Result.CONTROL_NOT_PERMITTED, []

    treadmill._request_control = refuse  # a treadmill held by another app
    with pytest.raises(DriverConnectionError, match="refused control"):
        await ftms_on(treadmill).connect()


class Unreachable:
    """A bleak-like client whose connect raises what a machine without Bluetooth raises."""

    def __init__(self, exc: BaseException):
        self.exc = exc

    async def connect(self) -> None:
        raise self.exc

    async def disconnect(self) -> None:
        raise BleakError("not connected")


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (FileNotFoundError(2, "No such file or directory"), "Bluetooth is not available"),
        (BleakDBusError("org.bluez.Error.NotReady", ["Resource Not Ready"]), "not available"),
        (BleakDeviceNotFoundError("00:00:5E:00:53:01"), "no Bluetooth LE device"),
        (BleakError("adapter hci0 not found"), "cannot reach"),
        (OSError(113, "No route to host"), "cannot reach"),
        (TimeoutError(), "did not answer in time"),
    ],
)
@sync
async def test_no_bluetooth_is_a_driver_connection_error(exc, message):
    driver = FtmsDriver("00:00:5E:00:53:01", client_factory=lambda address, gone: Unreachable(exc))
    with pytest.raises(DriverConnectionError, match=message) as info:
        await driver.connect()
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no traceback


@pytest.mark.skipif(
    Path("/run/dbus/system_bus_socket").exists() or "DBUS_SYSTEM_BUS_ADDRESS" in os.environ,
    reason="this machine has a D-Bus system bus (BlueZ may answer)",
)
@sync
async def test_bleak_without_bluez_is_a_driver_connection_error():
    with pytest.raises(DriverConnectionError, match="Bluetooth is not available"):
        await FtmsDriver("00:00:5E:00:53:01").connect()


@sync
async def test_ftms_driver_close_stops_the_belt_and_lets_control_go():
    treadmill = VirtualTreadmill(FakeDrive())
    driver = ftms_on(treadmill)
    await driver.connect()
    await driver.command(Commands(1.0))
    await driver.close()
    assert sent(treadmill)[-1] == STOP and not treadmill.control_granted
    assert treadmill.session is Session.IDLE
    await treadmill.power_off()
    assert treadmill.driver.calls[-1] == ("close",)


@sync
async def test_ftms_driver_reports_garbled_notifications_instead_of_raising():
    treadmill = VirtualTreadmill(FakeDrive())
    driver = ftms_on(treadmill)
    await driver.connect()
    treadmill._notify(MACHINE_STATUS_UUID, b"\x42")  # no such status
    treadmill._notify(TREADMILL_DATA_UUID, b"\x00\x00\xb4")  # ends inside the speed
    kinds = [e.kind for e in driver.events()]
    assert kinds == ["malformed_status", "malformed_data"]
    assert (await driver.telemetry()).belt_speed_mps is None


class WalkAtHalfAMetre:
    """Walks at 0.5 m/s from 1 s while the drive is ready; keeps what it was told."""

    needs = {"belt_speed_mps": 1.0, "drive_ready": 1.0}

    def __init__(self):
        self.events: list[DriverEvent] = []
        self.seen: list[tuple[float, Sensors]] = []

    def on_event(self, event: DriverEvent) -> None:
        self.events.append(event)

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        self.seen.append((t, sensors))
        return Commands(0.5 if t >= 1.0 and sensors.drive_ready else 0.0)


@sync
async def test_a_controller_runs_on_ftms_over_the_simulated_clip_pull():
    treadmill = VirtualTreadmill(SimDriver.from_scenario(CLIP_PULL))
    controller = await arun_controller(WalkAtHalfAMetre(), ftms_on(treadmill))
    key = [e for e in controller.events if e.kind == SAFETY_KEY]
    assert len(key) == 1 and 10.0 <= key[0].t_s <= 10.1
    speeds = {t: s.belt_speed_mps for t, s in controller.seen}
    assert speeds[0.0] is None  # no Treadmill Data yet
    assert speeds[8.0] == pytest.approx(0.5, abs=0.01) and speeds[13.5] == 0.0
    # a Stop first (no Treadmill Data yet: is it running?), then none after the safety key
    assert sent(treadmill) == [REQUEST_CONTROL, STOP, incline(0), START, speed(180)]


@sync
async def test_ftms_driver_finds_a_belt_already_running_and_stops_it():
    """A link dropped and made again while the belt runs: a zero command stops it, and
    closing leaves it stopped."""
    treadmill = VirtualTreadmill(FakeDrive())
    first = ftms_on(treadmill)
    await first.connect()
    await first.command(Commands(0.5))
    await first.clock.sleep_until(2.0)
    treadmill.disconnect()  # the link goes; the belt runs on
    assert treadmill.session is Session.RUNNING
    again = ftms_on(treadmill)
    await again.connect()
    await again.clock.sleep_until(3.5)  # Treadmill Data says it runs
    before = len(treadmill.writes)
    await again.command(Commands(0.0, drive_enable=False))
    assert sent(treadmill, before) == [STOP, incline(0)]  # the incline: not known to it yet
    assert treadmill.session is Session.IDLE
    await again.close()
    assert treadmill.session is Session.IDLE


@sync
async def test_ftms_driver_after_a_lost_link_raises_a_connection_error():
    treadmill = VirtualTreadmill(FakeDrive())
    driver = ftms_on(treadmill)
    await driver.connect()
    await driver._client.disconnect()  # the link drops under it (as bleak reports it)
    assert "link_lost" in [e.kind for e in driver.events()]
    with pytest.raises(DriverConnectionError, match="lost the link"):
        await driver.telemetry()


@sync
async def test_ftms_driver_retries_a_refused_start_at_the_next_command():
    """The clip is out when it connects (no safety-key event: nothing to re-arm): each
    command tries again, and once the clip is back the belt starts."""
    treadmill = VirtualTreadmill(FakeDrive(clip_in=False, replace_at_s=2.0))
    driver = ftms_on(treadmill)
    await driver.connect()
    await driver.clock.sleep_until(1.5)
    await driver.command(Commands(0.5))
    assert treadmill.session is Session.IDLE
    await driver.clock.sleep_until(2.5)
    before = len(treadmill.writes)
    await driver.command(Commands(0.5))  # the same command: tried again
    assert sent(treadmill, before) == [START, speed(180)] and treadmill.session is Session.RUNNING


@sync
async def test_a_board_reset_behind_the_virtual_treadmill_is_a_reset_and_nothing_restarts():
    """The simulator's brown-out at 20 s: the board resets, FTMS says Reset (0x01) and takes
    control back; the driver asks for control again, but the drive stays latched."""
    backing = SimDriver.from_scenario(
        Path(__file__).resolve().parent.parent / "scenarios/control/brownout_2mph_console.toml"
    )
    treadmill = VirtualTreadmill(backing)
    driver = ftms_on(treadmill)
    await driver.connect()
    await driver.clock.sleep_until(1.0)
    await driver.command(Commands(0.8))
    await driver.clock.sleep_until(22.0)
    assert "reset" in [e.kind for e in driver.events()]
    assert treadmill.session is Session.IDLE and not treadmill.control_granted
    before = len(treadmill.writes)
    await driver.command(Commands(0.0))
    await driver.command(Commands(0.8))
    assert sent(treadmill, before)[:1] == [REQUEST_CONTROL]
    await driver.clock.sleep_until(25.0)
    assert backing.treadmill.v < 0.01  # latched: nothing restarts without a manual reset
