"""The event kernel (sim/kernel.py) against DESIGN.md, "The kernel contract".

The toy plants here are exact: their state is an integer tick count and every output is a
closed-form function of it, so however the kernel cuts time into sub-steps it lands on
bit-identical values, and a crossing's first tick can be found independently by stepping the
plant one tick at a time.
"""

from __future__ import annotations

import contextlib
import functools
import math
import random
from typing import Any

import numpy as np
import pytest

import sim.kernel as kernel_module
from sim.kernel import (
    CROSSING_TOLERANCE_TICKS,
    STREAM_ID,
    TICKS_PER_S,
    Kernel,
    Phase,
    seconds,
    ticks,
)
from sim.runner.single import build, execute
from sim.scenario.loader import scenario_from_dict

PHASE_ORDER = ("PLANTS", "HARDWARE", "SENSORS", "WALKER", "CONTROLLER", "ACTUATORS")

X0_M = 0.1
RATE_MPS = 3.7
LEVEL_M = 0.5567891  # reached at 123456.51... ticks
ROOT_TICKS = (LEVEL_M - X0_M) / RATE_MPS * TICKS_PER_S  # the exact root, by hand


class Ramp:
    """x(t) = x0 + rate·t, from the integer tick count, and an input `u` that only events
    change. One crossing function x − level per named level; events may move a level."""

    signal_names = ("x", "u")

    def __init__(
        self,
        *,
        x0: float = X0_M,
        rate: float = RATE_MPS,
        levels: dict[str, float] | None = None,
        boundary_ticks: int = 1000,
        journal: list | None = None,
    ):
        self.x0 = x0
        self.rate = rate
        self.levels = dict(levels or {})
        self.crossing_names = tuple(self.levels)
        self.boundary_ticks = boundary_ticks
        self.journal = journal if journal is not None else []
        self.elapsed = 0
        self.u = 0.0
        self.steps: list[int] = []
        self.boundaries: list[int] = []
        self.boundary_hook = None  # called with t at each boundary: a sampled-data update
        self.crossing_hook = None  # called with (name, t) after a crossing's details are taken

    @property
    def x(self) -> float:
        return self.x0 + self.rate * seconds(self.elapsed)

    def next_boundary(self, t: int) -> int:
        return (t // self.boundary_ticks + 1) * self.boundary_ticks

    def on_boundary(self, t: int) -> None:
        assert t == self.elapsed, "a boundary must find the plant at its own time"
        self.boundaries.append(t)
        self.journal.append(("boundary", t))
        if self.boundary_hook:
            self.boundary_hook(t)

    def save(self) -> tuple:
        return (self.elapsed,)

    def restore(self, state: tuple) -> None:
        (self.elapsed,) = state

    def step(self, h: int) -> None:
        assert isinstance(h, int) and h >= 0, f"bad sub-step {h!r}"
        self.elapsed += h
        self.steps.append(h)

    def crossings(self) -> tuple[float, ...]:
        x = self.x
        return tuple(x - level for level in self.levels.values())

    def signals(self) -> tuple[float, ...]:
        return (self.x, self.u)

    def on_crossing(self, name: str, t: int) -> dict[str, Any]:
        assert t == self.elapsed, "a crossing must find the plant at its own time"
        self.journal.append(("crossing", name, t))
        details = {"x": self.x, "level": self.levels[name]}
        if self.crossing_hook:
            self.crossing_hook(name, t)
        return details


class Recorder:
    """A reducer that keeps everything it is shown."""

    def __init__(self):
        self.updates: list[tuple[int, tuple[float, ...]]] = []
        self.events: list[tuple[int, str, dict[str, Any]]] = []

    def update(self, t: int, signals: tuple[float, ...]) -> None:
        self.updates.append((t, signals))

    def on_event(self, t: int, kind: str, details: dict[str, Any]) -> None:
        self.events.append((t, kind, details))


def make_kernel(plant: Ramp, end: int = 100_000, trace_period: int = 1000, **kw: Any) -> Kernel:
    return Kernel(plant, end=end, trace_period=trace_period, **kw)


@functools.cache
def first_tick_by_scan(level: float) -> int:
    """The tiny-step reference: step a fresh plant one tick at a time until x − level >= 0."""
    plant = Ramp(levels={"hit": level})
    t = 0
    while plant.crossings()[0] < 0.0:
        plant.step(1)
        t += 1
    return t


def level_for_tick(tick: int) -> float:
    """A level the ramp first reaches at exactly `tick` (half a tick after tick − 1)."""
    level = X0_M + RATE_MPS * (tick - 0.5) / TICKS_PER_S
    assert first_tick_by_scan(level) == tick
    return level


def phase_rank(phase: Phase) -> int:
    return PHASE_ORDER.index(phase.name)


# --------------------------------------------------------------------------- ordering


def test_phase_order_is_the_documented_one():
    """Phases sort plants, hardware, sensors, walker, controller, actuators."""
    assert [p.name for p in sorted(Phase)] == list(PHASE_ORDER)


@pytest.mark.parametrize("shuffle_seed", range(5))
def test_calls_at_one_time_run_in_phase_order_then_insertion_order(shuffle_seed):
    """Calls at the same time run in Phase order, and in insertion order within a phase."""
    kernel = make_kernel(Ramp())
    entries = [(phase, i) for phase in Phase for i in range(3)]
    random.Random(shuffle_seed).shuffle(entries)
    seen = []
    for phase, i in entries:
        kernel.call_at(5000, phase, lambda t, label=(phase, i): seen.append(label))
    kernel.run()
    # sorted() is stable: within a phase the shuffled insertion order is kept
    assert seen == sorted(entries, key=lambda e: phase_rank(e[0]))


@pytest.mark.parametrize("shuffle_seed", range(5))
def test_processes_resumed_at_one_time_run_in_phase_order_then_creation_order(shuffle_seed):
    """Processes waiting on kernel.timeout(delay, phase) resume in Phase, then creation, order."""
    kernel = make_kernel(Ramp())
    entries = [(phase, i) for phase in Phase for i in range(3)]
    random.Random(shuffle_seed).shuffle(entries)
    seen = []

    def proc(phase, label):
        yield kernel.timeout(0, phase)
        seen.append((kernel.now, label))
        yield kernel.timeout(4000, phase)
        seen.append((kernel.now, label))

    for phase, i in entries:
        kernel.process(proc(phase, (phase, i)))
    kernel.run()
    in_order = sorted(entries, key=lambda e: phase_rank(e[0]))
    assert seen == [(0, e) for e in in_order] + [(4000, e) for e in in_order]


# --------------------------------------------------------------------------- predictions


def test_invalidated_prediction_never_fires_and_a_new_one_under_the_same_key_does():
    """invalidate(key) cancels every pending call made under key; a later one still fires."""
    kernel = make_kernel(Ramp(), end=10_000)
    fired = []

    def note(label):
        return lambda t: fired.append((label, t))

    kernel.call_at(3000, Phase.WALKER, note("old"), key="k")
    kernel.call_at(4000, Phase.WALKER, note("older"), key="k")
    kernel.call_at(3500, Phase.WALKER, note("other key"), key="other")
    kernel.call_at(2000, Phase.WALKER, note("before the change"), key="k")

    def input_changes(t):
        kernel.invalidate("k")
        kernel.call_at(5000, Phase.WALKER, note("new"), key="k")

    kernel.call_at(2500, Phase.CONTROLLER, input_changes)
    kernel.run()
    assert fired == [("before the change", 2000), ("other key", 3500), ("new", 5000)]


# --------------------------------------------------------------------------- advancing


def test_advance_to_the_current_time_or_earlier_changes_nothing():
    """advance_to(now) or to an earlier time steps nothing, samples nothing, logs nothing."""
    plant = Ramp(levels={"far": 100.0})
    kernel = make_kernel(plant, end=100_000, trace_period=1000)
    kernel.advance_to(0)
    assert (plant.steps, kernel.trace.count, kernel.t) == ([], 0, 0)

    kernel.advance_to(12_345)
    assert plant.elapsed == kernel.t == 12_345

    def snapshot():
        trace = kernel.trace.arrays()
        return (
            plant.save(), plant.x, kernel.t, len(plant.steps), plant.boundaries[:],
            kernel.trace.count, trace["x"].tolist(), len(kernel.log),
        )  # fmt: skip

    before = snapshot()
    for target in (12_345, 12_345, 12_000, 0):
        kernel.advance_to(target)
        assert snapshot() == before


def test_advance_to_now_inside_an_event_changes_nothing():
    """An event that asks the kernel to advance to the present changes nothing."""
    plant = Ramp()
    kernel = make_kernel(plant, end=10_000)
    seen = []

    def callback(t):
        before = (plant.save(), len(plant.steps), kernel.trace.count)
        kernel.advance_to(kernel.now)
        kernel.advance_to(kernel.now - 1)
        seen.append(before == (plant.save(), len(plant.steps), kernel.trace.count))
        seen.append(plant.elapsed == t)

    kernel.call_at(4321, Phase.CONTROLLER, callback)
    kernel.run()
    assert seen == [True, True]


# --------------------------------------------------------------------------- crossings


@pytest.mark.parametrize("trace_period", [1000, 4096, 1_000_000])
@pytest.mark.parametrize("boundary_ticks", [1000, 7919, 20_000])
def test_crossing_fires_at_its_first_tick_whatever_the_sub_steps(boundary_ticks, trace_period):
    """A crossing fires at the first tick where x >= level, as a tick-by-tick scan finds it."""
    plant = Ramp(levels={"hit": LEVEL_M}, boundary_ticks=boundary_ticks)
    kernel = make_kernel(plant, end=300_000, trace_period=trace_period)
    kernel.run()

    [(t, kind, details)] = kernel.log
    assert kind == "hit"
    assert type(t) is int
    assert ROOT_TICKS <= t <= ROOT_TICKS + CROSSING_TOLERANCE_TICKS
    assert t == first_tick_by_scan(LEVEL_M) == math.ceil(ROOT_TICKS)
    assert details["x"] >= LEVEL_M > X0_M + RATE_MPS * seconds(t - 1)
    assert plant.elapsed == kernel.t == 300_000


def test_crossing_is_logged_with_its_details_before_other_events_at_its_time():
    """The crossing event logs on_crossing's details at its tick, before same-time events."""
    hit = first_tick_by_scan(LEVEL_M)
    journal: list = []
    plant = Ramp(levels={"hit": LEVEL_M}, boundary_ticks=20_000, journal=journal)
    kernel = make_kernel(plant, end=300_000, trace_period=1_000_000)
    others = [Phase.ACTUATORS, Phase.HARDWARE, Phase.CONTROLLER, Phase.SENSORS, Phase.WALKER]
    for phase in others:

        def at_hit(t, phase=phase):
            journal.append((phase.name, t))
            kernel.record(f"user.{phase.name}")

        kernel.call_at(hit, phase, at_hit)
    kernel.run()

    expected_details = {"x": X0_M + RATE_MPS * seconds(hit), "level": LEVEL_M}
    assert kernel.log[0] == (hit, "hit", expected_details)
    assert [kind for _, kind, _ in kernel.log[1:]] == [
        f"user.{p.name}" for p in sorted(others, key=phase_rank)
    ]
    assert [e for e in journal if e[0] != "boundary"] == [("crossing", "hit", hit)] + [
        (p.name, hit) for p in sorted(others, key=phase_rank)
    ]


def test_crossings_in_one_sub_step_each_fire_at_their_own_first_tick():
    """Two crossings inside one sub-step fire in time order; simultaneous ones both fire."""
    levels = {"a": level_for_tick(1201), "b": level_for_tick(1501), "c": level_for_tick(1501)}
    plant = Ramp(levels=levels, boundary_ticks=1_000_000)
    kernel = make_kernel(plant, end=10_000, trace_period=1_000_000)
    kernel.run()
    assert [(t, kind) for t, kind, _ in kernel.log] == [(1201, "a"), (1501, "b"), (1501, "c")]


@pytest.mark.parametrize(("end", "logged"), [(10_001, False), (10_002, True)])
def test_crossing_at_exactly_the_end_is_not_processed(end, logged):
    """A crossing at exactly the end time is, like any event at T, not processed."""
    plant = Ramp(levels={"hit": level_for_tick(10_001)})
    kernel = make_kernel(plant, end=end, trace_period=1000)
    kernel.run()
    assert [(t, kind) for t, kind, _ in kernel.log] == ([(10_001, "hit")] if logged else [])
    assert plant.elapsed == kernel.t == end


def test_touch_rearms_a_crossing_an_event_moved_below_zero():
    """After an event moves a crossing function below zero and touches, its crossing fires."""
    plant = Ramp(levels={"hit": -1.0})  # x − level > 0: nothing to cross yet
    kernel = make_kernel(plant, end=10_000)
    new_level = level_for_tick(2543)  # inside the first sub-step after the event

    def rearm(t):
        plant.levels["hit"] = new_level
        kernel.touch()

    kernel.call_at(2000, Phase.CONTROLLER, rearm)
    kernel.run()
    assert [(t, kind) for t, kind, _ in kernel.log] == [(2543, "hit")]


def test_a_crossing_rearmed_by_its_own_event_fires_again():
    """A plant that moves the level on each crossing sees every later crossing fire too."""
    plant = Ramp(levels={"hit": level_for_tick(1500)}, boundary_ticks=1000)

    def rearm(name, t):
        plant.levels[name] = level_for_tick(t + 300)

    plant.crossing_hook = rearm
    kernel = make_kernel(plant, end=3000, trace_period=1_000_000)
    kernel.run()
    assert [t for t, _, _ in kernel.log] == [1500, 1800, 2100, 2400, 2700]


def test_a_jump_to_zero_or_above_by_a_touching_event_fires_at_the_event_time():
    """A crossing function an event makes jump to >= 0 fires at once, after that event."""
    plant = Ramp(levels={"hit": 100.0})
    kernel = make_kernel(plant, end=10_000)

    def jump(t):
        plant.levels["hit"] = 0.0
        kernel.record("user.jump")
        kernel.touch()

    kernel.call_at(2000, Phase.CONTROLLER, jump)
    kernel.run()
    assert [(t, kind) for t, kind, _ in kernel.log] == [(2000, "user.jump"), (2000, "hit")]


def test_a_jump_to_zero_or_above_at_a_plant_boundary_fires_at_the_boundary():
    """A crossing function the plant's boundary update makes jump to >= 0 fires at that time."""
    plant = Ramp(levels={"hit": 100.0}, boundary_ticks=1000)

    def jump(t):
        if t == 3000:
            plant.levels["hit"] = 0.0

    plant.boundary_hook = jump
    kernel = make_kernel(plant, end=10_000)
    kernel.run()
    assert [(t, kind) for t, kind, _ in kernel.log] == [(3000, "hit")]


# --------------------------------------------------------------------------- run and trace


def test_run_ends_with_the_plant_exactly_at_end_and_skips_events_at_end():
    """run() advances the plant to exactly T and processes events before T, none at or after."""
    end = 10_007
    plant = Ramp(boundary_ticks=1000)
    kernel = make_kernel(plant, end=end, trace_period=1000)
    seen = []
    for t in (end + 1, end, end - 1):
        kernel.call_at(t, Phase.HARDWARE, seen.append)

    def proc():
        yield kernel.timeout(end, Phase.PLANTS)
        seen.append("process resumed at the end")

    kernel.process(proc())
    kernel.run()
    assert seen == [end - 1]
    assert plant.elapsed == kernel.t == end
    assert plant.boundaries == list(range(1000, end, 1000))


@pytest.mark.parametrize(
    ("end", "period"), [(10_000, 1000), (10_500, 1000), (99_999, 7919), (5000, 5000)]
)
def test_trace_samples_at_integer_multiples_of_its_period(end, period):
    """The trace holds one sample at every k·period <= end, at exact integer times."""
    plant = Ramp(boundary_ticks=3000)
    kernel = make_kernel(plant, end=end, trace_period=period)

    def bump(t):
        plant.u += 1.0
        kernel.touch()

    for t in (1234, 5555, 7919):  # events between samples and on one
        kernel.call_at(t, Phase.ACTUATORS, bump)
    kernel.run()

    n = end // period + 1
    assert kernel.trace.count == n
    assert kernel.trace.t[:n].tolist() == [k * period for k in range(n)]
    arrays = kernel.trace.arrays()
    assert set(arrays) == {"t_s", "x", "u"}
    assert np.array_equal(arrays["t_s"], np.arange(n) * period / TICKS_PER_S)
    expected_x = [X0_M + RATE_MPS * seconds(k * period) for k in range(n)]
    assert arrays["x"].tolist() == expected_x
    assert all(len(a) == n for a in arrays.values())


def test_trace_sample_at_a_crossing_shows_the_plant_before_the_crossing_event():
    """A crossing at a sample time: the sample holds the plant before its crossing event."""
    plant = Ramp(levels={"hit": level_for_tick(5000)}, boundary_ticks=7919)

    def switch_mode(name, t):
        plant.u = 1.0

    plant.crossing_hook = switch_mode
    kernel = make_kernel(plant, end=10_000, trace_period=1000)
    kernel.run()
    assert [(t, kind) for t, kind, _ in kernel.log] == [(5000, "hit")]
    assert kernel.trace.arrays()["u"].tolist() == [0.0] * 6 + [1.0] * 5


def test_reducers_see_every_logged_event_and_time_moving_forward():
    """Reducers get every logged event and updates in time order, down to every sample."""
    plant = Ramp(levels={"hit": LEVEL_M}, boundary_ticks=7919)
    kernel = make_kernel(plant, end=200_000, trace_period=10_000)
    recorder = Recorder()
    kernel.reducers.append(recorder)
    kernel.call_at(50_000, Phase.SENSORS, lambda t: kernel.record("user.note", value=1))
    kernel.run()

    assert recorder.events == kernel.log
    times = [t for t, _ in recorder.updates]
    assert times == sorted(times)
    assert set(kernel.trace.t[: kernel.trace.count].tolist()) <= set(times)
    assert times[-1] == 200_000


# --------------------------------------------------------------------------- random streams


def draws(kernel: Kernel, name: str) -> list[float]:
    return kernel.rng(name).random(8).tolist()


def test_named_streams_repeat_for_the_same_seed_and_run_index():
    """The same (seed, run_index, name) gives the same draws from any kernel; within a run a
    stream goes on (a second draw is not the first again)."""
    a = make_kernel(Ramp(), seed=42, run_index=3)
    b = make_kernel(Ramp(), seed=42, run_index=3)
    first = draws(a, "walker")
    assert first == draws(b, "walker")
    assert draws(a, "walker") == draws(b, "walker") != first


def test_named_streams_differ_by_run_index_name_and_seed():
    """Changing the run index, the stream name or the seed changes the draws."""
    base = draws(make_kernel(Ramp(), seed=42, run_index=3), "walker")
    assert draws(make_kernel(Ramp(), seed=42, run_index=4), "walker") != base
    assert draws(make_kernel(Ramp(), seed=42, run_index=3), "sensors") != base
    assert draws(make_kernel(Ramp(), seed=43, run_index=3), "walker") != base


@pytest.mark.parametrize("name", sorted(STREAM_ID))
def test_named_stream_depends_only_on_seed_run_index_and_its_own_id(name, monkeypatch):
    """rng(name) is SeedSequence(seed, spawn_key=(run_index, STREAM_ID[name])); new names
    shift nothing."""
    seed, run_index = 20240611, 7
    kernel = make_kernel(Ramp(), seed=seed, run_index=run_index)
    seq = np.random.SeedSequence(seed, spawn_key=(run_index, STREAM_ID[name]))
    expected = np.random.default_rng(seq).random(8).tolist()
    assert draws(kernel, name) == expected

    # a new stream, first in the table and with the next free id, shifts no existing one
    grown = {"a_new_stream": max(STREAM_ID.values()) + 1, **STREAM_ID}
    monkeypatch.setattr(kernel_module, "STREAM_ID", grown)
    assert draws(make_kernel(Ramp(), seed=seed, run_index=run_index), name) == expected


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize("t", [0, 1, 999_999, 1_000_001, 123_456_789, 86_400 * TICKS_PER_S + 1])
def test_ticks_of_seconds_round_trips_exactly(t):
    """ticks(seconds(t)) == t, and ticks returns a plain int."""
    back = ticks(seconds(t))
    assert back == t
    assert type(back) is int


@pytest.mark.parametrize("s", [0.0, 1e-6, 0.1, 0.3, 1.0 / 3.0, 4.302028, 3600.000001])
def test_seconds_of_ticks_is_within_half_a_tick(s):
    """ticks() rounds to the nearest tick, as an int, for floats and numpy floats alike."""
    for value in (s, np.float64(s)):
        t = ticks(value)
        assert type(t) is int
        assert abs(seconds(t) - s) <= 0.5 / TICKS_PER_S + 1e-12


def test_kernel_time_stays_an_integer():
    """Kernel time, logged times and trace times are integers, never accumulated floats."""
    plant = Ramp(levels={"hit": LEVEL_M})
    kernel = make_kernel(plant, end=300_000, trace_period=7919)

    def loop():
        while True:
            yield kernel.timeout(ticks(0.0333), Phase.CONTROLLER)
            kernel.record("tick")

    kernel.process(loop())
    kernel.run()
    assert len(kernel.log) > 5
    assert all(type(t) is int for t, _, _ in kernel.log)
    assert type(kernel.now) is int and type(kernel.t) is int
    assert kernel.trace.t.dtype.kind == "i"


# --------------------------------------------------------------------------- a real plant

RIDER = {
    "name": "rider",
    "duration_s": 6.0,
    "treadmill": {"preset": "chopper_home"},
    "walker": {"mass_kg": 80.0, "height_m": 1.75, "facing": "backward", "position_m": 0.55},
    "timeline": [
        {"at_s": 0.0, "action": "set_speed", "speed_mph": 2.0},
        {"at_s": 4.0, "action": "stop_walking"},
    ],
    "checks": {"clip_release_position": {}},
}


def run_rider(duration_s: float):
    run = build(scenario_from_dict({**RIDER, "duration_s": duration_s}), seed=0)
    execute(run)
    return run


def test_cord_releases_the_clip_where_its_tension_reaches_the_release_force():
    """The cord's clip.release fires at the first tick the clip point is a release length away."""
    run = run_rider(6.0)
    cord = run.rig.cord
    kinds = [kind for _, kind, _ in run.kernel.log]
    releases = [(t, d) for t, kind, d in run.kernel.log if kind == "clip.release"]
    assert len(releases) == 1
    t_release, details = releases[0]
    assert details["by"] == "cord"
    assert type(t_release) is int
    # the walker rides the belt by then, so the clip point moves at belt speed
    assert kinds.index("walker.rides") < kinds.index("clip.release")

    clip = run.scenario.treadmill.clip
    release_length_m = clip.cord_length_m + clip.stretch_at_release_m
    one_tick_of_motion_m = abs(details["belt_speed_mps"]) / TICKS_PER_S
    excess_m = cord.distance(details["clip_x_m"]) - release_length_m
    assert 0.0 <= excess_m <= one_tick_of_motion_m

    # the same run stopped one tick earlier: the cord is still short of the release length
    before = run_rider(seconds(t_release - 1))
    assert before.kernel.t == t_release - 1
    assert before.treadmill.clip_attached
    assert cord.distance(before.rig.walker.clip_x_m) < release_length_m


# --------------------------------------------------------------------------- found bugs, fixed


@pytest.mark.parametrize(
    "crossing_tick",
    [
        999,
        1000,
        1001,
    ],
)
def test_plant_boundary_runs_before_other_events_at_its_time(crossing_tick):
    """The plant's boundary update at t runs once, before hardware..actuators events at t."""
    journal: list = []
    plant = Ramp(levels={"hit": level_for_tick(crossing_tick)}, journal=journal)
    kernel = make_kernel(plant, end=5000, trace_period=1_000_000)
    kernel.call_at(1000, Phase.CONTROLLER, lambda t: journal.append(("controller", t)))
    kernel.run()
    assert ("crossing", "hit", crossing_tick) in journal
    assert plant.boundaries == [1000, 2000, 3000, 4000, 5000]
    assert journal.index(("boundary", 1000)) < journal.index(("controller", 1000))


@pytest.mark.parametrize(
    "event_tick",
    [
        0,
        2000,
    ],
)
def test_trace_sample_shows_the_plant_before_the_events_at_its_time(event_tick):
    """A trace sample at t holds the plant as it reached t, before the events at t."""
    plant = Ramp()
    kernel = make_kernel(plant, end=5000, trace_period=1000)

    def set_input(t):
        plant.u = 1.0
        kernel.touch()

    kernel.call_at(event_tick, Phase.ACTUATORS, set_input)
    kernel.run()
    trace = kernel.trace.arrays()
    sample = event_tick // 1000
    assert trace["u"][sample] == 0.0
    assert trace["u"][sample + 1] == 1.0


def test_clock_never_runs_backward_when_a_call_is_asked_for_the_past():
    """A call asked for a past time is refused (ValueError) or at least never rewinds time."""
    kernel = make_kernel(Ramp(), end=5000)
    times = []

    def late(t):
        times.append(kernel.now)

    def at_2000(t):
        times.append(kernel.now)
        with contextlib.suppress(ValueError):
            kernel.call_at(1500, Phase.CONTROLLER, late)

    kernel.call_at(2000, Phase.CONTROLLER, at_2000)
    kernel.run()
    assert times == sorted(times)
