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

from relsim.params import P, Section


class WordOfMouthParams(Section):
    """The ``behaviour`` parameters that the word of mouth rules read."""

    talk_prob: float = P(0.1, 0.0, 1.0, unit="probability per week",
                         doc="weekly chance of talking about the firm at average talkativeness")
    unhappy_talk_boost: float = P(2.0, 0.0, 20.0, unit="ratio",
                                  doc="extra talking per unit dissatisfaction below neutral",
                                  source="Anderson 1998: dissatisfied customers talk more")
    happy_talk_boost: float = P(0.5, 0.0, 20.0, unit="ratio",
                                doc="extra talking per unit satisfaction above neutral",
                                source="Anderson 1998")
    negativity_weight: float = P(2.0, 1.0, 10.0, unit="ratio",
                                 doc="weight of a negative message relative to a positive one",
                                 source="Baumeister et al. 2001 bad is stronger than good")
    wom_attitude_rate: float = P(0.05, 0.0, 1.0, unit="score per message",
                                 doc="shift of a listener's attitude to the named firm per message")
    wom_expectation_rate: float = P(0.02, 0.0, 1.0, unit="score per message",
                                    doc="shift of a customer's expectation per message about the firm")
    wom_trust_rate: float = P(0.01, 0.0, 1.0, unit="score per message",
                              doc="shift of a customer's trust per message about the firm")
    promoter_satisfaction: float = P(0.7, 0.0, 1.0, unit="score",
                                     doc="satisfaction from which a customer is an NPS promoter "
                                     "(scores 9-10 of 'would you recommend')",
                                     source="Reichheld 2003 net promoter score")
    detractor_satisfaction: float = P(0.5, 0.0, 1.0, unit="score",
                                      doc="satisfaction below which a customer is an NPS detractor")


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

