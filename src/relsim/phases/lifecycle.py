"""Phase 6: stage transitions, basket growth in expansion, and tenure (ODD 7.12)."""

from __future__ import annotations

import numpy as np

from relsim.phases.market import Market
from relsim.rules import lifecycle
from relsim.stages import EXPANSION, is_active


def advance_lifecycle(model: Market) -> None:
    """Customers move along the Dwyer-Schurr-Oh stages by tenure, trust and commitment (with
    hysteresis); baskets grow in expansion; customers in a relationship age a week."""
    c, b = model.customers, model.params("behaviour")
    c.stage = lifecycle.advance_stage(c.stage, c.tenure, c.trust, c.commitment,
                                      b.exploration_weeks, b.awareness_trust,
                                      b.expansion_commitment, b.commitment_commitment,
                                      b.stage_hysteresis)
    expanding = np.flatnonzero(c.stage == EXPANSION)  # the only baskets that grow
    b = model.params("behaviour", expanding)
    c.basket[expanding] = lifecycle.grow_basket(c.basket[expanding], c.stage[expanding],
                                                c.segment_basket[expanding],
                                                b.expansion_growth, b.max_basket_multiple)
    c.tenure += is_active(c.stage)
