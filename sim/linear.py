"""The exact step of a linear system with constant input, and the integrals of its state.

For z' = M z (a constant input is a state fixed at 1), Van Loan's block exponential gives
both z(h) and the Gramian W = ∫₀ʰ z(s) z(s)ᵀ ds in one matrix exponential:

    exp([[−M, z₀z₀ᵀ], [0, Mᵀ]]·h) = [[F₁, G₁], [0, F₂]],   F₂ = e^{Mᵀh},   W = F₂ᵀ G₁

(C. F. Van Loan, "Computing integrals involving the matrix exponential", IEEE TAC 1978).
W holds every ∫zᵢzⱼ: ∫v², ∫v·y for the work of a force linear in y, and, with the constant
state, every ∫zᵢ. The belt and the walker's pendulum step together this way, exactly.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm


def linear_step(m: np.ndarray, z0: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """(z(h), ∫₀ʰ z zᵀ ds) for z' = m z from z0."""
    n = len(z0)
    block = np.zeros((2 * n, 2 * n))
    block[:n, :n] = -m
    block[:n, n:] = np.outer(z0, z0)
    block[n:, n:] = m.T
    e = expm(block * h)
    f2 = e[n:, n:]
    return f2.T @ z0, f2.T @ e[:n, n:]
