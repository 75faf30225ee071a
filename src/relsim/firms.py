"""Firms: the few competing suppliers, as Mesa agents.

A firm holds its offer (quality, consistency, promise, reliability, price, ...)
and its policies.  Each week :meth:`Firm.step` resets the offer to the
configured base and lets every active policy adjust it, so policies combine
and a withdrawn policy's effect on the offer ends with it.  The customers'
responses are computed by the model for all customers at once.
"""

from __future__ import annotations

import mesa

from relsim.config import FirmConfig
from relsim.policies import build_policy

LEVERS = tuple(name for name in FirmConfig.model_fields
               if name not in ("name", "policies", "entry_step"))
"""Firm attributes that policies may change week by week."""


class Firm(mesa.Agent):
    """A competing firm; its attributes are the levers of its offer (see FirmConfig)."""

    def __init__(self, model: mesa.Model, index: int, config: FirmConfig) -> None:
        super().__init__(model)
        self.index = index
        self.config = config
        self.name = config.name
        self.reset_offer()
        self.policies = [build_policy(self, p, k) for k, p in enumerate(config.policies)]
        self.metrics: dict[str, float] = {}

    @property
    def margin(self) -> float:
        """Gross margin per unit sold at list price."""
        return self.price - self.unit_cost

    def reset_offer(self) -> None:
        """Set every lever back to its configured base value."""
        for lever in LEVERS:
            setattr(self, lever, getattr(self.config, lever))
        self.newcomer_discount = 0.0  # share off the price advertised to newcomers
        if not self.in_market:
            self.advertising = 0.0

    @property
    def in_market(self) -> bool:
        """False before the firm's entry step."""
        return self.model.steps >= self.config.entry_step

    @property
    def active_policies(self) -> list:
        """Policies running this week."""
        return [p for p in self.policies if p.active]

    def step(self) -> None:
        """Start or stop policies on schedule, then let the active ones set this week's offer."""
        self.reset_offer()
        for policy in self.policies:
            policy.update_activity(self.model)
        for policy in self.active_policies:
            policy.begin_week(self.model)
