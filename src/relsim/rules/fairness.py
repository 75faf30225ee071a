"""Price fairness: the price paid against a reference price and against what peers pay.

Kalyanaram & Winer (1995): customers judge a price against an internal
reference price that adapts to the prices they pay (adaptation-level theory).
Xia, Monroe & Cox (2004): paying more than the reference, or more than others
pay for the same thing, is judged unfair.  Fehr & Schmidt (1999): inequity
that disadvantages oneself weighs, advantageous inequity hardly does.
"""

from __future__ import annotations

import numpy as np


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
