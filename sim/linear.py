"""The exact step of the coupled belt and pendulum, and the integrals of its state.

State z = (v, y, U, 1) (the constant input is a state fixed at 1), z' = M z with

    M = [[−β, −κ, 0, α],
         [−σ,  0, 1, 0],
         [ 0, ω², 0, c],
         [ 0,  0, 0, 0]]

Van Loan's block exponential gives both z(h) and the Gramian W = ∫₀ʰ z(s) z(s)ᵀ ds in one
matrix exponential:

    exp([[−M, z₀z₀ᵀ], [0, Mᵀ]]·h) = [[F₁, G₁], [0, F₂]],   F₂ = e^{Mᵀh},   W = F₂ᵀ G₁

(C. F. Van Loan, "Computing integrals involving the matrix exponential", IEEE TAC 1978).
W holds ∫v² and ∫v·y (the work of a force linear in y); row 3 of F₂ is (0, 0, 0, 1), so
W's row 3, the integrals ∫zᵢ, is G₁'s row 3. Only the entries the rig books are formed, in
plain floats: on 8×8 arrays numpy's per-call overhead, not the arithmetic, is the cost.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

# Flat indices in the 8×8 block of the entries `CoupledStep.step` writes: −M·h top left,
# z₀z₀ᵀ·h top right, Mᵀ·h bottom right. Every other entry is zero, always.
_M_ENTRIES = ((0, 0), (0, 1), (0, 3), (1, 0), (1, 2), (2, 1), (2, 3))
_BLOCK_INDEX = np.array(
    [8 * i + j for i, j in _M_ENTRIES]
    + [8 * i + 4 + j for i in range(4) for j in range(4)]
    + [8 * (4 + j) + 4 + i for i, j in _M_ENTRIES]
)


class CoupledStep:
    """The belt and pendulum system above, stepped exactly; one block buffer per instance."""

    def __init__(self) -> None:
        self._block = np.zeros((8, 8))

    def step(
        self,
        matrix: tuple[float, float, float, float, float, float],
        z0: tuple[float, float, float],
        h: float,
    ) -> tuple[float, float, float, float, float, float]:
        """matrix = (β, κ, α, σ, ω², c), z0 = (v, y, U) at the start, h in seconds. Returns
        (v(h), U(h), ∫v, ∫U, ∫v², ∫v·y) over the step."""
        beta, kappa, alpha, sigma, omega2, c = matrix
        v, y, u = z0
        bh, kh, ah, sh, wh, ch = beta * h, kappa * h, alpha * h, sigma * h, omega2 * h, c * h
        vh, yh, uh = v * h, y * h, u * h
        self._block.put(_BLOCK_INDEX, (
            bh, kh, -ah, sh, -h, -wh, -ch,  # −M·h
            vh * v, vh * y, vh * u, vh, yh * v, yh * y, yh * u, yh,  # z₀z₀ᵀ·h
            uh * v, uh * y, uh * u, uh, vh, yh, uh, h,
            -bh, -kh, ah, -sh, h, wh, ch,  # Mᵀ·h
        ))  # fmt: skip
        e = expm(self._block).ravel().tolist()
        # F₂ = e[4:, 4:] (F₂ᵀ = e^{Mh}), G₁ = e[:4, 4:], both read from the flat list
        f0, f1, f2, f3 = e[36], e[44], e[52], e[60]  # F₂'s column 0: v(h) = Σ F₂[j,0]·z₀[j]
        return (
            f0 * v + f1 * y + f2 * u + f3,
            e[38] * v + e[46] * y + e[54] * u + e[62],  # U(h), from F₂'s column 2
            e[28],  # ∫v = G₁[3, 0]
            e[30],  # ∫U = G₁[3, 2]
            f0 * e[4] + f1 * e[12] + f2 * e[20] + f3 * e[28],  # ∫v² = Σ F₂[j,0]·G₁[j,0]
            f0 * e[5] + f1 * e[13] + f2 * e[21] + f3 * e[29],  # ∫v·y = Σ F₂[j,0]·G₁[j,1]
        )
