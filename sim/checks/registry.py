"""The one registry of checks, by name."""

from __future__ import annotations

from sim.checks import clip, drive, walker
from sim.checks.base import Check

REGISTRY: dict[str, Check] = {
    cls.name: cls() for family in (clip, walker, drive) for cls in family.CHECKS
}
