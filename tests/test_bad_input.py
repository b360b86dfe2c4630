"""Bad scenario input: exit 4, a message naming the file, the field and what was expected,
no traceback, and nothing written."""

from __future__ import annotations

import pytest

from sim.cli import USAGE, main
from tests.conftest import MINIMAL, with_controller

CASES = {
    "missing field": (
        MINIMAL.replace("duration_s = 4.0\n", ""),
        "duration_s: required field is missing",
    ),
    "wrong type": (
        MINIMAL.replace("duration_s = 4.0", 'duration_s = "4"'),
        "duration_s: expected a number (got '4')",
    ),
    "true for a number": (
        MINIMAL.replace('facing = "backward"', 'facing = "backward"\nmass_kg = true'),
        "walker.mass_kg: expected a number (got True)",
    ),
    "unknown key": (
        MINIMAL.replace('facing = "backward"', 'facing = "backward"\nmas_kg = 80.0'),
        "walker.mas_kg: unknown field",
    ),
    "negative resistance": (
        MINIMAL.replace(
            'preset = "chopper_home"',
            'preset = "chopper_home"\n[treadmill.motor]\narmature_resistance_ohm = -1',
        ),
        "treadmill.motor.armature_resistance_ohm: must be > 0 (got -1)",
    ),
    "unknown check": (
        MINIMAL.replace("start_speed = {}", "start_sped = {}"),
        "checks: unknown check start_sped",
    ),
    "not TOML": ("name = [unclosed", "not valid TOML"),
    "unknown preset": (
        MINIMAL.replace('preset = "chopper_home"', 'preset = "nope"'),
        "treadmill.preset: unknown preset 'nope'; known: chopper_home",
    ),
    "unknown action": (
        MINIMAL.replace('action = "set_speed"', 'action = "set_sped"'),
        "timeline[0]: unknown action 'set_sped'",
    ),
    "two speed units": (
        MINIMAL.replace("speed_mph = 1.0", "speed_mph = 1.0\nspeed_kmh = 1.6"),
        "timeline[0]: give exactly one of speed_mps, speed_kmh, speed_mph",
    ),
    "expect_fail not a listed check": (
        MINIMAL.replace("duration_s = 4.0", 'duration_s = 4.0\nexpect_fail = ["bus_voltage"]'),
        "expect_fail: bus_voltage not listed in [checks]",
    ),
    "controller that does not exist": (
        with_controller(MINIMAL, "nope.mod:X"),
        "controller: cannot import 'nope.mod'",
    ),
    "controller without on_tick": (
        with_controller(MINIMAL, "tests.controllers:NoTick"),
        "controller: tests.controllers:NoTick has no on_tick(sensors, t) method",
    ),
    "wrong controller parameter": (
        MINIMAL.replace(
            "duration_s = 4.0",
            "duration_s = 4.0\n[controller]\n[controller.params]\nramp = 1.0",
        ),
        "controller: sim.control.console_baseline:ConsoleBaseline: bad parameters",
    ),
}


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_four_and_names_the_field(capsys, tmp_path, write_scenario, case, command):
    """Each kind of bad input: exit 4, file and field named, no traceback, nothing written."""
    text, expected = CASES[case]
    path = write_scenario(text)
    out_dir = tmp_path / "reports"
    args = [command, str(path)] + (["--out", str(out_dir)] if command == "run" else [])
    code = main(args)
    err = capsys.readouterr().err
    assert code == USAGE
    assert str(path) in err
    assert expected in err
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_a_failed_rerun_keeps_the_earlier_outputs(capsys, tmp_path, write_scenario):
    """Bad input on a re-run leaves the earlier run's files whole and unchanged."""
    path = write_scenario(MINIMAL)
    out_dir = tmp_path / "reports"
    assert main(["run", str(path), "--out", str(out_dir)]) == 0
    before = {p.name: p.read_bytes() for p in (out_dir / "s").iterdir()}
    path.write_text(MINIMAL.replace("duration_s = 4.0", "duration_s = true"))
    assert main(["run", str(path), "--out", str(out_dir)]) == USAGE
    capsys.readouterr()
    after = {p.name: p.read_bytes() for p in (out_dir / "s").iterdir()}
    assert after == before
