"""Customer state as columns: one numpy array per attribute, one entry per customer.

Customers are the model's many agents.  Instead of one Python object each,
their state lives in a :class:`Customers` table of equal-length arrays, so each
rule updates every customer at once.  ``Customers.row(i)`` gives one
customer's state as a dict for teaching and tracing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from relsim.config import ModelConfig
from relsim.rules.churn import churn_proneness
from relsim.stages import AWARENESS, PROSPECT


@dataclass
class Customers:
    """Column store of all customers (length n) plus firm x customer matrices (n_firms, n)."""

    # fixed traits
    segment: np.ndarray            # int8 index into config.segments
    price_sensitivity: np.ndarray  # [0, 1]
    talkativeness: np.ndarray      # [0, 1]
    status_seeking: np.ndarray     # [0, 1]
    personal_switching_cost: np.ndarray  # [0, 1]
    churn_proneness: np.ndarray    # baseline weekly churn probability theta_i
    importance: np.ndarray         # the firm's dependence on an average account of this segment
    trust_weight: np.ndarray       # weight of trust in commitment (segment)
    trust_loss_multiplier: np.ndarray  # multiplier on trust lost per broken promise (segment)
    base_purchase_prob: np.ndarray  # weekly purchase probability in awareness
    segment_basket: np.ndarray     # starting basket size
    # relationship state
    stage: np.ndarray              # int8 lifecycle stage (relsim.stages)
    firm: np.ndarray               # int16 current firm, -1 for none
    former_firm: np.ndarray        # int16 firm of the last ended relationship, -1 for none
    tenure: np.ndarray             # int32 weeks with the current firm
    acquired_step: np.ndarray      # int32 step of first adoption, -1 before (-2: at start)
    started_step: np.ndarray       # int32 step the current relationship started
    trust: np.ndarray
    satisfaction: np.ndarray
    expectation: np.ndarray
    dependence: np.ndarray
    fairness: np.ndarray
    commitment: np.ndarray
    basket: np.ndarray             # units per purchase (grows in expansion)
    purchase_prob: np.ndarray      # weekly purchase probability at the current stage
    spend: np.ndarray              # amount spent this week
    reference_price: np.ndarray    # internal reference price (adaptation level)
    price_paid: np.ndarray         # unit price the customer pays its firm
    loyalty_points: np.ndarray     # points balance (forfeited on leaving)
    loyalty_earned: np.ndarray     # lifetime points with the current firm (sets the tier)
    loyalty_tier: np.ndarray       # int8 loyalty tier (0 = base)
    loyalty_member: np.ndarray     # bool member of the current firm's loyalty programme
    community_member: np.ndarray   # bool member of the current firm's community
    complaints: np.ndarray         # int32 complaints made
    weeks_since_purchase: np.ndarray  # int32, observable by the firm
    recent_complaints: np.ndarray  # complaints, exponentially fading (observable by the firm)
    recent_margin: np.ndarray      # weekly margin after cost to serve, fading (observable)
    offer_weeks_left: np.ndarray   # int16 weeks a retention offer still works
    realised_value: np.ndarray     # discounted margin brought so far (all firms)
    firm_dependence: np.ndarray    # the firm's dependence on this customer
    # firm x customer (firm-major, shape (F, n))
    attitude: np.ndarray           # float: the quality each customer expects from each firm
    aware: np.ndarray              # bool: the customer knows the firm

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.stage)

    def row(self, i: int) -> dict:
        """One customer's state as a plain dict (for notebooks and traces)."""
        row = {}
        for f in fields(self):
            column = getattr(self, f.name)
            row[f.name] = (column[:, i] if column.ndim == 2 else column[i]).tolist()
        return row

    def nbytes(self) -> int:
        """Memory held by the columns, in bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def columns(matrix: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``matrix[:, idx]`` of a firm-major (firms, customers) matrix: customers ``idx``' columns.

    ``np.take`` along the customer axis: the same values as fancy indexing,
    several times faster.
    """
    return np.take(matrix, idx, axis=1)


def _flat(matrix: np.ndarray, firm: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A flat view of a C-contiguous (firms, customers) matrix and the flat positions (firm, idx)."""
    if not matrix.flags.c_contiguous:  # ravel would copy, and set_at_firm write to the copy
        raise ValueError("a firm-major matrix must be C-contiguous")
    return matrix.ravel(), firm.astype(np.intp) * matrix.shape[1] + idx


def at_firm(matrix: np.ndarray, firm: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``matrix[firm, idx]``: each customer ``idx[k]``'s entry for firm ``firm[k]``.

    Gathers through flat positions: the same values as paired fancy
    indexing, about twice as fast.
    """
    flat, position = _flat(matrix, firm, idx)
    return flat.take(position)


def set_at_firm(matrix: np.ndarray, firm: np.ndarray, idx: np.ndarray, values) -> None:
    """``matrix[firm, idx] = values`` through flat positions (see :func:`at_firm`)."""
    flat, position = _flat(matrix, firm, idx)
    flat[position] = values


def _trait(rng: np.random.Generator, means: np.ndarray, sd: np.ndarray) -> np.ndarray:
    return np.clip(means + sd * rng.standard_normal(len(means)), 0.0, 1.0)


def initial_customers(config: ModelConfig, rng: np.random.Generator) -> Customers:
    """Draw traits by segment and place the initial customer base with the firms.

    A share ``adoption.initial_customer_share`` of customers starts in the
    awareness stage, with a tenure of 13 to 104 weeks, with a firm chosen in proportion to advertising weight;
    the rest are prospects.  Everyone knows the firms they were assigned to.
    """
    n, firms, segs = config.n_customers, config.firms, config.segments
    b = config.behaviour
    n_firms = len(firms)
    shares = np.array([s.share for s in segs])
    segment = rng.choice(len(segs), size=n, p=shares / shares.sum()).astype(np.int8)

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
    # drawn last: the beta sampler uses a variable number of draws, so churn
    # parameters must not shift the draws of anything else
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
        loyalty_points=np.zeros(n),
        loyalty_earned=np.zeros(n),
        loyalty_tier=np.zeros(n, dtype=np.int8),
        loyalty_member=np.zeros(n, dtype=bool),
        community_member=np.zeros(n, dtype=bool),
        complaints=np.zeros(n, dtype=np.int32),
        weeks_since_purchase=np.zeros(n, dtype=np.int32),
        recent_complaints=np.zeros(n),
        recent_margin=np.zeros(n),
        offer_weeks_left=np.zeros(n, dtype=np.int16),
        realised_value=np.zeros(n),
        firm_dependence=np.zeros(n),
        attitude=np.repeat(promise[:, None].astype(float), n, axis=1),
        aware=aware,
    )
