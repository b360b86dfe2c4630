"""One run of one scenario: build the rig, the controller, the walker's decisions and the
timeline on a kernel, run it, and judge the checks."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from threadpoolctl import threadpool_limits

from drivers.runner import run_controller
from drivers.sim import SimDriver
from sim import __version__
from sim.checks.base import Extreme, Verdict
from sim.checks.registry import REGISTRY
from sim.control import faults
from sim.control.api import (
    Controller,
    ControllerError,
    controller_factory,
    needs_of,
    require_needs,
)
from sim.kernel import Kernel, Phase, seconds, stream, ticks
from sim.presets import preset_file
from sim.report.result import RunResult
from sim.rig import Rig, Treadmill
from sim.runner.context import RunContext
from sim.scenario import schema as s
from sim.scenario.loader import load_scenario
from sim.treadmills.manual import UnpoweredTreadmill
from sim.treadmills.motorized import MotorizedTreadmill
from sim.treadmills.speed_source import SpeedSourceTreadmill
from sim.units import G_MPS2
from sim.walker import energy
from sim.walker.gait import GaitWalker, GaitWalkerSpec
from sim.walker.minimal import WALKING, MinimalWalker
from sim.walker.pace import Pace


class ScenarioCrash(RuntimeError):
    """Something raised during a run (exit code 3). `__cause__` holds the original error."""


@dataclass
class Console:
    """The user's requests on the console panel; it clears when the drive drops out."""

    speed_mps: float = 0.0
    incline_pct: float = 0.0


@dataclass
class Run:
    scenario: s.Scenario
    kernel: Kernel
    rig: Rig
    controller: Controller | None
    console: Console
    reducers: dict[str, Extreme | None]
    context: RunContext
    rebuild: Callable[[], Controller] | None  # the controller afresh, after a board reset
    driver: SimDriver | None = None  # a controller runs on a motorized treadmill only

    @property
    def treadmill(self) -> Treadmill:
        return self.rig.treadmill


def build(
    scenario: s.Scenario,
    seed: int,
    run_index: int = 0,
    profile: str | None = None,
    with_controller: bool = True,
) -> Run:
    """Everything wired and scheduled, nothing run yet. A bad controller, one whose sensor
    needs the treadmill cannot meet, or a sensor fault on a sensor it does not read raises
    ControllerError (an input error) here, before any time passes. Run i draws its walker
    and perturbations from its own streams (`Kernel.rng`). `profile` overrides the
    scenario's sensor profile; without the controller, its driver serves every sensor for a
    controller the caller brings."""
    spec = scenario.controller
    rebuild = controller_factory(spec.policy, dict(spec.params)) if with_controller else None
    controller = rebuild() if rebuild else None
    tm = _treadmill(scenario.treadmill)
    walker = _walker(scenario.walker, tm.length_m, seed, run_index)
    if isinstance(walker, GaitWalker):
        walker.pace = _pace(walker, tm)
        if walker.pace and walker.pace.by == "hands" and walker.spec.hands is None:
            walker.hands = 2  # it drives the belt with them: both on the rails or handle
    rig = Rig(tm, walker)
    kernel = Kernel(
        rig,
        end=ticks(scenario.duration_s),
        trace_period=ticks(1.0 / scenario.trace_hz),
        seed=seed,
        run_index=run_index,
    )
    rig.attach(kernel)
    console = Console()
    context = RunContext(scenario, scenario.treadmill, rig.signal_index, kernel.log)
    reducers = {name: REGISTRY[name].reducer(context) for name in scenario.checks}
    kernel.reducers.extend(r for r in reducers.values() if r is not None)
    run = Run(scenario, kernel, rig, controller, console, reducers, context, rebuild)
    if isinstance(tm, MotorizedTreadmill):  # a servo follows its profile; the rest, the walker
        if controller is None:
            run.driver = SimDriver(run, profile or spec.profile)
        else:
            needs = needs_of(controller)
            run.driver = SimDriver(run, profile or spec.profile, set(needs))
            require_needs(spec.policy, needs, run.driver.offered(), spec.rate_hz)
            unread = faults.unread_sensors(scenario.faults, needs)
            if unread:
                raise ControllerError(f"{'; '.join(unread)} ({spec.policy})", field="faults")
        faults.schedule(run.driver, scenario.faults)
    if isinstance(walker, GaitWalker):
        rails = tm.p.handrails
        walker.attach(kernel, lambda: tm.v, lambda: tm.s, (rails.front_x_m, rails.rear_x_m))
    elif walker:
        kernel.process(_walker_loop(kernel, walker))
    for action in scenario.timeline:
        _schedule_action(run, action)
    return run


def _treadmill(spec: s.AnyTreadmill) -> Treadmill:
    if isinstance(spec, s.SpeedSourceSpec):
        return SpeedSourceTreadmill(spec)
    if isinstance(spec, s.MotorizedSpec):
        return MotorizedTreadmill(spec)
    return UnpoweredTreadmill(spec)


def _pace(walker: GaitWalker, tm: Treadmill) -> Pace | None:
    """How the walker drives the belt, if it does: every belt without a drive, and a
    motorized belt it pushes (the scenario gives its pace)."""
    spec = walker.spec
    if not isinstance(tm, UnpoweredTreadmill) and not (
        isinstance(tm, MotorizedTreadmill) and spec.pace_mps is not None
    ):
        return None
    curve = getattr(tm, "curve", None)
    by = "position" if curve is not None else "hands"
    weight = walker.mass * G_MPS2
    return Pace(walker.intended_belt_mps(), weight, walker.profile.push, tm.m_eq,
                tm.damping_n_per_mps, by, curve)  # fmt: skip


def _walker(spec: s.AnyWalker | None, deck_length_m: float, seed: int, run_index: int):
    if spec is None:
        return None
    if isinstance(spec, GaitWalkerSpec):
        drawn = spec.drawn(stream(seed, run_index, "walker"), spec.spread_scale)
        return GaitWalker(spec, drawn, deck_length_m)
    return MinimalWalker(spec, deck_length_m)


def _walker_loop(kernel: Kernel, walker: MinimalWalker):
    """At each step the walker looks, and one reaction time later acts."""
    yield kernel.timeout(0, Phase.WALKER)
    while walker.mode == WALKING:
        chosen = walker.steering()

        def act(t: int, a: float = chosen) -> None:
            if walker.mode == WALKING and walker.a != a:
                walker.a = a
                kernel.touch()

        kernel.call_at(kernel.now + walker.reaction_ticks, Phase.WALKER, act, key="walker.steer")
        yield kernel.timeout(walker.step_ticks, Phase.WALKER)


def _schedule_action(run: Run, action: s.Action) -> None:
    kernel, rig, tm, console = run.kernel, run.rig, run.treadmill, run.console

    def set_speed(a: s.SetSpeed) -> None:
        if not rig.servo and getattr(tm.p, "dyno", None) is None:
            console.speed_mps = a.mps
            kernel.record("user.set_speed", speed_mps=a.mps)
        elif a.after_foot_contact_s is None:
            prescribe(a, kernel.now)
        else:  # wait for the walker's next foot contact, then the drawn delay
            lo, hi = a.after_foot_contact_s[0], a.after_foot_contact_s[-1]
            delay = ticks(lo + (hi - lo) * kernel.rng("perturbation").random())

            def contact(t: int) -> None:
                kernel.call_at(t + delay, Phase.SENSORS, lambda t: prescribe(a, t))

            rig.walker.contact_listeners.append(contact)

    def prescribe(a: s.SetSpeed, t: int) -> None:
        change = tm.prescribe(a.mps, a.accel_mps2)
        kernel.record("belt.set_speed", **change)
        if isinstance(rig.walker, GaitWalker) and change["accel_mps2"]:
            rig.walker.perturbed(change["to_mps"] - change["from_mps"])
        kernel.touch()

    def step_on(a: s.StepOn) -> None:
        rig.walker.step_on()
        kernel.record("walker.step_on", belt_speed_mps=tm.v)

    def grasp(a: s.GraspHandrails | s.ReleaseHandrails) -> None:
        if a.hands and not rig.walker.rails_ok:
            kernel.record("walker.grasp_failed", reason="the handrails are out of reach",
                          walker_x_m=rig.walker.x)  # fmt: skip
            return
        rig.walker.set_hands(a.hands)
        kernel.record("walker.hands", hands=a.hands)

    def push(a: s.PushHandrails) -> None:
        kernel.record("walker.push", force_n=rig.walker.push(a.force_n), asked_n=a.force_n)

    def stumble(a: s.Stumble) -> None:
        rig.walker.stumble(a.speed_mps)
        kernel.record("walker.stumble", speed_mps=a.speed_mps, walker_x_m=rig.walker.x)

    def set_incline(a: s.SetIncline) -> None:
        console.incline_pct = a.incline_pct
        kernel.record("user.set_incline", incline_pct=a.incline_pct)

    def pull_clip(a: s.PullClip) -> None:
        if tm.clip_attached:
            kernel.record("clip.release", **rig.release_clip(by="hand"))
        else:
            kernel.record("clip.pull_ignored", reason="the clip is already out")

    def stop_walking(a: s.StopWalking) -> None:
        kernel.invalidate("walker.steer")
        rig.walker.stop_walking(tm.v)
        kernel.record("walker.stop_walking", walker_x_m=rig.walker.x)

    def cut_power(a: s.CutPower) -> None:
        tm.lose_power()
        kernel.record("power.lost")

    def restore_power(a: s.RestorePower) -> None:
        tm.restore_power()
        kernel.record("power.restored")

    def manual_reset(a: s.ManualReset) -> None:
        kernel.record("reset", accepted=tm.manual_reset())

    handlers = {
        s.SetSpeed: (Phase.SENSORS, set_speed),
        s.StepOn: (Phase.WALKER, step_on),
        s.GraspHandrails: (Phase.WALKER, grasp),
        s.ReleaseHandrails: (Phase.WALKER, grasp),
        s.PushHandrails: (Phase.WALKER, push),
        s.Stumble: (Phase.WALKER, stumble),
        s.SetIncline: (Phase.SENSORS, set_incline),
        s.PullClip: (Phase.HARDWARE, pull_clip),
        s.StopWalking: (Phase.WALKER, stop_walking),
        s.CutPower: (Phase.HARDWARE, cut_power),
        s.RestorePower: (Phase.HARDWARE, restore_power),
        s.ManualReset: (Phase.HARDWARE, manual_reset),
    }
    phase, handler = handlers[type(action)]

    def do(t: int) -> None:
        handler(action)
        kernel.touch()

    kernel.call_at(ticks(action.at_s), phase, do)


def execute(run: Run) -> None:
    """Run to the end; anything raised inside becomes a ScenarioCrash.

    One BLAS thread meanwhile: the plant's matrices are 8×8, too small for threads to help,
    and OpenBLAS's spinning workers made runs 50× slower whenever another process (a second
    Monte Carlo, a pytest worker) wanted the cores."""
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            if run.driver is None or run.controller is None:
                run.kernel.run()
            else:
                run_controller(run.controller, run.driver, rebuild=run.rebuild)
    except Exception as exc:  # KeyboardInterrupt is not an Exception: Ctrl-C passes through
        # SimPy re-raises a copy of what one of its processes raised (the walker's, the
        # timeline's); the original keeps the traceback
        original = exc
        while type(original.__cause__) is type(original):
            original = original.__cause__
        raise ScenarioCrash(f"{type(original).__name__}: {original}") from original


def collect(run: Run, scenario_id: str, seed: int) -> RunResult:
    scenario = run.scenario
    checks = [
        REGISTRY[name].evaluate(
            run.context,
            run.reducers[name],
            spec.threshold,
            Verdict.FAIL if name in scenario.expect_fail else Verdict.PASS,
        )
        for name, spec in scenario.checks.items()
    ]
    rig = run.rig
    return RunResult(
        scenario_id=scenario_id,
        scenario_name=scenario.name,
        seed=seed,
        checks=checks,
        events=[(seconds(t), kind, details) for t, kind, details in run.kernel.log],
        trace=run.kernel.trace.arrays(),
        energy_j=run.treadmill.energy_account(),
        provenance=provenance(scenario, seed),
        events_processed=run.kernel.events_processed,
        deck_length_m=run.treadmill.length_m,
        clip_release_x_m=rig.cord.release_x() if rig.cord else None,
        walker_energy=walker_energy(run) if isinstance(rig.walker, GaitWalker) else None,
    )


def walker_energy(run: Run) -> dict[str, Any]:
    """The gait walker's metabolic cost while upright (ACSM, `sim.walker.energy`), from its
    traced speed relative to the belt, the grade it climbs and the way it walks."""
    tr = run.kernel.trace.arrays()
    fall = next((t for t, kind, _ in run.kernel.log if kind == "walker.fall"), None)
    t = tr["t_s"] if fall is None else tr["t_s"][tr["t_s"] <= seconds(fall)]
    n = len(t)
    relative = np.abs(tr["walker_speed_mps"][:n] - tr["belt_speed_mps"][:n])
    spec = run.scenario.walker
    grade = -spec.walking_direction * tr["incline_pct"][:n] / 100.0  # the climb it walks
    if run.treadmill.p.kind == "curved":  # its published +37 % was measured on the curve
        grade = np.zeros(n)
    backward = spec.walks_backward
    samples = zip(np.diff(t), relative[:-1], grade[:-1], [backward] * n, strict=False)
    out = energy.session_energy(run.rig.walker.mass, samples, run.treadmill.p.kind)
    return {k: float(v) if v is not None else None for k, v in out.items()} | {
        "until_fall": fall is not None
    }


def provenance(scenario: s.Scenario, seed: int) -> dict[str, Any]:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode()
    preset = preset_file("treadmills", scenario.treadmill.preset)
    return {
        "treadbench": __version__,
        "scenario_sha256": hashlib.sha256(canonical).hexdigest(),
        "seed": seed,
        "treadmill_preset": scenario.treadmill.preset,
        "preset_sha256": hashlib.sha256(preset.read_bytes()).hexdigest(),
        "preset_sources": dict(sorted(scenario.treadmill.sources.items())),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
    }


def run_scenario(
    scenario: s.Scenario | str | Path, seed: int | None = None, scenario_id: str | None = None
) -> RunResult:
    """Run one scenario (a Scenario or a path to its TOML file) and judge its checks."""
    if not isinstance(scenario, s.Scenario):
        path = Path(scenario)
        scenario = load_scenario(path)
        scenario_id = scenario_id or path.stem
    seed = scenario.seed if seed is None else seed
    run = build(scenario, seed)
    execute(run)
    return collect(run, scenario_id or scenario.name, seed)
