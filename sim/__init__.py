"""treadbench: a discrete-event simulator and safety test bench for treadmills used for
backward walking."""

__version__ = "0.1.0"


def run_scenario(scenario, seed=None, scenario_id=None):
    """Run one scenario (a `Scenario` or a path to its TOML file); see sim.runner.single."""
    from sim.runner.single import run_scenario as _run

    return _run(scenario, seed=seed, scenario_id=scenario_id)
