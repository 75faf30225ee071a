"""Guarantees and after-sale care.

A service guarantee pays customers back when the service fails and makes the
failure good; it costs the firm the refunds but repairs satisfaction (Hart
1988; Boulding & Kirmani 1993: guarantees signal quality).  After-sale care
contacts customers after the purchase to check all is well (seeds: IKEA's
10-year guarantee and after-sales service).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Encounter, Policy, PolicyConfig


class GuaranteeConfig(PolicyConfig):
    """A service guarantee and after-sale care."""

    kind: Literal["guarantee"] = "guarantee"
    claim_prob: float = P(0.5, 0.0, 1.0, unit="probability",
                          doc="share of service failures the customer claims under the guarantee")
    refund_share: float = P(0.5, 0.0, 1.0, unit="share of price",
                            doc="share of the price refunded on a claim", source="Hart 1988")
    restore: float = P(0.5, 0.0, 1.0, unit="share",
                       doc="share of the encounter's shortfall made good by a claim")
    care_prob: float = P(0.0, 0.0, 1.0, unit="probability per week",
                         doc="weekly chance of an after-sale care contact")
    care_satisfaction: float = P(0.02, 0.0, 1.0, unit="score",
                                 doc="satisfaction gained from one care contact")
    cost_per_care: float = P(0.02, 0.0, 1e6, unit="currency per contact",
                             doc="cost of one after-sale care contact")


class Guarantee(Policy):
    """Refund and repair failures; check on customers after the sale."""

    kind = "guarantee"
    config_class = GuaranteeConfig

    def after_encounters(self, ctx: Context, enc: Encounter) -> None:
        """Claims on failures: part of the shortfall made good, part of the price refunded."""
        k = self.config
        u, buyers = self.draw(ctx), enc.buyers
        failed = buyers[ctx.mine[buyers] & enc.failed[buyers]]
        idx = failed[u[failed] < k.claim_prob]  # claims
        repaired = enc.satisfaction[idx] + k.restore * np.maximum(0.0, -enc.gap[idx])
        enc.satisfaction[idx] = np.minimum(1.0, repaired)
        self.spend((k.refund_share * enc.price_paid[idx] * ctx.customers.basket[idx]).sum())

    def end_week(self, ctx: Context) -> None:
        """After-sale care contacts lift satisfaction."""
        k, c = self.config, ctx.customers
        if k.care_prob <= 0:
            return
        u, customers = self.draw(ctx), ctx.mine_idx
        cared = customers[u[customers] < k.care_prob]
        c.satisfaction[cared] = np.minimum(1.0, c.satisfaction[cared] + k.care_satisfaction)
        self.spend(len(cared) * k.cost_per_care)
