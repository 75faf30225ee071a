"""Complaint handling and service recovery.

The firm decides how easy complaining is, how often a complaint is put right
and how well.  Making complaints easy turns silent defectors into voices the
firm can answer (TARP 1986; Fornell & Wernerfelt 1987).  Recovery rate and
quality feed the service recovery paradox and double deviation of the
complaints rule (Smith & Bolton 1998; McCollough, Berry & Yadav 2000;
Tax, Brown & Chandrashekaran 1998).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Encounter, Policy, PolicyConfig


class ComplaintHandlingConfig(PolicyConfig):
    """How complaints are invited and resolved."""

    kind: Literal["complaint_handling"] = "complaint_handling"
    recovery_rate: float = P(0.9, 0.0, 1.0, unit="probability",
                             doc="probability that a complaint is resolved",
                             source="Tax, Brown & Chandrashekaran 1998")
    recovery_quality: float = P(0.9, 0.0, 1.0, unit="score",
                                doc="quality of a resolved complaint (excellent recovery ~0.9)",
                                source="Smith & Bolton 1998; McCollough, Berry & Yadav 2000")
    ease: float = P(1.5, 0.0, 10.0, unit="ratio",
                    doc="multiplier on customers' propensity to complain after a failure",
                    source="TARP 1986; Fornell & Wernerfelt 1987")
    cost_per_complaint: float = P(0.5, 0.0, 1e6, unit="currency per complaint",
                                  doc="cost of handling one complaint")


class ComplaintHandling(Policy):
    """Invite complaints and resolve them well."""

    kind = "complaint_handling"
    config_class = ComplaintHandlingConfig

    def begin_week(self, ctx: Context) -> None:
        """Resolve complaints more often and better."""
        ctx.offer.recovery_rate = self.config.recovery_rate
        ctx.offer.recovery_quality = self.config.recovery_quality

    def before_encounters(self, ctx: Context, enc: Encounter) -> None:
        """Make complaining easier for the firm's customers."""
        idx = ctx.mine_idx
        enc.complaint_prob[idx] = np.minimum(1.0, enc.complaint_prob[idx] * self.config.ease)

    def after_encounters(self, ctx: Context, enc: Encounter) -> None:
        """Every complaint handled costs."""
        self.spend(np.count_nonzero(ctx.mine & enc.complained) * self.config.cost_per_complaint)
