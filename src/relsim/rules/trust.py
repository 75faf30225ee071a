"""Trust: kept promises build it slowly, broken promises destroy it fast.

Morgan & Hunt (1994): trust is confidence in the partner's reliability and
integrity.  Slovic (1993)'s asymmetry principle: trust-destroying events weigh
more than trust-building ones ("trust comes on foot and leaves on horseback").
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section


class TrustParams(Section):
    """The ``behaviour`` parameters that the trust rules read."""

    trust_gain: float = P(0.05, 0.0, 1.0, unit="share of headroom",
                          doc="share of the distance to full trust gained by a kept promise",
                          source="Slovic 1993 asymmetry principle")
    trust_loss: float = P(0.2, 0.0, 1.0, unit="share of trust",
                          doc="share of trust lost by a broken promise",
                          source="Slovic 1993; Morgan & Hunt 1994")
    initial_trust: float = P(0.5, 0.0, 1.0, unit="score", doc="trust in a new supplier")


def promise_outcome(u: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """A promise made at an encounter is kept with the firm's reliability: kept = u < reliability."""
    return u < reliability


def update_trust(trust: np.ndarray, kept: np.ndarray, broken: np.ndarray,
                 gain: float, loss: np.ndarray | float) -> np.ndarray:
    """Asymmetric trust update from promises kept or broken.

    kept:   T <- T + gain * (1 - T)   (a share of the headroom is gained)
    broken: T <- T - loss * T         (a share of the trust is lost)
    With loss > gain a broken promise costs more than a kept one earns
    (Slovic 1993).  ``loss`` may be an array (e.g. softened by transparency).
    """
    trust = np.where(kept, trust + gain * (1.0 - trust), trust)
    return np.where(broken, trust - loss * trust, trust)


def shift_toward(level: np.ndarray, positive: np.ndarray, negative: np.ndarray,
                 rate: float) -> np.ndarray:
    """Move a [0, 1] score up by ``rate`` of its headroom per positive signal, down per negative one.

    level <- level + rate * (positive * (1 - level) - negative * level), clipped
    to [0, 1].  Used for word-of-mouth effects on trust, attitude and
    expectation (weighted message counts as signals).
    """
    return np.clip(level + rate * (positive * (1.0 - level) - negative * level), 0.0, 1.0)
