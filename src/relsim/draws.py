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


_FLOAT32_SCALE = np.float32(2.0 ** -24)


class Uniforms:
    """``n`` float32 uniforms, the very numbers ``rng.random(n, dtype=np.float32)`` gives,
    converted only where read: ``uniforms[idx]``.

    numpy makes a float32 uniform from a 32-bit output of the generator as
    ``(k >> 8) * 2**-24``; the 32-bit outputs are the halves of its 64-bit
    outputs, low half first, and an odd count leaves a half buffered for the
    next 32-bit draw.  :meth:`draw` takes the same halves (and honours and
    leaves the same buffer), so a policy's numbers do not depend on whether it
    converts all of them or only those of the customers it concerns.
    """

    def __init__(self, bits: np.ndarray) -> None:
        self.bits = bits

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> Uniforms:
        """The next ``n`` uniforms of ``rng``, as ``rng.random(n, dtype=np.float32)`` would."""
        bit_generator = rng.bit_generator
        state = bit_generator.state
        if "has_uint32" not in state:  # a generator without a 32-bit buffer: convert all
            return cls(np.ldexp(rng.random(n, dtype=np.float32), 24).astype(np.uint32) << 8)
        if n == 0 or (not state["has_uint32"] and n % 2 == 0):
            return cls(bit_generator.random_raw(n // 2).view(np.uint32))
        head = np.array([state["uinteger"]] if state["has_uint32"] else [], dtype=np.uint32)
        need = n - head.size
        raw = bit_generator.random_raw((need + 1) // 2).view(np.uint32)
        state = bit_generator.state
        state["has_uint32"], state["uinteger"] = (1, int(raw[-1])) if need % 2 else (0, 0)
        bit_generator.state = state
        return cls(np.concatenate([head, raw[:need]]))

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        """The uniforms of customers ``idx`` (indices or a mask), float32."""
        return (self.bits[idx] >> 8).astype(np.float32) * _FLOAT32_SCALE

    def __len__(self) -> int:
        return self.bits.size
