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
    "clip.release": "tab:red",
    "drive.cut": "tab:orange",
    "belt.stopped": "tab:green",
    "walker.stop_walking": "tab:purple",
    "walker.off_deck": "black",
    "power.lost": "tab:brown",
    "reset": "tab:gray",
    "bus.overvoltage": "tab:pink",
}


def plot_run(result: RunResult) -> bytes:
    """The figure as PNG bytes (the caller writes them atomically)."""
    tr = result.trace
    t = tr["t_s"]
    has_walker = "walker_x_m" in tr
    rows = 4 if has_walker else 3
    fig, axes = plt.subplots(rows, 1, figsize=(10, 2.2 * rows + 0.8), sharex=True)
    ax = axes[0]
    ax.plot(t, tr["belt_speed_mps"], label="belt speed", color="black")
    ax.plot(t, tr["drive_reference_mps"], "--", label="drive reference", color="tab:blue")
    ax.plot(t, tr["target_speed_mps"], ":", label="controller target", color="tab:cyan")
    ax.set_ylabel("speed (m/s)")
    ax.legend(loc="upper right", fontsize=8)
    i = 1
    if has_walker:
        ax = axes[i]
        i += 1
        rear_foot = result.deck_length_m - tr["rear_clearance_m"]
        ax.plot(t, tr["walker_x_m"], label="centre of mass", color="tab:purple")
        ax.plot(t, rear_foot, label="rearmost foot", color="tab:purple", alpha=0.5)
        ax.axhline(0.0, color="gray", lw=1)
        ax.axhline(result.deck_length_m, color="black", lw=1.5, label="deck ends")
        if result.clip_release_x_m is not None:
            ax.axhline(result.clip_release_x_m, color="tab:red", ls="--", lw=1,
                       label="clip release point")  # fmt: skip
        ax.set_ylabel("deck position (m)\nfront 0 → rear")
        ax.set_ylim(result.deck_length_m + 0.3, -0.1)  # rear at the bottom, as seen from the side
        ax.legend(loc="upper right", fontsize=8)
    ax = axes[i]
    ax.plot(t, tr["motor_current_a"], color="tab:orange")
    ax.axhline(0.0, color="gray", lw=0.5)
    ax.set_ylabel("motor current (A)")
    ax = axes[i + 1]
    ax.plot(t, tr["bus_voltage_v"], color="tab:olive")
    ax.set_ylabel("bus voltage (V)")
    ax.set_xlabel("time (s)")
    for ts, kind, _ in result.events:
        color = MARKED.get(kind)
        if color:
            for a in axes:
                a.axvline(ts, color=color, lw=0.8, alpha=0.7)
    handles = [plt.Line2D([], [], color=c, lw=1) for k, c in MARKED.items()]
    seen = {kind for _, kind, _ in result.events}
    keep = [(h, k) for h, k in zip(handles, MARKED, strict=True) if k in seen]
    if keep:
        fig.legend([h for h, _ in keep], [k for _, k in keep], loc="lower center",
                   ncol=min(len(keep), 5), fontsize=8)  # fmt: skip
    fig.suptitle(result.scenario_name, fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
