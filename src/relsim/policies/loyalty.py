"""Loyalty programme: points per purchase, tiers, rewards and member benefits.

Members earn points on what they spend, redeem them for rewards and climb
tiers; members also get benefits such as a longer return window, which
forgives part of a disappointing encounter (seeds: IKEA Family's 365-day
returns).  Points and tier status are forfeited on leaving, so they are a
switching cost: the programme raises retention through dependence
(calculative commitment), not through trust (Dowling & Uncles 1997;
Bolton, Kannan & Bramlett 2000; Burnham, Frels & Mahajan 2003).  Withdrawing
the programme removes that tie at once and is felt as unfair, so churn
spikes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import field_validator

from relsim.params import P
from relsim.policies.base import Column, Context, Encounter, MembershipPolicy, PolicyConfig

MAX_TIERS = 100
"""Most tiers a programme may have."""


class LoyaltyConfig(PolicyConfig):
    """A points-and-tiers programme."""

    kind: Literal["loyalty"] = "loyalty"
    join_rate: float = P(0.2, 0.0, 1.0, unit="probability per week",
                         doc="weekly chance that a customer who is not a member joins")
    points_per_currency: float = P(10.0, 0.0, 1e6, unit="points per currency",
                                   doc="points earned per unit of money spent")
    point_value: float = P(0.01, 0.0, 1e6, unit="currency per point",
                           doc="value of a point when redeemed (the programme's margin cost)")
    redeem_threshold: float = P(200.0, 1.0, 1e9, unit="points",
                                doc="balance at which points are redeemed for a reward")
    tier_thresholds: list[float] = P([300.0, 1000.0], unit="lifetime points",
                                     doc="lifetime points needed for each tier above the base")
    points_weight: float = P(0.3, 0.0, 1.0, unit="score",
                             doc="most switching cost that an unredeemed balance can add",
                             source="Burnham, Frels & Mahajan 2003 financial switching costs")
    points_scale: float = P(1.0, 1e-6, 1e6, unit="currency",
                            doc="balance value at which 63% of points_weight is reached")
    tier_switching_cost: float = P(0.15, 0.0, 1.0, unit="score per tier",
                                   doc="switching cost of the status a tier gives")
    member_benefit: float = P(0.3, 0.0, 1.0, unit="share",
                              doc="share of an encounter's shortfall forgiven for members "
                              "(longer return window)", source="seeds: IKEA Family returns")
    reward_delight: float = P(0.02, 0.0, 1.0, unit="score",
                              doc="satisfaction gained when a reward is redeemed",
                              source="Bolton, Kannan & Bramlett 2000")
    cost_per_member: float = P(0.005, 0.0, 1e6, unit="currency per member per week",
                               doc="running cost of the programme per member")
    withdrawal_unfairness: float = P(0.2, 0.0, 1.0, unit="score",
                                     doc="fairness members lose when the programme is withdrawn")

    @field_validator("tier_thresholds")
    @classmethod
    def _increasing(cls, thresholds: list[float]) -> list[float]:
        if not all(0 < t < float("inf") for t in thresholds) or sorted(thresholds) != thresholds:
            raise ValueError(f"tier_thresholds must be positive, finite and increasing, got "
                             f"{thresholds}")
        if len(thresholds) > MAX_TIERS:
            raise ValueError(f"tier_thresholds: at most {MAX_TIERS} tiers, got {len(thresholds)}")
        return thresholds


def points_switching_cost(points: np.ndarray, tier: np.ndarray, point_value: float,
                          weight: float, scale: float, per_tier: float) -> np.ndarray:
    """Switching cost of a balance and a tier: w (1 - exp(-points * value / scale)) + tier * c."""
    return weight * -np.expm1(-points * point_value / scale) + per_tier * tier


def tier_of(lifetime_points: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """Tier reached with these lifetime points (0 = base)."""
    return np.searchsorted(np.asarray(thresholds), lifetime_points, side="right").astype(np.int16)


class Loyalty(MembershipPolicy):
    """Run a loyalty programme for the firm's customers (customers join at ``join_rate``
    a week; the firm pays ``cost_per_member``: :class:`MembershipPolicy`)."""

    kind = "loyalty"
    config_class = LoyaltyConfig
    member_column = "loyalty_member"
    columns = {
        "loyalty_points": Column(np.float64, "points balance (forfeited on leaving)"),
        "loyalty_earned": Column(np.float64, "lifetime points with the current firm (sets the "
                                 "tier)"),
        "loyalty_tier": Column(np.int16, "loyalty tier (0 = base)"),
        "loyalty_member": Column(np.bool_, "member of the current firm's loyalty programme"),
    }

    def switching_cost(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """Points and tier forfeited on leaving, of customers ``idx`` (0 for non-members)."""
        k = self.config
        at = np.flatnonzero(ctx.mine[idx] & ctx.own("loyalty_member")[idx])
        member = idx[at]  # cost[j] for customer idx[j]
        cost = np.zeros(idx.size)
        cost[at] = points_switching_cost(ctx.own("loyalty_points")[member],
                                         ctx.own("loyalty_tier")[member], k.point_value,
                                         k.points_weight, k.points_scale, k.tier_switching_cost)
        return cost

    def after_encounters(self, ctx: Context, enc: Encounter) -> None:
        """Members who bought: shortfall forgiven, points earned, tiers and rewards."""
        c, k = ctx.customers, self.config
        points, earned_so_far = ctx.own("loyalty_points"), ctx.own("loyalty_earned")
        buyers = enc.buyers
        idx = buyers[ctx.mine[buyers] & ctx.own("loyalty_member")[buyers]]  # members who bought
        shortfall = np.maximum(0.0, -enc.gap[idx])
        enc.satisfaction[idx] = np.minimum(1.0, enc.satisfaction[idx]
                                           + k.member_benefit * shortfall)
        earned = enc.price_paid[idx] * c.basket[idx] * k.points_per_currency
        lifetime = earned_so_far[idx] + earned
        earned_so_far[idx] = lifetime
        ctx.own("loyalty_tier")[idx] = tier_of(lifetime, k.tier_thresholds)
        balance = points[idx] + earned
        redeemed = np.floor(balance / k.redeem_threshold) * k.redeem_threshold
        points[idx] = balance - redeemed
        delighted = idx[redeemed > 0]
        c.satisfaction[delighted] = np.minimum(1.0, c.satisfaction[delighted] + k.reward_delight)
        self.spend(redeemed.sum() * k.point_value)

    def withdraw(self, ctx: Context) -> None:
        """Ending the programme: balances and tiers are forfeited, members feel cheated."""
        c = ctx.customers
        member = self.members(ctx)
        c.fairness = np.where(member, np.maximum(0.0, c.fairness
                                                  - self.config.withdrawal_unfairness), c.fairness)
        for name in self.columns:
            ctx.own(name)[member] = 0
