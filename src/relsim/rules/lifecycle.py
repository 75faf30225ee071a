"""The relationship lifecycle of Dwyer, Schurr & Oh (1987).

prospect -> exploration -> awareness -> expansion -> commitment, and
dissolution from any active stage.  Exploration is a test of the supplier: a
bad test ends the relationship at once (seeds: "if the test results fail to
satisfy customers demands, the relationship can drastically come to an end").
In expansion the customer buys more and depends more.
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section
from relsim.stages import AWARENESS, COMMITMENT, EXPANSION, EXPLORATION, is_active


class LifecycleParams(Section):
    """The ``behaviour`` parameters that the lifecycle rules read."""

    exploration_weeks: int = P(4, 1, 520, unit="weeks",
                               doc="minimum tenure before exploration can become awareness",
                               source="Dwyer, Schurr & Oh 1987")
    exploration_failure: float = P(0.25, 0.0, 1.0, unit="score",
                                   doc="transaction satisfaction below which exploration ends",
                                   source="seeds: a failed test ends the relationship")
    awareness_trust: float = P(0.45, 0.0, 1.0, unit="score",
                               doc="trust needed to leave exploration for awareness")
    expansion_commitment: float = P(0.55, 0.0, 1.0, unit="score",
                                    doc="commitment needed to enter expansion")
    commitment_commitment: float = P(0.65, 0.0, 1.0, unit="score",
                                     doc="commitment needed to enter the commitment stage")
    stage_hysteresis: float = P(0.1, 0.0, 1.0, unit="score",
                                doc="drop below a threshold that moves a customer one stage back")
    expansion_growth: float = P(0.02, 0.0, 1.0, unit="share per week",
                                doc="growth of basket size per week in expansion",
                                source="Dwyer, Schurr & Oh 1987; Reinartz & Kumar 2003")
    max_basket_multiple: float = P(2.0, 1.0, 100.0, unit="ratio",
                                   doc="cap on basket growth relative to the segment basket")


def failed_exploration(stage: np.ndarray, encounter_satisfaction: np.ndarray,
                       had_encounter: np.ndarray, threshold: float) -> np.ndarray:
    """An explorer whose encounter satisfaction falls below the threshold ends the relationship now."""
    return (stage == EXPLORATION) & had_encounter & (encounter_satisfaction < threshold)


def advance_stage(stage: np.ndarray, tenure: np.ndarray, trust: np.ndarray,
                  commitment: np.ndarray, exploration_weeks: int, awareness_trust: float,
                  expansion_commitment: float, commitment_commitment: float,
                  hysteresis: float) -> np.ndarray:
    """Move active customers one stage forward or back.

    exploration -> awareness  after ``exploration_weeks`` with trust >= awareness_trust
    awareness   -> expansion  when commitment >= expansion_commitment
    expansion   -> commitment when commitment >= commitment_commitment
    and one stage back (commitment -> expansion -> awareness) when commitment
    drops ``hysteresis`` below the threshold of the stage.
    """
    new = stage.copy()
    new[(stage == EXPLORATION) & (tenure >= exploration_weeks) & (trust >= awareness_trust)] = AWARENESS
    new[(stage == AWARENESS) & (commitment >= expansion_commitment)] = EXPANSION
    new[(stage == EXPANSION) & (commitment >= commitment_commitment)] = COMMITMENT
    new[(stage == COMMITMENT) & (commitment < commitment_commitment - hysteresis)] = EXPANSION
    new[(stage == EXPANSION) & (commitment < expansion_commitment - hysteresis)] = AWARENESS
    return new


STAGE_PURCHASE_MULTIPLIER = np.array([0.0, 0.6, 1.0, 1.2, 1.4, 0.0])
"""Purchase frequency relative to awareness, by stage code (prospect ... dissolution).

Explorers buy tentatively; expansion and commitment buy more often
(Reinartz & Kumar 2003: profitable lifetime duration and purchase frequency).
"""


def purchase_probability(base_prob: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """Weekly purchase probability: the segment's base times the stage multiplier, capped at 1."""
    return np.minimum(1.0, base_prob * STAGE_PURCHASE_MULTIPLIER[stage])


def grow_basket(basket: np.ndarray, stage: np.ndarray, segment_basket: np.ndarray,
                growth: float, max_multiple: float) -> np.ndarray:
    """In expansion the basket grows by ``growth`` per week, up to ``max_multiple`` x its start."""
    grown = np.minimum(basket * (1.0 + growth), segment_basket * max_multiple)
    return np.where(stage == EXPANSION, grown, basket)


__all__ = ["advance_stage", "failed_exploration", "grow_basket", "is_active",
           "purchase_probability", "STAGE_PURCHASE_MULTIPLIER"]
