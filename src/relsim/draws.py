"""The week's random numbers: a fixed block per customer, read only where a rule needs it.

Every week the dynamics stream fills one block of 32-bit random integers, a
fixed number of rows per customer (:data:`N_DRAW_ROWS`: one row per kind of
draw, in the fixed layout below).  A rule reads the row it owns for the
customers it concerns only, as uniforms or normals.  Because the block is drawn whole, whatever the state, customer ``i``
gets the same numbers in week ``t`` in every variant of a scenario: common
random numbers, so differences between variants are not blurred by luck.

Integers rather than floats halve the work of drawing (two 32-bit numbers per
64-bit output of the generator), and only the entries a rule reads are
converted.  Uniforms take the values ``k / 2**32`` (resolution 2.3e-10, far
below any probability the model compares them with); a normal is the inverse
normal CDF of a uniform at the midpoint ``(k + 0.5) / 2**32`` (finite, within
about 6.2 standard deviations).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

_SCALE = 2.0 ** -32

# rows of the weekly block, in a fixed layout (common random numbers): Z_QUALITY is read as
# normals, the others as uniforms
(U_CHURN, U_SWITCH, U_SWITCH_CHOICE, U_RETURN, U_RETURN_CHOICE, U_ADOPT, U_SOURCE,
 U_ADOPT_CHOICE, U_PURCHASE, U_PROMISE, U_COMPLAIN, U_RECOVER, U_TALK, Z_QUALITY) = range(14)
N_DRAW_ROWS = 14
"""Rows of the weekly block: one per kind of draw."""


class WeekDraws:
    """A (rows, n) block of 32-bit random integers, drawn once per week.

    ``draws[row, idx]`` gives uniforms in [0, 1) for customers ``idx`` from
    row ``row``; ``draws.normal(row, idx)`` standard normals.
    """

    def __init__(self, bits: np.ndarray) -> None:
        self.bits = bits

    @classmethod
    def draw(cls, rng: np.random.Generator, rows: int, n: int) -> WeekDraws:
        """This week's block: ``rows * n / 2`` 64-bit outputs of ``rng``, each two 32-bit halves."""
        if rows % 2:
            raise ValueError(f"rows must be even (two 32-bit rows per 64-bit draw), got {rows}")
        raw = rng.bit_generator.random_raw(rows * n // 2)
        return cls(raw.view(np.uint32).reshape(rows, n))

    def __getitem__(self, key: tuple[int, np.ndarray]) -> np.ndarray:
        """Uniforms in [0, 1) of row ``row`` for customers ``idx`` (indices or a mask)."""
        row, idx = key
        return self.bits[row][idx] * _SCALE

    def normal(self, row: int, idx: np.ndarray) -> np.ndarray:
        """Standard normals of row ``row`` for customers ``idx`` (inverse-CDF transform)."""
        return ndtri((self.bits[row][idx] + 0.5) * _SCALE)
