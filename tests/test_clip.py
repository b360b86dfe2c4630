"""The clip cord on a real run: it releases where its tension reaches the release force,
located to one tick whatever the controller's rate."""

from __future__ import annotations

import pytest

from sim.kernel import TICKS_PER_S
from sim.runner.single import build, collect, execute
from sim.scenario.loader import scenario_from_dict


def rider(rate_hz: float) -> dict:
    return {
        "name": "rider",
        "duration_s": 8.0,
        "treadmill": {"preset": "chopper_home"},
        "walker": {"facing": "backward", "position_m": 0.55, "mass_kg": 80.0},
        "controller": {"rate_hz": rate_hz},
        "timeline": [
            {"at_s": 0.0, "action": "set_speed", "speed_mph": 2.0},
            {"at_s": 5.0, "action": "stop_walking"},
        ],
        "checks": {"clip_release_position": {}},
    }


@pytest.mark.parametrize("rate_hz", [7.0, 50.0, 333.0])
def test_cord_releases_at_the_release_force_whatever_the_controller_rate(rate_hz):
    """At the logged release the cord tension has just reached the release force: it is at
    or above it, by no more than one tick of belt motion stretches the cord."""
    run = build(scenario_from_dict(rider(rate_hz)), seed=0)
    execute(run)
    releases = [(t, d) for t, kind, d in run.kernel.log if kind == "clip.release"]
    assert len(releases) == 1
    _, details = releases[0]
    assert details["by"] == "cord"
    cord = run.rig.cord
    one_tick_m = details["belt_speed_mps"] / TICKS_PER_S
    stretch = cord.distance(details["clip_x_m"]) - cord.length_m
    force = cord.stiffness_n_per_m * stretch
    release_force = run.treadmill.p.clip.release_force_n
    assert release_force <= force <= release_force + cord.stiffness_n_per_m * one_tick_m
    assert cord.release_x() <= details["clip_x_m"] <= cord.release_x() + one_tick_m


def run_timeline(timeline: list[dict], checks: dict | None = None):
    scenario = rider(50.0) | {"timeline": timeline}
    scenario["checks"] = checks or {"clip_stop_latency": {}}
    run = build(scenario_from_dict(scenario), seed=0)
    execute(run)
    return run


def test_no_reset_while_the_contactor_is_still_dropping():
    """A reset pressed before the contactor has opened is refused; the cut still comes and
    the drive stays latched."""
    run = run_timeline(
        [
            {"at_s": 0.0, "action": "set_speed", "speed_mph": 1.0},
            {"at_s": 3.0, "action": "pull_clip"},
            {"at_s": 3.01, "action": "manual_reset"},
        ]
    )
    kinds = [(kind, d) for _, kind, d in run.kernel.log if kind in ("reset", "drive.cut")]
    assert kinds[0] == ("reset", {"accepted": False})
    assert kinds[1][0] == "drive.cut"
    assert not run.treadmill.drive_ready


def test_a_clip_pulled_on_a_stopped_belt_measures_nothing_moving():
    """With the belt already at rest the release has no travel and no deceleration after it,
    and the latency evidence says the belt was stopped at once."""
    checks = {name: {} for name in ("belt_travel_after_release", "max_deceleration_after_release",
                                    "clip_stop_latency")}  # fmt: skip
    run = run_timeline([{"at_s": 1.0, "action": "pull_clip"}], checks)
    result = collect(run, "stopped", 0)
    by_name = {c.name: c for c in result.checks}
    assert by_name["belt_travel_after_release"].value == 0.0
    assert by_name["max_deceleration_after_release"].value == 0.0
    assert by_name["clip_stop_latency"].evidence["release_to_belt_stopped_s"] == 0.0
    assert result.as_expected
