"""The run plot: belt speed and set-points, walker position on the deck, motor current and
bus voltage, with the logged events marked."""

from __future__ import annotations

import io

import matplotlib

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
    "walker.off_deck": "black",
    "power.lost": "tab:brown",
    "reset": "tab:gray",
    "bus.overvoltage": "tab:pink",
}
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": 8, "frameon": False}


def plot_run(result: RunResult) -> bytes:
    """The figure as PNG bytes (the caller writes them atomically)."""
    tr = result.trace
    t = tr["t_s"]
    has_walker = "walker_x_m" in tr
    rows = 5 if has_walker else 4
    fig, axes = plt.subplots(rows, 1, figsize=(11, 2.0 * rows + 0.9), sharex=True)
    panels = iter(axes)

    ax = next(panels)
    ax.plot(t, tr["belt_speed_mps"], label="belt speed", color="black")
    ax.plot(t, tr["drive_reference_mps"], "--", label="drive reference", color="tab:blue")
    ax.plot(t, tr["target_speed_mps"], ":", label="controller target", color="tab:cyan")
    ax.set_ylabel("speed (m/s)")
    ax.legend(**LEGEND)

    if has_walker:
        ax = next(panels)
        rear_foot = result.deck_length_m - tr["rear_clearance_m"]
        ax.plot(t, tr["walker_x_m"], label="centre of mass", color="tab:purple")
        ax.plot(t, rear_foot, label="rearmost foot", color="tab:purple", alpha=0.5)
        ax.plot(t, tr["clip_x_m"], ":", label="clip point", color="tab:red")
        ax.axhline(0.0, color="gray", lw=1, label="deck front")
        ax.axhline(result.deck_length_m, color="black", lw=1.5, label="deck rear end")
        if result.clip_release_x_m is not None:
            ax.axhline(result.clip_release_x_m, color="tab:red", ls="--", lw=1,
                       label="clip release point")  # fmt: skip
        ax.set_ylabel("deck position (m)\nfront 0 → rear")
        ax.set_ylim(result.deck_length_m + 0.3, -0.1)  # rear at the bottom, as seen from the side
        ax.legend(**LEGEND)

    ax = next(panels)
    ax.plot(t, tr["incline_pct"], color="tab:brown")
    ax.set_ylabel("incline (%)")

    ax = next(panels)
    ax.plot(t, tr["motor_current_a"], color="tab:orange")
    ax.axhline(0.0, color="gray", lw=0.5)
    ax.set_ylabel("motor current (A)")

    ax = next(panels)
    ax.plot(t, tr["bus_voltage_v"], color="tab:olive")
    ax.set_ylabel("bus voltage (V)")
    ax.set_xlabel("time (s)")

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
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
