"""Physics validation: the treadmills the walker drives (manual flat, decline trainer, curved
deck), against balances worked out by hand from the preset's numbers.

The walker is the nominal young adult (75 kg, 1.75 m; push capacity 0.35 × weight at rest,
gone at 3 m/s; preferred backward speed 0.89 m/s). Expected values are computed here from
the parameters, never read back from the plant. Belt speeds are judged over whole strides
(the belt surges and stalls within each step), from the belt's travel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.presets import load_preset
from sim.runner.single import build, collect, execute, run_scenario
from sim.scenario.loader import scenario_from_dict
from sim.treadmills.curved import DeckCurve
from sim.treadmills.params import Curve, CurvedParams
from sim.units import G_MPS2

MASS_KG = 75.0
WEIGHT_N = MASS_KG * G_MPS2
PACE_MPS = 0.89  # young_adult's preferred backward speed


def scenario(
    preset: str,
    walker: dict | None = None,
    duration_s: float = 60.0,
    timeline: list[dict] | None = None,
    **treadmill,
):
    w = {"model": "gait", "profile": "young_adult", "facing": "backward", "position_m": 0.6,
         "hands": 2, "spread_scale": 0.0} | (walker or {})  # fmt: skip
    return scenario_from_dict({
        "name": preset, "duration_s": duration_s, "trace_hz": 200.0,
        "treadmill": {"preset": preset} | treadmill, "walker": w, "timeline": timeline or [],
        "checks": {"push_force_required": {}, "rear_clearance": {}},
    })  # fmt: skip


def window(result, t0: float, t1: float) -> np.ndarray:
    t = result.trace["t_s"]
    return (t >= t0) & (t <= t1)


def strides(result, t0: float, t1: float) -> tuple[float, float]:
    """The contacts that bound the whole strides within [t0, t1]: the belt's speed swings
    within each step, so a mean over anything else carries m_eq·Δv/T of that swing."""
    steps = [t for t, kind, _ in result.events if kind == "walker.step" and t0 <= t <= t1]
    return steps[0], steps[-1] if len(steps) % 2 == 1 else steps[-2]


def mean_speed(result, t0: float, t1: float) -> float:
    """Belt speed over the whole strides within [t0, t1], from its travel."""
    t0, t1 = strides(result, t0, t1)
    t, s = result.trace["t_s"], result.trace["belt_position_m"]
    return float((np.interp(t1, t, s) - np.interp(t0, t, s)) / (t1 - t0))


def preset(name: str) -> dict:
    return load_preset("treadmills", name)


def no_falls(result) -> bool:
    return not any(kind == "walker.fall" for _, kind, _ in result.events)


# ---------------------------------------------------------------- manual flat
def test_flat_manual_pushed_through_the_handrails_runs_at_the_walkers_pace():
    """On the flat its weight does nothing: the hands must give the whole resistance,
    F0 + μ·m·g = 20 + 0.08 × 735.5 = 78.8 N, well inside its push capacity at 0.89 m/s,
    0.35 × 735.5 × (1 − 0.89/3) = 181 N."""
    p = preset("manual_flat")
    resistance = p["belt"]["no_load_drag_n"] + p["belt"]["friction_coefficient"] * WEIGHT_N
    r = run_scenario(scenario("manual_flat"))
    assert no_falls(r)
    late = window(r, 45.0, 60.0)
    assert mean_speed(r, 45.0, 60.0) == pytest.approx(PACE_MPS, abs=0.02)
    assert r.trace["hand_force_n"][late].mean() == pytest.approx(resistance, abs=3.0)
    assert r.trace["push_needed_n"][late] == pytest.approx(resistance, rel=1e-9)
    capacity = 0.35 * WEIGHT_N * (1 - PACE_MPS / 3.0)
    check = {c.name: c for c in r.checks}["push_force_required"]
    assert check.threshold == pytest.approx(capacity, rel=1e-9)
    assert check.value == pytest.approx(resistance, rel=1e-9)
    assert check.as_expected


def test_flat_manual_without_handrail_force_gets_no_mean_push_and_coasts_down():
    """A nearly frictionless flat belt (2 N, no deck friction), driven to pace by the
    hands, then let go: walking on it without handrail force, the walker's stride-averaged
    force on the belt is 0 ± 1 N (it stays in place: no mean momentum change), so the belt
    coasts down no slower than it would without the walker, at F0/m_eq = 2/150 m/s²."""
    belt = {"no_load_drag_n": 2.0, "friction_coefficient": 0.0}
    release = {"at_s": 30.0, "action": "release_handrails", "hands": 0}
    r = run_scenario(scenario("manual_flat", duration_s=60.0, timeline=[release], belt=belt))
    assert no_falls(r)
    t0, t1 = strides(r, 32.0, 60.0)
    assert t1 - t0 > 20.0
    inside = window(r, t0, t1)
    t, force = r.trace["t_s"][inside], r.trace["foot_force_n"][inside]
    mean_force = np.trapezoid(force, t) / (t[-1] - t[0])
    assert abs(mean_force) < 1.0
    v0, v1 = mean_speed(r, t0, t0 + 1.2), mean_speed(r, t1 - 1.2, t1)  # first, last strides
    span = (t1 - t0) - 1.1  # between the strides' middles
    drop_without = 2.0 / 150.0 * span
    assert v0 - v1 >= drop_without - 1.0 / 150.0 * span  # no slower, within 1 N
    assert r.trace["hand_force_n"][inside].max() == 0.0


# ---------------------------------------------------------------- decline trainer
def decline_terms(mu: float | None = None) -> tuple[float, float, float]:
    """(weight along the deck, static friction, brake coefficient) for the nominal walker."""
    p = preset("decline_trainer")
    theta = math.radians(p["decline_deg"])
    mu = p["belt"]["friction_coefficient"] if mu is None else mu
    along = WEIGHT_N * math.sin(theta)
    friction = p["belt"]["no_load_drag_n"] + mu * WEIGHT_N * math.cos(theta)
    c = p["brake"]["levels_n_per_mps"][p["brake"]["level"] - 1]
    return along, friction, c


def test_decline_trainer_runs_at_the_balance_of_weight_friction_and_brake():
    """Hands off the handle: the walker's weight alone drives the belt toward the handle,
    and it settles where m·g·sin 8° = F0 + μ·m·g·cos 8° + c·v:
    (102.4 − 15 − 36.4) / 60 = 0.849 m/s (the walker walks backward up it at that speed).
    Its gait on this belt is not periodic: its lab speed at a contact wanders ±0.2 m/s
    from stride to stride, so 10 s means of the belt speed wander ±0.025 m/s; over 70 s
    the walker's momentum change is a negligible impulse and the mean is the balance's."""
    along, friction, c = decline_terms()
    terminal = (along - friction) / c
    walker = {"facing": "forward", "walks": "backward", "position_m": 0.55, "hands": 0}
    r = run_scenario(scenario("decline_trainer", walker, duration_s=90.0))
    assert no_falls(r)
    assert mean_speed(r, 20.0, 90.0) == pytest.approx(-terminal, abs=0.005)
    assert r.trace["incline_pct"][0] == pytest.approx(-100 * math.tan(math.radians(8.0)))


def test_decline_trainer_holds_the_walkers_pace_with_the_handle():
    """Its pace (0.89 m/s) is a little above the weight's 0.849 m/s: the hands add the
    difference, 60 × (0.89 − 0.849) = 2.5 N, pulling on the handle."""
    along, friction, c = decline_terms()
    needed = c * PACE_MPS + friction - along
    walker = {"facing": "forward", "walks": "backward", "position_m": 0.55}
    r = run_scenario(scenario("decline_trainer", walker, duration_s=40.0))
    assert no_falls(r)
    assert mean_speed(r, 25.0, 40.0) == pytest.approx(-PACE_MPS, abs=0.02)
    assert r.trace["push_needed_n"][-1] == pytest.approx(needed, rel=1e-9)


@pytest.mark.parametrize(("mu", "moves"), [(0.13, False), (0.11, True)])
def test_decline_trainer_sticks_when_the_weight_cannot_beat_static_friction(mu, moves):
    """Standing still (no gait forces), the belt breaks free only if m·g·sin 8° exceeds
    F0 + μ·m·g·cos 8°: break-even μ = (102.4 − 15) / 728.3 = 0.120."""
    along, friction, _ = decline_terms(mu)
    assert (along > friction) == moves
    walker = {"facing": "forward", "walks": "backward", "position_m": 0.55, "hands": 0,
              "start": "standing"}  # fmt: skip
    run = build(scenario("decline_trainer", walker, duration_s=3.0,
                         belt={"friction_coefficient": mu}), 0)  # fmt: skip
    execute(run)
    r = collect(run, "stick", 0)
    speed = np.abs(r.trace["belt_speed_mps"])
    if moves:
        assert speed.max() > 0.05
    else:
        assert speed.max() == 0.0


# ---------------------------------------------------------------- curved
def test_curved_deck_settles_where_the_slope_balances_the_drag():
    """Where the walker stands sets the speed: its weight's share along the slope under
    the stance foot, m·g·sin θ, must equal the belt's resistance at the settled speed,
    F0 + μ·m·g + c·v. On the arc sin θ = (x_low − x)/R, so the stance foot's mean position
    is x = x_low − R·(F0 + μ·m·g + c·v)/(m·g): 0.95 − 4 × 69.9/735.5 = 0.570 m at 0.89 m/s."""
    p = preset("curved")
    r = run_scenario(scenario("curved", duration_s=60.0))
    assert no_falls(r)
    t0, t1 = 45.0, 60.0
    v = mean_speed(r, t0, t1)
    assert v == pytest.approx(PACE_MPS, abs=0.02)
    b, curve = p["belt"], p["curve"]
    c = p["brake"]["levels_n_per_mps"][0]
    resistance = b["no_load_drag_n"] + b["friction_coefficient"] * WEIGHT_N + c * v
    expected_x = curve["lowest_x_m"] - curve["radius_m"] * resistance / WEIGHT_N
    inside = window(r, t0, t1)
    assert r.trace["ankle_x_m"][inside].mean() == pytest.approx(expected_x, abs=0.015)


# ---------------------------------------------------------------- energy, every type
@pytest.mark.parametrize(
    ("preset_name", "walker"),
    [
        ("manual_flat", {}),
        ("manual_flat", {"hands": 2}),  # incline setting below
        ("decline_trainer", {"facing": "forward", "walks": "backward", "position_m": 0.55}),
        ("curved", {}),
    ],
)
def test_energy_balances_for_every_type_the_walker_drives(preset_name, walker):
    """Lab frame: the walker's work on the belt, ∫F_walker·v dt (its weight along the slope
    included), = deck drag + brake heat + the belt train's kinetic energy, within 0.5 %."""
    extra = {"incline_pct": 10.0} if walker.get("hands") else {}
    r = run_scenario(scenario(preset_name, walker, duration_s=20.0, **extra))
    e = r.energy_j
    assert e["walker_on_belt"] > 50.0  # it did drive the belt
    out = e["deck_drag"] + e["brake"] + e["belt_kinetic"]
    assert abs(e["walker_on_belt"] - out) <= 0.005 * e["walker_on_belt"]


def test_a_polynomial_curve_is_sloped_and_inverted_as_its_formula_says():
    """z = c2·d² + c3·d³ about the lowest point: tan θ = −dz/dx = −(2·c2·d + 3·c3·d²), and
    the spot for a given sin θ lies where that slope is (bisection, to a micrometre)."""
    c2, c3 = 0.12, -0.02
    curve = DeckCurve(Curve(shape="polynomial", lowest_x_m=0.9, coefficients_per_m=[c2, c3]),
                      1.75)  # fmt: skip
    for x in (0.1, 0.6, 0.9, 1.4):
        d = x - 0.9
        assert curve.tan(x) == pytest.approx(-(2 * c2 * d + 3 * c3 * d * d), abs=1e-15)
    target = curve.sin(0.35)
    assert curve.position_for_sin(target) == pytest.approx(0.35, abs=1e-6)
    assert curve.position_for_sin(1.0) == 0.0  # steeper than the deck anywhere: its front


def test_a_convex_polynomial_deck_is_refused():
    with pytest.raises(ValueError, match="must be concave"):
        CurvedParams.model_validate(
            preset("curved")
            | {
                "curve": {"shape": "polynomial", "lowest_x_m": 0.9, "coefficients_per_m": [-0.1]}
            }  # fmt: skip
        )


def test_a_decline_trainer_walker_must_face_the_handle_and_walk_backward():
    with pytest.raises(ValueError, match="walked backward up its slope"):
        scenario("decline_trainer", {"facing": "backward", "position_m": 0.55})
