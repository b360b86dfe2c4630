"""The treadbench command, called in-process: exit codes, messages, what it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import INTERNAL, INTERRUPTED, NO_TESTS, USAGE, main, worst
from tests.conftest import MINIMAL, with_controller


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_writes_every_output_and_exits_zero(capsys, tmp_path, write_scenario):
    """A scenario whose verdicts all match exits 0 and writes its four files."""
    path = write_scenario(MINIMAL)
    code, out, _ = run_cli(capsys, "run", str(path.parent), "--out", str(tmp_path / "r"))
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "r" / "s").iterdir())
    assert written == ["plot.png", "result.json", "summary.md", "trace.npz"]
    assert "as expected" in out


def test_outputs_mirror_the_scenario_tree(capsys, tmp_path, write_scenario):
    """Outputs go to OUT/<scenario path below the folder named>/."""
    write_scenario(MINIMAL, name="group/one")
    code, _, _ = run_cli(capsys, "run", str(tmp_path / "scenarios"), "--out", str(tmp_path / "r"))
    assert code == 0
    assert (tmp_path / "r" / "group" / "one" / "result.json").is_file()


def test_unexpected_failure_exits_one(capsys, tmp_path, write_scenario):
    """A check that fails without being expected to makes the exit code 1."""
    path = write_scenario(MINIMAL.replace("speed_mph = 1.0", "speed_mph = 1.5"))
    code, out, _ = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "r"))
    assert code == 1
    assert "NOT as expected" in out


def test_expected_failure_passes_the_suite(capsys, tmp_path, write_scenario):
    """A check listed in expect_fail that fails is as expected: exit 0."""
    text = MINIMAL.replace("speed_mph = 1.0", "speed_mph = 1.5")
    text = text.replace("duration_s = 4.0", 'duration_s = 4.0\nexpect_fail = ["start_speed"]')
    code, _, _ = run_cli(capsys, "run", str(write_scenario(text)), "--out", str(tmp_path / "r"))
    assert code == 0


def test_unexpected_pass_fails_the_suite(capsys, tmp_path, write_scenario):
    """A check listed in expect_fail that passes is a failure (strict): exit 1."""
    text = MINIMAL.replace("duration_s = 4.0", 'duration_s = 4.0\nexpect_fail = ["start_speed"]')
    code, _, _ = run_cli(capsys, "run", str(write_scenario(text)), "--out", str(tmp_path / "r"))
    assert code == 1
    result = json.loads((tmp_path / "r" / "s" / "result.json").read_text())
    check = next(c for c in result["checks"] if c["name"] == "start_speed")
    assert (check["verdict"], check["expected"], check["as_expected"]) == ("pass", "fail", False)


def test_an_error_never_counts_as_an_expected_failure(capsys, tmp_path, write_scenario):
    """A scenario that raises exits 3 even when every check is expected to fail."""
    text = MINIMAL.replace(
        "duration_s = 4.0",
        'duration_s = 4.0\nexpect_fail = ["start_speed", "rear_clearance"]\n'
        '[controller]\npolicy = "tests.controllers:RaisesAtTwoSeconds"',
    )
    code, _, err = run_cli(capsys, "run", str(write_scenario(text)), "--out", str(tmp_path / "r"))
    assert code == INTERNAL
    assert "user controller bug" in err
    assert "tests/controllers.py" in err  # the user's own frames are shown
    assert "sim/kernel.py" not in err
    assert not (tmp_path / "r").exists()


def test_an_expected_failure_that_measured_nothing_is_not_as_expected(
    capsys, tmp_path, write_scenario
):
    """expect_fail is met only by a measured failure: a clip check in a run where the clip is
    never released has shown no hazard, so the suite fails (exit 1)."""
    text = MINIMAL.replace(
        "duration_s = 4.0", 'duration_s = 4.0\nexpect_fail = ["belt_travel_after_release"]'
    ).replace("start_speed = {}", "start_speed = {}\nbelt_travel_after_release = {}")
    code, _, _ = run_cli(capsys, "run", str(write_scenario(text)), "--out", str(tmp_path / "r"))
    assert code == 1


def test_a_non_finite_command_is_a_crash_of_the_controller(capsys, tmp_path, write_scenario):
    """A controller returning NaN stops its run with exit 3 and says what it returned."""
    text = with_controller(MINIMAL, "tests.controllers:ReturnsNan")
    code, _, err = run_cli(capsys, "run", str(write_scenario(text)), "--out", str(tmp_path / "r"))
    assert code == INTERNAL
    assert "non-finite command" in err


def test_an_unwritable_output_folder_is_an_input_error(capsys, tmp_path, write_scenario):
    """--out naming a file: exit 4 with one line, and the other scenarios still run."""
    write_scenario(MINIMAL, name="a")
    write_scenario(MINIMAL, name="b")
    blocker = tmp_path / "afile"
    blocker.write_text("")
    code, _, err = run_cli(capsys, "run", str(tmp_path / "scenarios"), "--out", str(blocker))
    assert code == USAGE
    assert err.count("cannot write the report") == 2
    assert "Traceback" not in err


def test_two_scenarios_that_would_share_an_output_folder(capsys, tmp_path, write_scenario):
    """Two files with the same name from different folders would overwrite each other's
    reports: refused with exit 4 before anything runs."""
    one = write_scenario(MINIMAL, name="x/same")
    two = write_scenario(MINIMAL, name="y/same")
    code, _, err = run_cli(capsys, "run", str(one), str(two), "--out", str(tmp_path / "r"))
    assert code == USAGE
    assert "would both write to <out>/same/" in err
    assert not (tmp_path / "r").exists()


def test_a_folder_named_like_a_scenario_is_not_one(capsys, tmp_path, write_scenario):
    """A directory called x.toml is searched, not read as a file."""
    write_scenario(MINIMAL, name="odd.toml/inner")
    code, out, _ = run_cli(capsys, "validate", str(tmp_path / "scenarios"))
    assert code == 0
    assert out.count("ok ") == 1


def test_interrupt_exits_two(capsys, tmp_path, write_scenario):
    """Ctrl-C during a run stops it with exit code 2 and leaves nothing half-written."""
    text = with_controller(MINIMAL, "tests.controllers:InterruptedAtOneSecond")
    code, _, _ = run_cli(capsys, "run", str(write_scenario(text)), "--out", str(tmp_path / "r"))
    assert code == INTERRUPTED
    assert not (tmp_path / "r").exists()


def test_no_scenario_exits_five(capsys, tmp_path):
    """A folder without scenarios: exit 5."""
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(capsys, "run", str(tmp_path / "empty"))
    assert code == NO_TESTS
    assert "no scenario" in err


def test_missing_path_is_a_usage_error(capsys, tmp_path):
    """A path that does not exist: exit 4, one line, no traceback."""
    code, _, err = run_cli(capsys, "run", str(tmp_path / "nope"))
    assert code == USAGE
    assert "no such file or folder" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["bogus"], ["run", "--no-such-flag", "x"], ["run"]])
def test_click_usage_errors_exit_four(capsys, args):
    """Click's own usage errors map to exit 4."""
    code, _, err = run_cli(capsys, *args)
    assert code == USAGE
    assert "Traceback" not in err


def test_worst_exit_code_wins():
    """Over many scenarios: 4 > 3 > 2 > 1 > 0, and 5 only when nothing ran."""
    assert worst([0, 1, 3, 2]) == 3
    assert worst([1, 4, 3]) == 4
    assert worst([0, 2, 1]) == 2
    assert worst([]) == NO_TESTS


def test_worst_wins_over_a_mixed_folder(capsys, tmp_path, write_scenario):
    """One good, one failing and one invalid scenario: the invalid one sets exit 4."""
    write_scenario(MINIMAL, name="good")
    write_scenario(MINIMAL.replace("speed_mph = 1.0", "speed_mph = 1.5"), name="failing")
    write_scenario(MINIMAL.replace("duration_s = 4.0", "duration_s = -4.0"), name="invalid")
    code, _, err = run_cli(capsys, "run", str(tmp_path / "scenarios"), "--out", str(tmp_path / "r"))
    assert code == USAGE
    assert "invalid.toml: duration_s: must be > 0 (got -4.0)" in err
    assert (tmp_path / "r" / "good" / "result.json").is_file()


def test_checks_lists_every_check_with_unit_and_source(capsys):
    """`checks --json` lists the registry; each entry has a unit, a default and a source."""
    code, out, _ = run_cli(capsys, "checks", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["name"] for r in rows} >= {"clip_stop_latency", "rear_clearance", "bus_voltage"}
    assert all(r["unit"] and r["source"] and r["default_threshold"] for r in rows)


def test_list_shows_scenarios_and_presets(capsys, write_scenario):
    """`list --json` names the scenarios under a path and the treadmill presets."""
    path = write_scenario(MINIMAL)
    code, out, _ = run_cli(capsys, "list", str(path.parent), "--json")
    assert code == 0
    listing = json.loads(out)
    assert listing["scenarios"][0]["name"] == "minimal"
    assert "chopper_home" in {p["name"] for p in listing["presets"]["treadmills"]}


def test_validate_accepts_the_library(capsys):
    """Every scenario shipped in scenarios/ validates, and so do those kept out of it in
    docs/undecided/ because their verdict needs more runs than the suite can afford."""
    root = Path(__file__).parent.parent
    code, out, _ = run_cli(capsys, "validate", str(root / "scenarios"), str(root / "docs"))
    assert code == 0
    assert out.count("ok ") >= 8


CLIP_PULL = Path(__file__).resolve().parent.parent / "scenarios/clip/pull_backward_1mph.toml"


def test_drive_rehearses_a_user_controller_on_the_simulator(capsys):
    """`drive --sim`: the controller as FTMS would show it; the clip pull reaches it as
    the safety-key stop."""
    code, out, err = run_cli(capsys, "drive", "--controller", "tests.controllers:AlwaysOn",
                             "--param", "speed_mps=0.8", "--param", "incline_pct=0",
                             "--sim", str(CLIP_PULL), "--until", "12")  # fmt: skip
    assert code == 0, err
    assert "stopped_by_safety_key" in out and "done at 12.000 s" in out


def test_drive_ticks_at_the_rate_asked(capsys):
    """At 0.5 Hz a controller needing the tach at 1 Hz is refused; at 2 Hz it runs."""
    args = ["drive", "--controller", "tests.controllers:NeedsTachAtOneHertz", "--sim",
            str(CLIP_PULL), "--until", "3"]  # fmt: skip
    code, _, err = run_cli(capsys, *args, "--tick-hz", "0.5")
    assert code == USAGE and "above the tick rate 0.5 Hz" in err
    code, out, err = run_cli(capsys, *args, "--tick-hz", "2")
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "speed_mps"], "expected name=value"),
        (["--param", "nope=1"], "unexpected keyword argument 'nope'"),
        (["--controller", "safe_backward"], "walker_position_m: not fitted"),
        (["--controller", "no.such.module:C"], "cannot import 'no.such.module'"),
        (["--ftms", "00:11:22:33:44:55"], "give exactly one of --ftms"),
    ],
)
def test_drive_input_errors_exit_4_and_say_why(capsys, args, message):
    base = ["drive", "--controller", "tests.controllers:AlwaysOn", "--sim", str(CLIP_PULL)]
    if "--controller" in args:
        base = base[:1] + base[3:]
    code, _, err = run_cli(capsys, *base, *args)
    assert code == USAGE and message in err and "Traceback" not in err


def test_drive_without_bluetooth_is_a_clear_connection_error(capsys):
    code, _, err = run_cli(capsys, "drive", "--controller", "console_baseline",
                           "--ftms", "00:11:22:33:44:55", "--until", "1")  # fmt: skip
    assert code == USAGE and "Bluetooth" in err and "Traceback" not in err


def test_drive_shows_the_controllers_own_frames_when_it_raises(capsys):
    code, _, err = run_cli(capsys, "drive", "--controller", "tests.controllers:RaisesAtTwoSeconds",
                           "--sim", str(CLIP_PULL))  # fmt: skip
    assert code == INTERNAL
    assert "tests/controllers.py" in err and "user controller bug" in err
    assert "drivers/runner.py" not in err and "asyncio" not in err


def test_drive_a_controller_returning_nan_is_exit_3_not_an_input_error(capsys):
    code, _, err = run_cli(capsys, "drive", "--controller", "tests.controllers:ReturnsNan",
                           "--sim", str(CLIP_PULL), "--until", "1")  # fmt: skip
    assert code == INTERNAL and "non-finite command" in err
