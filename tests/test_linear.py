"""The coupled belt and pendulum step (`sim.linear`) against independent references: the
trajectory from SciPy's matrix exponential, its integrals by adaptive quadrature."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.linalg import expm

from sim.linear import CoupledStep

# (β, κ, α, σ, ω², c), (v, y, U), h: a driven belt under a walking pendulum, a belt held at
# rest, the walker on the side rails, a lab servo's prescribed acceleration, a long step
CASES = [
    ((1.7, 21.0, 2.3, 1.0, 8.8, 0.02), (0.45, -0.03, 0.41), 0.01),
    ((0.0, 0.0, 0.0, 1.0, 8.8, 0.0), (0.0, 0.05, 0.2), 0.01),
    ((0.1, 0.0, -0.4, 0.0, 8.0, 0.3), (1.2, 0.01, -0.1), 0.0037),
    ((0.0, 0.0, -1.5, 1.0, 9.5, -0.1), (0.7, -0.02, 0.68), 0.02),
    ((3.0, 30.0, 5.0, 1.0, 12.0, 1.0), (-0.3, 0.1, 0.0), 0.5),
]


def _matrix(beta, kappa, alpha, sigma, omega2, c) -> np.ndarray:
    return np.array(
        [[-beta, -kappa, 0.0, alpha], [-sigma, 0.0, 1.0, 0.0], [0.0, omega2, 0.0, c], [0.0] * 4]
    )


@pytest.mark.parametrize(("matrix", "z0", "h"), CASES)
def test_step_matches_the_exponential_and_quadrature(matrix, z0, h):
    """v(h) and U(h) agree with expm(M·h)·z0, and ∫v, ∫U, ∫v², ∫v·y with quadrature of that
    trajectory, to a few roundings."""
    m = _matrix(*matrix)
    z = np.array([*z0, 1.0])

    def state(s: float) -> np.ndarray:
        return expm(m * s) @ z

    def integral(f) -> float:
        return quad(lambda s: f(state(s)), 0.0, h, epsabs=0.0, epsrel=1e-13, limit=200)[0]

    z1 = state(h)
    want = (
        z1[0],
        z1[2],
        integral(lambda q: q[0]),
        integral(lambda q: q[2]),
        integral(lambda q: q[0] * q[0]),
        integral(lambda q: q[0] * q[1]),
    )
    got = CoupledStep().step(matrix, z0, h)
    scale = [abs(w) + 1e-300 for w in want]
    np.testing.assert_allclose(np.array(got) / scale, np.array(want) / scale, rtol=0, atol=1e-13)


def test_energy_of_the_belt_row_closes():
    """m_eq·v' = a − b·v − k·y exactly: ½(v₁² − v₀²) = α∫v − β∫v² − κ∫v·y, to rounding."""
    (beta, kappa, alpha, *_), (v0, _, _), h = CASES[0]
    v1, _, int_v, _, int_v2, int_vy = CoupledStep().step(CASES[0][0], CASES[0][1], h)
    change = 0.5 * (v1 * v1 - v0 * v0)
    assert change == pytest.approx(alpha * int_v - beta * int_v2 - kappa * int_vy, rel=1e-12)
