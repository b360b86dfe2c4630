"""Benchmark: a 20-minute backward walking session against a bare SimPy loop.

(b) chopper_home treadmill, a backward walker (the minimal walker, or with --walker gait
    the young adult's gait walker) at 0.8 -> 1.0 -> 1.5 mph, the console controller at
    50 Hz, a 100 Hz trace and three online checks, for 1200 simulated seconds;
(a) a bare SimPy loop processing as many events as (b) did.
Both run in this one process, several times, and the best of each is kept: the ratio of
the two is what to compare across machines. Prints a Markdown table and a short profile.

    python benchmarks/bench_session.py [--walker minimal|gait] [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

import simpy

from sim.runner.single import build, execute
from sim.scenario.loader import scenario_from_dict

SESSION_S = 1200.0


WALKERS = {
    "minimal": {"mass_kg": 80.0, "height_m": 1.75, "facing": "backward", "position_m": 0.55},
    "gait": {"model": "gait", "profile": "young_adult", "facing": "backward",
             "position_m": 0.55},
}  # fmt: skip


def session(trace_hz: float = 100.0, walker: str = "minimal") -> dict:
    return {
        "name": "20-minute backward session",
        "duration_s": SESSION_S,
        "trace_hz": trace_hz,
        "treadmill": {"preset": "chopper_home"},
        "walker": WALKERS[walker],
        "controller": {"policy": "console_baseline", "rate_hz": 50.0},
        "timeline": [
            {"at_s": 1.0, "action": "set_speed", "speed_mph": 0.8},
            {"at_s": 120.0, "action": "set_speed", "speed_mph": 1.0},
            {"at_s": 600.0, "action": "set_speed", "speed_mph": 1.5},
            {"at_s": 1190.0, "action": "set_speed", "speed_mph": 0.0},
        ],
        "checks": {"rear_clearance": {}, "overspeed": {}, "motor_peak_current": {}},
    }


def run_session(trace_hz: float = 100.0, walker: str = "minimal") -> tuple[float, int, int]:
    """(seconds, SimPy events processed, trace samples) for one session."""
    run = build(scenario_from_dict(session(trace_hz, walker)), seed=0)
    t0 = time.perf_counter()
    execute(run)
    return time.perf_counter() - t0, run.kernel.events_processed, run.kernel.trace.count


def bare_simpy(n_events: int) -> float:
    """Seconds for SimPy to process n_events timeouts from one process, nothing else."""
    env = simpy.Environment()
    step = int(SESSION_S * 1e6) // n_events

    def proc(env):
        for _ in range(n_events - 1):  # the process start is the first event
            yield env.timeout(step)

    env.process(proc(env))
    t0 = time.perf_counter()
    env.run()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--walker", choices=sorted(WALKERS), default="minimal")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    best_b, events, samples = min(run_session(walker=args.walker) for _ in range(args.repeat))
    best_a = min(bare_simpy(events) for _ in range(args.repeat))
    sparse, _, sparse_samples = min(
        run_session(trace_hz=1.0, walker=args.walker) for _ in range(args.repeat)
    )
    per_sample_us = (best_b - sparse) / (samples - sparse_samples) * 1e6

    print("| measure | value |")
    print("|---|---|")
    print(f"| (b) session, simulated ({args.walker} walker) | {SESSION_S:.0f} s |")
    print(f"| (b) wall time | {best_b:.3f} s |")
    print(f"| (b) realtime factor | {SESSION_S / best_b:,.0f}x |")
    print(f"| SimPy events processed by (b) | {events:,} |")
    print(f"| (b) events per second | {events / best_b:,.0f} |")
    print(f"| (a) bare SimPy, same events | {best_a:.3f} s ({SESSION_S / best_a:,.0f}x) |")
    print(f"| ratio (b)/(a) | {best_b / best_a:.2f} |")
    print(f"| trace samples (100 Hz) | {samples:,} |")
    print(f"| trace cost per sample (100 Hz vs 1 Hz runs) | {per_sample_us:.2f} us |")

    if args.profile:
        run = build(scenario_from_dict(session(walker=args.walker)), seed=0)
        profiler = cProfile.Profile()
        profiler.runcall(execute, run)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print("\n```\n" + out.getvalue().strip() + "\n```")


if __name__ == "__main__":
    main()
