"""Referral rewards: pay customers who bring new customers.

A reward for each referred customer makes satisfied customers recommend more
(Schmitt, Skiera & Van den Bulte 2011: referred customers are more loyal and
valuable; Ryu & Feick 2007: rewards raise referral likelihood).  The firm
pays the reward for every customer it wins through word of mouth.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Policy, PolicyConfig


class ReferralConfig(PolicyConfig):
    """Reward customers for referrals."""

    kind: Literal["referral"] = "referral"
    reward: float = P(2.0, 0.0, 1e6, unit="currency per referred customer",
                      doc="reward paid for each customer won through word of mouth")
    talk_boost: float = P(1.0, 0.0, 20.0, unit="ratio",
                          doc="extra talking by satisfied customers (promoters)",
                          source="Ryu & Feick 2007")


class Referral(Policy):
    """Reward customers who bring others."""

    kind = "referral"
    config_class = ReferralConfig

    def talk_multiplier(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """Promoters among the firm's customers talk more."""
        satisfaction = ctx.customers.satisfaction[idx]
        promoter = satisfaction >= ctx.behaviour.promoter_satisfaction
        return np.where(ctx.mine[idx] & promoter, 1.0 + self.config.talk_boost, 1.0)

    def end_week(self, ctx: Context) -> None:
        """Pay the reward for every customer won through word of mouth this week."""
        referred = np.count_nonzero(ctx.events.adopted_wom == ctx.firm_index)
        self.spend(referred * self.config.reward)
