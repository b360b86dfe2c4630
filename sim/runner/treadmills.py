"""`treadbench compare`: one walker, one timeline, several treadmills, side by side.

Each treadmill preset replaces the scenario's own; the walker (the profile given, with the
scenario walker's own overrides on top, facing and walking as it says) keeps its actions,
and the set-points and console inputs apply to motorized (and lab servo) presets only. On a belt it
drives, the walker seeks its intended speed: the scenario walker's `pace_mps`, else the
highest set-point of the timeline (the speed the session works up to), else its own
preferred speed. Its hands hold the rails or handle
where they drive the belt (flat manual, decline trainer); on the curve its feet do. On the
decline trainer it faces the handle and walks backward: only backward walking is possible.

Every preset runs the same N runs with the same seed, so run i draws the same walker on
each (common random numbers): fall counts are compared with the first preset by McNemar's
exact test on the runs where only one of the two fell.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.checks.registry import REGISTRY
from sim.presets import load_preset
from sim.runner.monte_carlo import MonteCarloResult, run_many
from sim.scenario.loader import ScenarioError, scenario_from_dict
from sim.scenario.schema import ACTION_MODELS, POWERED_ACTIONS, SetSpeed
from sim.stats import mcnemar_exact, wilson_interval

UNPOWERED_KINDS = ("manual_flat", "decline_trainer", "curved")
POWERED_ACTION_NAMES = {n for n, m in ACTION_MODELS.items() if issubclass(m, POWERED_ACTIONS)}
HANDLE_REACH_M = 0.3  # unsourced: on the decline trainer it stands this far behind its handle
STOPS = ("clip.release", "power.lost", "bus.overvoltage")  # what starts a stop, and
# a set-point of zero


@dataclass
class TreadmillRow:
    preset: str
    kind: str
    result: MonteCarloResult
    figures: dict[str, Any]  # the compared numbers, JSON-ready


def variant(raw: dict[str, Any], source: str, preset: str, profile: str, runs: int):
    """The scenario table with `preset` for its treadmill and `profile` for its walker. The
    scenario is validated first, so a bad file fails as `treadbench run` would fail it."""
    base = scenario_from_dict(copy.deepcopy(raw), source=source)
    if base.walker is None:
        raise ScenarioError([f"{source}: walker: compare needs a [walker] to put on each"])
    tm = load_preset("treadmills", preset)  # KeyError for an unknown preset
    kind = tm["kind"]
    data = copy.deepcopy(raw)
    data.pop("runs_max", None)
    data["runs"] = runs
    data["name"] = f"{base.name} [{preset}]"
    overrides = {k: v for k, v in raw["treadmill"].items() if k != "preset"}
    same_kind = kind == base.treadmill.kind  # its own settings (mains, relay) then still apply
    data["treadmill"] = {"preset": preset} | (overrides if same_kind else {})
    walker = dict(data["walker"])
    backward = getattr(base.walker, "walks_backward", base.walker.facing == "backward")
    walker.update(model="gait", profile=profile)  # its own overrides (a mass) still apply
    walker.pop("walks", None)
    walker["facing"] = "backward" if backward else "forward"
    position = base.walker.position_m / base.treadmill.deck.length_m * tm["deck"]["length_m"]
    if kind in UNPOWERED_KINDS:
        set_points = [a.mps for a in base.timeline if isinstance(a, SetSpeed) and a.mps > 0.0]
        if "pace_mps" not in walker and set_points:
            walker["pace_mps"] = max(set_points)
        walker["hands"] = 0 if kind == "curved" else 2
        data["timeline"] = [a for a in data.get("timeline", [])
                            if a["action"] not in POWERED_ACTION_NAMES]  # fmt: skip
    if kind == "decline_trainer":
        if not backward:
            raise ScenarioError([f"{source}: walker: a decline trainer is walked backward only"])
        walker.update(facing="forward", walks="backward")
        position = min(position, tm["handrails"]["rear_x_m"] + HANDLE_REACH_M)
    walker["position_m"] = round(position, 3)
    data["walker"] = walker
    motorized = kind == "motorized"
    checks = {n: c for n, c in raw["checks"].items()
              if motorized or not REGISTRY[n].motorized_only}  # fmt: skip
    checks.setdefault("fall_risk", {})
    if kind in UNPOWERED_KINDS or "pace_mps" in walker:
        checks.setdefault("push_force_required", {})
    data["checks"] = checks
    data["expect_fail"] = [n for n in base.expect_fail if n in checks]
    dropped = sorted(overrides) if overrides and not same_kind else []
    return scenario_from_dict(data, source=f"{source} [{preset}]"), dropped


def compare_treadmills(
    raw: dict[str, Any], source: str, presets: list[str], profile: str, runs: int, seed: int
) -> list[TreadmillRow]:
    """Run the scenario's walker and timeline on each preset, N runs on the same streams."""
    variants = [(p, *variant(raw, source, p, profile, runs)) for p in presets]
    rows = []
    for preset, sc, dropped in variants:
        result = run_many(sc, runs, seed, sc.name)
        row = TreadmillRow(preset, sc.treadmill.kind, result, figures(result))
        row.figures["treadmill_overrides_not_applied"] = dropped  # another kind's settings
        rows.append(row)
    reference = [_fell(r) for r in rows[0].result.runs]
    for row in rows:
        fell = [_fell(r) for r in row.result.runs]
        only_ref = sum(a and not b for a, b in zip(reference, fell, strict=True))
        only_this = sum(b and not a for a, b in zip(reference, fell, strict=True))
        row.figures["falls_vs_first"] = {
            "only_first": only_ref,
            "only_this": only_this,
            "mcnemar_p": mcnemar_exact(only_ref, only_this),
        }
    return rows


def _fell(result) -> bool:
    return any(kind == "walker.fall" for _, kind, _ in result.events)


def _stop_time(result) -> float | None:
    """When the first stop began: a clip pull, a power cut, a trip, a zero set-point."""
    for t_s, kind, details in result.events:
        if kind in STOPS or (kind == "user.set_speed" and details.get("speed_mps") == 0.0):
            return t_s
    return None


def _steady(result) -> np.ndarray:
    """The second half of the run before anything stops the belt: the walker has reached
    its pace by then."""
    t = result.trace["t_s"]
    end = _stop_time(result)
    end = t[-1] if end is None else end
    return (t >= 0.5 * end) & (t <= end)


def figures(result: MonteCarloResult) -> dict[str, Any]:
    """The numbers `compare` shows for one preset, over its runs (`_steady` for the steady
    figures)."""
    speeds, swings, pushes, mets = [], [], [], []
    for run in result.runs:
        tr, late = run.trace, _steady(run)
        t, s = tr["t_s"][late], tr["belt_position_m"][late]
        if len(t) > 1:  # a stop at the very start leaves no steady window
            speeds.append(abs(s[-1] - s[0]) / (t[-1] - t[0]))
            swings.append(float(np.std(tr["belt_speed_mps"][late])))
        if "push_needed_n" in tr:
            pushes.append(float(np.mean(tr["push_needed_n"][late])))
        if run.walker_energy and run.walker_energy.get("mean_met") is not None:
            mets.append(run.walker_energy["mean_met"])
    falls = sum(_fell(r) for r in result.runs)
    n = len(result.runs)
    lo, hi = wilson_interval(falls, n)

    def peak(signal: str, after_stop: bool = False) -> float | None:
        """Its largest magnitude over the runs (from the first stop on)."""
        values = []
        for r in result.runs:
            start = _stop_time(r) if after_stop else 0.0
            if signal in r.trace and start is not None:
                values.append(np.abs(r.trace[signal][r.trace["t_s"] >= start]).max())
        return float(max(values)) if values else None

    def mean_energy(*keys: str) -> float | None:
        present = [sum(r.energy_j[k] for k in keys if k in r.energy_j) for r in result.runs
                   if any(k in r.energy_j for k in keys)]  # fmt: skip
        return float(np.mean(present)) if present else None

    return {
        "runs": n,
        "mean_speed_mps": float(np.mean(speeds)) if speeds else None,
        "speed_swing_mps": float(np.mean(swings)) if swings else None,  # sd in the window
        "push_needed_n": float(np.mean(pushes)) if pushes else None,
        "walker_met": float(np.mean(mets)) if mets else None,
        "brake_heat_j": mean_energy("brake", "brake_resistor"),
        "motor_copper_j": mean_energy("motor_copper"),
        "peak_stop_decel_mps2": peak("belt_decel_mps2", after_stop=True),
        "peak_motor_current_a": peak("motor_current_a"),
        "falls": falls,
        "fall_risk": falls / n,
        "fall_risk_interval": [lo, hi],
        "checks": {c.name: c.verdict.label for c in result.checks},
    }


def comparison_dict(rows: list[TreadmillRow], scenario: Path, profile: str, seed: int) -> dict:
    return {
        "scenario": str(scenario),
        "walker": profile,
        "seed": seed,
        "runs": rows[0].figures["runs"],
        "treadmills": [{"preset": r.preset, "kind": r.kind} | r.figures for r in rows],
    }


def comparison_markdown(rows: list[TreadmillRow], scenario: Path, profile: str) -> str:
    """The side-by-side table, as Markdown."""
    header = ["", *(f"{r.preset} ({r.kind})" for r in rows)]
    lines = [f"# {profile} on {len(rows)} treadmills: {scenario.name}", "",
             f"{rows[0].figures['runs']} runs each, common random numbers.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]  # fmt: skip
    for label, cells in table_rows(rows):
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines) + "\n"


def table_rows(rows: list[TreadmillRow]) -> list[tuple[str, list[str]]]:
    """(label, one cell per treadmill) for every compared figure and check."""

    def cell(value: float | None, fmt: str) -> str:
        return "—" if value is None else fmt.format(value)

    out: list[tuple[str, list[str]]] = []
    f = [r.figures for r in rows]
    out.append(
        (
            "belt speed (m/s, mean ± swing)",
            [
                "—"
                if x["mean_speed_mps"] is None
                else f"{x['mean_speed_mps']:.3f} ± {x['speed_swing_mps']:.3f}"
                for x in f
            ],
        )
    )
    out.append(("push needed at its pace (N)", [cell(x["push_needed_n"], "{:.0f}") for x in f]))
    out.append(("walker energy (MET)", [cell(x["walker_met"], "{:.1f}") for x in f]))
    out.append(("brake heat (J)", [cell(x["brake_heat_j"], "{:.0f}") for x in f]))
    out.append(("motor copper (J)", [cell(x["motor_copper_j"], "{:.0f}") for x in f]))
    out.append(
        (
            "peak deceleration on a stop (m/s²)",
            [cell(x["peak_stop_decel_mps2"], "{:.2f}") for x in f],
        )
    )
    out.append(("peak motor current (A)", [cell(x["peak_motor_current_a"], "{:.1f}") for x in f]))
    out.append(("fall risk (95 % interval)",
                [f"{x['falls']}/{x['runs']} ({100 * x['fall_risk_interval'][0]:.0f}–"
                 f"{100 * x['fall_risk_interval'][1]:.0f} %)" for x in f]))  # fmt: skip
    out.append(
        ("falls vs the first (McNemar p)", [f"{x['falls_vs_first']['mcnemar_p']:.2g}" for x in f])
    )
    names = sorted({n for x in f for n in x["checks"]})
    for name in names:
        out.append((f"check {name}", [x["checks"].get(name, "—") for x in f]))
    return out
