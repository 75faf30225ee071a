"""The customers at the start of a run: traits drawn by segment, the initial customer base.

:func:`initial_customers` turns a configuration into the column store of
:mod:`relsim.customers`; it is the only place where customers are created.
"""

from __future__ import annotations

import numpy as np

from relsim.config import ModelConfig
from relsim.customers import Customers
from relsim.rules.churn import churn_proneness
from relsim.stages import AWARENESS, PROSPECT


def _trait(rng: np.random.Generator, means: np.ndarray, sd: np.ndarray) -> np.ndarray:
    return np.clip(means + sd * rng.standard_normal(len(means)), 0.0, 1.0)


def initial_customers(config: ModelConfig, rng: np.random.Generator,
                      policy_columns: dict[str, np.dtype] | None = None) -> Customers:
    """Draw traits by segment and place the initial customer base with the firms.

    A share ``adoption.initial_customer_share`` of customers starts in the
    awareness stage, with a tenure of 13 to 104 weeks, with a firm chosen in proportion to advertising weight;
    the rest are prospects.  Everyone knows the firms they were assigned to.
    ``policy_columns`` (name -> dtype) are the columns the configured policies own, all
    zero at the start.
    """
    n, firms, segs = config.n_customers, config.firms, config.segments
    b = config.behaviour
    n_firms = len(firms)
    shares = np.array([s.share for s in segs])
    segment = rng.choice(len(segs), size=n, p=shares / shares.sum()).astype(np.int16)

    def seg(attr: str) -> np.ndarray:
        return np.array([getattr(s, attr) for s in segs], dtype=float)[segment]

    sd = seg("trait_sd")
    starts = rng.random(n) < config.adoption.initial_customer_share
    adv = np.array([f.advertising * (f.entry_step == 0) for f in firms], dtype=float)
    adv = adv / adv.sum() if adv.sum() > 0 else np.full(n_firms, 1.0 / n_firms)
    firm = np.where(starts, rng.choice(n_firms, size=n, p=adv), -1).astype(np.int16)
    promise = np.array([f.promise for f in firms])
    prices = np.array([f.price for f in firms])
    quality = np.array([f.quality for f in firms])
    aware = np.zeros((n_firms, n), dtype=bool)
    aware[firm[starts], np.flatnonzero(starts)] = True
    own_promise = promise[np.maximum(firm, 0)]
    basket = seg("basket")
    traits = {name: _trait(rng, seg(attr), sd) for name, attr in (
        ("price_sensitivity", "price_sensitivity"), ("talkativeness", "talkativeness"),
        ("status_seeking", "status_seeking"), ("personal_switching_cost", "switching_cost"))}
    # the initial base has been with its firm for a while (13 weeks to 2 years)
    tenure = np.where(starts, rng.integers(13, 105, size=n), 0).astype(np.int32)
    # drawn last, and only for heterogeneous proneness: so churn parameters never shift
    # the draws of anything else
    proneness = churn_proneness(b.base_churn, b.churn_heterogeneity, n, rng)
    proneness = np.minimum(1.0, proneness * seg("churn_multiplier"))
    trust_weight = np.array([b.commitment_trust_weight if s.trust_weight is None
                             else s.trust_weight for s in segs])[segment]
    return Customers(
        segment=segment,
        **traits,
        churn_proneness=proneness,
        importance=seg("importance"),
        trust_weight=trust_weight,
        trust_loss_multiplier=seg("trust_loss_multiplier"),
        base_purchase_prob=seg("purchase_prob"),
        segment_basket=basket,
        stage=np.where(starts, AWARENESS, PROSPECT).astype(np.int8),
        firm=firm,
        former_firm=np.full(n, -1, dtype=np.int16),
        tenure=tenure,
        acquired_step=np.where(starts, -2, -1).astype(np.int32),
        started_step=np.zeros(n, dtype=np.int32),
        trust=np.full(n, b.initial_trust),
        satisfaction=np.where(starts, quality[np.maximum(firm, 0)], 0.5),
        expectation=np.where(starts, own_promise, 0.5),
        dependence=np.zeros(n),
        fairness=np.full(n, b.fairness_at_reference),
        commitment=np.full(n, 0.5),
        basket=basket.copy(),
        purchase_prob=np.zeros(n),
        spend=np.zeros(n),
        reference_price=np.where(starts, prices[np.maximum(firm, 0)], prices.mean()),
        price_paid=np.where(starts, prices[np.maximum(firm, 0)], 0.0),
        complaints=np.zeros(n, dtype=np.int32),
        weeks_since_purchase=np.zeros(n, dtype=np.int32),
        recent_complaints=np.zeros(n),
        recent_margin=np.zeros(n),
        realised_value=np.zeros(n),
        firm_dependence=np.zeros(n),
        attitude=np.repeat(promise[:, None].astype(float), n, axis=1),
        aware=aware,
        policy_columns={name: np.zeros(n, dtype=dtype)
                        for name, dtype in (policy_columns or {}).items()},
    )
