"""Brand status: investment in an image that status-seeking customers value.

Some customers buy the status a brand gives more than its quality (seeds: the
iPhone example; Han, Nunes & Drèze 2010: signalling status with brands).
Status is built slowly by sustained investment with diminishing returns.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Policy, PolicyConfig


class BrandStatusConfig(PolicyConfig):
    """Invest in brand status."""

    kind: Literal["brand_status"] = "brand_status"
    budget: float = P(50.0, 0.0, 1e9, unit="currency per week", doc="weekly brand investment")
    budget_scale: float = P(50.0, 1e-9, 1e9, unit="currency per week",
                            doc="budget at which 63% of max_status is the target")
    max_status: float = P(0.8, 0.0, 1.0, unit="score", doc="highest status investment can build",
                          source="Han, Nunes & Drèze 2010")
    rate: float = P(0.05, 0.0, 1.0, unit="share per week",
                    doc="speed at which status follows its target")


def status_target(budget: float, scale: float, max_status: float) -> float:
    """Status a budget sustains: max_status (1 - exp(-budget / scale))."""
    return max_status * -np.expm1(-budget / scale)


class BrandStatus(Policy):
    """Build brand status over time."""

    kind = "brand_status"
    config_class = BrandStatusConfig

    def __init__(self, config: BrandStatusConfig, rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        self.level: float | None = None  # the firm's configured status, read on the first week

    def begin_week(self, ctx: Context) -> None:
        """Status follows what the budget sustains; the brand shows the higher of the two."""
        k = self.config
        level = ctx.offer.status if self.level is None else self.level
        self.level = level + k.rate * (status_target(k.budget, k.budget_scale, k.max_status)
                                       - level)
        ctx.offer.status = max(ctx.offer.status, self.level)
        self.spend(k.budget)
