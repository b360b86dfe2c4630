"""Shared fixtures: small scenario files written on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

MINIMAL = """
name = "minimal"
duration_s = 4.0

[treadmill]
preset = "chopper_home"

[walker]
facing = "backward"
position_m = 0.55

[[timeline]]
at_s = 0.5
action = "set_speed"
speed_mph = 1.0

[checks]
start_speed = {}
rear_clearance = {}
"""


def with_controller(text: str, policy: str) -> str:
    """The scenario text with a [controller] table naming `policy`."""
    return text.replace("duration_s = 4.0", f'duration_s = 4.0\n[controller]\npolicy = "{policy}"')


def with_treadmill(text: str, overrides: str, preset: str = "chopper_home") -> str:
    """The scenario text on `preset`, with TOML `overrides` for the treadmill."""
    return text.replace('preset = "chopper_home"', f'preset = "{preset}"\n{overrides}')


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write TOML text to tmp_path/scenarios/<name>.toml and return its path."""

    def write(text: str, name: str = "s") -> Path:
        path = tmp_path / "scenarios" / f"{name}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write
