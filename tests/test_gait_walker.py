"""The gait walker's behaviour where no published figure applies: its gait on a belt that
gives under it, and the console that stops it at the front of the deck."""

from __future__ import annotations

import numpy as np
import pytest

from sim.runner.single import run_scenario
from sim.scenario.loader import scenario_from_dict
from sim.treadmills.clip import WAIST_HALF_DEPTH_M
from tests.validation.test_walker import events, lab


def chopper(mass_kg: float, duration_s: float = 20.0) -> object:
    """A nominal trained retro-walker of this mass walking backward at 1.0 mph on the home
    chopper treadmill (70 kg of belt, a drive that cannot brake)."""
    return scenario_from_dict({
        "name": "heavy walker", "duration_s": duration_s, "treadmill": {"preset": "chopper_home"},
        "walker": {"model": "gait", "profile": "trained_retro", "facing": "backward",
                   "position_m": 0.55, "spread_scale": 0.0, "body": {"mass_kg": mass_kg}},
        "timeline": [{"at_s": 0.5, "action": "set_speed", "speed_mph": 1.0}],
        "checks": {"fall_risk": {}},
    })  # fmt: skip


@pytest.mark.parametrize("mass_kg", [75.0, 107.0])
def test_a_heavy_walker_on_a_light_belt_walks_steadily(mass_kg):
    """The belt dips and surges with every stance, more under a heavier walker. Gait speed
    chosen from the belt as sampled at each contact fed that swing into the next step: a
    107 kg walker's left-right oscillation grew to a belt swinging 0.17-1.17 m/s until the
    walker drifted off the rear. Judged over the last stride instead, the swing stays
    bounded and the walker holds its spot."""
    r = run_scenario(chopper(mass_kg))
    assert not events(r, "walker.fall")
    assert not events(r, "clip.release")
    t, v = r.trace["t_s"], r.trace["belt_speed_mps"]
    late = v[t >= 15.0]
    assert late.max() - late.min() < 0.2  # m/s, peak to peak; 0.44 m/s set
    assert abs(late.mean() - 0.447) < 0.03
    x = r.trace["walker_x_m"][t >= 15.0]
    assert np.abs(x - 0.55).max() < 0.1


def test_the_console_stops_a_walker_the_belt_carries_into_it():
    """A walker standing facing the rear on a belt that runs toward the console (a lab belt
    in reverse, reached gently: no step needed) is carried into it: a fall against the
    console, blind, with the back of the waist at the front end; the console then holds
    the body while the belt slides under it. The body no longer passes through it."""
    timeline = [{"at_s": 0.5, "action": "set_speed", "speed_mps": -0.5, "accel_mps2": 0.5}]
    walker = {"facing": "backward", "position_m": 1.0, "start": "standing"}
    r = run_scenario(lab(timeline, walker, duration_s=5.0))
    (t, fall), *_ = events(r, "walker.fall")
    assert fall["place"] == "against the console"
    assert fall["direction"] == "backward"  # blind, into the console behind it
    assert fall["walker_x_m"] == pytest.approx(WAIST_HALF_DEPTH_M, abs=1e-5)
    # carried 0.9 m: 0.25 m while the belt reaches 0.5 m/s in 1 s, the rest at 0.5 m/s
    assert t == pytest.approx(0.5 + 1.0 + (1.0 - WAIST_HALF_DEPTH_M - 0.25) / 0.5, abs=0.05)
    assert r.trace["walker_x_m"].min() >= WAIST_HALF_DEPTH_M - 1e-5
    assert r.trace["walker_x_m"][-1] == pytest.approx(WAIST_HALF_DEPTH_M, abs=1e-5)


def test_a_stopped_belt_leaves_a_walker_clear_of_the_console():
    """A backward walker 0.3 m from the front end when the belt under it stops at 5 m/s²:
    it steps back toward the console, is captured, and walks on without reaching it."""
    timeline = [
        {"at_s": 0.0, "action": "set_speed", "speed_mps": 0.447, "accel_mps2": 1.0},
        {"at_s": 6.0, "action": "set_speed", "speed_mps": 0.0, "accel_mps2": 5.0},
    ]
    r = run_scenario(lab(timeline, {"facing": "backward", "position_m": 0.3}, duration_s=10.0))
    assert not events(r, "walker.fall")
    assert events(r, "walker.recovery_step")
    assert r.trace["walker_x_m"].min() > WAIST_HALF_DEPTH_M
