"""The start-of-week outlook of customers: what each firm is worth to them, what leaving
costs, and their churn hazard.

Phases 2 and 3 ask for the customers who can churn or choose before any of
their attitudes change in the week, so these are the values of the start of
the week (ODD 7.2-7.4).
"""

from __future__ import annotations

import numpy as np

from relsim.customers import columns
from relsim.phases.market import Market
from relsim.rules import choice, churn


def utility(model: Market, idx: np.ndarray) -> np.ndarray:
    """Each firm's utility to customers ``idx``, shape (firms, len(idx)).

    Newcomers see advertised newcomer deals; a firm's own customers pay its list price.
    """
    c, b = model.customers, model.params("behaviour", idx)
    price = model.firm_matrix("price", idx)
    deal = price * (1.0 - model.firm_matrix("newcomer_discount", idx))
    sensitivity = c.price_sensitivity[idx]
    value = choice.firm_utility(columns(c.attitude, idx), sensitivity, c.status_seeking[idx],
                                deal, model.firm_matrix("status", idx), b.choice_quality_weight,
                                b.choice_price_weight, b.choice_status_weight)
    if np.any(deal != price):  # the firm's own customers pay the list price
        own = choice.own_firm_mask(c.firm[idx], model.n_firms)
        surcharge = b.choice_price_weight * ((price - deal) / (deal.sum(axis=0) / len(deal)))
        value -= np.where(own, surcharge * sensitivity[None, :], 0.0)
    return value


def switching_cost(model: Market, idx: np.ndarray) -> np.ndarray:
    """Cost of leaving for customers ``idx``: personal, the firm's contractual cost and the
    ties policies add (points, tiers), capped at 1."""
    c = model.customers
    firm_cost = model.firm_values("switching_cost", np.maximum(c.firm[idx], 0), idx)
    personal = c.personal_switching_cost[idx]
    ties = model.policies.total("switching_cost", idx)
    return np.clip(personal + firm_cost + ties, 0.0, 1.0)


def churn_hazard(model: Market, idx: np.ndarray, value: np.ndarray,
                 cost: np.ndarray | None = None) -> np.ndarray:
    """Churn hazard of customers ``idx`` at their state at the start of the week.

    ``value`` holds the firms' utilities to these customers (:func:`utility`);
    ``cost`` their switching costs (default: those of the start of the week, or, for a
    customer starting a relationship this week, computed now, when its state is still
    that of the start of the week).  Stored by the callers as the event ``churn_hazard``
    (forward values use it).
    """
    c, b = model.customers, model.params("behaviour", idx)
    own = choice.own_firm_mask(c.firm[idx], model.n_firms)
    gap = choice.best_rival_gap(value, own, columns(c.aware, idx))
    if cost is None:
        cost = model.week_switching_cost[idx]
        later = np.isnan(cost)  # starting a relationship: no firm since the week began
        if later.any():
            cost[later] = switching_cost(model, idx[later])
    return churn.churn_hazard(c.churn_proneness[idx], c.commitment[idx], gap, cost,
                              b.commitment_effect, b.alternative_effect, b.switching_cost_effect)
