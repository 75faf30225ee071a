"""Relationship economics: lifetime value, closed forms and realised from the transaction log.

Customer lifetime value (CLV) is the discounted margin a customer brings.
With a constant per-period margin m, retention probability r and discount
rate d per period, and margins collected at the end of each period survived,
CLV = sum_{t>=1} m r^t / (1 + d)^t = m r / (1 + d - r) (Gupta & Lehmann 2003;
Berger & Nasr 1998).  Customer equity is the sum of lifetime values over the
customer base (Rust, Lemon & Zeithaml 2004).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def clv_closed_form(margin: float, retention: float, discount_rate: float) -> float:
    """Lifetime value of a customer with constant margin and retention: m r / (1 + d - r)."""
    return margin * retention / (1.0 + discount_rate - retention)


def forward_clv(weekly_margin: np.ndarray, retention: np.ndarray, discount_rate: float
                ) -> np.ndarray:
    """Forward lifetime value of each current customer: m r / (1 + d - r), per customer.

    ``weekly_margin`` is the customer's expected margin a week (purchase
    probability x basket x unit margin - cost to serve) and ``retention`` one
    minus its current weekly churn hazard: the closed form above applied to
    each customer's present state (an estimate: states change).  The
    denominator is floored at 1e-4 so that a customer who never churns in an
    undiscounted world is worth 10,000 weeks of margin, not infinity.
    """
    return weekly_margin * retention / np.maximum(1.0 + discount_rate - retention, 1e-4)


def discount_factor(step, discount_rate):
    """(1 + d)^-t: what one unit at step ``t`` is worth at step 0, at the rate ``d`` per
    step (``step`` and ``discount_rate`` numbers or arrays).  The one place relsim
    discounts."""
    return (1.0 + discount_rate) ** -step


def discount_factors(steps: np.ndarray, discount_rate: float, origin: int = 0) -> np.ndarray:
    """(1 + d)^-(t - origin) for each step t."""
    return discount_factor(np.asarray(steps, dtype=float) - origin, discount_rate)


def transaction_margins(transactions: pd.DataFrame, prices: dict[str, float],
                        unit_costs: dict[str, float]) -> np.ndarray:
    """Gross margin of each transaction: amount * (1 - unit_cost / list price) of its firm."""
    firm = transactions["firm"].astype(str)
    margin_rate = 1.0 - firm.map(unit_costs).to_numpy(float) / firm.map(prices).to_numpy(float)
    return transactions["amount"].to_numpy(float) * margin_rate


def realised_clv(transactions: pd.DataFrame, margins: np.ndarray, discount_rate: float,
                 customers: np.ndarray, origin: int = 0) -> pd.Series:
    """Discounted margin each customer brought from step ``origin`` on (0 for silent customers)."""
    value = margins * discount_factors(transactions["step"].to_numpy(), discount_rate, origin)
    per_customer = pd.Series(value).groupby(transactions["customer"].to_numpy()).sum()
    return per_customer.reindex(customers, fill_value=0.0)
