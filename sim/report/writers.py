"""Writers format a RunResult; they never judge it. Every file is written to a temporary
name beside its target and renamed into place, so a reader never sees half a file."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from sim.report.plot import plot_run
from sim.report.result import RunResult, unit_of
from sim.runner.monte_carlo import MonteCarloResult
from sim.units import mps_to_mph


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def result_json(result: RunResult | MonteCarloResult) -> bytes:
    return (json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n").encode()


def trace_npz(result: RunResult) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **result.trace)
    return buf.getvalue()


def write_run(result: RunResult, out_dir: Path) -> list[Path]:
    """result.json, trace.npz, summary.md and plot.png in out_dir."""
    return _write_rendered(out_dir, result_json(result), result, summary_markdown(result))


def write_monte_carlo(result: MonteCarloResult, out_dir: Path) -> list[Path]:
    """The aggregate result.json (per-run summaries inside it) and summary.md; trace.npz and
    plot.png show run 0."""
    return _write_rendered(out_dir, result_json(result), result.first, monte_carlo_markdown(result))


def _write_rendered(out_dir: Path, result: bytes, shown: RunResult, summary: str) -> list[Path]:
    """Everything is rendered in memory first, then each file written atomically, so a
    failure leaves the files of an earlier run as they were. `shown`: the run whose trace
    and plot are written."""
    rendered = {
        "result.json": result,
        "trace.npz": trace_npz(shown),
        "summary.md": summary.encode(),
        "plot.png": plot_run(shown),
    }
    paths = []
    for name, data in rendered.items():
        atomic_write(out_dir / name, data)
        paths.append(out_dir / name)
    return paths


def monte_carlo_markdown(result: MonteCarloResult) -> str:
    ok = "as expected" if result.as_expected else "NOT as expected"
    n = len(result.runs)
    lines = [
        f"# {result.scenario_name}",
        "",
        f"Scenario `{result.scenario_id}`, seed {result.seed}, {n} runs: verdicts {ok}.",
        "",
        "## Checks across the runs",
        "",
        *_check_table(result.checks),
        "",
        "## Outcomes",
        "",
        "| outcome | runs |",
        "|---|---|",
    ]
    counts: dict[str, int] = {}
    for r in result.runs:
        for _, kind, d in r.events:
            if kind == "walker.fall":
                label = f"fall {d['direction']}, {d['place']}"
            elif kind == "walker.recovered":
                label = d["outcome"]
            else:
                continue
            counts[label] = counts.get(label, 0) + 1
    lines += [f"| {k} | {v} |" for k, v in sorted(counts.items())]
    lines += ["", "The trace and plot beside this file show run 0.", ""]
    return "\n".join(lines)


def _check_table(checks) -> list[str]:
    lines = [
        "| check | value | limit | verdict | expected | | evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        mark = "✓" if c.as_expected else "✗"
        lines.append(
            f"| {c.name} | {c.value_text} | {c.limit_text} | {c.verdict.label} "
            f"| {c.expected.label} | {mark} | {c.evidence['message']} |"
        )
    return lines


def summary_markdown(result: RunResult) -> str:
    ok = "as expected" if result.as_expected else "NOT as expected"
    lines = [
        f"# {result.scenario_name}",
        "",
        f"Scenario `{result.scenario_id}`, seed {result.seed}: every verdict {ok}."
        if result.as_expected
        else f"Scenario `{result.scenario_id}`, seed {result.seed}: verdicts {ok}.",
        "",
        "## Checks",
        "",
        *_check_table(result.checks),
    ]
    lines += ["", "## Events", "", "| t (s) | event | details |", "|---|---|---|"]
    for t, kind, details in result.events:
        text = ", ".join(f"{k} = {_detail(k, v)}" for k, v in details.items())
        lines.append(f"| {t:.6f} | {kind} | {text} |")
    lines += ["", "## Energy (J)", "", "| term | J |", "|---|---|"]
    lines += [f"| {k} | {v:.6g} |" for k, v in result.energy_j.items()]
    lines += ["", "## Trace", "", "| signal | unit | min | max |", "|---|---|---|---|"]
    for name, ch in result.trace_summary()["channels"].items():
        lines.append(f"| {name} | {unit_of(name)} | {ch['min']:.4g} | {ch['max']:.4g} |")
    p = result.provenance
    lines += [
        "",
        "## Provenance",
        "",
        f"treadbench {p['treadbench']}, Python {p['python']}, numpy {p['numpy']}, "
        f"simpy {p['simpy']}; scenario sha256 `{p['scenario_sha256'][:16]}…`; "
        f"treadmill preset `{p['treadmill_preset']}`.",
        "",
        "Preset sources:",
        "",
    ]
    lines += [f"- `{k}`: {v}" for k, v in p["preset_sources"].items()]
    return "\n".join(lines) + "\n"


def _detail(key: str, value: object) -> str:
    if isinstance(value, float):
        if key.endswith("_mps"):
            return f"{value:.4g} m/s ({mps_to_mph(value):.2f} mph)"
        return f"{value:.6g}"
    return str(value)
