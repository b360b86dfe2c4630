"""treadbench: a discrete-event simulator and safety test bench for treadmills used for
backward walking."""

__version__ = "0.1.0"


def run_scenario(scenario, seed=None, scenario_id=None):
    """Run one scenario (a `Scenario` or a path to its TOML file); see sim.runner.single."""
    from sim.runner.single import run_scenario as _run

    return _run(scenario, seed=seed, scenario_id=scenario_id)


def run_monte_carlo(scenario, runs=None, seed=None, scenario_id=None):
    """Run a scenario `runs` times on per-run random streams and aggregate its checks (by
    default its own `runs`, sequentially up to its `runs_max`); see sim.runner.monte_carlo."""
    from pathlib import Path

    from sim.runner.monte_carlo import planned_runs, run_many
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario

    if not isinstance(scenario, Scenario):
        scenario_id = scenario_id or Path(scenario).stem
        scenario = load_scenario(scenario)
    seed = scenario.seed if seed is None else seed
    runs, runs_max = planned_runs(scenario, runs)
    return run_many(scenario, runs, seed, scenario_id or scenario.name, runs_max=runs_max)


def compare_paired(scenario_a, scenario_b, runs, seed=0):
    """Two variants on common random numbers; see sim.runner.compare."""
    from sim.runner.compare import compare_paired as _compare

    return _compare(scenario_a, scenario_b, runs=runs, seed=seed)
