"""Confidence intervals over replications.

Replications of a stochastic simulation are independent draws of its outcomes,
so the mean of ``R`` replications has a Student-t interval
``mean +- t(0.975, R - 1) * sd / sqrt(R)`` (Law 2015, *Simulation Modeling and
Analysis*, section 9.4.1).  A difference between two variants run with common
random numbers is a paired difference: the interval of the mean of the
per-replication differences (Law 2015, section 10.2.1), which is narrower than
the unpaired one when the variants' outcomes are positively correlated.

Shares, rates and counts have bounds the t interval ignores: with few replications
it gives "retention 89% [75%, 103%]".  :func:`bounded_interval` keeps the t
interval's centre (the mean) and standard error but builds the interval on a scale
where the bounds are at infinity -- the logit of the position within
``[lower, upper]`` for a quantity bounded on both sides, the log of the distance to
the bound for one bounded on one side -- and maps it back (the delta method:
``g(mean) +- t * se * g'(mean)``; the logit-transformed interval of a proportion,
Agresti 2013, *Categorical Data Analysis*, 3rd ed., section 1.4; the log-transformed
interval of a positive mean, Kalbfleisch & Prentice 2002, section 1.4).  Both ends
then lie within the bounds (a mean on a bound, which needs every value on it,
gives the point itself), the interval is skewed away from the near bound the
way a bounded quantity's sampling distribution is, and far from the bounds it is
the t interval (each end moves by less than ``h**2 / d`` for half-width ``h`` and
distance ``d`` from the mean to the nearest bound).  ``docs/report.md`` says why
this and not a bootstrap or a clipped t interval.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

CONFIDENCE = 0.95
"""Level of every interval relsim reports."""


def _t_quantile(n, confidence: float) -> np.ndarray:
    """Student-t quantile of a two-sided ``confidence`` interval with ``n - 1`` degrees of
    freedom (NaN where ``n < 2``)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(n >= 2, stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)


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


def bounded_intervals(mean, sd, n, lower: float | None = None, upper: float | None = None,
                      confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of the interval of the mean of samples summarised by their
    ``mean``, standard deviation ``sd`` (``ddof=1``) and size ``n`` (arrays or scalars),
    for a quantity that lies within ``[lower, upper]`` (``None``: unbounded on that side).

    Unbounded: the Student-t interval ``mean +- t * sd / sqrt(n)``.  Bounded on both
    sides: ``p = (mean - lower) / (upper - lower)`` and, with ``k = t * se / (p (1 - p))``
    (``se`` in units of the range), ``lower + (upper - lower) * expit(logit(p) +- k)``.
    Bounded on one side: ``bound +- d * exp(+-t * se / d)`` with ``d = |mean - bound|``.
    A mean on a bound has the point itself as its interval; NaN where ``n < 2``.
    """
    mean = np.asarray(mean, dtype=float)
    se = np.asarray(sd, dtype=float) / np.sqrt(np.asarray(n, dtype=float))
    half = _t_quantile(n, confidence) * se
    lo, hi = mean - half, mean + half
    if lower is None and upper is None:
        return lo, hi
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if lower is not None and upper is not None:
            if not upper > lower:
                raise ValueError(f"bounds [{lower}, {upper}]: the upper must exceed the lower")
            width = upper - lower
            p = np.clip((mean - lower) / width, 0.0, 1.0)
            k = half / width / (p * (1 - p))
            lo = lower + width * special.expit(special.logit(p) - k)
            hi = lower + width * special.expit(special.logit(p) + k)
        elif lower is not None:
            d = np.maximum(mean - lower, 0.0)
            lo, hi = lower + d * np.exp(-half / d), lower + d * np.exp(half / d)
        else:
            d = np.maximum(upper - mean, 0.0)
            lo, hi = upper - d * np.exp(half / d), upper - d * np.exp(-half / d)
        on_bound = (mean <= (-np.inf if lower is None else lower)) | \
            (mean >= (np.inf if upper is None else upper))
    point = (on_bound | (half == 0)) & ~np.isnan(half)
    # the mean lies inside: exactly so, whatever the rounding of expit(logit(p))
    return np.where(point, mean, np.minimum(lo, mean)), np.where(point, mean, np.maximum(hi, mean))


def bounded_interval(values, lower: float | None = None, upper: float | None = None,
                     confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """Mean, lower and upper end of the interval of the mean of ``values``, a quantity
    within ``[lower, upper]`` (``None``: unbounded on that side; both ``None``: exactly
    :func:`t_interval`), and the number of values used (NaNs dropped).  The interval never
    leaves the bounds and always contains the mean (:func:`bounded_intervals`).

    Raises ValueError if a value lies outside the bounds."""
    mean, lo, hi, n = t_interval(values, confidence)
    if n < 2 or (lower is None and upper is None):
        return mean, lo, hi, n
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    outside = x[((x < lower) if lower is not None else False)
                | ((x > upper) if upper is not None else False)]
    if len(outside):
        raise ValueError(f"value {outside[0]!r} lies outside the bounds [{lower}, {upper}]")
    lo, hi = bounded_intervals(mean, x.std(ddof=1), n, lower, upper, confidence)
    return mean, float(lo), float(hi), n


def difference_interval(differences, span: float | None = None,
                        confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """Mean of paired ``differences``, its Student-t interval and the number of pairs, the
    interval clipped to ``[-span, span]``: the range a difference of two values of a
    quantity bounded within a range of width ``span`` can take (``None``: unbounded).

    The t interval of a paired difference rarely reaches that range (a retention difference
    of +-100 pp); when it does (two or three wildly different replications), clipping keeps
    its coverage -- the true difference lies within the range -- and only drops impossible
    values."""
    mean, lo, hi, n = t_interval(differences, confidence)
    if span is not None and n >= 2:
        lo, hi = max(lo, -span), min(hi, span)
    return mean, lo, hi, n


def grouped_intervals(frame, by: list[str], column: str, lower: float | None = None,
                      upper: float | None = None, confidence: float = CONFIDENCE):
    """:func:`bounded_interval` of ``column`` within each group of ``frame`` (a pandas
    DataFrame) by the columns ``by``, in one pass: a DataFrame with the ``by`` columns and
    ``n`` (values used, NaNs dropped), ``mean``, ``lo``, ``hi``, one row per group present.

    Raises ValueError if a value lies outside the bounds."""
    values = frame[column]
    if (lower is not None and (values < lower).any()) or \
            (upper is not None and (values > upper).any()):
        raise ValueError(f"{column}: values from {values.min()!r} to {values.max()!r} lie "
                         f"outside the bounds [{lower}, {upper}]")
    moments = frame.groupby(by, observed=True, sort=True)[column].agg(["count", "mean", "std"])
    lo, hi = bounded_intervals(moments["mean"].to_numpy(), moments["std"].to_numpy(),
                               moments["count"].to_numpy(), lower, upper, confidence)
    out = moments.reset_index().rename(columns={"count": "n"}).drop(columns="std")
    out["lo"], out["hi"] = lo, hi
    return out
