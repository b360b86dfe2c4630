"""Walker profile presets: each validates, cites a source for every number, states the
published facts it is built on, and draws per-run walkers deterministically within its spread."""

from __future__ import annotations

import numpy as np
import pytest

from sim.presets import load_preset, preset_names
from sim.walker.profile import TRUNCATE_SD, WalkerProfile, _get

NAMES = ["young_adult", "older_adult", "older_faller", "trained_retro", "rehab_patient"]


def profile(name: str) -> WalkerProfile:
    return WalkerProfile.model_validate(load_preset("walkers", name))


def number_paths(data: dict, prefix: str = "") -> list[str]:
    """Dotted paths of every number in a model_dump, leaving out spread and sources."""
    paths = []
    for key, value in data.items():
        if not prefix and key in ("spread", "sources"):
            continue
        if isinstance(value, dict):
            paths += number_paths(value, f"{prefix}{key}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            paths.append(f"{prefix}{key}")
    return paths


def test_the_five_profiles_exist():
    assert set(NAMES) <= set(preset_names("walkers"))


@pytest.mark.parametrize("name", preset_names("walkers"))
def test_profile_validates_and_sources_every_number(name):
    p = profile(name)
    paths = number_paths(p.model_dump())
    assert len(paths) == 18
    missing = [path for path in [*paths, "handrail.habit"] if not p.sources.get(path, "").strip()]
    assert not missing
    assert set(p.sources) <= {*paths, "handrail.habit", "spread"}
    assert not p.spread or p.sources.get("spread", "").strip()


def test_rehab_patient_is_an_unsourced_example():
    p = profile("rehab_patient")
    assert "EXAMPLE" in p.description and "unsourced" in p.description
    assert all(text.startswith("unsourced") for text in p.sources.values())


def test_published_facts():
    young, older, faller = profile("young_adult"), profile("older_adult"), profile("older_faller")
    assert young.speeds.max_backward_mps == 1.63  # Hreljac 2005: 1.63 +/- 0.11 m/s
    assert young.spread["speeds.max_backward_mps"] == 0.11
    assert faller.speeds.max_backward_mps < 0.6  # Fritz 2013: fallers all below 0.6 m/s
    assert older.speeds.preferred_backward_mps == 0.59
    assert faller.speeds.preferred_backward_mps == 0.44
    assert young.recovery_step.forward_per_leg == 0.8
    assert young.recovery_step.backward_per_leg == 0.5


@pytest.mark.parametrize("name", NAMES)
def test_draw_is_deterministic_and_seed_dependent(name):
    p = profile(name)
    assert p.drawn(np.random.default_rng(1)) == p.drawn(np.random.default_rng(1))
    assert p.drawn(np.random.default_rng(1)) != p.drawn(np.random.default_rng(2))


@pytest.mark.parametrize("name", NAMES)
def test_draws_stay_valid_and_within_three_sd(name):
    p = profile(name)
    rng = np.random.default_rng(7)
    for _ in range(200):
        d = p.drawn(rng)
        assert WalkerProfile.model_validate(d.model_dump()) == d
        for path, sd in p.spread.items():
            assert abs(_get(d, path) - _get(p, path)) <= TRUNCATE_SD * sd + 1e-9, path
        for path in set(number_paths(p.model_dump())) - set(p.spread):
            assert _get(d, path) == _get(p, path), path
        assert d.handrail.habit == p.handrail.habit


@pytest.mark.parametrize("name", NAMES)
def test_scale_zero_gives_the_nominal_profile(name):
    p = profile(name)
    assert p.drawn(np.random.default_rng(1), scale=0.0) == p


@pytest.mark.parametrize("path", ["body.leg_m", "body.foot_m", "body.pendulum_m"])
def test_spread_on_a_derived_property_is_rejected(path):
    """body.leg_m is a property, not a field: drawn() raises KeyError on it, so validation
    should refuse it ("not a number field of the profile")."""
    data = load_preset("walkers", "young_adult")
    data["spread"] = {path: 0.01}
    with pytest.raises(ValueError):
        WalkerProfile.model_validate(data)
