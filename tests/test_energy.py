"""Walker energy: ACSM hand values, the backward factor, treadmill kinds, units, errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.units import mph_to_mps
from sim.walker import energy
from sim.walker.energy import (
    acsm_in_range,
    backward_forward_ratio,
    kcal,
    met,
    session_energy,
    vo2_ml_per_kg_min,
)

MPH3 = mph_to_mps(3.0)  # 80.4672 m/min
MPH35 = mph_to_mps(3.5)  # 93.8784 m/min


def test_acsm_hand_values_forward():
    # 3.0 mph level: 3.5 + 0.1 * 80.4672 = 11.54672 mL/kg/min = 3.29906 MET
    assert vo2_ml_per_kg_min(MPH3, 0.0, False) == pytest.approx(11.54672, abs=1e-9)
    assert met(MPH3, 0.0, False) == pytest.approx(11.54672 / 3.5, abs=1e-9)
    assert met(MPH3, 0.0, False) == pytest.approx(3.299, abs=1e-3)
    # 3.0 mph at 10 %: 3.5 + 8.04672 + 1.8 * 80.4672 * 0.1 = 26.030816
    assert vo2_ml_per_kg_min(MPH3, 0.10, False) == pytest.approx(26.030816, abs=1e-9)
    # standing: resting cost
    assert vo2_ml_per_kg_min(0.0, 0.0, False) == 3.5
    assert met(0.0, 0.2, True) == 1.0


def test_negative_grade_counts_as_level():
    assert vo2_ml_per_kg_min(MPH3, -0.10, False) == vo2_ml_per_kg_min(MPH3, 0.0, False)


def test_backward_3_5_mph_level_is_compendium_6_met():
    assert met(MPH35, 0.0, True) == pytest.approx(6.0, abs=1e-9)
    assert abs(met(MPH35, 0.0, True) - 6.0) / 6.0 < 0.05  # the 5 % tolerance
    k_back = energy.BACKWARD_NET_HORIZONTAL_FACTOR
    assert k_back == pytest.approx(17.5 / 9.38784, rel=1e-12)  # (6.0*3.5 - 3.5) / (0.1*S)
    assert k_back == pytest.approx(1.864, abs=1e-3)


def test_backward_factor_on_net_horizontal_only():
    # the vertical term is the same backward and forward
    d_back = vo2_ml_per_kg_min(MPH3, 0.1, True) - vo2_ml_per_kg_min(MPH3, 0.0, True)
    d_fwd = vo2_ml_per_kg_min(MPH3, 0.1, False) - vo2_ml_per_kg_min(MPH3, 0.0, False)
    assert d_back == pytest.approx(d_fwd, rel=1e-12)
    # x1.4 on gross would fall short of 6.0 MET
    assert 1.4 * met(MPH35, 0.0, False) == pytest.approx(5.2, abs=0.05)


def test_backward_forward_ratio():
    assert backward_forward_ratio(MPH35) == pytest.approx(6.0 / 3.68, abs=2e-3)
    assert backward_forward_ratio(MPH35) == pytest.approx(1.63, abs=5e-3)
    assert backward_forward_ratio(MPH35) == energy.MODEL_BACKWARD_FORWARD_RATIO
    compendium = energy.COMPENDIUM_BACKWARD_FORWARD_RATIO
    assert compendium == pytest.approx(6.0 / 4.3) and compendium == pytest.approx(1.40, abs=5e-3)
    assert backward_forward_ratio(0.0) == 1.0
    assert backward_forward_ratio(MPH35, 0.1) < backward_forward_ratio(MPH35)


def test_curved_is_137_percent_of_motorized_gross():
    for backward in (False, True):
        for grade in (0.0, 0.05):
            curved = vo2_ml_per_kg_min(MPH3, grade, backward, "curved")
            motor = vo2_ml_per_kg_min(MPH3, grade, backward, "motorized")
            assert curved == pytest.approx(1.37 * motor, rel=1e-12)
    for kind in ("manual_flat", "speed_source"):
        assert met(MPH3, 0.05, True, kind) == met(MPH3, 0.05, True, "motorized")


def test_decline_trainer_is_an_uphill_grade_of_tan_8_deg():
    g8 = math.tan(math.radians(8.0))
    assert g8 == pytest.approx(0.1405, abs=1e-4)
    trainer = vo2_ml_per_kg_min(0.5, None, True, "decline_trainer")
    assert trainer == pytest.approx(vo2_ml_per_kg_min(0.5, g8, True, "motorized"), rel=1e-12)
    # by hand: S = 30 m/min
    assert trainer == pytest.approx(3.5 + 3.0 * energy.BACKWARD_NET_HORIZONTAL_FACTOR + 54 * g8)
    # an explicit deck-frame (negative) grade is the same climb
    assert vo2_ml_per_kg_min(0.5, -g8, True, "decline_trainer") == pytest.approx(trainer)
    steeper = vo2_ml_per_kg_min(0.5, None, True, "decline_trainer", decline_deg=10.0)
    assert steeper > trainer
    assert met(0.5, None, True) == met(0.5, 0.0, True)  # None on a motorized belt: level


def test_acsm_range():
    assert acsm_in_range(mph_to_mps(3.0))
    assert not acsm_in_range(mph_to_mps(1.0))
    assert not acsm_in_range(mph_to_mps(4.0))
    assert acsm_in_range(50.0 / 60.0) and acsm_in_range(100.0 / 60.0)


def test_kcal_is_met_kg_hours():
    assert kcal(70.0, 3600.0, 6.0) == pytest.approx(420.0)
    assert kcal(80.0, 60.0, 3.0) == pytest.approx(3.0 * 80.0 / 60.0)  # kcal/min = MET*kg/60
    out = session_energy(70.0, [(1800.0, MPH35, 0.0, True), (1800.0, 0.0, 0.0, False)])
    assert out["kcal"] == pytest.approx(70.0 * 0.5 * (6.0 + 1.0))
    assert out["mean_met"] == pytest.approx(3.5)
    assert out["duration_s"] == 3600.0
    assert out["outside_acsm_range_s"] == 1800.0
    assert session_energy(70.0, [])["mean_met"] is None


kinds = st.sampled_from(energy.TREADMILL_KINDS)
speeds = st.floats(0.0, 3.0)
grades = st.floats(0.0, 0.3)


@given(kinds, st.booleans(), speeds, speeds, grades, grades)
def test_met_non_decreasing_in_speed_and_grade(kind, backward, s1, s2, g1, g2):
    lo_s, hi_s = sorted((s1, s2))
    lo_g, hi_g = sorted((g1, g2))
    assert met(lo_s, lo_g, backward, kind) <= met(hi_s, lo_g, backward, kind)
    assert met(lo_s, lo_g, backward, kind) <= met(lo_s, hi_g, backward, kind)
    assert met(hi_s, hi_g, True, kind) >= met(hi_s, hi_g, False, kind)


def test_errors():
    with pytest.raises(ValueError, match="treadmill_of_doom.*motorized.*decline_trainer"):
        met(1.0, 0.0, True, "treadmill_of_doom")
    with pytest.raises(ValueError, match="speed_mps"):
        met(-0.1, 0.0, True)
    with pytest.raises(ValueError, match="speed_mps"):
        acsm_in_range(-1.0)
    with pytest.raises(ValueError, match="mass_kg"):
        kcal(0.0, 60.0, 3.0)
    with pytest.raises(ValueError, match="duration_s"):
        kcal(70.0, -1.0, 3.0)
    with pytest.raises(ValueError, match="speed_mps"):
        session_energy(70.0, [(1.0, -0.5, 0.0, True)])
