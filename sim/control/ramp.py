"""Shared by the built-in policies: parameter checks and a rate-limited output."""

from __future__ import annotations

import math


def positive(name: str, value: object) -> float:
    """A parameter that must be a finite number > 0 (a ValueError names it otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number (got {value!r})")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be > 0 (got {value!r})")
    return float(value)


class Ramp:
    """An output moving toward its target no faster than up / down per second."""

    def __init__(self, up: float, down: float):
        self.up, self.down = up, down
        self.value = 0.0
        self.last_t: float | None = None

    def toward(self, target: float, t: float) -> float:
        dt = 0.0 if self.last_t is None else t - self.last_t
        self.last_t = t
        self.value += max(-self.down * dt, min(self.up * dt, target - self.value))
        return self.value
