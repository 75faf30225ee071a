"""Firms: the few competing suppliers, as Mesa agents.

A firm holds its offer (quality, consistency, promise, reliability, price) and
its per-step metrics.  Its ``step`` is where retention policies act; the
customers' responses are computed by the model for all customers at once.
"""

from __future__ import annotations

import mesa

from relsim.config import FirmConfig


class Firm(mesa.Agent):
    """A competing firm; its attributes are the levers of its offer (see FirmConfig)."""

    def __init__(self, model: mesa.Model, index: int, config: FirmConfig) -> None:
        super().__init__(model)
        self.index = index
        self.config = config
        self.name = config.name
        for field in FirmConfig.model_fields:
            if field != "name":
                setattr(self, field, getattr(config, field))
        self.metrics: dict[str, float] = {}

    @property
    def margin(self) -> float:
        """Gross margin per unit sold at list price."""
        return self.price - self.unit_cost

    def step(self) -> None:
        """Apply the firm's policies for this week (none in the core model)."""
