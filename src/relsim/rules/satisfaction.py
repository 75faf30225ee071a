"""Service encounters: expectation-disconfirmation with loss aversion.

Oliver (1980): satisfaction with an encounter depends on the gap between what
was experienced and what was expected (disconfirmation).  Prospect theory
(Kahneman & Tversky 1979; Tversky & Kahneman 1992): a shortfall hurts more than
an equal surplus pleases, by the loss-aversion ratio lambda ~ 2.25.  Because the
value function is kinked at zero, an inconsistent firm (large spread of
quality) satisfies less than a consistent one with the same mean quality.
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section


class SatisfactionParams(Section):
    """The ``behaviour`` parameters that the satisfaction and expectation rules read."""

    loss_aversion: float = P(2.25, 1.0, 5.0, unit="ratio",
                             doc="weight of a negative disconfirmation relative to a positive one",
                             source="Tversky & Kahneman 1992")
    disconfirmation_gain: float = P(1.0, 0.0, 5.0, unit="score per score",
                                    doc="slope of transaction satisfaction in disconfirmation",
                                    source="Oliver 1980")
    satisfaction_rate: float = P(0.2, 0.0, 1.0, unit="weight per encounter",
                                 doc="weight of the latest encounter in cumulative satisfaction",
                                 source="Johnson, Anderson & Fornell 1995 cumulative satisfaction")
    expectation_rate: float = P(0.3, 0.0, 1.0, unit="weight per encounter",
                                doc="weight of the latest experience in next expectation",
                                source="adaptive expectations, Boulding et al. 1993")


def experienced_quality(mean: np.ndarray, sd: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Quality experienced in an encounter: the firm's mean plus its spread times a normal draw.

    x = clip(mean + sd * z, 0, 1), z ~ N(0, 1).
    """
    return np.clip(mean + sd * z, 0.0, 1.0)


def disconfirmation(experienced: np.ndarray, expectation: np.ndarray) -> np.ndarray:
    """Disconfirmation d = x - E: positive when the encounter beats the expectation (Oliver 1980)."""
    return experienced - expectation


def perceived_value(d: np.ndarray, loss_aversion: float) -> np.ndarray:
    """Prospect-theory value of a disconfirmation: v(d) = d if d >= 0, else lambda * d.

    Tversky & Kahneman (1992): losses loom larger than gains (lambda ~ 2.25).
    With lambda >= 1 this is min(d, lambda * d), computed without a branch per
    customer (and max(d, lambda * d) for lambda < 1).
    """
    scaled = loss_aversion * np.asarray(d)
    if np.ndim(loss_aversion):  # one per customer
        return np.where(loss_aversion >= 1.0, np.minimum(d, scaled), np.maximum(d, scaled))
    return np.minimum(d, scaled) if loss_aversion >= 1.0 else np.maximum(d, scaled)


def transaction_satisfaction(experienced: np.ndarray, value: np.ndarray, gain: float
                             ) -> np.ndarray:
    """Satisfaction with one encounter: performance plus valued disconfirmation.

    s = clip(x + gain * v(d), 0, 1).  Performance has a direct effect and the
    disconfirmation adds to it (Churchill & Surprenant 1982; Oliver 1980): a
    met expectation leaves satisfaction at the quality experienced, a shortfall
    pulls it down by lambda times as much as an equal surplus lifts it.
    """
    return np.clip(experienced + gain * value, 0.0, 1.0)


def update_satisfaction(satisfaction: np.ndarray, encounter: np.ndarray,
                        had_encounter: np.ndarray, rate: float) -> np.ndarray:
    """Cumulative satisfaction is a running average of encounter satisfactions.

    S <- S + rate * (s - S) for customers who had an encounter (Johnson,
    Anderson & Fornell 1995: cumulative satisfaction is an evaluation of all
    experience to date, weighting recent encounters more).
    """
    return np.where(had_encounter, satisfaction + rate * (encounter - satisfaction), satisfaction)


def update_expectation(expectation: np.ndarray, experienced: np.ndarray,
                       had_encounter: np.ndarray, rate: float) -> np.ndarray:
    """Adaptive expectation: next time the customer expects a mix of old expectation and experience.

    E <- E + rate * (x - E) (Boulding, Kalra, Staelin & Zeithaml 1993: "will"
    expectations are updated by each experience).
    """
    return np.where(had_encounter, expectation + rate * (experienced - expectation), expectation)


def steady_state_satisfaction(quality: float, quality_sd: float, loss_aversion: float,
                              gain: float, expectation_rate: float) -> float:
    """Closed-form long-run mean satisfaction with a firm of given mean and spread (no clipping).

    With adaptive expectations the disconfirmation d = x - E is centred on zero
    with variance sd^2 * (1 + rate / (2 - rate)) (E is an exponentially weighted
    mean of past x, independent of the new x).  For d ~ N(0, s^2),
    E[v(d)] = -(lambda - 1) s / sqrt(2 pi), so
    S* = quality - gain (lambda - 1) s / sqrt(2 pi): falling in the spread at
    equal mean quality.  Used by the validation tests of MODEL.md fact 8.
    """
    spread = quality_sd * np.sqrt(1.0 + expectation_rate / (2.0 - expectation_rate))
    return float(quality - gain * (loss_aversion - 1.0) * spread / np.sqrt(2.0 * np.pi))
