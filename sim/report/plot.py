"""The run plot: belt speed and set-points, walker position on the deck, motor current and
bus voltage, with the logged events marked."""

from __future__ import annotations

import io

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.report.result import RunResult  # noqa: E402

MARKED = {
    "user.set_speed": "tab:blue",
    "user.set_incline": "tab:cyan",
    "clip.release": "tab:red",
    "drive.cut": "tab:orange",
    "belt.stopped": "tab:green",
    "walker.stop_walking": "tab:purple",
    "belt.set_speed": "tab:blue",
    "walker.recovery_step": "tab:olive",
    "walker.fall": "tab:red",
    "walker.off_deck": "black",
    "power.lost": "tab:brown",
    "reset": "tab:gray",
    "bus.overvoltage": "tab:pink",
}
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": 8, "frameon": False}


# Panels below the speed and deck panels: (y label, [(signal, label, colour)]), each shown
# when the run traced its signals (a lab servo has no motor; a gait walker has feet).
SIGNAL_PANELS = (
    ("incline (%)", [("incline_pct", "incline", "tab:brown")]),
    ("walker forces (N)", [("foot_force_n", "stance foot on belt", "tab:purple"),
                           ("hand_force_n", "handrail on walker", "tab:green")]),
    ("servo force (N)", [("servo_force_n", "servo", "tab:orange")]),
    ("motor current (A)", [("motor_current_a", "motor current", "tab:orange")]),
    ("bus voltage (V)", [("bus_voltage_v", "bus voltage", "tab:olive")]),
)  # fmt: skip
SPEEDS = (("belt_speed_mps", "belt speed", "-", "black"),
          ("drive_reference_mps", "drive reference", "--", "tab:blue"),
          ("target_speed_mps", "target", ":", "tab:cyan"))  # fmt: skip


def plot_run(result: RunResult) -> bytes:
    """The figure as PNG bytes (the caller writes them atomically)."""
    tr = result.trace
    t = tr["t_s"]
    has_walker = "walker_x_m" in tr
    panels_below = [(label, [s for s in lines if s[0] in tr]) for label, lines in SIGNAL_PANELS]
    panels_below = [(label, lines) for label, lines in panels_below if lines]
    rows = 1 + has_walker + len(panels_below)
    fig, axes = plt.subplots(rows, 1, figsize=(11, 2.0 * rows + 0.9), sharex=True)
    panels = iter(axes)

    ax = next(panels)
    for name, label, style, color in SPEEDS:
        if name in tr:
            ax.plot(t, tr[name], style, label=label, color=color)
    ax.set_ylabel("speed (m/s)")
    ax.legend(**LEGEND)

    if has_walker:
        ax = next(panels)
        rear_foot = result.deck_length_m - tr["rear_clearance_m"]
        ax.plot(t, tr["walker_x_m"], label="centre of mass", color="tab:purple")
        if "xcom_x_m" in tr:
            ax.plot(t, tr["xcom_x_m"], lw=0.8, label="XCoM", color="tab:pink")
        ax.plot(t, rear_foot, label="rearmost foot", color="tab:purple", alpha=0.5)
        if result.clip_release_x_m is not None:
            ax.plot(t, tr["clip_x_m"], ":", label="clip point", color="tab:red")
            ax.axhline(result.clip_release_x_m, color="tab:red", ls="--", lw=1,
                       label="clip release point")  # fmt: skip
        ax.axhline(0.0, color="gray", lw=1, label="deck front")
        ax.axhline(result.deck_length_m, color="black", lw=1.5, label="deck rear end")
        ax.set_ylabel("deck position (m)\nfront 0 → rear")
        ax.set_ylim(result.deck_length_m + 0.3, -0.1)  # rear at the bottom, as seen from the side
        ax.legend(**LEGEND)

    for ylabel, lines in panels_below:
        ax = next(panels)
        for name, label, color in lines:
            ax.plot(t, tr[name], label=label, color=color)
        ax.axhline(0.0, color="gray", lw=0.5)
        ax.set_ylabel(ylabel)
        if len(lines) > 1:
            ax.legend(**LEGEND)
    axes[-1].set_xlabel("time (s)")

    seen = []
    for ts, kind, _ in result.events:
        color = MARKED.get(kind)
        if color:
            seen.append(kind)
            for a in axes:
                a.axvline(ts, color=color, lw=0.8, alpha=0.7)
    kinds = [k for k in MARKED if k in seen]
    if kinds:
        handles = [plt.Line2D([], [], color=MARKED[k], lw=1) for k in kinds]
        fig.legend(handles, kinds, loc="lower center", ncol=min(len(kinds), 5), fontsize=8)
    fig.suptitle(result.scenario_name, fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _png(fig)


def _png(fig) -> bytes:
    """The figure as PNG bytes, closed; no software stamp, so the same figure gives the
    same bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def plot_comparison(rows) -> bytes:
    """`treadbench compare`'s figure: run 0's belt speed on each treadmill, and each one's
    fall risk with its 95 % interval."""
    fig, (speed, risk) = plt.subplots(2, 1, figsize=(11, 7), gridspec_kw={"height_ratios": [2, 1]})
    for row in rows:
        tr = row.result.runs[0].trace
        speed.plot(tr["t_s"], np.abs(tr["belt_speed_mps"]), lw=0.8,
                   label=f"{row.preset} ({row.kind})")  # fmt: skip
    speed.set(xlabel="time (s)", ylabel="|belt speed| (m/s)", title="run 0, belt speed")
    speed.legend(**LEGEND)
    names = [r.preset for r in rows]
    p = np.array([r.figures["fall_risk"] for r in rows])
    lo = np.array([r.figures["fall_risk_interval"][0] for r in rows])
    hi = np.array([r.figures["fall_risk_interval"][1] for r in rows])
    risk.bar(names, 100 * p, yerr=100 * np.vstack([p - lo, hi - p]), capsize=4, color="tab:red")
    runs = rows[0].figures["runs"]
    risk.set(ylabel="fall risk (%)", title=f"falls in {runs} runs, 95 % interval")
    fig.tight_layout()
    return _png(fig)
