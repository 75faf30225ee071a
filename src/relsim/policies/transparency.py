"""Transparency: telling customers early about delays and problems.

When a promise is about to break, a transparent firm warns the customer in
advance (seeds: "keep customers informed ... on upswings and downswings").  An
expected failure is attributed less to the firm's bad faith, so it costs less
trust (Hess, Ganesan & Klein 2003: attributions after service failure;
Mattila, Cho & Ro 2009: explanations after failure).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Encounter, Policy, PolicyConfig


class TransparencyConfig(PolicyConfig):
    """Proactive notice of broken promises."""

    kind: Literal["transparency"] = "transparency"
    notice_prob: float = P(0.8, 0.0, 1.0, unit="probability",
                           doc="share of broken promises announced to the customer in advance")
    softening: float = P(0.5, 0.0, 1.0, unit="share",
                         doc="share of the trust loss avoided when the customer was warned",
                         source="Hess, Ganesan & Klein 2003; rationale: warned failures are "
                         "attributed to circumstance")
    cost_per_notice: float = P(0.05, 0.0, 1e6, unit="currency per notice",
                               doc="cost of one proactive notice")


def softened_trust_loss(loss: np.ndarray, noticed: np.ndarray, softening: float) -> np.ndarray:
    """A warned customer loses only (1 - softening) of the usual trust loss."""
    return np.where(noticed, loss * (1.0 - softening), loss)


class Transparency(Policy):
    """Warn customers before a promise breaks."""

    kind = "transparency"
    config_class = TransparencyConfig

    def after_encounters(self, ctx: Context, enc: Encounter) -> None:
        """Warn a share of the customers whose promise broke: they lose less trust."""
        u, buyers = self.draw(ctx), enc.buyers
        broken = buyers[ctx.mine[buyers] & enc.broken[buyers]]
        idx = broken[u[broken] < self.config.notice_prob]
        enc.trust_loss[idx] = softened_trust_loss(enc.trust_loss[idx], True, self.config.softening)
        enc.noticed[idx] = True
        self.spend(len(idx) * self.config.cost_per_notice)
