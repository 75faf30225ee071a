"""Price fairness: the price paid against a reference price and against what peers pay.

Kalyanaram & Winer (1995): customers judge a price against an internal
reference price that adapts to the prices they pay (adaptation-level theory).
Xia, Monroe & Cox (2004): paying more than the reference, or more than others
pay for the same thing, is judged unfair.  Fehr & Schmidt (1999): inequity
that disadvantages oneself weighs, advantageous inequity hardly does.
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section


class FairnessParams(Section):
    """The ``behaviour`` parameters that the fairness rules read."""

    fairness_rate: float = P(0.2, 0.0, 1.0, unit="weight per week",
                             doc="speed at which perceived fairness follows the price comparison "
                             "(and, per complaint, the justice of its handling)")
    reference_price_rate: float = P(0.05, 0.0, 1.0, unit="weight per purchase",
                                    doc="speed at which the reference price adapts to prices paid",
                                    source="Kalyanaram & Winer 1995 adaptation level")
    fairness_at_reference: float = P(0.75, 0.0, 1.0, unit="score",
                                     doc="fairness of paying exactly the reference price",
                                     source="Bolton, Warlop & Alba 2003: reference prices are "
                                     "judged fair")
    price_fairness_slope: float = P(2.0, 0.0, 20.0, unit="score per relative price",
                                    doc="fairness lost per unit relative price above reference",
                                    source="Xia, Monroe & Cox 2004")
    peer_fairness_slope: float = P(3.0, 0.0, 20.0, unit="score per relative price",
                                   doc="fairness lost per unit relative price above what peers pay",
                                   source="Fehr & Schmidt 1999 disadvantageous inequity")


def price_fairness_target(price_paid: np.ndarray, reference_price: np.ndarray,
                          peer_price: np.ndarray, neutral: float, ref_slope: float,
                          peer_slope: float) -> np.ndarray:
    """Fairness implied by today's price: ``neutral`` at the reference price, higher when cheaper.

    f* = clip(neutral - ref_slope * (p - r) / r - peer_slope * max(0, p - p_peer) / r, 0, 1)
    where p is the price paid, r the reference price and p_peer the price that
    talking peers at the same firm pay (NaN when none were heard: no peer term).
    Only disadvantageous peer inequity counts (Fehr & Schmidt 1999).
    """
    relative = (price_paid - reference_price) / reference_price
    peer_gap = np.asarray(np.maximum(0.0, price_paid - np.nan_to_num(peer_price)) / reference_price)
    peer_gap[np.isnan(peer_price)] = 0.0  # no peer heard: no peer term
    return np.clip(neutral - ref_slope * relative - peer_slope * peer_gap, 0.0, 1.0)


def update_fairness(fairness: np.ndarray, target: np.ndarray, active: np.ndarray,
                    rate: float) -> np.ndarray:
    """Perceived fairness moves toward today's price judgement: F <- F + rate * (f* - F)."""
    return np.where(active, fairness + rate * (target - fairness), fairness)


def update_reference_price(reference: np.ndarray, price_paid: np.ndarray,
                           purchased: np.ndarray, rate: float) -> np.ndarray:
    """Adaptation level: the reference price drifts toward prices paid, r <- r + rate * (p - r)."""
    return np.where(purchased, reference + rate * (price_paid - reference), reference)
