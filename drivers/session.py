"""What `treadbench drive` needs beyond the runner: `--param k=v` values, and a driver that
tells the user what the treadmill reports as it happens."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Any

from drivers.base import Driver, DriverEvent


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`k=v` pairs; each value as a TOML value (1.5, true, "text") or else as plain text.
    A pair without `=`, or an empty or repeated name, is a ValueError naming it."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"--param {pair!r}: expected name=value")
        if name in params:
            raise ValueError(f"--param {name} given twice")
        try:
            params[name] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            params[name] = text
    return params


class Narrated:
    """A driver whose events are also passed to `say` as they are read."""

    def __init__(self, driver: Driver, say: Callable[[DriverEvent], None]):
        self._driver, self._say = driver, say

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)

    def events(self) -> list[DriverEvent]:
        events = self._driver.events()
        for event in events:
            self._say(event)
        return events
