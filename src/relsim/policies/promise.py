"""The advertised promise and how reliably it is delivered.

A higher promise raises what prospects expect and so wins them, but every
encounter is judged against it: over-promising breeds negative
disconfirmation (Zeithaml, Berry & Parasuraman 1993; Boulding et al. 1993).
Reliability is the share of promises kept ("nothing binds like a promise
kept", seeds); a more reliable delivery system costs more per encounter.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Encounter, Policy, PolicyConfig


class PromiseConfig(PolicyConfig):
    """What the firm advertises and how reliably it delivers."""

    kind: Literal["promise"] = "promise"
    promise: float = P(0.8, 0.0, 1.0, unit="score", doc="advertised quality promise",
                       source="Zeithaml, Berry & Parasuraman 1993")
    reliability: float = P(0.95, 0.0, 1.0, unit="probability",
                           doc="probability that a promise made at an encounter is kept")
    cost_per_encounter: float = P(0.0, 0.0, 1e6, unit="currency per encounter",
                                  doc="cost of the delivery system per encounter")


class Promise(Policy):
    """Advertise a promise and deliver it with a given reliability."""

    kind = "promise"
    config_class = PromiseConfig

    def begin_week(self, ctx: Context) -> None:
        """Advertise the promise and deliver with the policy's reliability."""
        ctx.offer.promise = self.config.promise
        ctx.offer.reliability = self.config.reliability

    def after_encounters(self, ctx: Context, enc: Encounter) -> None:
        """The delivery system costs per encounter."""
        self.spend(np.count_nonzero(ctx.mine[enc.buyers]) * self.config.cost_per_encounter)
