"""Relationships start and end: the only places where a customer's firm changes."""

from __future__ import annotations

import numpy as np

from relsim.phases.market import Market
from relsim.stages import DISSOLUTION, EXPLORATION


def start(model: Market, idx: np.ndarray, firm: np.ndarray) -> None:
    """Customers ``idx`` (increasing indices) start exploring firms ``firm`` (one per index):
    a new relationship starts from the initial attitudes (ODD 7.4)."""
    c, b = model.customers, model.params("behaviour", idx)
    f = firm.astype(np.int16)
    c.stage[idx] = EXPLORATION
    c.firm[idx] = f
    c.tenure[idx] = 0
    c.started_step[idx] = model.steps
    first = c.acquired_step[idx] == -1
    c.acquired_step[idx[first]] = model.steps
    c.trust[idx] = b.initial_trust
    c.satisfaction[idx] = 0.5
    c.expectation[idx] = c.attitude[f, idx]
    c.dependence[idx] = 0.0
    c.fairness[idx] = b.fairness_at_reference
    c.commitment[idx] = 0.5
    c.basket[idx] = c.segment_basket[idx]
    c.weeks_since_purchase[idx] = 0
    c.recent_complaints[idx] = 0.0
    c.recent_margin[idx] = 0.0
    c.price_paid[idx] = model.firm_values("price", f, idx)
    c.aware[f, idx] = True
    model.records.relationships_started(idx, first)


def end(model: Market, idx: np.ndarray, reason: str) -> None:
    """Customers ``idx`` (increasing indices) leave their firm and lapse (dissolution): the
    attitude to the firm falls to their satisfaction, and the ties the policies gave them
    (points, memberships, offers) are forfeited."""
    c = model.customers
    f = c.firm[idx]
    model.records.relationships_ended(model, idx, reason)
    c.attitude[f, idx] = np.minimum(c.attitude[f, idx], c.satisfaction[idx])
    c.former_firm[idx] = f
    c.firm[idx] = -1
    c.stage[idx] = DISSOLUTION
    c.tenure[idx] = 0
    c.spend[idx] = 0.0
    model.policies.reset_columns(c, idx)
