"""Physics validation: a switched-off motorized treadmill's belt driven by a dynamometer or
pushed by a walker (the deadmill), against closed forms from the preset's numbers.

chopper_home: k = Ke × rad/m = 0.21 × 107 = 22.47 V per m/s (= N per A), Ra 1.2 Ω at
20 °C rising 0.393 %/K, diode drop 1 V, deck drag 30 N with no walker on it. The dyno holds
the belt to its ramp whatever the motor does, so each electrical state is seen at a known
speed; expected values are computed here, never read back from the plant.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.runner.single import run_scenario
from sim.scenario.loader import scenario_from_dict

K = 0.21 * 107.0
RA_COLD = 1.2
ALPHA = 0.00393
DIODE_V = 1.0
NO_LOAD_N = 30.0
DYNO = {"max_accel_mps2": 2.0, "max_speed_mps": 3.0, "default_accel_mps2": 0.5}


def ra(winding_c: float) -> float:
    return RA_COLD * (1.0 + ALPHA * (winding_c - 20.0))


def dyno(relay: dict, timeline: list[dict], duration_s: float, trace_hz: float = 1000.0, **tm):
    """The switched-off chopper_home on a dynamometer: timeline of (at_s, speed, accel)."""
    actions = [{"at_s": t, "action": "set_speed", "speed_mps": v, "accel_mps2": a}
               for t, v, a in timeline]  # fmt: skip
    return run_scenario(scenario_from_dict({
        "name": "dyno", "duration_s": duration_s, "trace_hz": trace_hz,
        "treadmill": {"preset": "chopper_home", "mains": "off", "relay": relay, "dyno": DYNO}
        | tm,
        "timeline": actions, "checks": {"bus_voltage": {}},
    }))  # fmt: skip


def at(result, t_s: float) -> dict[str, float]:
    i = int(np.searchsorted(result.trace["t_s"], t_s))
    return {name: float(values[i]) for name, values in result.trace.items()}


def test_open_circuit_armature_shows_the_emf():
    """Relay open: no current, the terminal voltage is the EMF, Ke·ω = k·v."""
    r = dyno({"kind": "no_series"}, [(0.0, 1.389, 2.0)], 3.0)
    s = at(r, 2.0)
    assert s["belt_speed_mps"] == pytest.approx(1.389)
    assert s["armature_voltage_v"] == pytest.approx(K * 1.389, rel=1e-12)
    assert s["motor_current_a"] == 0.0
    assert s["dyno_force_n"] == pytest.approx(NO_LOAD_N, rel=1e-12)


@pytest.mark.parametrize("brake_ohm", [0.0, 5.0])
def test_shorted_or_braked_armature_draws_emf_over_r(brake_ohm):
    """Across a short or a brake resistor: i = EMF / (Ra(T) + Rb), and the dyno's force is
    the drag plus k·i (31 V, 26.0 A and 615 N shorted at 5 km/h cold)."""
    r = dyno({"kind": "nc_brake", "brake_resistance_ohm": brake_ohm}, [(0.0, 1.389, 2.0)], 3.0)
    for t_s in (1.0, 2.9):
        s = at(r, t_s)
        i = K * 1.389 / (ra(s["winding_temp_c"]) + brake_ohm)
        # Ra is taken at the winding temperature of the 10 ms sub-step's start: shorted and
        # cold, 810 W into 800 J/K warms it 0.01 K in one, 4e-5 of Ra
        assert -s["motor_current_a"] == pytest.approx(i, rel=1e-4)  # generating
        assert s["dyno_force_n"] == pytest.approx(NO_LOAD_N + K * i, rel=1e-4)


def test_the_bus_charges_only_while_the_emf_beats_it_and_the_diode():
    """Relay none, unpowered: the armature on the idle bridge charges the bus through the
    body diode only while k·v > V_bus + 1 V. Ramped to 2 m/s (EMF 44.9 V) and back to
    rest, the bus follows k·v − 1 V up, then holds its 43.9 V peak (the logic, waking at
    48 V, never draws on it)."""
    r = dyno({"kind": "none"}, [(0.0, 2.0, 1.0), (3.0, 0.0, 1.0)], 6.0)
    v, bus = r.trace["belt_speed_mps"], r.trace["bus_voltage_v"]
    rising = np.diff(bus) > 1e-9
    assert rising.any()
    assert np.all(K * v[1:][rising] - DIODE_V >= bus[1:][rising] - 1e-6)
    assert bus.max() == pytest.approx(K * 2.0 - DIODE_V, rel=1e-9)
    assert bus[-1] == pytest.approx(bus.max())
    assert not any(kind == "bus.wake" for _, kind, _ in r.events)
    e = r.energy_j
    assert e["bus_stored"] == pytest.approx(0.5 * 0.001 * bus.max() ** 2, rel=1e-9)
    assert abs(e["residual"]) <= 0.005 * e["dyno"]


def test_a_back_fed_logic_rail_wakes_and_browns_out():
    """With a 20 V brown-out (wake 24 V) and the bus fed from the EMF, the logic wakes on
    the way up and browns out on the way down, once the EMF no longer holds the bus."""
    r = dyno({"kind": "none"}, [(0.0, 2.0, 1.0), (3.0, 0.0, 1.0)], 8.0, bus={"brownout_v": 20.0})
    kinds = [kind for _, kind, _ in r.events]
    assert kinds.count("bus.wake") == 1 and kinds.count("bus.brownout") == 1
    (wake_t, wake), = [(t, d) for t, k, d in r.events if k == "bus.wake"]  # fmt: skip
    assert wake["bus_voltage_v"] == pytest.approx(24.0, abs=1e-3)
    assert at(r, wake_t)["belt_speed_mps"] == pytest.approx((24.0 + DIODE_V) / K, abs=1e-3)


def test_a_reverse_push_shorts_through_the_freewheel_diode():
    """Pushed toward the console (v < 0), the reversed EMF forward-biases the freewheel
    diode: i = (k·|v| − 1 V)/Ra(T), opposing the push; within the drop nothing conducts."""
    r = dyno({"kind": "none"}, [(0.0, -1.0, 2.0)], 2.0)
    s = at(r, 1.5)
    i = (K * 1.0 - DIODE_V) / ra(s["winding_temp_c"])
    assert s["motor_current_a"] == pytest.approx(i, rel=1e-4)  # Ra at the sub-step's start
    assert s["dyno_force_n"] == pytest.approx(-(NO_LOAD_N + K * i), rel=1e-4)
    crawl = dyno({"kind": "none"}, [(0.0, -0.04, 2.0)], 1.0)  # 0.9 V: inside the drop
    assert at(crawl, 0.9)["motor_current_a"] == 0.0


def test_the_shorted_winding_settles_at_its_thermal_fixed_point():
    """Driven shorted at 5 km/h for two hours, the winding settles where
    T_w = T_amb + P(T_w)·(R_wf + R_fa(v)), P = EMF²/Ra(T_w): solved here by iteration."""
    v = 1.389
    r_total = 0.15 + 1.0 / (3.0 + 4.0 * v)  # winding→frame, frame→air at speed (K/W)
    t_w = 20.0
    for _ in range(200):
        t_w = 20.0 + (K * v) ** 2 / ra(t_w) * r_total
    r = dyno({"kind": "nc_brake", "brake_resistance_ohm": 0.0}, [(0.0, v, 2.0)], 7200.0, 0.1)
    assert r.trace["winding_temp_c"][-1] == pytest.approx(t_w, abs=0.1)
    assert t_w == pytest.approx(159.8, abs=0.1)  # above the 130 °C of thermal class B


@pytest.mark.parametrize(
    "relay",
    [
        {"kind": "no_series"},
        {"kind": "nc_brake", "brake_resistance_ohm": 0.0},
        {"kind": "none"},
        {"kind": "nc_brake", "brake_resistance_ohm": 20.0, "changeover": False},
    ],
)
def test_energy_balances_with_a_walker_pushing_the_switched_off_belt(relay):
    """∫F_walker·v dt = drag + armature copper + brake resistor + diodes + the bus's
    energy and the logic it fed + the belt's kinetic energy, within 0.5 %."""
    sc = scenario_from_dict({
        "name": "deadmill", "duration_s": 15.0,
        "treadmill": {"preset": "chopper_home", "mains": "off", "relay": relay,
                      "bus": {"brownout_v": 15.0}},
        "walker": {"model": "gait", "profile": "young_adult", "facing": "backward",
                   "position_m": 0.5, "hands": 2, "spread_scale": 0.0, "pace_mps": 1.389},
        "checks": {"push_force_required": {}},
    })  # fmt: skip
    e = run_scenario(sc).energy_j
    assert e["walker_on_belt"] > 500.0
    assert abs(e["residual"]) <= 0.005 * e["walker_on_belt"]
