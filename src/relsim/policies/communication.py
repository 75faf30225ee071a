"""Communication cadence: newsletters, social media, events.

Regular contact keeps the firm top of mind and builds two-way communication
(seeds: "send out a monthly newsletter"; Duncan & Moriarty 1998: communication
drives relationships), with diminishing returns.  Too many contacts annoy:
beyond what a customer tolerates, each extra contact costs satisfaction
(Fournier, Dobscha & Mick 1998: relationship marketing's "premature death").
So retention has an interior optimum in the cadence.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Policy, PolicyConfig


class CommunicationConfig(PolicyConfig):
    """How often the firm contacts its customers."""

    kind: Literal["communication"] = "communication"
    cadence: float = P(1.0, 0.0, 50.0, unit="contacts per week",
                       doc="contacts per customer per week (0.25: a monthly newsletter)")
    max_bonus: float = P(0.1, 0.0, 1.0, unit="score",
                         doc="most commitment that staying in touch can add",
                         source="Duncan & Moriarty 1998")
    saturation: float = P(0.5, 1e-6, 50.0, unit="contacts per week",
                          doc="cadence at which 63% of the bonus is reached")
    tolerance: float = P(1.0, 0.0, 50.0, unit="contacts per week",
                         doc="cadence customers tolerate before fatigue sets in",
                         source="Fournier, Dobscha & Mick 1998")
    fatigue: float = P(0.02, 0.0, 1.0, unit="score per excess contact",
                       doc="satisfaction lost per week per contact beyond the tolerance")
    cost_per_contact: float = P(0.005, 0.0, 1e6, unit="currency per contact",
                                doc="cost of one contact")


def contact_bonus(cadence: float, max_bonus: float, saturation: float) -> float:
    """Commitment from staying in touch: max_bonus (1 - exp(-cadence / saturation))."""
    return max_bonus * -np.expm1(-cadence / saturation)


def contact_fatigue(cadence: float, tolerance: float, fatigue: float) -> float:
    """Weekly satisfaction lost to over-contact: fatigue * max(0, cadence - tolerance)."""
    return fatigue * max(0.0, cadence - tolerance)


class Communication(Policy):
    """Contact customers at a chosen cadence."""

    kind = "communication"
    config_class = CommunicationConfig

    def commitment_bonus(self, ctx: Context, idx: np.ndarray) -> np.ndarray:
        """Staying in touch adds to the commitment target of the firm's customers."""
        k = self.config
        return np.where(ctx.mine[idx], contact_bonus(k.cadence, k.max_bonus, k.saturation), 0.0)

    def end_week(self, ctx: Context) -> None:
        """Over-contact costs satisfaction; every contact costs money."""
        c, k, idx = ctx.customers, self.config, ctx.mine_idx
        loss = contact_fatigue(k.cadence, k.tolerance, k.fatigue)
        if loss:
            c.satisfaction[idx] = np.maximum(0.0, c.satisfaction[idx] - loss)
        self.spend(idx.size * k.cadence * k.cost_per_contact)
