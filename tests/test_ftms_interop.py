"""A third-party FTMS client, pyftms, drives the virtual treadmill (the simulator behind it)
through the fake Bluetooth transport: what it sends by itself, what it needs from discovery,
the data and the safety-key stop it reports."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest
from bleak.backends.device import BLEDevice

from drivers.ftms.transport import VIRTUAL_ADDRESS, VirtualBleakClient
from drivers.ftms.virtual import VirtualTreadmill
from drivers.sim import SimDriver

if sys.version_info < (3, 12):
    pyftms = pytest.importorskip("pyftms", reason="pyftms 0.4 needs Python >= 3.12")
else:
    import pyftms  # the interop extra: on 3.12 and 3.13 it must be there

CLIP_PULL = Path(__file__).resolve().parent.parent / "scenarios/clip/pull_backward_1mph.toml"


@pytest.fixture
def treadmill(monkeypatch) -> VirtualTreadmill:
    """The simulated clip pull (the clip out at 10 s) behind a virtual treadmill, and
    pyftms's connection helpers (bleak-retry-connector's) handing it the fake client."""
    virtual = VirtualTreadmill(SimDriver.from_scenario(CLIP_PULL))
    module = importlib.import_module("pyftms.client.client")

    async def establish_connection(client_class, device, name, disconnected_callback, **kw):
        client = VirtualBleakClient(virtual, device.address, disconnected_callback)
        await client.connect()
        return client

    async def close_stale_connections(device, *args, **kwargs):
        return None

    monkeypatch.setattr(module, "establish_connection", establish_connection)
    monkeypatch.setattr(module, "close_stale_connections", close_stale_connections)
    return virtual


def machine(events: list) -> pyftms.FitnessMachine:
    device = BLEDevice(VIRTUAL_ADDRESS, "treadbench virtual treadmill", None)
    return pyftms.get_client(device, pyftms.MachineType.TREADMILL, on_ftms_event=events.append)


def test_pyftms_requests_control_itself_and_drives_the_belt(treadmill):
    async def go():
        events: list = []
        m = machine(events)
        await m.connect()
        assert treadmill.writes == []  # connecting writes nothing
        assert m.supported_settings == ["target_speed", "target_inclination"]
        assert m.supported_ranges["target_speed"] == (0.5, 16.0, 0.1)
        R = pyftms.ResultCode
        assert await m.set_target_speed(1.8) == R.SUCCESS
        assert await m.set_target_inclination(2.0) == R.SUCCESS
        assert await m.start_resume() == R.SUCCESS
        assert [w.data for w in treadmill.writes] == [b"\x00", b"\x02\xb4\x00", b"\x03\x14\x00",
                                                      b"\x07"]  # fmt: skip
        assert await treadmill.clock.sleep_until(6.0)
        assert m.speed_instant == pytest.approx(1.8, abs=0.02)
        assert m.inclination == 2.0 and m.time_elapsed == 6
        assert m.distance_total > 0
        assert await m.stop() == R.SUCCESS
        assert await m.stop() == R.FAILED  # stopped already: the strict answer
        assert pyftms.ControlEvent("stop", "callback") in events
        await m.disconnect()
        assert not treadmill.control_granted

    asyncio.run(go())


def test_pyftms_hears_the_safety_key_stop(treadmill):
    async def go():
        events: list = []
        m = machine(events)
        await m.connect()
        await m.set_target_speed(1.8)
        await m.start_resume()
        assert await treadmill.clock.sleep_until(13.5)  # the belt stopped at ~10.3 s
        assert pyftms.ControlEvent("stop", "safety") in events
        assert m.speed_instant == 0.0
        assert await m.start_resume() == pyftms.ResultCode.FAILED  # the clip is still out
        await m.disconnect()

    asyncio.run(go())


def test_pyftms_truncates_targets_and_a_strict_treadmill_refuses_them(treadmill):
    """pyftms scales with int(value / 0.01): 2.3 km/h goes out as 229, off the 0.1 km/h
    increment."""

    async def go():
        m = machine([])
        await m.connect()
        assert await m.set_target_speed(2.3) == pyftms.ResultCode.INVALID_PARAMETER
        assert treadmill.writes[-1].data == b"\x02\xe5\x00"
        assert await m.set_target_speed(2.5) == pyftms.ResultCode.SUCCESS
        await m.disconnect()

    asyncio.run(go())
