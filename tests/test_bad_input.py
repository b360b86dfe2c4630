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
        'duration_s: expected a number (got "4")',
    ),
    "true for a number": (
        MINIMAL.replace('facing = "backward"', 'facing = "backward"\nmass_kg = true'),
        "walker.mass_kg: expected a number (got true)",
    ),
    "unknown key": (
        MINIMAL.replace('facing = "backward"', 'facing = "backward"\nmas_kg = 80.0'),
        "walker.mas_kg: unknown field; did you mean 'mass_kg'?",
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
        "controller.policy: cannot import 'nope.mod'",
    ),
    "controller without on_tick": (
        with_controller(MINIMAL, "tests.controllers:NoTick"),
        "controller.policy: tests.controllers:NoTick has no on_tick(sensors, t) method",
    ),
    "infinite duration": (
        MINIMAL.replace("duration_s = 4.0", "duration_s = inf"),
        "duration_s: expected a finite number",
    ),
    "NaN threshold": (
        MINIMAL.replace("start_speed = {}", "start_speed = { threshold = nan }"),
        "checks.start_speed.threshold: expected a finite number",
    ),
    "trace rate too high": (
        MINIMAL.replace("duration_s = 4.0", "duration_s = 4.0\ntrace_hz = 1e7"),
        "trace_hz: must be <= 10000",
    ),
    "controller rate too high": (
        MINIMAL.replace("duration_s = 4.0", "duration_s = 4.0\n[controller]\nrate_hz = 2e6"),
        "controller.rate_hz: must be <= 10000",
    ),
    "walker beyond the clip's release": (
        MINIMAL.replace("position_m = 0.55", "position_m = 0.80"),
        "walker: position_m = 0.8 puts the clip at 0.900 m, beyond where its cord releases",
    ),
    "walker's feet off the deck": (
        MINIMAL.replace('facing = "backward"', 'facing = "forward"').replace(
            "position_m = 0.55", "position_m = 1.50"
        ),
        "off the 1.52 m deck",
    ),
    "noise on a switch": (
        MINIMAL + '[[faults]]\nfault = "sensor_noise"\nsensor = "clip_attached"\nsd = 0.1\n'
        "at_s = 1.0\n",
        "clip_attached is a switch: noise has no meaning for it",
    ),
    "unknown fault": (
        MINIMAL + '[[faults]]\nfault = "gremlins"\nat_s = 1.0\n',
        "faults[0]: unknown fault 'gremlins'",
    ),
    "unknown sensor in a fault": (
        MINIMAL + '[[faults]]\nfault = "sensor_dropout"\nsensor = "radar"\nat_s = 1.0\n',
        "faults[0].sensor: expected 'belt_speed_mps'",
    ),
    "a fault after the run": (
        MINIMAL + '[[faults]]\nfault = "controller_hang"\nat_s = 9.0\n',
        "faults: [0] at 9.0 s is not before duration_s = 4.0",
    ),
    "an event no run logs": (
        MINIMAL
        + '[[faults]]\nfault = "controller_hang"\nat_s = 1.0\nafter_event = "user.set_sped"\n',
        "faults[0]: after_event 'user.set_sped' is not an event a run logs",
    ),
    "a watchdog faster than the ticks": (
        MINIMAL.replace(
            'preset = "chopper_home"', 'preset = "chopper_home"\nwatchdog = { timeout_s = 0.01 }'
        ),
        "controller: rate_hz = 50 ticks every 0.02 s, no sooner than the watchdog's timeout_s",
    ),
    "a fault on a sensor the controller does not read": (
        MINIMAL + '[[faults]]\nfault = "sensor_dropout"\nsensor = "bus_voltage_v"\nat_s = 1.0\n',
        "faults: [0] sensor_dropout acts on bus_voltage_v, which the controller does not read",
    ),
    "a sensor the treadmill lacks": (
        with_controller(MINIMAL, "auto_pace"),
        "controller.policy: auto_pace needs what the treadmill cannot give: walker_position_m: "
        "not fitted",
    ),
    "stop_walking with no walker": (
        MINIMAL.replace('[walker]\nfacing = "backward"\nposition_m = 0.55\n', "")
        .replace("start_speed = {}\nrear_clearance = {}", "bus_voltage = {}")
        .replace('action = "set_speed"\nspeed_mph = 1.0', 'action = "stop_walking"'),
        "timeline: [0] stop_walking needs a [walker]",
    ),
    "check that needs a walker": (
        MINIMAL.replace('[walker]\nfacing = "backward"\nposition_m = 0.55\n', "").replace(
            "start_speed = {}\n", ""
        ),
        "checks: rear_clearance needs a [walker]",
    ),
    "start_speed for a forward walker": (
        MINIMAL.replace('facing = "backward"', 'facing = "forward"'),
        "checks: start_speed needs a backward-facing [walker]",
    ),
    "action at the very end": (
        MINIMAL.replace("at_s = 0.5", "at_s = 4.0"),
        "timeline: [0] at 4.0 s is not before duration_s = 4.0",
    ),
    "controller constructor raises": (
        with_controller(MINIMAL, "tests.controllers:InitRaises"),
        "controller.params: tests.controllers:InitRaises: RuntimeError: no hardware here",
    ),
    "drive loop period below 0.1 ms": (
        MINIMAL.replace(
            'preset = "chopper_home"',
            'preset = "chopper_home"\n[treadmill.drive]\nloop_period_s = 1e-7',
        ),
        "treadmill.drive.loop_period_s: must be >= 0.0001 (got 1e-07)",
    ),
    "trip below the mains": (
        MINIMAL.replace(
            'preset = "chopper_home"',
            'preset = "chopper_home"\n[treadmill.bus]\novervoltage_trip_v = 150.0',
        ),
        "treadmill.bus: overvoltage_trip_v must be above mains_peak_v (got 150.0)",
    ),
    "brake relay without a resistance": (
        MINIMAL.replace(
            'preset = "chopper_home"',
            'preset = "chopper_home"\n[treadmill.relay]\nkind = "nc_brake"',
        ),
        "treadmill.relay: an nc_brake relay needs brake_resistance_ohm",
    ),
    "wrong controller parameter": (
        MINIMAL.replace(
            "duration_s = 4.0",
            "duration_s = 4.0\n[controller]\n[controller.params]\nramp = 1.0",
        ),
        "controller.params: sim.control.console_baseline:ConsoleBaseline: got an unexpected",
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


def test_an_unknown_check_gives_one_error_not_two(capsys, write_scenario):
    """A typo in [checks] is reported once; expect_fail is not blamed for it."""
    text = MINIMAL.replace("start_speed = {}", "start_sped = {}").replace(
        "duration_s = 4.0", 'duration_s = 4.0\nexpect_fail = ["rear_clearance"]'
    )
    assert main(["validate", str(write_scenario(text))]) == USAGE
    err = capsys.readouterr().err
    assert "unknown check start_sped" in err
    assert "expect_fail" not in err


def test_a_controller_module_that_fails_to_import(capsys, tmp_path, write_scenario, monkeypatch):
    """A user's module raising on import is an input error, not a traceback."""
    (tmp_path / "broken_ctrl.py").write_text("raise RuntimeError('half-written module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_scenario(with_controller(MINIMAL, "broken_ctrl:Policy"))
    assert main(["validate", str(path)]) == USAGE
    err = capsys.readouterr().err
    assert "controller.policy: cannot import 'broken_ctrl': RuntimeError: half-written" in err
    assert "Traceback" not in err


def test_a_byte_order_mark_is_tolerated(capsys, write_scenario):
    """A file saved with a UTF-8 byte-order mark loads like any other."""
    path = write_scenario(MINIMAL)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["validate", str(path)]) == 0


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
