"""The FTMS codec: Treadmill Data, Control Point, Machine Status, supported ranges and
features, exactly as the Fitness Machine Service 1.0 lays them out (little-endian).

Decoding is strict: a byte string that is too short, too long, or carries an unknown
opcode raises `FtmsError`, the codec's own error, never an IndexError or struct.error.
Values are SI-free on purpose here: FTMS units (0.01 km/h, 0.1 %, metres) at the edge,
converted by the drivers that use them.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, fields

SERVICE_UUID = "00001826-0000-1000-8000-00805f9b34fb"
TREADMILL_DATA_UUID = "00002acd-0000-1000-8000-00805f9b34fb"
FEATURES_UUID = "00002acc-0000-1000-8000-00805f9b34fb"
SPEED_RANGE_UUID = "00002ad4-0000-1000-8000-00805f9b34fb"
INCLINE_RANGE_UUID = "00002ad5-0000-1000-8000-00805f9b34fb"
CONTROL_POINT_UUID = "00002ad9-0000-1000-8000-00805f9b34fb"
MACHINE_STATUS_UUID = "00002ada-0000-1000-8000-00805f9b34fb"


class FtmsError(ValueError):
    """Bytes that are not what the FTMS specification allows."""


class UnknownOpcode(FtmsError):
    """An opcode the specification (or this codec) does not define: a server answers it
    with NOT_SUPPORTED, which needs the opcode."""

    def __init__(self, what: str, opcode: int):
        super().__init__(f"{what}: unknown opcode {opcode:#04x}")
        self.opcode = opcode


def _unpack(fmt: str, data: bytes, what: str) -> tuple:
    size = struct.calcsize(fmt)
    if len(data) != size:
        raise FtmsError(f"{what}: {len(data)} bytes, expected {size}")
    return struct.unpack(fmt, data)


# ----------------------------------------------------------------- Treadmill Data (0x2ACD)
# Flag bit -> (field names, struct format of the group), in the order the groups follow
# the flags. Bit 0 is inverted: 0 means the instantaneous speed IS present.
_DATA_GROUPS = (
    (("speed_kmh_x100",), "H"),
    (("average_speed_kmh_x100",), "H"),
    (("total_distance_m",), "3s"),
    (("inclination_pct_x10", "ramp_angle_deg_x10"), "hh"),
    (("elevation_gain_m_x10", "elevation_loss_m_x10"), "HH"),
    (("pace_km_per_min_x10",), "B"),
    (("average_pace_km_per_min_x10",), "B"),
    (("energy_total_kcal", "energy_per_hour_kcal", "energy_per_minute_kcal"), "HHB"),
    (("heart_rate_bpm",), "B"),
    (("met_x10",), "B"),
    (("elapsed_s",), "H"),
    (("remaining_s",), "H"),
    (("force_on_belt_n", "power_w"), "hh"),
    (("step_count",), "3s"),
)
NOT_AVAILABLE_S16 = 0x7FFF  # e.g. an inclination the treadmill does not know


@dataclass(frozen=True)
class TreadmillData:
    """One Treadmill Data notification; None: the field is not in it. Integers in the
    characteristic's own units (the names say which)."""

    speed_kmh_x100: int | None = None
    average_speed_kmh_x100: int | None = None
    total_distance_m: int | None = None
    inclination_pct_x10: int | None = None
    ramp_angle_deg_x10: int | None = None
    elevation_gain_m_x10: int | None = None
    elevation_loss_m_x10: int | None = None
    pace_km_per_min_x10: int | None = None
    average_pace_km_per_min_x10: int | None = None
    energy_total_kcal: int | None = None
    energy_per_hour_kcal: int | None = None
    energy_per_minute_kcal: int | None = None
    heart_rate_bpm: int | None = None
    met_x10: int | None = None
    elapsed_s: int | None = None
    remaining_s: int | None = None
    force_on_belt_n: int | None = None
    power_w: int | None = None
    step_count: int | None = None

    def __post_init__(self) -> None:
        for names, _ in _DATA_GROUPS:
            present = [getattr(self, n) is not None for n in names]
            if any(present) and not all(present):
                raise FtmsError(f"{', '.join(names)} travel together: give all or none")

    def encode(self) -> bytes:
        flags, body = 0, b""
        for bit, (names, fmt) in enumerate(_DATA_GROUPS):
            values = [getattr(self, n) for n in names]
            present = values[0] is not None
            if present != (bit == 0):  # bit 0 set means the speed is absent
                flags |= 1 << bit
            if present:
                body += _pack_group(fmt, values, names)
        return struct.pack("<H", flags) + body

    @classmethod
    def decode(cls, data: bytes) -> TreadmillData:
        if len(data) < 2:
            raise FtmsError(f"Treadmill Data: {len(data)} bytes, expected at least 2")
        (flags,) = struct.unpack_from("<H", data)
        if flags >> len(_DATA_GROUPS):
            raise FtmsError(f"Treadmill Data: flags {flags:#06x} set a reserved bit")
        values: dict[str, int] = {}
        at = 2
        for bit, (names, fmt) in enumerate(_DATA_GROUPS):
            if bool(flags & (1 << bit)) == (bit == 0):
                continue
            size = struct.calcsize("<" + fmt)
            chunk = data[at : at + size]
            if len(chunk) != size:
                raise FtmsError(f"Treadmill Data: ends inside {', '.join(names)}")
            values.update(zip(names, _unpack_group(fmt, chunk), strict=True))
            at += size
        if at != len(data):
            raise FtmsError(f"Treadmill Data: {len(data) - at} bytes beyond its flags' fields")
        return cls(**values)


def _pack_group(fmt: str, values: list[int], names: tuple[str, ...]) -> bytes:
    if fmt == "3s":  # uint24
        (value,) = values
        if not 0 <= value < 1 << 24:
            raise FtmsError(f"{names[0]} = {value}: not a uint24")
        return value.to_bytes(3, "little")
    try:
        return struct.pack("<" + fmt, *values)
    except struct.error as exc:
        raise FtmsError(f"{', '.join(names)} = {values}: {exc}") from None


def _unpack_group(fmt: str, chunk: bytes) -> tuple[int, ...]:
    if fmt == "3s":
        return (int.from_bytes(chunk, "little"),)
    return struct.unpack("<" + fmt, chunk)


# ----------------------------------------------------------------- Control Point (0x2AD9)
class Op(enum.IntEnum):
    REQUEST_CONTROL = 0x00
    RESET = 0x01
    SET_TARGET_SPEED = 0x02  # uint16, 0.01 km/h
    SET_TARGET_INCLINATION = 0x03  # sint16, 0.1 %
    START_OR_RESUME = 0x07
    STOP_OR_PAUSE = 0x08  # uint8: 1 stop, 2 pause
    RESPONSE = 0x80


class Result(enum.IntEnum):
    SUCCESS = 0x01
    NOT_SUPPORTED = 0x02
    INVALID_PARAMETER = 0x03
    OPERATION_FAILED = 0x04
    CONTROL_NOT_PERMITTED = 0x05


STOP, PAUSE = 0x01, 0x02
_PARAMETER = {Op.SET_TARGET_SPEED: "<H", Op.SET_TARGET_INCLINATION: "<h", Op.STOP_OR_PAUSE: "<B"}


@dataclass(frozen=True)
class ControlRequest:
    """A write to the Control Point: an opcode and its parameter (None for those without)."""

    op: Op
    parameter: int | None = None

    def encode(self) -> bytes:
        return _encode_coded(self.op, self.parameter, _PARAMETER)

    @classmethod
    def decode(cls, data: bytes) -> ControlRequest:
        """Strict on the bytes; an opcode it does not know raises `UnknownOpcode`."""
        op, value = _decode_coded(data, Op, _PARAMETER, "Control Point")
        if op == Op.RESPONSE:
            raise FtmsError("Control Point: a response written as a request")
        if op == Op.STOP_OR_PAUSE and value not in (STOP, PAUSE):
            raise FtmsError(f"Control Point: STOP_OR_PAUSE parameter {value}, expected 1 or 2")
        return cls(op, value)


def _encode_coded(code: enum.IntEnum, parameter: int | None, formats: dict) -> bytes:
    """An opcode byte, then its parameter in the format the table gives it (if any)."""
    fmt = formats.get(code)
    if (fmt is None) != (parameter is None):
        raise FtmsError(f"{code.name}: parameter {parameter!r} does not fit it")
    if fmt is None:
        return bytes([code])
    try:
        return bytes([code]) + struct.pack(fmt, parameter)
    except struct.error as exc:
        raise FtmsError(f"{code.name}: parameter {parameter}: {exc}") from None


def _decode_coded(
    data: bytes, codes: type[enum.IntEnum], formats: dict, what: str
) -> tuple[enum.IntEnum, int | None]:
    """(opcode, parameter or None) from bytes encoded as `_encode_coded` writes them."""
    if not data:
        raise FtmsError(f"{what}: empty")
    try:
        code = codes(data[0])
    except ValueError:
        raise UnknownOpcode(what, data[0]) from None
    fmt = formats.get(code)
    if fmt is None:
        if len(data) != 1:
            raise FtmsError(f"{what}: {code.name} takes no parameter")
        return code, None
    (value,) = _unpack(fmt, data[1:], f"{what} {code.name} parameter")
    return code, value


@dataclass(frozen=True)
class ControlResponse:
    """The Control Point's indication: 0x80, the request's opcode, the result."""

    request_op: int
    result: Result

    def encode(self) -> bytes:
        return bytes([Op.RESPONSE, self.request_op, self.result])

    @classmethod
    def decode(cls, data: bytes) -> ControlResponse:
        code, op, result = _unpack("<BBB", data, "Control Point response")
        if code != Op.RESPONSE:
            raise FtmsError(f"Control Point response: starts {code:#04x}, expected 0x80")
        try:
            return cls(op, Result(result))
        except ValueError:
            raise FtmsError(f"Control Point response: unknown result {result:#04x}") from None


# ----------------------------------------------------------------- Machine Status (0x2ADA)
class Status(enum.IntEnum):
    RESET = 0x01
    STOPPED_OR_PAUSED_BY_USER = 0x02  # uint8: 1 stop, 2 pause
    STOPPED_BY_SAFETY_KEY = 0x03
    STARTED_OR_RESUMED_BY_USER = 0x04
    TARGET_SPEED_CHANGED = 0x05  # uint16, 0.01 km/h
    TARGET_INCLINE_CHANGED = 0x06  # sint16, 0.1 %
    CONTROL_PERMISSION_LOST = 0xFF


_STATUS_PARAMETER = {
    Status.STOPPED_OR_PAUSED_BY_USER: "<B",
    Status.TARGET_SPEED_CHANGED: "<H",
    Status.TARGET_INCLINE_CHANGED: "<h",
}


@dataclass(frozen=True)
class MachineStatus:
    status: Status
    parameter: int | None = None

    def encode(self) -> bytes:
        return _encode_coded(self.status, self.parameter, _STATUS_PARAMETER)

    @classmethod
    def decode(cls, data: bytes) -> MachineStatus:
        return cls(*_decode_coded(data, Status, _STATUS_PARAMETER, "Machine Status"))


# ----------------------------------------------------------------- ranges and features
@dataclass(frozen=True)
class SpeedRange:
    """Supported Speed Range (0x2AD4): uint16 min, max, increment, in 0.01 km/h."""

    minimum_kmh_x100: int
    maximum_kmh_x100: int
    increment_kmh_x100: int

    def encode(self) -> bytes:
        return _pack_fields(self, "<HHH")

    @classmethod
    def decode(cls, data: bytes) -> SpeedRange:
        return cls(*_unpack("<HHH", data, "Supported Speed Range"))


@dataclass(frozen=True)
class InclineRange:
    """Supported Inclination Range (0x2AD5): sint16 min, max, uint16 increment, 0.1 %."""

    minimum_pct_x10: int
    maximum_pct_x10: int
    increment_pct_x10: int

    def encode(self) -> bytes:
        return _pack_fields(self, "<hhH")

    @classmethod
    def decode(cls, data: bytes) -> InclineRange:
        return cls(*_unpack("<hhH", data, "Supported Inclination Range"))


class MachineFeature(enum.IntFlag):
    AVERAGE_SPEED = 1 << 0
    TOTAL_DISTANCE = 1 << 2
    INCLINATION = 1 << 3
    ELEVATION_GAIN = 1 << 4
    PACE = 1 << 5
    STEP_COUNT = 1 << 6
    EXPENDED_ENERGY = 1 << 9
    HEART_RATE = 1 << 10
    METABOLIC_EQUIVALENT = 1 << 11
    ELAPSED_TIME = 1 << 12
    REMAINING_TIME = 1 << 13
    FORCE_ON_BELT_AND_POWER = 1 << 15


class TargetFeature(enum.IntFlag):
    SPEED = 1 << 0
    INCLINATION = 1 << 1


@dataclass(frozen=True)
class Features:
    """Fitness Machine Feature (0x2ACC): two uint32 bit fields."""

    machine: int
    target: int

    def encode(self) -> bytes:
        return _pack_fields(self, "<II")

    @classmethod
    def decode(cls, data: bytes) -> Features:
        return cls(*_unpack("<II", data, "Fitness Machine Feature"))


def _pack_fields(value: object, fmt: str) -> bytes:
    items = [getattr(value, f.name) for f in fields(value)]
    try:
        return struct.pack(fmt, *items)
    except struct.error as exc:
        raise FtmsError(f"{type(value).__name__}{tuple(items)}: {exc}") from None
