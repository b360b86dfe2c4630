"""Controllers on the simulator: the sensors they declare, the faults a scenario injects,
the watchdog, the built-in policies, and one controller on two drivers (the simulator's
FTMS profile, and FtmsDriver on the virtual FTMS treadmill backed by the simulator)."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from drivers.ftms.client import FtmsDriver
from drivers.ftms.transport import VirtualBleakClient
from drivers.ftms.virtual import VirtualTreadmill
from drivers.runner import arun_controller, run_controller
from drivers.sim import SimDriver
from sim import run_scenario
from sim.control.api import Commands, ControllerError, Sensors
from sim.control.sensors import TachReader
from sim.runner.compare import compare_paired
from sim.scenario.loader import load_scenario
from sim.treadmills.params import Tach

ROOT = Path(__file__).resolve().parent.parent
CONTROL = ROOT / "scenarios" / "control"

STEADY = """
name = "a minimal walker, the belt at a controller's command"
duration_s = {duration}

[treadmill]
preset = "chopper_home"
{extra}

[walker]
mass_kg = 80.0
height_m = 1.75
facing = "backward"
position_m = 0.55

[checks]
overspeed = {{}}
"""


DYNO = """
name = "dyno on a braking board"
duration_s = 4.0

[treadmill]
preset = "two_quadrant_bare"
relay = {{ kind = "none" }}
dyno = {{ max_accel_mps2 = 2.0, max_speed_mps = 3.0, default_accel_mps2 = 2.0 }}

[controller]
policy = "{policy}"

[[timeline]]
at_s = 0.0
action = "set_speed"
speed_kmh = 5.0

[checks]
motor_peak_current = {{}}
"""


def scenario(tmp_path: Path, duration: float = 20.0, extra: str = "") -> Path:
    path = tmp_path / "s.toml"
    path.write_text(STEADY.format(duration=duration, extra=extra))
    return path


# ----------------------------------------------------------------- the tach
@pytest.mark.parametrize("speed_mps", [0.2235, 0.5, 1.3])
def test_the_tach_reads_the_pitch_over_the_edge_to_edge_time(speed_mps):
    """One pulse per turn of a 71.1 mm roller: pitch 0.2234 m. At a steady speed every
    reading after the second edge is pitch / period, to the timer's resolution."""
    tach = TachReader(Tach())
    pitch = math.pi * 0.0711
    readings = [(t, tach.read(t, speed_mps * t)) for t in (k * 0.02 for k in range(400))]
    late = [r for t, r in readings if t > 3 * pitch / speed_mps]
    assert late and all(r == pytest.approx(speed_mps, rel=2e-3) for r in late)


def test_at_half_a_mph_the_tach_updates_about_once_a_second():
    """Read at 50 Hz for 10 s at 0.5 mph: a new measurement only at an edge, one per
    0.2234 m of belt (0.9995 s apart); nothing to read before the second edge."""
    tach = TachReader(Tach(timer_resolution_s=1e-3))
    v = 0.2235
    updates, last = [], None
    for k in range(501):
        reading = tach.read(k * 0.02, v * k * 0.02)
        if tach.last != last:
            updates.append((k * 0.02, reading))
            last = tach.last
    gaps = [b[0] - a[0] for a, b in zip(updates, updates[1:], strict=False)]
    assert len(updates) == 10 and all(g == pytest.approx(1.0, abs=0.021) for g in gaps)
    assert updates[0][1] == 0.0  # one edge: no period yet
    assert all(r == pytest.approx(v, rel=2e-3) for _, r in updates[1:])


@pytest.mark.parametrize("pulses_per_rev", [1, 100, 1000, 10_000])
def test_the_tach_reads_true_at_any_pulse_count(pulses_per_rev):
    """Dense edges (many per read, several per timer count) are timed over the whole read."""
    tach = TachReader(Tach(pulses_per_rev=pulses_per_rev))
    readings = [tach.read(k * 0.02, 1.0 * k * 0.02) for k in range(200)]
    assert readings[-1] == pytest.approx(1.0, rel=0.01)


def test_a_reversing_belt_gives_edges_where_the_magnet_passes():
    """One channel, no direction: 0 -> 0.15 m and back to 0.05 m crosses no multiple of
    the 0.2234 m pitch, so no edge; on through 0 to -0.3 m it crosses 0 and -0.2234."""
    tach = TachReader(Tach())
    path = [0.0, 0.05, 0.10, 0.15, 0.10, 0.05]
    for k, s in enumerate(path):
        tach.read(k * 0.1, s)
    assert tach.count == 0
    for k, s in enumerate([0.0, -0.1, -0.2, -0.3], start=len(path)):
        tach.read(k * 0.1, s)
    assert tach.count == 2


def test_a_stopped_belt_reads_zero_after_the_timeout_and_falls_before_it():
    tach = TachReader(Tach())
    for k in range(200):  # 1 m/s for 2 s, then stopped at s = 2 m
        tach.read(k * 0.01, k * 0.01)
    assert tach.read(2.0, 2.0) == pytest.approx(1.0, rel=1e-2)
    slowing = tach.read(2.5, 2.0)
    assert slowing < 0.5  # pitch / time since the last edge: no more than that
    assert tach.read(4.5, 2.0) == 0.0


# ----------------------------------------------------------------- needs
class NeedsCurrent:
    needs = {"motor_current_a": 10.0}

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(0.0)


def test_a_controller_needing_what_ftms_cannot_give_is_refused(tmp_path):
    driver = SimDriver.from_scenario(scenario(tmp_path), profile="ftms")
    with pytest.raises(ControllerError, match="motor_current_a: not fitted"):
        run_controller(NeedsCurrent(), driver)


def test_the_runner_serves_only_the_declared_sensors(tmp_path):
    seen = []

    class Spy:
        needs = {"belt_speed_mps": 10.0}

        def on_tick(self, sensors: Sensors, t: float) -> Commands:
            seen.append(sensors)
            return Commands(0.5)

    driver = SimDriver.from_scenario(scenario(tmp_path, 5.0))
    run_controller(Spy(), driver)
    assert seen[-1].belt_speed_mps == pytest.approx(0.5, abs=0.05)
    assert seen[-1].motor_current_a is None and seen[-1].drive_ready is None


def test_the_position_sensor_must_be_fitted_for_auto_pace(tmp_path, write_scenario):
    text = STEADY.format(duration=5.0, extra="") + '\n[controller]\npolicy = "auto_pace"\n'
    from sim.cli import main

    code = main(["run", str(write_scenario(text)), "--out", str(tmp_path / "r")])
    assert code == 4


# ----------------------------------------------------------------- faults and watchdog
@pytest.mark.parametrize("rate_hz", [7.0, 30.0, 50.0, 333.0])
def test_the_watchdog_cuts_a_hung_controller_within_timeout_plus_a_loop_period(rate_hz):
    """The board looks at its 10 ms loop boundaries: the cut comes at the first one at or
    after last command + 0.2 s, so the latency is within [0.2, 0.21] s, exactly that."""
    scenario = load_scenario(CONTROL / "hang_2mph_watchdog.toml")
    controller = scenario.controller.model_copy(update={"rate_hz": rate_hz})
    result = run_scenario(scenario.model_copy(update={"controller": controller}))
    latency = next(c for c in result.checks if c.name == "watchdog_latency").value
    last = (math.ceil(20.0 * rate_hz) - 1) / rate_hz  # the last tick before the hang at 20 s
    cut_at = math.ceil(round((last + 0.2) / 0.01, 6)) * 0.01
    assert latency == pytest.approx(cut_at - last, abs=1e-6)
    assert 0.2 - 1e-9 <= latency <= 0.21 + 1e-9
    cut = next(d for t, k, d in result.events if k == "drive.watchdog_cut")
    assert cut["belt_speed_mps"] == pytest.approx(0.894, abs=0.05)


def test_a_stuck_clip_switch_leaves_the_belt_running():
    result = run_scenario(CONTROL / "stuck_clip_switch_1mph.toml")
    kinds = [k for _, k, _ in result.events]
    assert "clip.release" in kinds and "drive.cut" not in kinds
    assert result.trace["belt_speed_mps"][-1] == pytest.approx(0.447, abs=0.05)
    assert result.as_expected


@pytest.mark.parametrize("name", ["power_loss_2mph_console", "brownout_2mph_console"])
def test_nothing_restarts_after_power_comes_back(name):
    result = run_scenario(CONTROL / f"{name}.toml")
    tr = result.trace
    after = tr["t_s"] > 23.0
    assert tr["belt_speed_mps"][after].max() < 0.01  # stopped, and stays stopped
    assert result.as_expected
    if name.startswith("brownout"):
        assert "controller.reset" in [k for _, k, _ in result.events]


def test_a_dropout_reads_none_and_comes_back(tmp_path):
    path = scenario(tmp_path, 6.0, "sensors = { walker_position = {} }")
    text = path.read_text() + (
        '\n[[faults]]\nfault = "sensor_dropout"\nsensor = "walker_position_m"\n'
        "at_s = 2.0\nduration_s = 1.0\n"
    )
    path.write_text(text)
    driver = SimDriver.from_scenario(path)
    seen = []

    class Spy:
        needs = {"walker_position_m": 10.0}

        def on_tick(self, sensors: Sensors, t: float) -> Commands:
            seen.append((t, sensors.walker_position_m))
            return Commands(0.0)

    run_controller(Spy(), driver)
    during = [x for t, x in seen if 2.1 <= t < 3.0]
    after = [x for t, x in seen if t >= 3.2]
    assert during and all(x is None for x in during)
    assert after and all(x == pytest.approx(0.55, abs=0.05) for x in after)
    kinds = [k for _, k, _ in driver.kernel.log]
    assert kinds.count("fault.start") == 1 and kinds.count("fault.end") == 1


def test_a_brown_out_holds_the_rail_down_for_its_duration():
    result = run_scenario(CONTROL / "brownout_2mph_console.toml")
    resets = [t for t, k, _ in result.events if k == "controller.reset"]
    assert len(resets) == 1 and 20.5 <= resets[0] <= 20.5 + 0.02  # the next tick after


def position_faulted(tmp_path: Path, fault: str) -> list[tuple[float, float | None]]:
    """The walker-position readings (0.01 m noise fitted) of a 6 s run with this fault."""
    path = scenario(tmp_path, 6.0, "sensors = { walker_position = {} }")
    path.write_text(path.read_text() + "\n[[faults]]\n" + fault)
    seen = []

    class Spy:
        needs = {"walker_position_m": 50.0}

        def on_tick(self, sensors: Sensors, t: float) -> Commands:
            seen.append((t, sensors.walker_position_m))
            return Commands(0.0)

    run_controller(Spy(), SimDriver.from_scenario(path))
    return seen


def test_a_stuck_sensor_repeats_one_reading_exactly(tmp_path):
    seen = position_faulted(tmp_path, 'fault = "sensor_stuck"\nsensor = "walker_position_m"\n'
                            "at_s = 2.0\nduration_s = 2.0\n")  # fmt: skip
    during = {x for t, x in seen if 2.0 < t < 4.0}
    after = {x for t, x in seen if t > 4.1}
    assert len(during) == 1 and len(after) > 3


def test_sensor_noise_adds_its_sd(tmp_path):
    import numpy as np

    seen = position_faulted(tmp_path, 'fault = "sensor_noise"\nsensor = "walker_position_m"\n'
                            "sd = 0.05\nat_s = 1.0\n")  # fmt: skip
    before = np.array([x for t, x in seen if t < 1.0])
    during = np.array([x for t, x in seen if t > 1.0])
    assert before.std() == pytest.approx(0.01, rel=0.4)
    assert during.std() == pytest.approx(math.hypot(0.01, 0.05), rel=0.25)


def test_a_sensor_delay_shows_the_belt_late(tmp_path):
    """1.0 m/s asked at 1 s; the drive ramps at 1.0 m/s^2: the tach shows 0.3 m/s about
    1.3 s in, and 1 s later with a 1 s delay."""

    def crossing(extra: str) -> float:
        path = scenario(tmp_path, 5.0)
        path.write_text(path.read_text() + extra)
        return _tach_time(path)

    assert crossing(
        '\n[[faults]]\nfault = "sensor_delay"\nsensor = "belt_speed_mps"\n'
        "delay_s = 1.0\nat_s = 0.0\n"
    ) - crossing("") == pytest.approx(1.0, abs=0.05)


def _tach_time(path: Path) -> float:
    """When a console-like controller first reads 0.3 m/s on the tach."""
    seen = []

    class Reads:
        needs = {"belt_speed_mps": 50.0, "drive_ready": 1.0}

        def on_tick(self, sensors: Sensors, t: float) -> Commands:
            seen.append((t, sensors.belt_speed_mps))
            return Commands(1.0 if t >= 1.0 else 0.0)

    driver = SimDriver.from_scenario(path)
    run_controller(Reads(), driver)
    return next(t for t, v in seen if v is not None and v >= 0.3)


def test_a_late_command_never_overtakes_a_newer_one(tmp_path):
    from sim.kernel import ticks

    driver = SimDriver.from_scenario(scenario(tmp_path, 3.0))

    async def go() -> None:
        driver.command_latency = ticks(0.3)
        await driver.command(Commands(1.0))
        driver.command_latency = 0
        await driver.command(Commands(0.2))
        await driver.clock.sleep_until(1.0)

    asyncio.run(go())
    assert driver.treadmill.target_mps == 0.2


def test_a_disabled_drive_drops_its_series_relay(tmp_path):
    driver = SimDriver.from_scenario(scenario(tmp_path, 3.0))

    async def go() -> None:
        await driver.command(Commands(0.0, drive_enable=False))
        await driver.clock.sleep_until(0.5)

    asyncio.run(go())
    assert not driver.treadmill.relay_closed and not driver.treadmill.wired


def test_after_a_watchdog_cut_a_reset_does_not_restart_the_hung_command(tmp_path):
    path = tmp_path / "reset.toml"
    text = (CONTROL / "hang_2mph_watchdog.toml").read_text()
    path.write_text(text.replace("[[faults]]", '[[timeline]]\nat_s = 22.0\naction = "manual_reset"'
                                 "\n\n[[faults]]"))  # fmt: skip
    result = run_scenario(path)
    assert "reset" in [k for _, k, _ in result.events]
    tr = result.trace
    assert tr["belt_speed_mps"][tr["t_s"] > 22.0].max() < 0.01


def test_a_stuck_clip_switch_that_comes_free_cuts_then(tmp_path):
    path = tmp_path / "free.toml"
    text = (CONTROL / "stuck_clip_switch_1mph.toml").read_text()
    path.write_text(
        text.replace(
            'fault = "stuck_clip_switch"\nat_s = 0.0',
            'fault = "stuck_clip_switch"\nat_s = 0.0\nduration_s = 12.0',
        )
    )
    result = run_scenario(path)
    cut = next(t for t, k, _ in result.events if k == "drive.cut")
    assert cut == pytest.approx(12.0 + 0.05, abs=1e-6)  # freed at 12 s, the contactor's 50 ms


def test_letting_the_board_brake_go_does_not_short_the_armature(tmp_path):
    """Brake 0.25 until 3 s on the dyno at 5 km/h (6.50 A), then none: the current falls to
    zero at the next loop boundary, never above the braking current."""
    path = tmp_path / "dyno.toml"
    path.write_text(DYNO.format(policy="tests.controllers:BrakesUntilThreeSeconds"))
    tr = run_scenario(path).trace
    current = abs(tr["motor_current_a"])
    assert current.max() < 6.6
    assert current[tr["t_s"] > 3.05].max() < 1e-9


def test_overlapping_faults_of_one_kind_hold_until_the_last_ends(tmp_path):
    dropout = 'fault = "sensor_dropout"\nsensor = "walker_position_m"\n'
    seen = position_faulted(
        tmp_path,
        dropout + "at_s = 1.0\nduration_s = 2.0\n\n[[faults]]\n" + dropout + "at_s = 2.0\n"
        "duration_s = 2.0\n",
    )
    dropped = [t for t, x in seen if x is None]
    assert min(dropped) == pytest.approx(1.0, abs=0.03) and max(dropped) < 4.0
    assert all(x is None for t, x in seen if 1.02 < t < 3.98)  # A ends at 3 s, B holds to 4
    assert all(x is not None for t, x in seen if t > 4.02)


def test_a_still_hung_controller_is_cut_again_after_a_reset(tmp_path):
    """Hung at 20 s, the clip pulled at 20.1 s (cut at 20.15 s, before the watchdog's
    20.18 s), reset at 22 s: the cut forgot the command, and the watchdog cuts again at the
    next loop boundary."""
    text = (CONTROL / "hang_2mph_watchdog.toml").read_text()
    extra = '[[timeline]]\nat_s = 20.1\naction = "pull_clip"\n\n[[timeline]]\nat_s = 22.0\n'
    path = tmp_path / "reset.toml"
    path.write_text(text.replace("[[faults]]", extra + 'action = "manual_reset"\n\n[[faults]]'))
    result = run_scenario(path)
    cuts = [t for t, k, _ in result.events if k == "drive.watchdog_cut"]
    assert cuts == [pytest.approx(22.01, abs=1e-6)]
    tr = result.trace
    assert tr["belt_speed_mps"][tr["t_s"] > 22.0].max() < 0.01


def test_deadmill_guard_ramps_a_users_stop_down_then_disables():
    from sim.control.deadmill_guard import DeadmillGuard

    guard = DeadmillGuard()
    asked = Sensors(belt_speed_mps=0.5, drive_ready=True, requested_speed_mps=1.0)
    assert guard.on_tick(asked, 0.0) == Commands(1.0)
    slowing = Sensors(belt_speed_mps=0.6, drive_ready=True)
    assert guard.on_tick(slowing, 1.0) == Commands(0.0)  # enabled: the drive ramps it down
    assert guard.on_tick(slowing, 4.9) == Commands(0.0)
    still_moving = guard.on_tick(slowing, 5.1)  # 4 s on: a walker pushes it, not the drive
    assert not still_moving.drive_enable
    guard = DeadmillGuard()
    guard.on_tick(asked, 0.0)
    stopped = Sensors(belt_speed_mps=0.01, drive_ready=True)
    assert not guard.on_tick(stopped, 1.0).drive_enable  # stopped: disabled at once


# ----------------------------------------------------------------- policies
def test_auto_pace_speeds_up_under_a_stumble_and_the_guarded_one_does_not():
    plain = run_scenario(CONTROL / "auto_pace_stumble_backward.toml")
    guarded = run_scenario(CONTROL / "guarded_auto_pace_stumble_backward.toml")
    plain_gain, guarded_gain = (
        next(c.value for c in r.checks if c.name == "speedup_during_recovery")
        for r in (plain, guarded)
    )
    assert plain_gain > 0.2 and guarded_gain < 0.1


def test_safe_backward_has_significantly_fewer_falls_than_the_console_paired():
    """Same walkers (common random numbers); McNemar's exact test at 5 %, on a timeline
    where the console's fall risk is at least 10 %."""
    cmp = compare_paired(CONTROL / "step_on_2mph_console_baseline.toml",
                         CONTROL / "step_on_2mph_safe_backward.toml", runs=16)  # fmt: skip
    falls = cmp.falls
    assert falls["a"] / 16 >= 0.10
    assert falls["b"] < falls["a"] and falls["mcnemar_p"] < 0.05


def test_deadmill_guard_never_commands_motion_nor_enables_at_zero():
    from sim.control.deadmill_guard import DeadmillGuard

    guard = DeadmillGuard()
    still = Sensors(belt_speed_mps=0.0, drive_ready=True)
    assert guard.on_tick(still, 0.0) == Commands(0.0, drive_enable=False)
    pushed = Sensors(belt_speed_mps=0.8, drive_ready=True)
    cmds = [guard.on_tick(pushed, 0.1 * k) for k in range(1, 60)]
    assert all(c.target_speed_mps == 0.0 and not c.drive_enable for c in cmds)
    brakes = [c.brake_level for c in cmds]
    assert brakes == sorted(brakes) and brakes[-1] == 0.05  # eased in, capped
    assert brakes[9] == pytest.approx(0.01, abs=1e-9)  # 0.01 per second
    asked = Sensors(belt_speed_mps=0.8, drive_ready=True, requested_speed_mps=0.5)
    assert guard.on_tick(asked, 6.0) == Commands(0.5)  # the user's own request runs


def test_the_guard_restarts_from_reset_at_every_wake_of_a_back_fed_rail():
    result = run_scenario(CONTROL / "deadmill_guard_nc_brake_no_changeover_3kmh.toml")
    kinds = [k for _, k, _ in result.events]
    # switched off from the start: its first wake is a first boot, every later one a reset
    assert kinds.count("controller.reset") == kinds.count("bus.wake") - 1 >= 10
    relay = next(c for c in result.checks if c.name == "relay_switching")
    assert relay.value == 0.0  # the brake never switched under the walker
    assert result.as_expected


def test_a_board_brake_at_duty_d_passes_d_times_the_short_circuit_current(tmp_path):
    """A dynamometer holds a hard-wired two-quadrant belt at 5 km/h while a controller
    keeps the drive disabled with brake_level 0.25: I = d·k·v/Ra = 0.25 × 22.47 × 1.389 /
    1.2 = 6.50 A, the dyno's force 30 N of no-load drag + k·I = 176 N (cold winding)."""
    path = tmp_path / "dyno.toml"
    path.write_text(DYNO.format(policy="tests.controllers:BrakesAtAQuarter"))
    result = run_scenario(path)
    tr = result.trace
    late = tr["t_s"] > 3.0
    k, v, ra = 0.21 * 107.0, 5.0 / 3.6, 1.2
    current = 0.25 * k * v / ra
    assert abs(tr["motor_current_a"][late]).mean() == pytest.approx(current, rel=5e-3)
    assert tr["dyno_force_n"][late].mean() == pytest.approx(30.0 + k * current, rel=5e-3)


# ----------------------------------------------------------------- one controller, two drivers
class HoldOneMetre:
    """Asks for 1.0 m/s from 1 s; it needs only what FTMS gives."""

    needs = {"belt_speed_mps": 1.0}

    def __init__(self):
        self.speeds: list[tuple[float, float | None]] = []

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        self.speeds.append((t, sensors.belt_speed_mps))
        return Commands(1.0 if t >= 1.0 else 0.0)


def test_the_same_controller_on_the_simulator_and_on_ftms_gives_the_same_belt(tmp_path):
    """One controller object, run on SimDriver's FTMS profile, then on FtmsDriver talking
    to the virtual FTMS treadmill (the simulator behind it): the same readings and belt."""
    path = scenario(tmp_path, 15.0)
    controller = HoldOneMetre()
    sim_driver = SimDriver.from_scenario(path, profile="ftms")
    sim_driver.tick_hz = 2.0
    assert run_controller(controller, sim_driver) is controller
    on_sim = dict(controller.speeds)
    belt_sim = sim_driver.treadmill.v

    controller.speeds.clear()
    backing = SimDriver.from_scenario(path)
    treadmill = VirtualTreadmill(backing)
    link = lambda address, gone: VirtualBleakClient(treadmill, address, gone)  # noqa: E731
    ftms = FtmsDriver("00:00:5E:00:53:01", clock=treadmill.clock, client_factory=link)
    assert asyncio.run(arun_controller(controller, ftms, until_s=14.0)) is controller
    on_ftms = dict(controller.speeds)

    for t in (6.0, 10.0, 13.0):
        assert on_sim[t] == pytest.approx(1.0, abs=0.03)
        assert on_ftms[t] == pytest.approx(on_sim[t], abs=0.03)
    assert backing.treadmill.v == pytest.approx(belt_sim, abs=0.05)
