"""Running scenarios: build a run from a scenario, run it, collect its result."""
