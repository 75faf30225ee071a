"""What a firm can observe of each account, and what each customer is worth: realised value
to date and forward lifetime value (ODD 7.13)."""

from __future__ import annotations

import numpy as np

from relsim import economics
from relsim.phases import outlook
from relsim.phases.market import Market
from relsim.rules import lifecycle


def observe(model: Market, active: np.ndarray, buys: np.ndarray,
            complained: np.ndarray) -> None:
    """Update the observable account of customers ``active`` (in a relationship) and the
    realised value of the buyers (positions ``buys`` in ``active``; ``complained`` marks the
    buyers who complained): weeks since the last purchase; complaints fading by 10% a week;
    weekly margin after cost to serve, fading likewise; discounted margin to date."""
    c = model.customers
    buyers = active[buys]
    f = c.firm[active]
    bought = (c.price_paid[buyers] - model.firm_values("unit_cost", c.firm[buyers], buyers)) \
        * c.basket[buyers]  # margin of each buyer
    margin = np.zeros(active.size)
    margin[buys] = bought
    c.weeks_since_purchase[active] += 1
    c.weeks_since_purchase[buyers] = 0
    np.multiply(c.recent_complaints, 0.9, out=c.recent_complaints)
    c.recent_complaints[buyers] += complained
    weekly = margin - model.firm_values("service_cost", f, active)
    recent = c.recent_margin[active]
    c.recent_margin[active] = recent + 0.1 * (weekly - recent)
    c.realised_value[buyers] += bought * economics.discount_factor(
        model.steps, model.config.economics.discount_rate_per_step)


def forward_values(model: Market, idx: np.ndarray | None = None) -> np.ndarray:
    """Each customer's forward lifetime value at its current state (0 without a firm): the
    closed form m r / (1 + d - r) with its expected weekly margin m and r = 1 - its churn
    hazard this week (:func:`relsim.economics.forward_clv`).

    ``idx``: only these customers (default: all).
    """
    c = model.customers
    idx = np.arange(c.n) if idx is None else idx
    firm = c.firm[idx]
    f = np.maximum(firm, 0)
    buys = lifecycle.purchase_probability(c.base_purchase_prob[idx], c.stage[idx])
    weekly = (buys * c.basket[idx] * (c.price_paid[idx] - model.firm_values("unit_cost", f, idx))
              - model.firm_values("service_cost", f, idx))
    hazard = model.events.churn_hazard[idx]  # not yet drawn at step 0: the baseline proneness
    hazard = np.where(np.isnan(hazard), c.churn_proneness[idx], hazard)
    # customers who started a relationship this week: their hazard with their new firm
    joined = (firm >= 0) & (c.started_step[idx] == model.steps) & (model.steps > 0)
    if joined.any():
        new = idx[joined]
        hazard[joined] = outlook.churn_hazard(model, new, outlook.utility(model, new),
                                              outlook.switching_cost(model, new))
    value = economics.forward_clv(weekly, 1.0 - hazard,
                                  model.config.economics.discount_rate_per_step)
    return np.where(firm >= 0, value, 0.0)
