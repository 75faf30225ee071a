"""Relationship lifecycle stages (Dwyer, Schurr & Oh 1987) as small integer codes."""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stage(IntEnum):
    """Lifecycle stage of a customer; stored as int8 in the ``stage`` column."""

    PROSPECT = 0
    EXPLORATION = 1
    AWARENESS = 2
    EXPANSION = 3
    COMMITMENT = 4
    DISSOLUTION = 5


PROSPECT, EXPLORATION, AWARENESS, EXPANSION, COMMITMENT, DISSOLUTION = (int(s) for s in Stage)
ACTIVE_STAGES = (EXPLORATION, AWARENESS, EXPANSION, COMMITMENT)
STAGE_NAMES = [s.name.lower() for s in Stage]


def is_active(stage: np.ndarray) -> np.ndarray:
    """True for customers in a relationship (exploration, awareness, expansion, commitment)."""
    return (stage >= EXPLORATION) & (stage <= COMMITMENT)
