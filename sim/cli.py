"""The `treadbench` command. Thin commands over the library: parse, run, write, exit code.

Exit codes follow pytest: 0 every verdict as expected, 1 a verdict not as expected,
2 interrupted, 3 a scenario raised (internal error), 4 usage or input error, 5 nothing to
run. Over many scenarios the worst wins: 4 > 3 > 2 > 1 > 0.
"""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

import drivers
from sim import __version__
from sim.checks.registry import REGISTRY
from sim.control.api import ControllerError, controller_factory
from sim.presets import load_preset, preset_names
from sim.report.plot import plot_comparison
from sim.report.result import RunResult
from sim.report.writers import atomic_write, write_monte_carlo, write_run
from sim.runner.monte_carlo import MonteCarloResult, planned_runs, run_many
from sim.runner.single import ScenarioCrash, build, collect, execute
from sim.runner.treadmills import (
    compare_treadmills,
    comparison_dict,
    comparison_markdown,
    table_rows,
)
from sim.scenario.library import ScenarioFile, discover
from sim.scenario.loader import ScenarioError, load_scenario, load_scenario_table

OK, FAILED, INTERRUPTED, INTERNAL, USAGE, NO_TESTS = 0, 1, 2, 3, 4, 5
_SIGN = {"max": "<=", "min": ">="}
_SEVERITY = {OK: 0, FAILED: 1, INTERRUPTED: 2, INTERNAL: 3, USAGE: 4, NO_TESTS: -1}

app = typer.Typer(add_completion=False, no_args_is_help=True)
out = Console()
if not out.is_terminal:
    out.width = 140  # logs and CI: wide enough for the result tables, never cut at 80


def _version(value: bool) -> None:
    if value:
        print(f"treadbench {__version__}")
        raise typer.Exit(OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Simulate a treadmill and a walker through scenarios and check clip stops, where the
    walker ends up on the deck, and the motor and its drive."""


def _error(text: str) -> None:
    """Plain text on stderr: never wrapped or styled, so paths and messages stay whole."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


PathsArg = Annotated[
    list[Path], typer.Argument(help="Scenario files or folders (searched for *.toml).")
]  # noqa: E501
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def worst(codes: list[int]) -> int:
    """The exit code over many scenarios: 4 > 3 > 2 > 1 > 0 (5 only when nothing ran)."""
    return max(codes, key=_SEVERITY.__getitem__, default=NO_TESTS)


def _discover(paths: list[Path]) -> list[ScenarioFile]:
    try:
        return discover(paths)
    except FileNotFoundError as exc:
        _error(f"error: {exc}")
        raise typer.Exit(USAGE) from None


def _input_error(lines: list[str]) -> typer.Exit:
    for line in lines:
        _error(line)
    return typer.Exit(USAGE)


def _nothing_found(paths: list[Path]) -> typer.Exit:
    _error(f"no scenario (*.toml) under {', '.join(map(str, paths))}")
    return typer.Exit(NO_TESTS)


@app.command()
def validate(paths: PathsArg, as_json: JsonOpt = False) -> None:
    """Check scenario files without running them."""
    files = _discover(paths)
    if not files:
        raise _nothing_found(paths)
    report, codes = [], []
    for f in files:
        errors: list[str] = []
        try:
            scenario = load_scenario(f.path)
            build(scenario, scenario.seed)  # the controller, and the sensors it needs
        except ScenarioError as exc:
            errors = exc.lines
        except ControllerError as exc:
            errors = [f"{f.path}: {exc.field}: {exc}"]
        codes.append(USAGE if errors else OK)
        report.append({"path": str(f.path), "ok": not errors, "errors": errors})
        if not as_json:
            for line in errors:
                _error(line)
            if not errors:
                out.print(f"ok  {f.path}", highlight=False)
    if as_json:
        print(json.dumps(report, indent=2))
    raise typer.Exit(worst(codes))


@app.command("list")
def list_(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Where to look (default: scenarios/).")
    ] = None,  # noqa: E501
    as_json: JsonOpt = False,
) -> None:
    """List scenarios and treadmill presets."""
    roots = paths or ([Path("scenarios")] if Path("scenarios").is_dir() else [])
    scenarios = []
    for f in _discover(roots):
        try:
            name = load_scenario(f.path).name
        except ScenarioError:
            name = None  # `treadbench validate` says why
        scenarios.append({"id": str(f.relative), "path": str(f.path), "name": name})
    presets = [
        {"name": n, "title": load_preset("treadmills", n)["name"]}
        for n in preset_names("treadmills")
    ]
    if as_json:
        print(json.dumps({"scenarios": scenarios, "presets": {"treadmills": presets}}, indent=2))
        return
    table = Table("scenario", "name", title="Scenarios")
    for s in scenarios:
        table.add_row(s["path"], s["name"] or "[red]invalid: run treadbench validate[/]")
    out.print(table)
    table = Table("preset", "title", title="Treadmill presets")
    for p in presets:
        table.add_row(p["name"], p["title"])
    out.print(table)


@app.command()
def checks(as_json: JsonOpt = False) -> None:
    """List the registered checks with units, default thresholds and sources."""
    rows = [
        {
            "name": c.name,
            "unit": c.unit,
            "passes_when": f"value {_SIGN[c.sense]} threshold",
            "default_threshold": c.describe_default(),
            "description": c.description,
            "source": c.source,
        }
        for c in REGISTRY.values()
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for c in REGISTRY.values():
        out.print(
            f"[bold]{c.name}[/] ({c.unit}): passes when value {_SIGN[c.sense]} "
            f"{c.describe_default()} by default",
            highlight=False,
        )
        out.print(f"    {c.description}", highlight=False, markup=False)
        out.print(f"    source: {c.source}", highlight=False, markup=False, style="dim")


@app.command()
def run(
    paths: PathsArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Output root.")] = Path("reports"),
    seed: Annotated[int | None, typer.Option(help="Override every scenario's seed.", min=0)] = None,  # noqa: E501
    runs: Annotated[
        int | None,
        typer.Option(
            help="Monte Carlo runs per scenario, a fixed number (overrides its `runs` and "
            "`runs_max`).",
            min=1,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run scenarios; write result.json, trace.npz, summary.md and plot.png for each to
    OUT/<scenario path below the folder named>/."""
    files = _discover(paths)
    if not files:
        raise _nothing_found(paths)
    clash = _output_clash(files)
    if clash:
        _error(clash)
        raise typer.Exit(USAGE)
    codes: list[int] = []
    summaries = []
    for f in files:
        errors: list[str] = []
        try:
            code, result = _run_one(f, out_dir, seed, runs, errors)
        except KeyboardInterrupt:
            errors.append("interrupted")
            code, result = INTERRUPTED, None
        for line in errors:
            _error(line)
        if result and not as_json:
            _print_result(f, result)
        codes.append(code)
        summaries.append(
            {
                "id": f.relative.as_posix(),
                "path": str(f.path),
                "exit_code": code,
                "errors": errors,
                "result": result.to_dict() if result else None,
            }
        )
        if code == INTERRUPTED:
            break
    if as_json:
        print(json.dumps(summaries, indent=2))
    else:
        counts = {c: codes.count(c) for c in sorted(set(codes))}
        labels = {OK: "as expected", FAILED: "not as expected", INTERRUPTED: "interrupted",
                  INTERNAL: "crashed", USAGE: "invalid"}  # fmt: skip
        parts = ", ".join(f"{n} {labels[c]}" for c, n in counts.items())
        skipped = len(files) - len(codes)
        tail = f", {skipped} not run" if skipped else ""
        out.print(f"{len(files)} scenario(s): {parts}{tail}", highlight=False)
    raise typer.Exit(worst(codes))


@app.command()
def compare(
    presets: Annotated[list[str], typer.Argument(help="Treadmill presets to compare.")],
    walker: Annotated[str, typer.Option(help="Walker profile (`treadbench list`).")],
    timeline: Annotated[
        Path, typer.Option(help="Scenario whose walker, actions and set-points to use.")
    ],
    runs: Annotated[int, typer.Option(help="Monte Carlo runs per treadmill.", min=1)] = 20,
    seed: Annotated[int, typer.Option(help="Seed (the same for every treadmill).", min=0)] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path(
        "reports/compare"
    ),
    as_json: JsonOpt = False,
) -> None:
    """One walker and one timeline on several treadmills, side by side, on common random
    numbers; writes compare.json, compare.md and compare.png to OUT."""
    known = preset_names("treadmills")
    for name, kind, options in [(p, "treadmill preset", known) for p in presets] + [
        (walker, "walker profile (--walker)", preset_names("walkers"))
    ]:
        if name not in options:
            _error(f"compare: unknown {kind} {name!r}; known: {', '.join(options)}")
            raise typer.Exit(USAGE)
    try:
        raw = load_scenario_table(timeline)
        rows = compare_treadmills(raw, str(timeline), presets, walker, runs, seed)
    except ScenarioError as exc:
        raise _input_error(exc.lines) from None
    except KeyError as exc:
        _error(f"{timeline}: {exc.args[0]}")
        raise typer.Exit(USAGE) from None
    except ScenarioCrash as exc:
        _error(f"{timeline}: a run raised {exc}")
        raise typer.Exit(INTERNAL) from None
    data = comparison_dict(rows, timeline, walker, seed)
    try:
        atomic_write(out_dir / "compare.json", (json.dumps(data, indent=2) + "\n").encode())
        atomic_write(out_dir / "compare.md", comparison_markdown(rows, timeline, walker).encode())
        atomic_write(out_dir / "compare.png", plot_comparison(rows))
    except OSError as exc:
        _error(f"cannot write the comparison to {out_dir}: {exc.strerror or exc}")
        raise typer.Exit(USAGE) from None
    if as_json:
        print(json.dumps(data, indent=2))
        raise typer.Exit(OK)
    table = Table("", *(f"{r.preset}\n({r.kind})" for r in rows),
                  title=f"{walker} on {len(rows)} treadmills: {timeline.name}, {runs} runs each "
                  "(common random numbers)", title_justify="left")  # fmt: skip
    for label, cells in table_rows(rows):
        table.add_row(label, *cells)
    out.print(table)
    out.print(f"written to {out_dir}/compare.md, compare.json, compare.png", highlight=False)
    raise typer.Exit(OK)


@app.command()
def drive(
    controller: Annotated[
        str, typer.Option(help="A built-in policy or 'package.module:ClassName'.")
    ],
    param: Annotated[
        list[str] | None, typer.Option(help="A controller parameter, name=value (repeatable).")
    ] = None,
    ftms: Annotated[
        str | None, typer.Option(help="Bluetooth address of an FTMS treadmill to drive.")
    ] = None,
    sim: Annotated[
        Path | None,
        typer.Option(help="Rehearse on the simulator instead: a scenario (motorized)."),
    ] = None,
    profile: Annotated[
        str, typer.Option(help="With --sim: the sensors the controller sees (ftms or full).")
    ] = "ftms",
    until: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: Ctrl-C).", min=0)
    ] = None,
    tick_hz: Annotated[
        float | None,
        typer.Option(
            help="How often the controller ticks (default: 2 Hz on FTMS, the scenario's "
            "rate_hz with --sim).",
            min=0.1,
        ),
    ] = None,
) -> None:
    """Run a controller on a real treadmill over Bluetooth FTMS (--ftms), or the same
    controller on the simulator as FTMS would show it (--sim). Ctrl-C stops the belt."""
    from drivers.base import DriverConnectionError
    from drivers.runner import run_controller
    from drivers.session import Narrated, parse_params

    if (ftms is None) == (sim is None):
        _error("drive: give exactly one of --ftms ADDRESS and --sim SCENARIO")
        raise typer.Exit(USAGE)
    if profile not in ("ftms", "full"):
        _error(f"drive: --profile must be ftms or full (got {profile!r})")
        raise typer.Exit(USAGE)
    try:
        rebuild = controller_factory(controller, parse_params(param or []))
        driver = _drive_target(ftms, sim, profile, tick_hz)
    except ScenarioError as exc:
        raise _input_error(exc.lines) from None
    except ValueError as exc:  # a parameter, a controller that cannot be built, a scenario
        raise _input_error([f"drive: {exc}"]) from None
    narrated = Narrated(driver, lambda e: out.print(f"{e.t_s:9.3f} s  {e.kind}  {e.details}",
                                                    highlight=False))  # fmt: skip
    try:
        run_controller(rebuild(), narrated, until_s=until, rebuild=rebuild)
    except (ControllerError, DriverConnectionError) as exc:  # its needs unmet; no link
        raise _input_error([f"drive: {exc}"]) from None
    except Exception as exc:  # the controller's own bug (or a driver's): its frames, exit 3
        _error(f"drive: the run raised {type(exc).__name__}: {exc}")
        _error(_user_frames(exc).rstrip())
        raise typer.Exit(INTERNAL) from None
    out.print(f"drive: done at {driver.clock.now():.3f} s", highlight=False)
    raise typer.Exit(OK)


def _drive_target(ftms: str | None, sim: Path | None, profile: str, tick_hz: float | None):
    if ftms is not None:
        from drivers.ftms.client import FtmsDriver

        return FtmsDriver(ftms, tick_hz=tick_hz or 2.0)
    from drivers.sim import SimDriver

    scenario = load_scenario(sim)
    if scenario.treadmill.kind != "motorized":
        raise ValueError(f"{sim}: a controller drives a motorized treadmill")
    driver = SimDriver.from_scenario(scenario, scenario.seed, profile)
    driver.tick_hz = tick_hz or driver.tick_hz
    return driver


def _output_clash(files: list[ScenarioFile]) -> str | None:
    """Two scenarios that would write to the same output folder."""
    seen: dict[Path, Path] = {}
    for f in files:
        other = seen.setdefault(f.relative, f.path)
        if other != f.path:
            return (
                f"{other} and {f.path} would both write to <out>/{f.relative.as_posix()}/: "
                "name their folder instead, or run them separately"
            )
    return None


def _run_one(
    f: ScenarioFile, out_dir: Path, seed: int | None, runs: int | None, errors: list[str]
) -> tuple[int, RunResult | MonteCarloResult | None]:
    """Run one file; problems are appended to `errors` as complete lines."""
    try:
        scenario = load_scenario(f.path)
        seed = scenario.seed if seed is None else seed
        runs, runs_max = planned_runs(scenario, runs)
        run_ = build(scenario, seed)
    except ScenarioError as exc:
        errors.extend(exc.lines)
        return USAGE, None
    except ControllerError as exc:
        errors.append(f"{f.path}: {exc.field}: {exc}")
        return USAGE, None
    try:
        if runs == 1 and runs_max is None:
            execute(run_)
            result = collect(run_, f.relative.as_posix(), seed)
        else:
            result = _run_many(scenario, runs, runs_max, seed, f.relative.as_posix())
    except ScenarioCrash as exc:
        errors.append(f"{f.path}: the run raised {exc}")
        errors.append(_user_frames(exc.__cause__).rstrip())
        return INTERNAL, None
    target = out_dir / f.relative
    try:
        if isinstance(result, RunResult):
            write_run(result, target)
        else:
            write_monte_carlo(result, target)
    except OSError as exc:
        errors.append(f"{f.path}: cannot write the report to {target}: {exc.strerror or exc}")
        return USAGE, result
    return (OK if result.as_expected else FAILED), result


def _run_many(
    scenario, runs: int, runs_max: int | None, seed: int, scenario_id: str
) -> MonteCarloResult:
    """Monte Carlo runs with a progress bar on a terminal (to the most runs planned)."""
    with Progress(transient=True, console=out, disable=not out.is_terminal) as bar:
        task = bar.add_task(scenario_id, total=runs_max or runs)
        return run_many(scenario, runs, seed, scenario_id, runs_max=runs_max,
                        progress=lambda i: bar.update(task, completed=i))  # fmt: skip


def _user_frames(exc: BaseException | None) -> str:
    """The traceback without treadbench's, SimPy's and asyncio's frames (all of it if that
    is all)."""
    if exc is None:
        return ""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = (Path(__file__).parent, Path(drivers.__file__).parent, Path(asyncio.__file__).parent)
    keep = [fr for fr in frames
            if not any(Path(fr.filename).is_relative_to(d) for d in ours)
            and "simpy" not in Path(fr.filename).parts]  # fmt: skip
    lines = traceback.format_list(keep or frames)
    return "".join(lines) + "".join(traceback.format_exception_only(exc))


def _print_result(f: ScenarioFile, result: RunResult | MonteCarloResult) -> None:
    ok = "[green]as expected[/]" if result.as_expected else "[red]NOT as expected[/]"
    if isinstance(result, MonteCarloResult):
        ok += f" ({len(result.runs)} runs)"
    table = Table("check", "value", "limit", "verdict", "expected", "", title=f"{f.path}: {ok}",
                  title_justify="left")  # fmt: skip
    for c in result.checks:
        table.add_row(c.name, c.value_text, c.limit_text, c.verdict.label, c.expected.label,
                      "[green]✓[/]" if c.as_expected else "[red]✗[/]")  # fmt: skip
    out.print(table)


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code (the console script exits with it). The current
    directory is importable, as under `python -m`, so a user's controller module there loads."""
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        code = app(args=argv, standalone_mode=False, prog_name="treadbench")
    except typer.TyperException as exc:  # Click's usage errors: bad option, missing argument
        exc.show()
        code = USAGE
    except (typer.Abort, KeyboardInterrupt):
        code = INTERRUPTED
    if code == 130:  # Ctrl-C seen by Click
        code = INTERRUPTED
    return code if isinstance(code, int) else OK
