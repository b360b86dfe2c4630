"""The walker's metabolic cost: ACSM walking equation, a backward factor, treadmill factors.

SI in (m/s, kg, s); grade as a fraction (G = tan θ = incline_pct / 100). Sources are
/work/shared/REFERENCE.md "## Energy" and DESIGN.md "Energy" / "Decline backward trainer".

The model, term by term (VO2 in mL/kg/min, S the speed in m/min):

    VO2 = k_tread · (3.5 + k_back · 0.1·S + 1.8·S·max(G, 0))
          resting    net horizontal     vertical

- ACSM walking equation (k_back = k_tread = 1): VO2 = 3.5 + 0.1·S + 1.8·S·G.
  1 MET = 3.5 mL/kg/min. Energy uses the convention 1 MET ≈ 1 kcal/kg/h, so
  kcal per minute = MET · mass_kg / 60 (with 5 kcal per litre of O2 it would be 1.05 kcal/kg/h,
  5 % more; we keep the round convention of REFERENCE.md).
- Negative grade: ACSM has no term for walking downhill. The grade term is clamped at 0, so a
  decline costs the same as level walking (real cost dips a little on gentle declines and
  rises again on steep ones; level is the simple middle).
- Speed range: ACSM states the walking equation for 50-100 m/min (1.9-3.7 mph). Below 50 m/min
  we keep the equation: it tends to the resting 3.5 mL/kg/min as S → 0, which is sensible for
  standing. Above 100 m/min we still use the walking equation: treadbench models walking only,
  never running. `acsm_in_range` lets a report flag speeds outside the stated range.
- Backward walking (k_back): applied to the NET HORIZONTAL term 0.1·S only. The resting term
  is the same whichever way one faces, and so is the vertical term (lifting the body up a
  grade costs the same work forward or backward); the extra cost of walking backward is in
  the gait, the horizontal work. k_back is set so that level backward walking at 3.5 mph is
  exactly the Compendium's 6.0 MET: k_back = (6.0·3.5 − 3.5) / (0.1·S_3.5mph) ≈ 1.864.
  The popular "40 % more" (×1.4 on gross) would give only 3.68 · 1.4 ≈ 5.2 MET, because ACSM's
  forward estimate at 3.5 mph (3.68 MET) is below the Compendium's (4.3 MET). So the model's
  backward/forward ratio at 3.5 mph is 6.0 / 3.68 ≈ 1.63, beside the Compendium's own
  6.0 / 4.3 ≈ 1.40: both are exported for reports.
- Treadmill kind (k_tread, on GROSS walking cost):
  - "motorized", "speed_source" (a lab servo belt), "manual_flat": 1.0. The grade is the
    deck's incline (incline_pct / 100). REFERENCE.md gives no factor for a flat manual belt;
    the extra work of driving it is not modelled here.
  - "curved" (non-motorized, concave deck): ×1.37 on gross walking cost, applied after the
    backward factor. REFERENCE.md: walking +37 % or more (running +16 % or more, not used);
    several studies, and they vary widely, so treat it as a lower bound.
  - "decline_trainer": the walker walks backward up the belt relative to it, so for energy the
    deck's decline is an uphill grade |G| = tan(decline_deg). With grade=None the trainer's
    own decline is used (decline_deg, default 8°, unconfirmed); an explicit grade is taken by
    its magnitude (a deck-frame −0.14 and a walker-frame +0.14 mean the same climb).
  For the other kinds grade=None means level.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sim.units import mph_to_mps

ML_O2_PER_KG_MIN_PER_MET = 3.5  # ACSM: 1 MET = 3.5 mL O2/kg/min
KCAL_PER_KG_H_PER_MET = 1.0  # convention: 1 MET ≈ 1 kcal/kg/h (REFERENCE.md)
ACSM_RESTING_ML_PER_KG_MIN = 3.5
ACSM_HORIZONTAL_PER_M_MIN = 0.1  # mL/kg/min per m/min
ACSM_VERTICAL_PER_M_MIN = 1.8  # mL/kg/min per m/min per unit grade
ACSM_MIN_M_PER_MIN = 50.0  # ACSM's stated walking range, 50-100 m/min (1.9-3.7 mph)
ACSM_MAX_M_PER_MIN = 100.0

# Compendium of Physical Activities, level walking at 3.5 mph (REFERENCE.md)
COMPENDIUM_SPEED_MPS = mph_to_mps(3.5)
COMPENDIUM_BACKWARD_MET = 6.0
COMPENDIUM_FORWARD_MET = 4.3
COMPENDIUM_BACKWARD_FORWARD_RATIO = COMPENDIUM_BACKWARD_MET / COMPENDIUM_FORWARD_MET  # ≈ 1.40

CURVED_GROSS_FACTOR = 1.37  # REFERENCE.md: curved non-motorized, walking +37 % or more
DECLINE_TRAINER_DEG = 8.0  # unconfirmed: "often quoted as 8°" (DESIGN.md)

TREADMILL_GROSS_FACTOR = {
    "motorized": 1.0,
    "manual_flat": 1.0,  # no sourced factor; belt-driving work not modelled
    "curved": CURVED_GROSS_FACTOR,
    "decline_trainer": 1.0,  # its cost is the climb (grade), not a factor
    "speed_source": 1.0,  # lab servo belt: like motorized
}
TREADMILL_KINDS = tuple(TREADMILL_GROSS_FACTOR)


def _m_per_min(speed_mps: float) -> float:
    return speed_mps * 60.0


# Backward factor on the net horizontal term, derived so that level backward walking at 3.5 mph
# is the Compendium's 6.0 MET:
#   6.0 MET · 3.5 = 21.0 mL/kg/min = 3.5 + k · 0.1 · S,  S = 3.5 mph = 93.878 m/min
#   k = (21.0 − 3.5) / 9.3878 ≈ 1.864
BACKWARD_NET_HORIZONTAL_FACTOR = (
    COMPENDIUM_BACKWARD_MET * ML_O2_PER_KG_MIN_PER_MET - ACSM_RESTING_ML_PER_KG_MIN
) / (ACSM_HORIZONTAL_PER_M_MIN * _m_per_min(COMPENDIUM_SPEED_MPS))


def _check_speed(speed_mps: float) -> None:
    if not math.isfinite(speed_mps):
        raise ValueError(f"speed_mps must be finite, got {speed_mps!r}")
    if speed_mps < 0:
        raise ValueError(
            f"speed_mps must be >= 0 (a magnitude; direction is `backward`), got {speed_mps!r}"
        )


def _walker_grade(grade: float | None, treadmill_kind: str, decline_deg: float) -> float:
    """The grade the walker climbs, before the clamp at 0."""
    if treadmill_kind not in TREADMILL_GROSS_FACTOR:
        raise ValueError(
            f"unknown treadmill kind {treadmill_kind!r}; known: {', '.join(TREADMILL_KINDS)}"
        )
    if grade is not None and not math.isfinite(grade):
        raise ValueError(f"grade must be finite, got {grade!r}")
    if treadmill_kind == "decline_trainer":
        if grade is not None:
            return abs(grade)
        if not (math.isfinite(decline_deg) and 0.0 <= decline_deg < 90.0):
            raise ValueError(f"decline_deg must be in [0, 90), got {decline_deg!r}")
        return math.tan(math.radians(decline_deg))
    return 0.0 if grade is None else grade


def acsm_in_range(speed_mps: float) -> bool:
    """True if the speed is inside ACSM's stated walking range, 50-100 m/min (1.9-3.7 mph)."""
    _check_speed(speed_mps)
    return ACSM_MIN_M_PER_MIN <= _m_per_min(speed_mps) <= ACSM_MAX_M_PER_MIN


def vo2_ml_per_kg_min(
    speed_mps: float,
    grade: float | None,
    backward: bool,
    treadmill_kind: str = "motorized",
    decline_deg: float = DECLINE_TRAINER_DEG,
) -> float:
    """Gross VO2 (mL/kg/min) walking at speed_mps on grade (fraction; None: the deck's own).

    ACSM walking equation; the backward factor scales the net horizontal term only; the
    treadmill factor scales the gross cost; a negative grade counts as level. See the module
    docstring. Raises ValueError for a negative or non-finite speed or an unknown kind.
    """
    _check_speed(speed_mps)
    if backward not in (True, False):
        raise ValueError(f"backward must be a bool, got {backward!r}")
    g = max(_walker_grade(grade, treadmill_kind, decline_deg), 0.0)  # ACSM: no downhill term
    s = _m_per_min(speed_mps)
    k_back = BACKWARD_NET_HORIZONTAL_FACTOR if backward else 1.0
    net_horizontal = k_back * ACSM_HORIZONTAL_PER_M_MIN * s
    vertical = ACSM_VERTICAL_PER_M_MIN * s * g
    gross = ACSM_RESTING_ML_PER_KG_MIN + net_horizontal + vertical
    return TREADMILL_GROSS_FACTOR[treadmill_kind] * gross


def met(
    speed_mps: float,
    grade: float | None,
    backward: bool,
    treadmill_kind: str = "motorized",
    decline_deg: float = DECLINE_TRAINER_DEG,
) -> float:
    """Gross cost in MET (1 MET = 3.5 mL/kg/min); arguments as vo2_ml_per_kg_min."""
    vo2 = vo2_ml_per_kg_min(speed_mps, grade, backward, treadmill_kind, decline_deg)
    return vo2 / ML_O2_PER_KG_MIN_PER_MET


def kcal(mass_kg: float, duration_s: float, met: float) -> float:
    """Energy in kcal: MET · mass_kg · hours (1 MET ≈ 1 kcal/kg/h; kcal/min = MET·kg/60)."""
    if not (math.isfinite(mass_kg) and mass_kg > 0):
        raise ValueError(f"mass_kg must be > 0, got {mass_kg!r}")
    if not (math.isfinite(duration_s) and duration_s >= 0):
        raise ValueError(f"duration_s must be >= 0, got {duration_s!r}")
    if not (math.isfinite(met) and met >= 0):
        raise ValueError(f"met must be >= 0, got {met!r}")
    return KCAL_PER_KG_H_PER_MET * met * mass_kg * duration_s / 3600.0


def backward_forward_ratio(
    speed_mps: float, grade: float | None = 0.0, treadmill_kind: str = "motorized"
) -> float:
    """The model's backward/forward cost ratio at this speed and grade.

    At 3.5 mph level it is 6.0 / 3.68 ≈ 1.63 (MODEL_BACKWARD_FORWARD_RATIO); the Compendium's
    own is 6.0 / 4.3 ≈ 1.40 (COMPENDIUM_BACKWARD_FORWARD_RATIO). It falls toward 1 as the speed
    drops (resting term) or the grade rises (vertical term), which the factor does not touch.
    """
    back = vo2_ml_per_kg_min(speed_mps, grade, True, treadmill_kind)
    fwd = vo2_ml_per_kg_min(speed_mps, grade, False, treadmill_kind)
    return back / fwd


MODEL_BACKWARD_FORWARD_RATIO = backward_forward_ratio(COMPENDIUM_SPEED_MPS)  # ≈ 1.63


def session_energy(
    mass_kg: float,
    samples: Iterable[tuple[float, float, float | None, bool]],
    treadmill_kind: str = "motorized",
    decline_deg: float = DECLINE_TRAINER_DEG,
) -> dict[str, float | None]:
    """Energy over a speed history: samples of (duration_s, speed_mps, grade, backward).

    Each sample is held for its duration. Returns kcal, the time-weighted mean_met (None when
    the total duration is 0), duration_s, and outside_acsm_range_s (time at speeds outside
    ACSM's 50-100 m/min, for a report to flag).
    """
    total_kcal = 0.0
    total_s = 0.0
    met_s = 0.0
    outside_s = 0.0
    for duration_s, speed_mps, grade, backward in samples:
        m = met(speed_mps, grade, backward, treadmill_kind, decline_deg)
        total_kcal += kcal(mass_kg, duration_s, m)
        total_s += duration_s
        met_s += m * duration_s
        if not acsm_in_range(speed_mps):
            outside_s += duration_s
    if not (math.isfinite(mass_kg) and mass_kg > 0):  # also for an empty history
        raise ValueError(f"mass_kg must be > 0, got {mass_kg!r}")
    return {
        "kcal": total_kcal,
        "mean_met": met_s / total_s if total_s > 0 else None,
        "duration_s": total_s,
        "outside_acsm_range_s": outside_s,
    }
