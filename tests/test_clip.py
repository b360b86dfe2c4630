"""The clip cord on a real run: it releases where its tension reaches the release force,
located to one tick whatever the controller's rate."""

from __future__ import annotations

import pytest

from sim.kernel import TICKS_PER_S
from sim.runner.single import build, execute
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
