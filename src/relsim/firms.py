"""Firms: the few competing suppliers, as Mesa agents.

A firm holds its offer for the week (:class:`Offer`: quality, consistency,
promise, reliability, price, ...) and its policies.  Each week
:meth:`Firm.step` resets the offer to the configured base and lets every
active policy adjust it, so policies combine and a withdrawn policy's effect
on the offer ends with it.  The customers' responses are computed by the
model for all customers at once.
"""

from __future__ import annotations

from dataclasses import fields

import mesa

from relsim.config import FirmConfig
from relsim.policies import Policy
from relsim.policies.base import Offer

LEVERS = tuple(f.name for f in fields(Offer))
"""Firm attributes that policies may change week by week."""


class Firm(mesa.Agent):
    """A competing firm: its configuration, this week's offer and its policies."""

    def __init__(self, model: mesa.Model, index: int, config: FirmConfig,
                 policies: list[Policy]) -> None:
        super().__init__(model)
        self.index = index
        self.config = config
        self.name = config.name
        self.policies = policies
        self.offer = Offer.base(config, self.in_market)
        self.metrics: dict[str, float] = {}

    @property
    def in_market(self) -> bool:
        """False before the firm's entry step."""
        return self.model.steps >= self.config.entry_step

    @property
    def active_policies(self) -> list[Policy]:
        """Policies running this week."""
        return [p for p in self.policies if p.active]

    def step(self) -> None:
        """Reset the offer to the configured base; the model's policy host then starts or
        stops policies on schedule and lets the active ones set this week's offer."""
        self.offer = Offer.base(self.config, self.in_market)
