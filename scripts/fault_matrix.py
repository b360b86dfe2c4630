"""Which faults each built-in policy survives: one base scenario per kind of policy, each
fault injected in turn, "survived" when every check that passes without the fault still
passes with it. The walking base uses the minimal walker, so it judges the hardware and
drive checks; how walkers fare is in the policies' own scenarios (scenarios/control/).
Prints a Markdown table (the README's).

    .venv/bin/python scripts/fault_matrix.py
"""

from __future__ import annotations

import copy
from typing import Any

from sim import run_scenario
from sim.scenario.loader import scenario_from_dict

MOTION = {
    "name": "fault matrix: walking backward, 1.0 then 2.0 mph, the clip pulled at 26 s",
    "duration_s": 30.0,
    "treadmill": {"preset": "chopper_home", "watchdog": {"timeout_s": 0.2},
                  "sensors": {"walker_position": {}}},
    "walker": {"mass_kg": 80.0, "height_m": 1.75, "facing": "backward", "position_m": 0.55},
    "timeline": [
        {"at_s": 1.0, "action": "set_speed", "speed_mph": 1.0},
        {"at_s": 12.0, "action": "set_speed", "speed_mph": 2.0},
        {"at_s": 26.0, "action": "pull_clip"},
    ],
    "checks": {name: {} for name in (
        "clip_stop_latency", "belt_travel_after_release", "max_deceleration_after_release",
        "overspeed", "rear_clearance", "watchdog_latency", "uncommanded_motion")},
}  # fmt: skip
PUSHED = {
    "name": "fault matrix: a walker pushing an idle two-quadrant belt at 3 km/h",
    "duration_s": 30.0,
    "treadmill": {"preset": "two_quadrant_bare", "relay": {"kind": "none"},
                  "watchdog": {"timeout_s": 0.2}},
    "walker": {"model": "gait", "profile": "young_adult", "facing": "backward",
               "position_m": 0.5, "hands": 2, "spread_scale": 0.0, "pace_mps": 0.8333},
    "checks": {name: {} for name in (
        "backfed_energy", "relay_switching", "bus_voltage", "motor_peak_current",
        "winding_temperature", "watchdog_latency")},
}  # fmt: skip
POLICIES = {  # policy -> (base, params, the sensor it leans on, that sensor's noise sd)
    "console_baseline": (MOTION, {}, "drive_ready", None),
    "safe_backward": (MOTION, {}, "walker_position_m", 0.05),
    "auto_pace": (MOTION, {"home_m": 0.55}, "walker_position_m", 0.05),
    "guarded_auto_pace": (MOTION, {"home_m": 0.55}, "walker_position_m", 0.05),
    "deadmill_guard": (PUSHED, {}, "belt_speed_mps", 0.2),
}
FAULTS = (
    "sensor_dropout", "sensor_stuck", "sensor_noise", "sensor_delay", "controller_hang",
    "controller_hang without a watchdog", "command_latency", "power_loss", "brownout",
    "stuck_clip_switch", "welded_relay",
)  # fmt: skip


def fault_entry(fault: str, sensor: str, sd: float | None) -> dict[str, Any] | None:
    """The fault during the speed-up (12-18 s), or from the start for the hardware ones."""
    fault = fault.split()[0]
    entry: dict[str, Any] = {"fault": fault, "at_s": 12.0, "duration_s": 6.0}
    if fault.startswith("sensor_"):
        entry["sensor"] = sensor
    if fault == "sensor_noise":
        if sd is None:
            return None  # a switch has no noise
        entry["sd"] = sd
    if fault == "sensor_delay":
        entry["delay_s"] = 1.0
    if fault == "command_latency":
        entry["latency_s"] = 0.3
    if fault == "controller_hang":
        del entry["duration_s"]
    if fault in ("power_loss", "brownout"):
        entry.update(at_s=20.0, duration_s=2.0 if fault == "power_loss" else 0.5)
    if fault in ("stuck_clip_switch", "welded_relay"):
        entry = {"fault": fault, "at_s": 0.0}
    return entry


def failing(raw: dict[str, Any]) -> set[str]:
    result = run_scenario(scenario_from_dict(raw))
    return {c.name for c in result.checks if c.verdict.label != "pass"}


def main() -> None:
    print("| policy | " + " | ".join(f.replace("_", " ") for f in FAULTS) + " |")
    print("|---" * (len(FAULTS) + 1) + "|")
    for policy, (base, params, sensor, sd) in POLICIES.items():
        raw = copy.deepcopy(base)
        raw["controller"] = {"policy": policy, "params": params}
        before = failing(raw)
        cells = []
        for fault in FAULTS:
            entry = fault_entry(fault, sensor, sd)
            if entry is None:
                cells.append("n/a")
                continue
            faulty = raw | {"faults": [entry]}
            if fault.endswith("without a watchdog"):
                faulty["treadmill"] = {k: v for k, v in raw["treadmill"].items() if k != "watchdog"}
            new = failing(faulty) - before
            cells.append("survives" if not new else "**fails** " + ", ".join(sorted(new)))
        note = f" (fails without a fault: {', '.join(sorted(before))})" if before else ""
        print(f"| {policy}{note} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
