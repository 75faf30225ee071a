"""Service quality and consistency driven by employee satisfaction.

"Satisfied employees create satisfied customers" (seeds): investment in the
internal customers raises employee satisfaction, which raises the mean
quality of encounters and makes them more consistent (the service-profit
chain of Heskett, Jones, Loveman, Sasser & Schlesinger 1994; Schneider &
Bowen 1985).  Employee satisfaction moves toward its target gradually.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Policy, PolicyConfig


class ServiceQualityConfig(PolicyConfig):
    """Investment in employees (training, staffing, conditions)."""

    kind: Literal["service_quality"] = "service_quality"
    budget_per_customer: float = P(0.02, 0.0, 1e6, unit="currency per customer per week",
                                   doc="weekly investment in employees per customer served")
    budget_scale: float = P(0.02, 1e-9, 1e6, unit="currency per customer per week",
                            doc="budget at which 63% of the possible gain in employee "
                            "satisfaction is reached")
    employee_rate: float = P(0.05, 0.0, 1.0, unit="share per week",
                             doc="speed at which employee satisfaction follows its target")
    quality_lift: float = P(0.15, 0.0, 1.0, unit="score",
                            doc="gain in mean quality at full employee satisfaction",
                            source="Heskett et al. 1994 service-profit chain")
    consistency_gain: float = P(0.5, 0.0, 1.0, unit="share",
                                doc="share of the quality spread removed at full employee "
                                "satisfaction", source="Schneider & Bowen 1985")


def employee_satisfaction_target(budget: float, scale: float) -> float:
    """Target employee satisfaction: 0.5 without investment, toward 1 with diminishing returns."""
    return 0.5 + 0.5 * -np.expm1(-budget / scale)


class ServiceQuality(Policy):
    """Invest in employees to raise quality and consistency."""

    kind = "service_quality"
    config_class = ServiceQualityConfig

    def __init__(self, config: ServiceQualityConfig, rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        self.employee_satisfaction = 0.5

    def begin_week(self, ctx: Context) -> None:
        """Employee satisfaction follows the budget; it lifts quality and consistency."""
        k = self.config
        target = employee_satisfaction_target(k.budget_per_customer, k.budget_scale)
        self.employee_satisfaction += k.employee_rate * (target - self.employee_satisfaction)
        lift = (self.employee_satisfaction - 0.5) / 0.5
        ctx.offer.quality = min(1.0, ctx.offer.quality + k.quality_lift * lift)
        ctx.offer.quality_sd = ctx.offer.quality_sd * (1.0 - k.consistency_gain * lift)
        self.spend(k.budget_per_customer * ctx.mine_idx.size)
