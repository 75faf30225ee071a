"""Commitment: the wish to keep the relationship.

Morgan & Hunt (1994): commitment rises with trust; Garbarino & Johnson (1999):
and with satisfaction; Kumar, Scheer & Steenkamp (1995): with fairness and with
total interdependence, while asymmetry breeds conflict; Gustafsson, Johnson &
Roos (2005): calculative commitment (dependence) keeps customers too.
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section


class CommitmentParams(Section):
    """The ``behaviour`` parameters that the commitment rules read."""

    commitment_rate: float = P(0.1, 0.0, 1.0, unit="weight per week",
                               doc="speed at which commitment follows its drivers")
    commitment_trust_weight: float = P(0.3, 0.0, 1.0, unit="weight", doc="weight of trust",
                                       source="Morgan & Hunt 1994")
    commitment_satisfaction_weight: float = P(0.3, 0.0, 1.0, unit="weight",
                                              doc="weight of satisfaction",
                                              source="Garbarino & Johnson 1999")
    commitment_fairness_weight: float = P(0.15, 0.0, 1.0, unit="weight", doc="weight of fairness",
                                          source="Kumar, Scheer & Steenkamp 1995")
    commitment_dependence_weight: float = P(0.25, 0.0, 1.0, unit="weight",
                                            doc="weight of dependence (calculative commitment)",
                                            source="Gustafsson, Johnson & Roos 2005")
    asymmetry_penalty: float = P(0.1, 0.0, 1.0, unit="score per score",
                                 doc="commitment lost per unit of dependence asymmetry",
                                 source="Kumar, Scheer & Steenkamp 1995")


def commitment_target(trust: np.ndarray, satisfaction: np.ndarray, fairness: np.ndarray,
                      dependence: np.ndarray, asymmetry: np.ndarray, w_trust: np.ndarray | float,
                      w_satisfaction: float, w_fairness: float, w_dependence: float,
                      asymmetry_penalty: float) -> np.ndarray:
    """Commitment implied by the relationship's qualities, in [0, 1].

    C* = (w_T T + w_S S + w_F F + w_D D) / (w_T + w_S + w_F + w_D) - penalty * asymmetry
    """
    total = w_trust + w_satisfaction + w_fairness + w_dependence  # weights may vary by segment
    weighted = (w_trust * trust + w_satisfaction * satisfaction + w_fairness * fairness
                + w_dependence * dependence)
    base = np.divide(weighted, total, out=np.zeros_like(trust), where=np.asarray(total) > 0)
    return np.clip(base - asymmetry_penalty * asymmetry, 0.0, 1.0)


def update_commitment(commitment: np.ndarray, target: np.ndarray, active: np.ndarray,
                      rate: float) -> np.ndarray:
    """Commitment follows its drivers with a lag: C <- C + rate * (C* - C)."""
    return np.where(active, commitment + rate * (target - commitment), commitment)
