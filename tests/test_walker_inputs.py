"""Gait walkers, the lab servo and Monte Carlo from the user's side: bad walker and timeline
input exits 4 naming the file, the field and what was expected; `run --runs N` writes the
aggregate, judges fall_risk three-valued, and is deterministic run by run."""

from __future__ import annotations

import json
import tomllib

import pytest

from sim.cli import FAILED, OK, USAGE, main
from sim.runner.monte_carlo import run_many
from sim.runner.single import build, collect, execute
from sim.scenario import loader
from sim.scenario.loader import scenario_from_dict
from tests.conftest import MINIMAL

LAB = """name = "lab"
duration_s = 3.0
[treadmill]
preset = "lab_perturbation"
[walker]
model = "gait"
profile = "young_adult"
facing = "backward"
position_m = 0.9
start = "standing"
[[timeline]]
at_s = 1.0
action = "set_speed"
speed_mps = 0.5
accel_mps2 = 1.0
[checks]
fall_risk = {}
off_deck_events = {}
"""
SET_SPEED = 'action = "set_speed"\nspeed_mps = 0.5\naccel_mps2 = 1.0'
MIN_SET_SPEED = 'action = "set_speed"\nspeed_mph = 1.0'
STANDING = 'start = "standing"'
PROFILES = "known: older_adult, older_faller, rehab_patient, trained_retro, young_adult"


def lab_with(table: str) -> str:  # TOML lines at the end of [walker]; sub-tables allowed
    return LAB.replace(STANDING, f"{STANDING}\n{table}")


# fmt: off
CASES = {  # name: (scenario text, what stderr must say after "<file>: ")
    "unknown profile": (LAB.replace('"young_adult"', '"nobody"'),
        f"walker.profile: unknown preset 'nobody'; {PROFILES}"),
    "gait walker without a profile": (LAB.replace('profile = "young_adult"\n', ""),
        "walker.profile: expected a profile name (a string)"),
    "typo in a profile table": (lab_with("[walker.body]\nmas_kg = 80.0"),
        "walker.body.mas_kg: unknown field; did you mean 'mass_kg'?"),
    "string for a profile number": (lab_with('[walker.body]\nmass_kg = "80"'),
        'walker.body.mass_kg: expected a number (got "80")'),
    "spread on a derived property": (lab_with('[walker.spread]\n"body.leg_m" = 0.1'),
        "walker: spread: 'body.leg_m' is not a number field of the profile"),
    "accel_mps2 on a motorized belt": (MINIMAL.replace("mph = 1.0", "mph = 1.0\naccel_mps2 = 1"),
        "timeline: [0] accel_mps2 and after_foot_contact_s are for a speed_source treadmill"),
    "negative speed on a motorized belt": (MINIMAL.replace("mph = 1.0", "mps = -0.5"),
        "timeline: [0] a motorized belt's speed must be >= 0"),
    "step_on with a minimal walker": (MINIMAL.replace(MIN_SET_SPEED, 'action = "step_on"'),
        'timeline: [0] step_on needs a walker with model = "gait"'),
    "grasp with a minimal walker": (MINIMAL.replace(MIN_SET_SPEED, 'action = "grasp_handrails"'),
        'timeline: [0] grasp_handrails needs a walker with model = "gait"'),
    "pull_clip on the lab servo": (LAB.replace(SET_SPEED, 'action = "pull_clip"'),
        "timeline: [0] pull_clip: a speed_source treadmill has no such input"),
    "set_incline on the lab": (LAB.replace(SET_SPEED, 'action = "set_incline"\nincline_pct = 2'),
        "timeline: [0] set_incline: a speed_source treadmill has no such input"),
    "zero acceleration": (LAB.replace("accel_mps2 = 1.0", "accel_mps2 = 0.0"),
        "timeline[0].accel_mps2: must be > 0 (got 0.0)"),
    "runs = 0": (LAB.replace("= 3.0", "= 3.0\nruns = 0"), "runs: must be >= 1 (got 0)"),
    "runs_max not above runs": (LAB.replace("= 3.0", "= 3.0\nruns = 4\nruns_max = 4"),
        "runs_max: runs_max (4) must exceed runs (4), the first look"),
    "runs_max without fall_risk": (LAB.replace("= 3.0", "= 3.0\nruns = 4\nruns_max = 8")
        .replace("fall_risk = {}\n", ""),
        "checks: runs_max (a sequential Monte Carlo) needs the fall_risk check"),
    "fall_risk with a minimal walker": (MINIMAL.replace("start_speed = {}", "fall_risk = {}"),
        'checks: fall_risk needs a [walker] with model = "gait"'),
    "trunk inside the console": (LAB.replace("position_m = 0.9", "position_m = 0.1"),
        "walker: position_m = 0.1 puts the waist against the console"),
}
# fmt: on


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    return code, *capsys.readouterr()


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_walker_input_exits_four(capsys, tmp_path, write_scenario, case, command):
    """Exit 4, file and field path and expectation named, no traceback, nothing written; the
    value came from the scenario, so no "(value from preset ...)" note."""
    text, expected = CASES[case]
    path = write_scenario(text)
    extra = ["--out", str(tmp_path / "r")] if command == "run" else []
    code, _, err = run_cli(capsys, command, str(path), *extra)
    assert code == USAGE
    assert f"{path}: {expected}" in err
    assert "value from preset" not in err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_the_preset_note_only_for_values_from_the_preset(capsys, write_scenario, monkeypatch):
    """mass_kg = 10.0 in the profile file (patched in): the message names that file; the
    same value written in the scenario is blamed on the scenario file alone."""
    real = loader.load_preset

    def bad_profile(kind, name):
        data = real(kind, name)
        if kind == "walkers":
            data["body"]["mass_kg"] = 10.0
        return data

    path = write_scenario(LAB)
    with monkeypatch.context() as m:
        m.setattr(loader, "load_preset", bad_profile)
        assert main(["validate", str(path)]) == USAGE
    err = capsys.readouterr().err
    assert f"{path} (value from preset " in err
    assert "young_adult.toml): walker.body.mass_kg: must be > 20 (got 10.0)" in err
    path = write_scenario(lab_with("[walker.body]\nmass_kg = 10.0"))
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == USAGE
    assert f"{path}: walker.body.mass_kg: must be > 20 (got 10.0)" in err


def test_a_missing_facing_is_not_blamed_on_the_profile(capsys, write_scenario):
    """`facing` is in neither the scenario nor the profile: no preset note."""
    path = write_scenario(LAB.replace('facing = "backward"\n', ""))
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == USAGE
    assert f"{path}: walker.facing: required field is missing" in err


def test_an_unknown_walker_model_names_the_models(capsys, write_scenario):
    """model = "gaitt": the message lists the walker models, not the timeline's actions."""
    path = write_scenario(LAB.replace('model = "gait"', 'model = "gaitt"'))
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == USAGE
    assert "'gaitt'" in err and "minimal" in err and "set_speed" not in err


def test_runs_zero_on_the_command_line_is_a_usage_error(capsys, write_scenario):
    """--runs 0: Click refuses it; exit 4, no traceback."""
    code, _, err = run_cli(capsys, "run", str(write_scenario(LAB)), "--runs", "0")
    assert code == USAGE
    assert "Traceback" not in err


def mc(capsys, tmp_path, path, *args: str, out: str = "r") -> tuple[int, dict, bytes]:
    """`run path --out tmp/out args`: the exit code and result.json, parsed and raw."""
    code, _, _ = run_cli(capsys, "run", str(path), "--out", str(tmp_path / out), *args)
    raw = (tmp_path / out / path.stem / "result.json").read_bytes()
    return code, json.loads(raw), raw


def fall_risk(result: dict) -> dict:
    return next(c for c in result["checks"] if c["name"] == "fall_risk")


def test_monte_carlo_aggregate_and_inconclusive(capsys, tmp_path, write_scenario):
    """--runs 5: "runs": 5, per_run for runs 0..4, fall_risk evidence with its interval;
    0 falls in 5 runs cannot show p <= 0.05: inconclusive, never as expected (exit 1)."""
    code, result, _ = mc(capsys, tmp_path, write_scenario(LAB), "--runs", "5")
    assert result["runs"] == 5
    assert [r["run"] for r in result["per_run"]] == [0, 1, 2, 3, 4]
    check = fall_risk(result)
    ev = check["evidence"]
    assert (ev["falls"], ev["runs"], ev["low"]) == (0, 5, 0.0) and 0.05 < ev["high"] < 1.0
    assert (check["verdict"], check["as_expected"], code) == ("inconclusive", False, FAILED)


def test_expect_fail_does_not_excuse_inconclusive(capsys, tmp_path, write_scenario):
    """fall_risk listed in expect_fail: an inconclusive verdict still exits 1."""
    text = LAB.replace("duration_s = 3.0", 'duration_s = 3.0\nexpect_fail = ["fall_risk"]')
    code, result, _ = mc(capsys, tmp_path, write_scenario(text), "--runs", "5")
    assert (fall_risk(result)["verdict"], fall_risk(result)["expected"]) == ("inconclusive", "fail")
    assert code == FAILED


def test_monte_carlo_is_byte_identical_twice(capsys, tmp_path, write_scenario):
    """The same command twice writes the same result.json, byte for byte."""
    path = write_scenario(LAB)
    first = mc(capsys, tmp_path, path, "--runs", "5", out="a")[2]
    assert first == mc(capsys, tmp_path, path, "--runs", "5", out="b")[2]


def test_runs_option_file_and_single_shape(capsys, tmp_path, write_scenario):
    """runs = 3 in the file gives 3 runs; --runs 1 wins over it and writes the single-run
    shape (no "runs", no "per_run"), whose checks are run 0 of the Monte Carlo."""
    path = write_scenario(LAB.replace("duration_s = 3.0", "duration_s = 3.0\nruns = 3"))
    _, many, _ = mc(capsys, tmp_path, path, out="three")
    _, single, _ = mc(capsys, tmp_path, path, "--runs", "1", out="one")
    assert len(many["per_run"]) == 3
    assert "per_run" not in single and "runs" not in single
    run0 = {name: c["value"] for name, c in many["per_run"][0]["checks"].items()}
    assert {c["name"]: c["value"] for c in single["checks"]} == run0


SEQUENTIAL = LAB.replace("duration_s = 3.0", "duration_s = 3.0\nruns = 4\nruns_max = 32").replace(
    "fall_risk = {}", "fall_risk = {threshold = 0.35}"
)


def test_sequential_monte_carlo_stops_at_the_first_conclusive_look(
    capsys, tmp_path, write_scenario
):
    """Looks at 4, 8, 16, 32 runs, each at 1 − 0.05/4 = 98.75 % (z² = 6.24). No falls: the
    upper bound z²/(n + z²) is 0.61, 0.44, 0.28 — a pass against 0.35 first at 16 runs, though
    a fixed 95 % interval would already claim it at 8 (3.84/11.84 = 0.32): the spending is what
    makes stopping early honest. The 16 runs are those of a fixed 16-run Monte Carlo."""
    path = write_scenario(SEQUENTIAL)
    code, result, _ = mc(capsys, tmp_path, path, out="seq")
    assert (code, result["runs"]) == (OK, 16)
    looks = [(look["runs"], look["checks"]["fall_risk"]["verdict"]) for look in result["looks"]]
    assert looks == [(4, "inconclusive"), (8, "inconclusive"), (16, "pass")]
    high = [look["checks"]["fall_risk"]["high"] for look in result["looks"]]
    assert high == pytest.approx([6.2385 / (n + 6.2385) for n in (4, 8, 16)], rel=1e-3)
    ev = fall_risk(result)["evidence"]
    assert ev["confidence"] == pytest.approx(0.9875) and ev["runs"] == 16
    _, fixed, _ = mc(capsys, tmp_path, path, "--runs", "16", out="fixed")
    assert "looks" not in fixed and fixed["per_run"] == result["per_run"]


def test_a_sequence_still_open_at_runs_max_is_inconclusive(capsys, tmp_path, write_scenario):
    """runs = 2, runs_max = 3 against 5 %: no look can decide; 3 runs, inconclusive, exit 1."""
    text = LAB.replace("duration_s = 3.0", "duration_s = 3.0\nruns = 2\nruns_max = 3")
    code, result, _ = mc(capsys, tmp_path, write_scenario(text))
    assert (code, result["runs"], fall_risk(result)["verdict"]) == (FAILED, 3, "inconclusive")
    assert [look["runs"] for look in result["looks"]] == [2, 3]


def test_run_three_does_not_depend_on_the_runs_before_it():
    """Run 3 of a 5-run Monte Carlo equals run_index=3 built alone (and differs from run 0:
    the spread is drawn per run)."""
    text = LAB.replace("off_deck_events", "min_margin_of_stability")
    scenario = scenario_from_dict(tomllib.loads(text))
    many = run_many(scenario, 5, seed=11, scenario_id="x").runs
    run = build(scenario, 11, run_index=3)
    execute(run)
    alone = collect(run, "x", 11)
    assert [c.value for c in alone.checks] == [c.value for c in many[3].checks]
    assert alone.events == many[3].events
    assert many[3].events != many[0].events


def test_a_lab_servo_run_writes_its_plot(capsys, tmp_path, write_scenario):
    """`run` on lab_perturbation writes plot.png and exits 0 (not a KeyError traceback)."""
    path = write_scenario(LAB.replace("fall_risk = {}\n", ""))
    code, _, _ = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "r"))
    assert code == OK
    assert (tmp_path / "r" / "s" / "plot.png").stat().st_size > 0


TIMED = '[[timeline]]\nat_s = {}\naction = "set_speed"\nspeed_mps = {}\naccel_mps2 = 1.0\n'
TIMED += "after_foot_contact_s = [0.0, 0.4]\n"


def test_two_timed_perturbations_draw_their_own_delays():
    """Two set_speed actions after foot contact in one run (walking nominal walker) get
    independent delays from the run's perturbation stream."""
    text = LAB.replace(f"{STANDING}\n", "spread_scale = 0.0\n").replace("n_s = 3.0", "n_s = 5.0")
    text = text.replace("[checks]", TIMED.format(1.5, 0.8) + TIMED.format(3.0, 0.5) + "[checks]")
    run = build(scenario_from_dict(tomllib.loads(text)), 0)
    execute(run)
    events = collect(run, "x", 0).events
    sets = [t for t, k, _ in events if k == "belt.set_speed"][1:]  # after the untimed one
    contacts = [t for t, k, _ in events if k in ("walker.step", "walker.recovery_step")]
    assert len(sets) == 2
    first_contact = [min(c for c in contacts if c >= at) for at in (1.5, 3.0)]
    delays = [round(t - c, 6) for t, c in zip(sets, first_contact, strict=True)]
    assert delays[0] != delays[1]
