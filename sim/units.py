"""Unit conversions at the edges. Everything inside treadbench is SI (m, s, kg, N, V, A, K)."""

import math

MPS_PER_MPH = 0.44704  # exact: 1 mile = 1609.344 m
KMH_PER_MPS = 3.6
MPS_PER_KMH = 1.0 / KMH_PER_MPS
G_MPS2 = 9.80665  # standard gravity


def mph_to_mps(mph: float) -> float:
    return mph * MPS_PER_MPH


def mps_to_mph(mps: float) -> float:
    return mps / MPS_PER_MPH


def kmh_to_mps(kmh: float) -> float:
    return kmh * MPS_PER_KMH


def angle_from_pct(incline_pct: float) -> float:
    """Deck angle theta in radians from an incline in percent (incline_pct = 100 tan theta)."""
    return math.atan(incline_pct / 100.0)
