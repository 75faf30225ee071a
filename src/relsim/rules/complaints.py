"""Service failures, complaints and service recovery.

A failure is an encounter far below expectation or a broken promise.  Most
dissatisfied customers do not complain (TARP 1986).  A complaint the firm
resolves well can leave the customer more satisfied than no failure at all, the
service recovery paradox (McCollough, Berry & Yadav 2000; Smith & Bolton 1998);
one it fails to resolve is a second failure, a "double deviation" (Bitner,
Booms & Tetreault 1990).  How complaints are handled also shapes perceived
fairness (Tax, Brown & Chandrashekaran 1998: justice in complaint handling).
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section


class ComplaintParams(Section):
    """The ``behaviour`` parameters that the complaints and recovery rules read."""

    failure_threshold: float = P(0.15, 0.0, 1.0, unit="score",
                                 doc="shortfall below expectation that counts as a service failure")
    complaint_prob: float = P(0.3, 0.0, 1.0, unit="probability",
                              doc="probability that a customer complains after a failure",
                              source="TARP 1986: most dissatisfied customers do not complain")
    double_deviation: float = P(0.2, 0.0, 1.0, unit="score",
                                doc="extra satisfaction lost when a complaint is not resolved",
                                source="Bitner, Booms & Tetreault 1990")


def service_failure(had_encounter: np.ndarray, disconfirmation: np.ndarray,
                    broken: np.ndarray, threshold: float) -> np.ndarray:
    """A failure: an encounter more than ``threshold`` below expectation, or a broken promise."""
    return had_encounter & ((disconfirmation < -threshold) | broken)


def recovered_satisfaction(encounter_satisfaction: np.ndarray, complained: np.ndarray,
                           resolved: np.ndarray, recovery_quality: np.ndarray,
                           double_deviation: float) -> np.ndarray:
    """Encounter satisfaction after complaint handling.

    resolved:     s = recovery_quality  (the recovery becomes the experience;
                  above a normal encounter when recovery is excellent: the paradox)
    not resolved: s = max(0, s - double_deviation)  (a double deviation)
    otherwise the encounter's own satisfaction stands.
    """
    s = np.where(complained & ~resolved,
                 np.maximum(0.0, encounter_satisfaction - double_deviation),
                 encounter_satisfaction)
    return np.where(resolved, recovery_quality, s)


def complaint_fairness(fairness: np.ndarray, complained: np.ndarray, resolved: np.ndarray,
                       recovery_quality: np.ndarray, rate: float) -> np.ndarray:
    """Justice of complaint handling moves fairness toward the recovery quality (0 if unresolved)."""
    target = np.where(resolved, recovery_quality, 0.0)
    return np.where(complained, fairness + rate * (target - fairness), fairness)
