"""A bleak-shaped client wired to a `VirtualTreadmill`: what FTMS clients call on a
`bleak.BleakClient` (connect, disconnect, is_connected, `services` discovery, reads, writes,
notifications), served in-process, so FtmsDriver and third-party FTMS libraries run against
the simulator unchanged.

Errors are bleak's own: an ATT error from the treadmill is a `BleakGATTProtocolError`, an
unknown characteristic a `BleakCharacteristicNotFoundError`, anything while disconnected a
`BleakError`. Notification callbacks are called at once, from inside the call that caused
them (plain functions only: bleak's coroutine callbacks are not supported).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bleak.exc import BleakCharacteristicNotFoundError, BleakError, BleakGATTProtocolError
from bleak.uuids import normalize_uuid_str

from drivers.ftms.codec import SERVICE_UUID
from drivers.ftms.virtual import CHARACTERISTICS, AttError, VirtualTreadmill

CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"
VIRTUAL_ADDRESS = "00:00:5E:00:53:01"  # an address from the documentation range

NotifyCallback = Callable[[Any, bytearray], None]


@dataclass(eq=False)
class VirtualDescriptor:
    uuid: str
    handle: int
    characteristic_handle: int
    description: str = "Client Characteristic Configuration"


@dataclass(eq=False)
class VirtualCharacteristic:
    """Shaped like `bleak.backends.characteristic.BleakGATTCharacteristic`."""

    uuid: str
    handle: int  # the value handle, as bleak's
    properties: list[str]
    service_uuid: str
    service_handle: int
    descriptors: list[VirtualDescriptor] = field(default_factory=list)
    description: str = "Fitness Machine"


@dataclass(eq=False)
class VirtualService:
    """Shaped like `bleak.backends.service.BleakGATTService`."""

    uuid: str
    handle: int
    characteristics: list[VirtualCharacteristic] = field(default_factory=list)
    description: str = "Fitness Machine"

    def get_characteristic(self, uuid: str | uuidlib.UUID) -> VirtualCharacteristic | None:
        wanted = normalize_uuid_str(str(uuid))
        return next((c for c in self.characteristics if c.uuid == wanted), None)


class VirtualServiceCollection:
    """Shaped like `bleak.backends.service.BleakGATTServiceCollection`: the treadmill's
    attribute table, one Fitness Machine Service, handles in declaration order."""

    def __init__(self) -> None:
        service = VirtualService(SERVICE_UUID, handle=1)
        handle = service.handle
        for entry in CHARACTERISTICS:
            handle += 2  # the declaration, then the value
            char = VirtualCharacteristic(
                entry.uuid, handle, list(entry.properties), service.uuid, service.handle
            )
            if {"notify", "indicate"} & set(entry.properties):
                handle += 1
                char.descriptors.append(VirtualDescriptor(CCCD_UUID, handle, char.handle))
            service.characteristics.append(char)
        self.services = {service.handle: service}
        self.characteristics = {c.handle: c for c in service.characteristics}
        self.descriptors = {d.handle: d for c in service.characteristics for d in c.descriptors}

    def __iter__(self) -> Iterator[VirtualService]:
        return iter(self.services.values())

    def get_service(self, specifier: int | str | uuidlib.UUID) -> VirtualService | None:
        if isinstance(specifier, int):
            return self.services.get(specifier)
        wanted = normalize_uuid_str(str(specifier))
        return next((s for s in self if s.uuid == wanted), None)

    def get_characteristic(
        self, specifier: int | str | uuidlib.UUID
    ) -> VirtualCharacteristic | None:
        if isinstance(specifier, int):
            return self.characteristics.get(specifier)
        wanted = normalize_uuid_str(str(specifier))
        return next((c for c in self.characteristics.values() if c.uuid == wanted), None)


class VirtualBleakClient:
    """A `BleakClient` whose peripheral is `treadmill`; connecting switches it on."""

    def __init__(
        self,
        treadmill: VirtualTreadmill,
        address: str = VIRTUAL_ADDRESS,
        disconnected_callback: Callable[[VirtualBleakClient], None] | None = None,
    ):
        self.treadmill = treadmill
        self.address = address
        self.name = "treadbench virtual treadmill"
        self._disconnected_callback = disconnected_callback
        self._services = VirtualServiceCollection()
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    @property
    def services(self) -> VirtualServiceCollection:
        if not self._connected:
            raise BleakError("Service Discovery has not been performed yet")
        return self._services

    async def connect(self, **kwargs: Any) -> None:
        await self.treadmill.power_on()
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self.treadmill.disconnect()
            if self._disconnected_callback is not None:
                self._disconnected_callback(self)

    def _resolve(self, specifier: Any) -> VirtualCharacteristic:
        if not self._connected:
            raise BleakError("Not connected")
        if isinstance(specifier, VirtualCharacteristic):
            return specifier
        char = self._services.get_characteristic(specifier)
        if char is None:
            raise BleakCharacteristicNotFoundError(specifier)
        return char

    async def read_gatt_char(self, specifier: Any, **kwargs: Any) -> bytearray:
        char = self._resolve(specifier)
        try:
            return bytearray(self.treadmill.read(char.uuid))
        except AttError as exc:
            raise BleakGATTProtocolError(exc.code) from None

    async def write_gatt_char(
        self, specifier: Any, data: Any, response: bool | None = None
    ) -> None:
        """A Write Request (response=True), or a Write Command, which a characteristic
        without "write-without-response" drops, as a server does: no error, no effect."""
        char = self._resolve(specifier)
        if response is None:
            response = "write" in char.properties
        if not response and "write-without-response" not in char.properties:
            return
        try:
            await self.treadmill.write(char.uuid, bytes(data))
        except AttError as exc:
            raise BleakGATTProtocolError(exc.code) from None

    async def start_notify(self, specifier: Any, callback: NotifyCallback, **kwargs: Any) -> None:
        char = self._resolve(specifier)
        try:
            self.treadmill.subscribe(char.uuid, lambda data: callback(char, bytearray(data)))
        except AttError as exc:
            raise BleakGATTProtocolError(exc.code) from None

    async def stop_notify(self, specifier: Any) -> None:
        self.treadmill.unsubscribe(self._resolve(specifier).uuid)
