"""Dependence (calculative commitment) and the symmetry of the relationship.

Emerson (1962): A's dependence on B grows with the value B provides and falls
with the alternatives A has.  Burnham, Frels & Mahajan (2003): switching costs
(procedural, financial such as forfeited loyalty points, relational) tie
customers in.  Kumar, Scheer & Steenkamp (1995): total interdependence
strengthens a relationship, asymmetric dependence weakens it (the seeds:
"the more asymmetric a relation, the less stable").
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section
from relsim.stages import COMMITMENT, EXPANSION


class DependenceParams(Section):
    """The ``behaviour`` parameters that the dependence and symmetry rules read."""

    dependence_rate: float = P(0.1, 0.0, 1.0, unit="weight per week",
                               doc="speed at which dependence follows its drivers")
    dependence_switching_weight: float = P(0.5, 0.0, 1.0, unit="weight",
                                           doc="weight of switching costs in dependence")
    dependence_alternatives_weight: float = P(0.3, 0.0, 1.0, unit="weight",
                                              doc="weight of few known alternatives in dependence",
                                              source="Emerson 1962 power-dependence")
    dependence_stage_weight: float = P(0.2, 0.0, 1.0, unit="weight",
                                       doc="dependence from integration in expansion/commitment")


def dependence_target(switching_cost: np.ndarray, known_alternatives: np.ndarray,
                      n_rivals: int, stage: np.ndarray, switching_weight: float,
                      alternatives_weight: float, stage_weight: float) -> np.ndarray:
    """Dependence implied by the customer's situation, in [0, 1].

    D* = w_s * switching_cost + w_a * (1 - known_alternatives / n_rivals)
         + w_g * [stage is expansion or commitment]
    (weights normalised to sum 1).  With no rivals in the market every customer
    has no alternative.
    """
    total = switching_weight + alternatives_weight + stage_weight
    if np.ndim(total) == 0 and total == 0:
        return np.zeros_like(switching_cost)
    few_alternatives = 1.0 - known_alternatives / n_rivals if n_rivals else np.ones_like(switching_cost)
    integrated = ((stage == EXPANSION) | (stage == COMMITMENT)).astype(float)
    target = (switching_weight * switching_cost + alternatives_weight * few_alternatives
              + stage_weight * integrated)
    if np.ndim(total):  # weights per customer: 0 where they all are
        target = np.divide(target, total, out=np.zeros_like(target), where=total != 0)
    else:
        target = target / total
    return np.clip(target, 0.0, 1.0)


def update_dependence(dependence: np.ndarray, target: np.ndarray, active: np.ndarray,
                      rate: float) -> np.ndarray:
    """Dependence follows its drivers with a lag: D <- D + rate * (D* - D)."""
    return np.where(active, dependence + rate * (target - dependence), dependence)


def firm_dependence(volume: np.ndarray, mean_volume: np.ndarray, importance: np.ndarray
                    ) -> np.ndarray:
    """The firm's dependence on a customer: the account's weight relative to an average one.

    D_firm = clip(importance * volume / mean volume of the firm's customers, 0, 1),
    volume being units bought per purchase: small for a B2C shopper, large for
    a key B2B account.
    """
    relative = np.divide(volume, mean_volume, out=np.ones_like(volume), where=mean_volume > 0)
    return np.clip(importance * relative, 0.0, 1.0)


def dependence_asymmetry(customer_dependence: np.ndarray, firm_dep: np.ndarray) -> np.ndarray:
    """Asymmetry of the relationship: |customer's dependence - firm's dependence| (Kumar et al. 1995)."""
    return np.abs(customer_dependence - firm_dep)
