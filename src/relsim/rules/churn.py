"""Churn hazard, switching and win-back.

A customer leaves with a weekly hazard that falls with commitment (Gustafsson,
Johnson & Roos 2005) and switching costs (Burnham, Frels & Mahajan 2003) and
rises with the attractiveness of the best known alternative (Ping 1993).
Customers differ in their proneness to churn; a beta-distributed proneness
gives the shifted-beta-geometric retention curve of Fader & Hardie (2007),
whose aggregate hazard falls with tenure even though no individual's does.
"""

from __future__ import annotations

import numpy as np

from relsim.params import P, Section

MAX_LOG_MULTIPLIER = 700.0
"""Cap on the log hazard multiplier (exp(700) ~ 1e304, below float overflow)."""


class ChurnParams(Section):
    """The ``behaviour`` parameters that the churn, switching and win-back rules read."""

    base_churn: float = P(0.01, 0.0, 1.0, unit="probability per week",
                          doc="weekly churn hazard at neutral commitment (0.5), no better rival "
                          "and no switching cost", source="calibrated: 10-25% annual churn of "
                          "committed customers, Reichheld & Sasser 1990 range")
    churn_heterogeneity: float = P(0.0, 0.0, 1e6, unit="1/concentration",
                                   doc="spread of individual churn proneness (0 = identical; "
                                   "beta-distributed, gives shifted-beta-geometric retention)",
                                   source="Fader & Hardie 2007")
    commitment_effect: float = P(4.0, 0.0, 50.0, unit="log-hazard per score",
                                 doc="fall in log churn hazard per unit commitment above 0.5",
                                 source="Gustafsson, Johnson & Roos 2005")
    alternative_effect: float = P(2.0, 0.0, 50.0, unit="log-hazard per utility",
                                  doc="rise in log hazard per unit attractiveness gap to best rival",
                                  source="Ping 1993 alternative attractiveness")
    switching_cost_effect: float = P(2.0, 0.0, 50.0, unit="log-hazard per score",
                                     doc="fall in log hazard per unit switching cost",
                                     source="Burnham, Frels & Mahajan 2003")
    switch_share: float = P(0.5, 0.0, 1.0, unit="probability",
                            doc="probability that a churner who knows a rival switches at once")
    winback_rate: float = P(0.01, 0.0, 1.0, unit="probability per week",
                            doc="weekly probability that a lapsed customer returns to a firm",
                            source="Thomas, Blattberg & Fox 2004")


def churn_proneness(mean: float, heterogeneity: float, size: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Individual baseline weekly churn probability theta_i.

    heterogeneity 0: theta_i = mean for all.  Otherwise theta_i ~ Beta(a, b)
    with a = mean / heterogeneity, b = (1 - mean) / heterogeneity, i.e. mean
    ``mean`` and 1 / (a + b) = heterogeneity (Fader & Hardie 2007's sBG mixing).

    Drawn by inversion, theta_i = F^-1(u_i; a, b) with one uniform u_i per customer:
    under common random numbers every customer keeps its quantile when ``mean`` or
    ``heterogeneity`` change, so theta moves smoothly with them (a calibration's
    objective is then smooth in both), and the number of draws never depends on them.
    """
    from scipy.special import betaincinv

    a, b = (mean / heterogeneity, (1.0 - mean) / heterogeneity) if heterogeneity > 0 else (0, 0)
    if not (a > 0 and b > 0):  # homogeneous, or a degenerate mean (0, 1 or underflow)
        return np.full(size, mean, dtype=float)
    return betaincinv(a, b, rng.random(size))


def churn_hazard(proneness: np.ndarray, commitment: np.ndarray, rival_gap: np.ndarray,
                 switching_cost: np.ndarray, commitment_effect: float,
                 alternative_effect: float, switching_cost_effect: float) -> np.ndarray:
    """Weekly churn probability of a customer in a relationship.

    h = min(1, theta * exp(-b_C (C - 0.5) + b_A max(0, gap) - b_S * switching_cost))
    At neutral commitment (0.5), no better rival and no switching cost h = theta.
    """
    log_multiplier = (-commitment_effect * (commitment - 0.5)
                      + alternative_effect * np.maximum(0.0, rival_gap)
                      - switching_cost_effect * switching_cost)
    # capped below float overflow, so a proneness of 0 gives 0, never 0 * inf = NaN
    return np.minimum(1.0, proneness * np.exp(np.minimum(log_multiplier, MAX_LOG_MULTIPLIER)))


def survival_closed_form(retention: float, t: np.ndarray) -> np.ndarray:
    """Geometric survival of a constant retention probability: S(t) = r^t."""
    return retention ** np.asarray(t, dtype=float)


def sbg_survival(mean: float, heterogeneity: float, t: np.ndarray) -> np.ndarray:
    """Shifted-beta-geometric survival S(t) = B(a, b + t) / B(a, b) (Fader & Hardie 2007)."""
    from scipy.special import betaln

    a, b = mean / heterogeneity, (1.0 - mean) / heterogeneity
    return np.exp(betaln(a, b + np.asarray(t, dtype=float)) - betaln(a, b))
