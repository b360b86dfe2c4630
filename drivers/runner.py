"""The one loop that ticks a controller on a driver, simulated or real.

At every tick (k / tick_hz, from an integer k, never an accumulated float): wait for the
driver's clock, read the sensors, hand the controller what happened since it last ran
(`on_event`), call `on_tick`, and send the command. The driver serves only the sensors
the controller declared in `needs`. A driver that says its controller's processor
restarted ("controller.reset") gets a fresh controller from `rebuild`, as real firmware
comes back from reset with nothing in RAM.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from drivers.base import CONTROLLER_RESET, Driver
from sim.control.api import Controller, check_commands, needs_of, require_needs


def run_controller(
    controller: Controller,
    driver: Driver,
    until_s: float | None = None,
    rebuild: Callable[[], Controller] | None = None,
) -> Controller:
    """Tick `controller` on `driver` until `until_s` (or the driver's clock ends); returns the
    controller that ran last (a fresh one after a reset). An exception raised by the
    controller propagates unchanged, with its own traceback."""
    return asyncio.run(arun_controller(controller, driver, until_s, rebuild))


async def arun_controller(
    controller: Controller,
    driver: Driver,
    until_s: float | None = None,
    rebuild: Callable[[], Controller] | None = None,
) -> Controller:
    """`run_controller` for a caller already inside an event loop."""
    needs = needs_of(controller)
    require_needs(type(controller).__name__, needs, driver.offered(), driver.tick_hz)
    driver.serve(set(needs))
    await driver.connect()
    try:
        k = 0
        while True:
            t = k / driver.tick_hz
            if until_s is not None and t > until_s:
                break
            if not await driver.clock.sleep_until(t):
                break
            sensors = await driver.telemetry()
            if sensors is not None:  # its processor runs: what happened, then this tick
                for event in driver.events():
                    if event.kind == CONTROLLER_RESET and rebuild is not None:
                        controller = rebuild()
                    elif hasattr(controller, "on_event"):
                        controller.on_event(event)
                await driver.command(check_commands(controller.on_tick(sensors, t)))
            k += 1
    finally:
        await driver.close()
    return controller
