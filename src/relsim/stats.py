"""Confidence intervals over replications.

Replications of a stochastic simulation are independent draws of its outcomes,
so the mean of ``R`` replications has a Student-t interval
``mean +- t(0.975, R - 1) * sd / sqrt(R)`` (Law 2015, *Simulation Modeling and
Analysis*, section 9.4.1).  A difference between two variants run with common
random numbers is a paired difference: the interval of the mean of the
per-replication differences (Law 2015, section 10.2.1), which is narrower than
the unpaired one when the variants' outcomes are positively correlated.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
"""Level of every interval relsim reports."""


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """Mean, lower and upper bound of the Student-t interval of the mean, and the number of
    values used (NaNs are dropped).  The bounds are NaN with fewer than two values; with all
    values equal, the interval is the point itself."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, np.nan, np.nan, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n
