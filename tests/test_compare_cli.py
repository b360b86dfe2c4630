"""`treadbench compare`: one walker and one timeline across the four kinds of treadmill."""

from __future__ import annotations

import json

import pytest

from sim.cli import USAGE, main
from sim.runner.treadmills import variant
from sim.scenario.loader import load_scenario_table
from sim.units import G_MPS2
from tests.conftest import SCENARIOS
from tests.test_cli import run_cli

TIMELINE = """
name = "backward at about 1 m/s"
duration_s = 24.0

[treadmill]
preset = "chopper_home"

[walker]
model = "gait"
profile = "young_adult"
facing = "backward"
position_m = 0.55
body = { mass_kg = 70.0 }

[[timeline]]
at_s = 0.5
action = "set_speed"
speed_mps = 1.0

[checks]
rear_clearance = {}
motor_peak_current = {}
"""
FOUR = ["chopper_home", "manual_flat", "curved", "decline_trainer"]


@pytest.fixture
def timeline(tmp_path):
    path = tmp_path / "timeline.toml"
    path.write_text(TIMELINE)
    return path


def test_compare_runs_one_walker_across_the_four_types(capsys, tmp_path, timeline):
    """Every type runs the same walker, with the set-point as its pace where it drives the
    belt; the table, compare.json, compare.md and compare.png are written; the figures are
    the physics': on the flat manual the hands give F0 + μ·m·g at its pace (the nominal
    walker here, spread_scale 0)."""
    nominal = TIMELINE.replace("position_m = 0.55", "position_m = 0.55\nspread_scale = 0.0")
    timeline.write_text(nominal)
    out_dir = tmp_path / "cmp"
    args = ["--timeline", str(timeline), "--runs", "2", "--out", str(out_dir), *FOUR]
    code, out, err = run_cli(capsys, "compare", "--walker", "young_adult", *args)
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "compare.json", "compare.md", "compare.png"]  # fmt: skip
    data = json.loads((out_dir / "compare.json").read_text())
    rows = {r["preset"]: r for r in data["treadmills"]}
    assert [r["kind"] for r in data["treadmills"]] == [
        "motorized", "manual_flat", "curved", "decline_trainer"]  # fmt: skip
    # the profile's nominal walker with the scenario's override: 70 kg
    assert rows["manual_flat"]["push_needed_n"] == pytest.approx(20.0 + 0.08 * 70.0 * G_MPS2)
    assert rows["chopper_home"]["push_needed_n"] is None  # the drive holds the belt
    assert rows["chopper_home"]["peak_motor_current_a"] > 0.0
    assert rows["curved"]["peak_motor_current_a"] is None
    assert "motor_peak_current" not in rows["manual_flat"]["checks"]  # no drive there
    for row in data["treadmills"]:
        assert row["runs"] == 2
        assert row["checks"]["fall_risk"] in ("pass", "fail", "inconclusive")
    assert rows["chopper_home"]["falls_vs_first"]["mcnemar_p"] == 1.0
    assert "manual_flat" in out and "push needed" in out
    md = (out_dir / "compare.md").read_text()
    assert md.count("|") > 40 and "fall risk" in md


def test_compare_on_common_random_numbers_is_repeatable(capsys, tmp_path, timeline):
    """Same seed: the same figures, byte for byte; the JSON goes to stdout with --json."""
    args = ["compare", "--walker", "older_adult", "--timeline", str(timeline), "--runs", "1",
            "--json", "manual_flat", "decline_trainer"]  # fmt: skip
    a = run_cli(capsys, *args, "--out", str(tmp_path / "a"))
    b = run_cli(capsys, *args, "--out", str(tmp_path / "b"))
    assert a[0] == b[0] == 0
    assert json.loads(a[1]) == json.loads(b[1])
    assert (tmp_path / "a" / "compare.json").read_bytes() == (
        tmp_path / "b" / "compare.json").read_bytes()  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--walker", "young_adult", "no_such_preset"],
            "unknown treadmill preset 'no_such_preset'; known: chopper_home",
        ),
        (["--walker", "nobody", "manual_flat"], "unknown walker profile (--walker) 'nobody'"),
    ],
)
def test_compare_bad_input_exits_four(capsys, timeline, args, message):
    code, _, err = run_cli(capsys, "compare", "--timeline", str(timeline), *args)
    assert code == USAGE
    assert message in err
    assert "Traceback" not in err


def test_compare_needs_a_preset(capsys, timeline):
    assert main(["compare", "--walker", "young_adult", "--timeline", str(timeline)]) == USAGE


@pytest.mark.parametrize(
    ("old", "new", "preset", "message"),
    [
        ('facing = "backward"', 'facing = "forward"', "decline_trainer",
         "walker: a decline trainer is walked backward only"),
        ("position_m = 0.55", 'position_m = "far"', "manual_flat",
         "walker.position_m: expected a number"),
    ],
)  # fmt: skip
def test_a_bad_timeline_fails_as_run_would_fail_it(capsys, tmp_path, old, new, preset, message):
    """compare validates the scenario first: the file, the field and what was expected."""
    path = tmp_path / "bad.toml"
    path.write_text(TIMELINE.replace(old, new))
    code, _, err = run_cli(capsys, "compare", "--walker", "young_adult", "--timeline",
                           str(path), preset)  # fmt: skip
    assert code == USAGE
    assert f"{path}: {message}" in err
    assert "Traceback" not in err


def test_the_same_kind_keeps_the_timelines_treadmill_settings(tmp_path):
    """A deadmill timeline compared on another motorized preset stays switched off; on a
    treadmill of another kind its settings cannot apply and are listed as not applied."""
    raw = load_scenario_table(SCENARIOS / "deadmill" / "backfed_3kmh.toml")
    sc, dropped = variant(raw, "backfed", "vfd", "young_adult", 1)
    assert sc.treadmill.mains == "off" and sc.treadmill.relay.kind == "none"
    assert dropped == []
    sc, dropped = variant(raw, "backfed", "manual_flat", "young_adult", 1)
    assert dropped == ["mains", "relay"]
    assert "backfed_energy" not in sc.checks  # a check for a drive: none here
