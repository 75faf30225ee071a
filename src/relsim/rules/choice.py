"""Choice among firms by perceived attractiveness: a multinomial logit (McFadden 1974).

A customer values a firm by the quality it expects from it (its attitude,
formed by advertising, word of mouth and experience), dislikes its price in
proportion to its price sensitivity, and values its brand status in
proportion to its status seeking.

Customer x firm matrices are stored firm-major, shape (firms, customers), so
that reductions over the few firms run over contiguous rows.
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section


class ChoiceParams(Section):
    """The ``behaviour`` parameters that the firm choice rules read."""

    choice_price_weight: float = P(2.0, 0.0, 50.0, unit="utility per relative price",
                                   doc="disutility of price (times price sensitivity)",
                                   source="multinomial logit, McFadden 1974")
    choice_quality_weight: float = P(3.0, 0.0, 50.0, unit="utility per score",
                                     doc="utility of the expected quality (promise and attitude)")
    ad_awareness_rate: float = P(0.01, 0.0, 1.0, unit="probability per week",
                                 doc="weekly chance that a firm's advertising (weight 1) makes a "
                                 "customer aware of it", source="Vakratsas & Ambler 1999 awareness")
    ad_attitude_rate: float = P(0.2, 0.0, 1.0, unit="share per exposure",
                                doc="share of the gap between attitude and a firm's promise "
                                "closed by one advertising exposure",
                                source="Vakratsas & Ambler 1999")
    choice_status_weight: float = P(2.0, 0.0, 50.0, unit="utility per score",
                                    doc="utility of brand status (times status seeking)")


def firm_utility(attitude: np.ndarray, price_sensitivity: np.ndarray, status_seeking: np.ndarray,
                 prices: np.ndarray, status: np.ndarray, quality_weight: float,
                 price_weight: float, status_weight: float) -> np.ndarray:
    """Utility of each firm to each customer, shape (firms, customers).

    U_fi = w_q * attitude_fi - w_p * sensitivity_i * price_f / mean(price)
           + w_s * status_seeking_i * status_f
    ``prices`` and ``status`` have one entry per firm, shape (firms,) or (firms, 1), or one
    per firm and customer, shape (firms, customers).
    """
    prices, status = np.asarray(prices), np.asarray(status)
    prices = prices[:, None] if prices.ndim == 1 else prices
    status = status[:, None] if status.ndim == 1 else status
    relative_price = prices / (prices.sum(axis=0) / len(prices))  # price / mean price
    return (quality_weight * attitude
            - price_weight * relative_price * price_sensitivity[None, :]
            + status_weight * status * status_seeking[None, :])


def choose(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw one firm per customer with probability proportional to its weight (inverse CDF).

    ``weights`` has shape (firms, customers); customers whose weights are all
    zero get -1 (no firm to choose).
    """
    total = weights.sum(axis=0)
    threshold = u * total
    picked = np.zeros(weights.shape[1], dtype=np.int16)
    cumulative = np.zeros(weights.shape[1])
    for row in weights[:-1]:
        cumulative += row
        picked += cumulative < threshold
    return np.where(total > 0, picked, np.int16(-1))


def logit_weights(utility: np.ndarray) -> np.ndarray:
    """Logit choice weights exp(U - max U): choice probabilities are these over their sum.

    Restrict a choice to some firms by multiplying with a boolean mask, and
    scale it (e.g. by share of voice) by multiplying with the scale.
    """
    return np.exp(utility - utility.max(axis=0))


def own_firm_mask(firm: np.ndarray, n_firms: int) -> np.ndarray:
    """Boolean (firms, customers) matrix: True at each customer's current firm."""
    return firm[None, :] == np.arange(n_firms, dtype=firm.dtype)[:, None]


def best_rival_gap(utility: np.ndarray, own: np.ndarray, aware: np.ndarray) -> np.ndarray:
    """Attractiveness gap to the best known rival: max over known f != own of U_fi - U_own,i.

    Customers who know no rival get a gap of 0 (Ping 1993: perceived
    alternative attractiveness lowers loyalty).  ``own`` is own_firm_mask().
    """
    own_utility = (utility * own).sum(axis=0)  # U_own,i (0 without a firm)
    # U where the rival is known, -inf elsewhere: a lookup, not a branch per element
    known_rival = (aware & ~own).view(np.uint8)
    best = (utility + _ZERO_IF_TRUE_ELSE_MINUS_INF.take(known_rival)).max(axis=0)
    gap = best - own_utility
    gap[np.isneginf(best)] = 0.0  # no known rival
    return gap


_ZERO_IF_TRUE_ELSE_MINUS_INF = np.array([-np.inf, 0.0])
