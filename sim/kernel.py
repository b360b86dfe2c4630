"""The event kernel.

SimPy orders the discrete events; between two events the kernel advances the plant in closed
form, one sub-step at a time (a sub-step ends at the plant's own sampled-data boundaries, at
trace samples and at the next event). After each sub-step it evaluates the plant's crossing
functions; when one goes from below zero to zero or above, the first tick at which it does is
found by bisection on integer time, the plant is left there, and the crossing is fired as an
event at that time. Time is an integer count of microseconds, never an accumulated float.

Ordering at equal times is fixed by `Phase` (SimPy's priority slot): plants first, then
hardware, sensors, walker, controller, actuators. Like `simpy.Environment.run`, `run(until=T)`
advances the plant to T but does not process events scheduled at exactly T.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Hashable
from typing import Any, Protocol

import numpy as np
import simpy
from simpy.events import Event

TICKS_PER_S = 1_000_000
CROSSING_TOLERANCE_TICKS = 1  # crossings are located to within one tick (1 µs)
MAX_CROSSINGS_PER_TICK = 100  # more at one instant is chatter between two modes (Zeno)


def ticks(seconds: float) -> int:
    """Seconds to integer kernel ticks (µs), rounded to the nearest tick."""
    return round(seconds * TICKS_PER_S)


def seconds(t: int) -> float:
    return t / TICKS_PER_S


class Phase(enum.IntEnum):
    """Processing order of events that share a time (lower first). Everything treadbench
    schedules goes through a phase; a plain SimPy event (priority NORMAL = 1) would tie with
    PLANTS and be ordered by insertion."""

    PLANTS = 1  # crossings found while advancing the plant
    HARDWARE = 2  # clip switch, contactor, relay, mains
    SENSORS = 3  # sensor samples and console inputs
    WALKER = 4
    CONTROLLER = 5
    ACTUATORS = 6


# A fixed integer per named random stream, so adding a stream never shifts another.
STREAM_ID = {
    "walker": 1, "sensors": 2, "faults": 3, "controller": 4, "plant": 5, "perturbation": 6,
}  # fmt: skip


def stream(seed: int, run_index: int, name: str) -> np.random.Generator:
    """Run `run_index`'s named random stream: SeedSequence(seed, spawn_key=(run, name id)),
    so adding a stream or a run never shifts another."""
    seq = np.random.SeedSequence(seed, spawn_key=(run_index, STREAM_ID[name]))
    return np.random.default_rng(seq)


class Plant(Protocol):
    """What the kernel needs from the continuous part of a run.

    A crossing function value goes from < 0 to >= 0 when its event happens; a plant returns a
    negative constant for a crossing that cannot happen in its present mode.
    """

    signal_names: tuple[str, ...]
    crossing_names: tuple[str, ...]

    def next_boundary(self, t: int) -> int: ...
    def on_boundary(self, t: int) -> None: ...
    def save(self) -> tuple: ...
    def restore(self, state: tuple) -> None: ...
    def step(self, h: int) -> None: ...  # h = 0 refreshes outputs after a discrete change
    def crossings(self) -> tuple[float, ...]: ...
    def signals(self) -> tuple[float, ...]: ...
    def on_crossing(self, name: str, t: int) -> dict[str, Any]: ...


class Reducer(Protocol):
    """An online reducer: sees every sub-step's signals and every logged event."""

    def update(self, t: int, signals: tuple[float, ...]) -> None: ...
    def on_event(self, t: int, kind: str, details: dict[str, Any]) -> None: ...


class _At(Event):
    """A triggered event processed after `delay` ticks in the given phase."""

    def __init__(self, env: simpy.Environment, delay: int, phase: Phase):
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, phase, delay)


class Trace:
    """Signals sampled at a fixed period into preallocated numpy arrays."""

    def __init__(self, names: tuple[str, ...], period: int, end: int):
        self.names = names
        self.period = period
        n = end // period + 1
        self.t = np.zeros(n, dtype=np.int64)
        self.values = np.zeros((n, len(names)))  # a row per sample
        self.count = 0

    def record(self, t: int, signals: tuple[float, ...]) -> None:
        k = self.count
        self.t[k] = t
        self.values[k] = signals
        self.count = k + 1

    def arrays(self) -> dict[str, np.ndarray]:
        n = self.count
        out = {"t_s": self.t[:n] / TICKS_PER_S}
        for j, name in enumerate(self.names):
            out[name] = self.values[:n, j]  # strided views, no copies
        return out


class Kernel:
    """One run: a SimPy environment, a plant, an event log, a trace and seeded streams."""

    def __init__(
        self,
        plant: Plant,
        end: int,
        trace_period: int,
        seed: int = 0,
        run_index: int = 0,
    ):
        self.env = simpy.Environment(initial_time=0)
        self.plant = plant
        self.end = end
        self.seed = seed
        self.run_index = run_index
        self.t = 0  # the time the plant has been advanced to
        self.log: list[tuple[int, str, dict[str, Any]]] = []
        self.reducers: list[Reducer] = []
        # callbacks that want only the logged events, not every sample: (t, kind, details)
        self.listeners: list[Callable[[int, str, dict[str, Any]], None]] = []
        self.trace = Trace(plant.signal_names, trace_period, end)
        self._next_sample = 0
        self._next_boundary = plant.next_boundary(0)
        self._generation: dict[Hashable, int] = {}
        self._streams: dict[str, np.random.Generator] = {}
        self.events_processed = 0
        self._fresh = True  # no discrete change to the plant since its outputs were sampled
        self._g: tuple[float, ...] = plant.crossings()
        self._crossing_tick, self._crossings_at_tick = -1, 0

    # ----------------------------------------------------------------- scheduling
    @property
    def now(self) -> int:
        return self.env.now

    def timeout(self, delay: int, phase: Phase) -> Event:
        """An event for a process to yield: resumes it after `delay` ticks in `phase`."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        return _At(self.env, delay, phase)

    def process(self, generator: Generator) -> simpy.Process:
        return self.env.process(generator)

    def call_at(
        self,
        t: int,
        phase: Phase,
        callback: Callable[[int], None],
        key: Hashable | None = None,
    ) -> Event:
        """Call `callback(t)` at time t. With a key the call is a prediction: `invalidate(key)`
        before t cancels it (a cancelled call's callback never runs)."""
        if t < self.env.now:
            raise ValueError(f"cannot schedule at {t}, before now ({self.env.now})")
        ev = _At(self.env, t - self.env.now, phase)
        if key is None:
            ev.callbacks.append(lambda _ev: callback(t))
        else:
            generation = self._generation.setdefault(key, 0)

            def fire(_ev: Event) -> None:
                if self._generation[key] == generation:
                    callback(t)

            ev.callbacks.append(fire)
        return ev

    def invalidate(self, key: Hashable) -> None:
        """Cancel every pending prediction made under `key`."""
        self._generation[key] = self._generation.get(key, 0) + 1

    def rng(self, name: str) -> np.random.Generator:
        """The named random stream of this run (one generator per name, drawn on in turn):
        independent of every other name and run."""
        if name not in self._streams:
            self._streams[name] = stream(self.seed, self.run_index, name)
        return self._streams[name]

    def touch(self) -> None:
        """Say that an event changed the plant discretely (a mode, a load, a switch), so its
        outputs and crossing functions are re-evaluated before time moves on. Commands that
        act only at the plant's next sampled-data boundary need not touch."""
        self._fresh = False

    def record(self, kind: str, **details: Any) -> None:
        """Append to the event log (and tell the reducers and listeners) at the current time."""
        t = self.env.now
        self.log.append((t, kind, details))
        for r in self.reducers:
            r.on_event(t, kind, details)
        for listen in self.listeners:
            listen(t, kind, details)

    # ----------------------------------------------------------------- running
    def run(self) -> None:
        """Process events up to (not including) the end time; the plant ends at `end`."""
        env = self.env
        end = self.end
        self._begin()
        while True:
            target = min(env.peek(), end)
            self.advance_to(target)
            if env.peek() >= end:
                if self.t >= end:
                    break
                continue
            env.step()
            self.events_processed += 1

    def _begin(self) -> None:
        if self.t == 0 and self.trace.count == 0:
            self._arrive(0)  # the initial state, before the events at t = 0

    def run_until(self, t: int, phase: Phase) -> bool:
        """Process the events before (t, phase): all those before t, and those at t in
        earlier phases (or scheduled earlier in the same one). False if t is not before the
        end: the run is then finished, as `run()` finishes it."""
        if t >= self.end:
            self.run()
            return False
        t = max(t, self.env.now)  # a time already passed: nothing to wait for
        self._begin()
        env = self.env
        stop = _At(env, t - env.now, phase)
        while not stop.processed:
            self.advance_to(env.peek())
            env.step()
            self.events_processed += 1
        return True

    def advance_to(self, target: int) -> None:
        """Advance the plant to `target`, or to the first crossing before it (which is then
        scheduled as an event at its own time). Advancing to the current time does nothing."""
        plant = self.plant
        t = self.t
        if t >= target:
            return
        if not self._fresh and self._show_discontinuity(t):
            return
        g0 = self._g
        save, step, crossings = plant.save, plant.step, plant.crossings
        while t < target:
            t1 = min(target, self._next_boundary, self._next_sample)
            start = save()
            step(t1 - t)
            g1 = crossings()
            if not max(g1, default=-1.0) < 0.0:  # a crossing ends at or above zero (rare)
                for a, b in zip(g0, g1, strict=True):
                    if a < 0.0 <= b:
                        self._stop_at_crossing(start, t, t1, g0)
                        return
            self.t = t = t1
            self._g = g1
            if self._arrive(t):
                return
            g0 = self._g

    def _arrive(self, t: int) -> bool:
        """The plant has just reached t: show the reducers, take a trace sample and run the
        plant's sampled-data update if one is due. True if that update made a crossing."""
        plant = self.plant
        signals = plant.signals()
        for r in self.reducers:
            r.update(t, signals)
        if t == self._next_sample:
            self.trace.record(t, signals)
            self._next_sample = t + self.trace.period
        if t == self._next_boundary:
            plant.on_boundary(t)
            self._next_boundary = plant.next_boundary(t)
            return self._show_discontinuity(t)
        return False

    def _show_discontinuity(self, t: int) -> bool:
        """After an event or a sampled-data update the outputs may jump (a current when the
        drive changes its voltage, a deceleration at a cut): a zero-length step recomputes
        them and the reducers see the new values. Between discontinuities every reduced
        signal is monotonic within a sub-step, so its extremes are at sub-step ends.

        A crossing function that jumps from below zero to above it here has crossed at this
        very time: its event is scheduled now and True returned (stop advancing). A jump to
        exactly zero is a mode starting on its own threshold (a belt breaking away from rest,
        a diode with no voltage across it), not a crossing."""
        plant = self.plant
        plant.step(0)
        signals = plant.signals()
        for r in self.reducers:
            r.update(t, signals)
        self._fresh = True
        g0, g1 = self._g, plant.crossings()
        self._g = g1
        if max(g1, default=0.0) <= 0.0:
            return False  # the usual case: nothing above zero, so nothing crossed
        if not any(a < 0.0 < b for a, b in zip(g0, g1, strict=True)):
            return False  # checked without building names
        self._fire_crossings(t, _names_crossed(plant.crossing_names, g0, g1, to_zero=False))
        return True

    def _stop_at_crossing(self, start: tuple, t0: int, t1: int, g0: tuple[float, ...]) -> None:
        """Bisect [t0, t1] for the first tick at which a crossing function reaches zero."""
        plant = self.plant
        lo, hi = t0, t1
        while hi - lo > CROSSING_TOLERANCE_TICKS:
            mid = (lo + hi) // 2
            plant.restore(start)
            plant.step(mid - t0)
            if _names_crossed(plant.crossing_names, g0, plant.crossings()):
                hi = mid
            else:
                lo = mid
        plant.restore(start)
        plant.step(hi - t0)
        g1 = plant.crossings()
        self.t = hi
        self._g = g1
        self._fire_crossings(hi, _names_crossed(plant.crossing_names, g0, g1))
        self._arrive(hi)

    def _fire_crossings(self, t: int, names: list[str]) -> None:
        """Schedule the crossing event at t, first among the events of that time."""
        plant = self.plant
        if t != self._crossing_tick:
            self._crossing_tick, self._crossings_at_tick = t, 0
        self._crossings_at_tick += 1
        if self._crossings_at_tick > MAX_CROSSINGS_PER_TICK:
            raise RuntimeError(f"crossings {', '.join(names)} chatter at t = {seconds(t)} s")

        def fire(t: int) -> None:
            for name in names:
                self.record(name, **plant.on_crossing(name, t))
            self.touch()

        self.call_at(t, Phase.PLANTS, fire)


def _names_crossed(
    names: tuple[str, ...], g0: tuple[float, ...], g1: tuple[float, ...], to_zero: bool = True
) -> list[str]:
    """The crossing functions that went from below zero to zero or above (to_zero) or to
    strictly above it."""
    if to_zero:
        return [n for n, a, b in zip(names, g0, g1, strict=True) if a < 0.0 <= b]
    return [n for n, a, b in zip(names, g0, g1, strict=True) if a < 0.0 < b]
