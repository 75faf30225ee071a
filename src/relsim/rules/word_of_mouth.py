"""Word of mouth along the social network.

Customers talk about their (current or former) firm.  Dissatisfied customers
talk more than satisfied ones (Anderson 1998) and a negative message weighs
more than a positive one (Baumeister et al. 2001, "bad is stronger than good";
Herr, Kardes & Kim 1991).  A message shifts the listener's attitude toward the
named firm and, for that firm's own customers, their expectation and trust
(Zeithaml, Berry & Parasuraman 1993: word of mouth shapes expectations).
"""

from __future__ import annotations

import numpy as np


def talk_probability(talkativeness: np.ndarray, satisfaction: np.ndarray, base: float,
                     unhappy_boost: float, happy_boost: float) -> np.ndarray:
    """Weekly chance of talking about the firm: U-shaped in satisfaction, steeper on the unhappy side.

    p = min(1, base * (talkativeness / 0.5)
               * (1 + unhappy_boost * 2 max(0, 0.5 - S) + happy_boost * 2 max(0, S - 0.5)))
    With unhappy_boost > happy_boost an unhappy customer talks more than an
    equally happy one (Anderson 1998).
    """
    unhappy = 2.0 * np.maximum(0.0, 0.5 - satisfaction)
    happy = 2.0 * np.maximum(0.0, satisfaction - 0.5)
    return np.minimum(1.0, base * (talkativeness / 0.5)
                      * (1.0 + unhappy_boost * unhappy + happy_boost * happy))


def message_valence(satisfaction: np.ndarray) -> np.ndarray:
    """A message is positive when the speaker is at least neutral (S >= 0.5), negative otherwise."""
    return satisfaction >= 0.5

