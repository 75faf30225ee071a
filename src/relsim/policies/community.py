"""Customer community: a place where customers meet each other and the brand.

Members identify with the brand community, which adds affective commitment
and makes them talk more about the brand (Algesheimer, Dholakia & Herrmann
2005; McAlexander, Schouten & Koenig 2002); seeds: "engaging a customer ...
actively involving them".
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Column, Context, MembershipPolicy, PolicyConfig


class CommunityConfig(PolicyConfig):
    """A brand community."""

    kind: Literal["community"] = "community"
    join_rate: float = P(0.05, 0.0, 1.0, unit="probability per week",
                         doc="weekly chance that a customer who is not a member joins")
    talk_boost: float = P(0.5, 0.0, 20.0, unit="ratio", doc="extra talking by members",
                          source="Algesheimer, Dholakia & Herrmann 2005")
    commitment_boost: float = P(0.05, 0.0, 1.0, unit="score",
                                doc="commitment target bonus of membership",
                                source="McAlexander, Schouten & Koenig 2002")
    cost_per_member: float = P(0.01, 0.0, 1e6, unit="currency per member per week",
                               doc="running cost per member")


class Community(MembershipPolicy):
    """Run a customer community (customers join at ``join_rate`` a week; the firm pays
    ``cost_per_member``: :class:`MembershipPolicy`)."""

    kind = "community"
    config_class = CommunityConfig
    member_column = "community_member"
    columns = {"community_member": Column(np.bool_, "member of the current firm's community")}

    def commitment_bonus(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """Members identify with the community: a bonus on their commitment target."""
        member = ctx.mine[idx] & ctx.own("community_member")[idx]
        return np.where(member, self.config.commitment_boost, 0.0)

    def talk_multiplier(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """Members talk more about the brand."""
        member = ctx.mine[idx] & ctx.own("community_member")[idx]
        return np.where(member, 1.0 + self.config.talk_boost, 1.0)

    def withdraw(self, ctx: Context) -> None:
        """Ending the community ends every membership."""
        ctx.own("community_member")[ctx.mine] = False
