"""The one registry of checks, by name."""

from __future__ import annotations

from sim.checks import balance, clip, drive, walker
from sim.checks.base import Check

REGISTRY: dict[str, Check] = {
    cls.name: cls() for family in (clip, walker, balance, drive) for cls in family.CHECKS
}
