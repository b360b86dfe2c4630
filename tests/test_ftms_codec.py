"""The FTMS codec against byte layouts worked out from the Fitness Machine Service 1.0
(little-endian; Treadmill Data's flag bit 0 inverted), and as properties: any bytes decode
or raise the codec's own error; encode → decode gives back what went in."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.ftms.codec import (
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
    TreadmillData,
    UnknownOpcode,
)


def test_treadmill_data_layouts():
    # bit 0 clear: the speed is there (5.00 km/h = 500)
    assert TreadmillData(speed_kmh_x100=500).encode() == b"\x00\x00\xf4\x01"
    # bit 0 set and bit 2: no speed, a uint24 distance
    assert TreadmillData(total_distance_m=70000).encode() == b"\x05\x00" + (70000).to_bytes(
        3, "little"
    )
    # speed, distance (bit 2), inclination and ramp angle (bit 3), in that order
    data = TreadmillData(speed_kmh_x100=320, total_distance_m=12, inclination_pct_x10=-15,
                         ramp_angle_deg_x10=0x7FFF)  # fmt: skip
    assert data.encode() == struct.pack("<HH", 0x000C, 320) + b"\x0c\x00\x00" + struct.pack(
        "<hh", -15, 0x7FFF)  # fmt: skip
    assert TreadmillData.decode(data.encode()) == data
    # elapsed time (bit 10) after the energy group (bit 7) and heart rate (bit 8)
    late = TreadmillData(speed_kmh_x100=0, energy_total_kcal=3, energy_per_hour_kcal=0xFFFF,
                         energy_per_minute_kcal=0xFF, heart_rate_bpm=90, elapsed_s=61)  # fmt: skip
    assert late.encode() == struct.pack("<HHHHBBH", 0x0580, 0, 3, 0xFFFF, 0xFF, 90, 61)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "at least 2"),
        (b"\x00", "at least 2"),
        (b"\x00\x00\x01", "ends inside speed_kmh_x100"),
        (b"\x00\x00\x01\x00\x09", "1 bytes beyond"),
        (b"\x01\x80", "reserved bit"),
        (b"\x05\x00\x01\x02", "ends inside total_distance_m"),
    ],
)
def test_malformed_treadmill_data_raises_the_codecs_error(data, message):
    with pytest.raises(FtmsError, match=message):
        TreadmillData.decode(data)


def test_a_group_travels_whole():
    with pytest.raises(FtmsError, match="travel together"):
        TreadmillData(inclination_pct_x10=10)


def test_control_point_layouts():
    assert ControlRequest(Op.REQUEST_CONTROL).encode() == b"\x00"
    assert ControlRequest(Op.SET_TARGET_SPEED, 1000).encode() == b"\x02\xe8\x03"  # 10 km/h
    assert ControlRequest(Op.SET_TARGET_INCLINATION, -20).encode() == b"\x03\xec\xff"
    assert ControlRequest(Op.STOP_OR_PAUSE, 1).encode() == b"\x08\x01"
    assert ControlRequest.decode(b"\x07") == ControlRequest(Op.START_OR_RESUME)
    assert ControlResponse(0x02, Result.INVALID_PARAMETER).encode() == b"\x80\x02\x03"
    assert ControlResponse.decode(b"\x80\x00\x01") == ControlResponse(0, Result.SUCCESS)
    with pytest.raises(UnknownOpcode) as unknown:
        ControlRequest.decode(b"\x11\x00")
    assert unknown.value.opcode == 0x11
    for bad in (b"", b"\x02\xe8", b"\x00\x00", b"\x08\x03", b"\x80\x00\x01"):
        with pytest.raises(FtmsError):
            ControlRequest.decode(bad)
    with pytest.raises(FtmsError):
        ControlRequest(Op.SET_TARGET_SPEED, 70000).encode()  # not a uint16


def test_status_ranges_and_features_layouts():
    assert MachineStatus(Status.STOPPED_BY_SAFETY_KEY).encode() == b"\x03"
    assert MachineStatus.decode(b"\x05\xe8\x03") == MachineStatus(Status.TARGET_SPEED_CHANGED, 1000)
    assert MachineStatus.decode(b"\xff") == MachineStatus(Status.CONTROL_PERMISSION_LOST)
    assert SpeedRange(80, 1800, 10).encode() == struct.pack("<HHH", 80, 1800, 10)
    assert InclineRange(-30, 150, 5).encode() == struct.pack("<hhH", -30, 150, 5)
    assert Features.decode(struct.pack("<II", 0x100C, 0x3)) == Features(0x100C, 0x3)
    with pytest.raises(FtmsError):
        SpeedRange.decode(b"\x00" * 5)


DECODERS = [TreadmillData, ControlRequest, ControlResponse, MachineStatus, SpeedRange,
            InclineRange, Features]  # fmt: skip


@given(st.binary(max_size=40), st.sampled_from(DECODERS))
def test_any_bytes_decode_or_raise_the_codecs_own_error(data, decoder):
    try:
        decoded = decoder.decode(data)
    except FtmsError:
        return
    assert decoded.encode() == data  # what decodes is exactly what it encodes to


u16, s16, u8, u24 = (st.integers(0, 0xFFFF), st.integers(-0x8000, 0x7FFF),
                     st.integers(0, 0xFF), st.integers(0, 0xFFFFFF))  # fmt: skip


@st.composite
def treadmill_data(draw):
    groups = {
        ("speed_kmh_x100",): (u16,), ("average_speed_kmh_x100",): (u16,),
        ("total_distance_m",): (u24,), ("inclination_pct_x10", "ramp_angle_deg_x10"): (s16, s16),
        ("elevation_gain_m_x10", "elevation_loss_m_x10"): (u16, u16),
        ("pace_km_per_min_x10",): (u8,), ("average_pace_km_per_min_x10",): (u8,),
        ("energy_total_kcal", "energy_per_hour_kcal", "energy_per_minute_kcal"): (u16, u16, u8),
        ("heart_rate_bpm",): (u8,), ("met_x10",): (u8,), ("elapsed_s",): (u16,),
        ("remaining_s",): (u16,), ("force_on_belt_n", "power_w"): (s16, s16),
        ("step_count",): (u24,),
    }  # fmt: skip
    values = {}
    for names, strategies in groups.items():
        if draw(st.booleans()):
            values.update(zip(names, (draw(s) for s in strategies), strict=True))
    return TreadmillData(**values)


@given(treadmill_data())
def test_treadmill_data_round_trips(data):
    assert TreadmillData.decode(data.encode()) == data


@given(
    st.sampled_from([Op.REQUEST_CONTROL, Op.RESET, Op.START_OR_RESUME]) | st.just(None), u16, s16
)
def test_control_requests_round_trip(plain, speed, incline):
    requests = [ControlRequest(Op.SET_TARGET_SPEED, speed),
                ControlRequest(Op.SET_TARGET_INCLINATION, incline),
                ControlRequest(Op.STOP_OR_PAUSE, 2)]  # fmt: skip
    if plain is not None:
        requests.append(ControlRequest(plain))
    for request in requests:
        assert ControlRequest.decode(request.encode()) == request
