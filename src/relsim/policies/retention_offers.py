"""Targeted retention offers to customers the firm's own churn-risk score flags.

The firm cannot see trust or commitment; it scores risk from what a real firm
observes: weeks since the last purchase, recent complaints and tenure
(newcomers churn most).  Every ``interval`` weeks it makes an offer (a
discount or gift) to the riskiest share of its customers (Neslin et al. 2006:
churn modelling for targeted retention; Ascarza 2018: high risk is not the
same as high response to an offer).  An accepted offer lifts satisfaction and
felt fairness and, for a while, commitment.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Column, Context, Policy, PolicyConfig


class RetentionOffersConfig(PolicyConfig):
    """Score churn risk from observables and make offers to the riskiest customers."""

    kind: Literal["retention_offers"] = "retention_offers"
    interval: int = P(4, 1, 520, unit="weeks", doc="weeks between scoring rounds")
    target_share: float = P(0.1, 0.0, 1.0, unit="share",
                            doc="share of the firm's customers (riskiest first) offered a deal")
    acceptance: float = P(0.7, 0.0, 1.0, unit="probability",
                          doc="probability that an offered customer takes the offer")
    offer_value: float = P(1.0, 0.0, 1e6, unit="currency per accepted offer",
                           doc="cost of one accepted offer")
    satisfaction_boost: float = P(0.1, 0.0, 1.0, unit="score",
                                  doc="satisfaction gained by accepting an offer")
    fairness_boost: float = P(0.1, 0.0, 1.0, unit="score",
                              doc="fairness gained by accepting an offer")
    commitment_boost: float = P(0.05, 0.0, 1.0, unit="score",
                                doc="commitment target bonus while the offer lasts")
    offer_weeks: int = P(8, 1, 520, unit="weeks", doc="how long an offer's commitment bonus lasts")
    recency_weight: float = P(1.0, 0.0, 100.0, unit="score per month without purchase",
                              doc="risk score weight of weeks since the last purchase (per 4)",
                              source="Neslin et al. 2006")
    complaint_weight: float = P(1.0, 0.0, 100.0, unit="score per recent complaint",
                                doc="risk score weight of recent complaints")
    newness_weight: float = P(1.0, 0.0, 100.0, unit="score",
                              doc="risk score weight of being new (exp(-tenure / 12 weeks))")


def churn_risk_score(weeks_since_purchase: np.ndarray, recent_complaints: np.ndarray,
                     tenure: np.ndarray, recency_weight: float, complaint_weight: float,
                     newness_weight: float) -> np.ndarray:
    """Observable risk: w_r * weeks since purchase / 4 + w_c * recent complaints + w_n e^(-tenure/12)."""
    return (recency_weight * weeks_since_purchase / 4.0 + complaint_weight * recent_complaints
            + newness_weight * np.exp(-tenure / 12.0))


def riskiest(score: np.ndarray, share: float) -> np.ndarray:
    """Positions (increasing) of the ``share`` of ``score`` with the highest values: the
    round(share * len(score)) riskiest candidates."""
    k = int(round(share * len(score)))
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    if k >= len(score):
        return np.arange(len(score))
    return np.sort(np.argpartition(-score, k - 1)[:k])


class RetentionOffers(Policy):
    """Make offers to the customers the firm's risk score flags."""

    kind = "retention_offers"
    config_class = RetentionOffersConfig
    columns = {"offer_weeks_left": Column(np.int16, "weeks a retention offer still works",
                                          countdown=True)}

    def commitment_bonus(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """Customers with a running offer: a bonus on their commitment target."""
        offered = ctx.mine[idx] & (ctx.own("offer_weeks_left")[idx] > 0)
        return np.where(offered, self.config.commitment_boost, 0.0)

    def end_week(self, ctx: Context) -> None:
        """Every ``interval`` weeks: score, make offers to the riskiest, book accepted ones."""
        c, k = ctx.customers, self.config
        u = self.draw(ctx)  # drawn every week: a fixed number of draws per week
        if (ctx.step - k.start) % k.interval:
            return
        idx = ctx.mine_idx  # the firm's customers, scored from what it observes
        score = churn_risk_score(c.weeks_since_purchase[idx], c.recent_complaints[idx],
                                 c.tenure[idx], k.recency_weight, k.complaint_weight,
                                 k.newness_weight)
        offered = idx[riskiest(score, k.target_share)]
        accepted = offered[u[offered] < k.acceptance]
        c.satisfaction[accepted] = np.minimum(1.0, c.satisfaction[accepted]
                                              + k.satisfaction_boost)
        c.fairness[accepted] = np.minimum(1.0, c.fairness[accepted] + k.fairness_boost)
        ctx.own("offer_weeks_left")[accepted] = k.offer_weeks
        self.spend(len(accepted) * k.offer_value)
